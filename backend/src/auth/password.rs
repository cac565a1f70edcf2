//! Passwords: a validated newtype, and Argon2id hashing off the async runtime.

use std::sync::LazyLock;

use anyhow::Context as _;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use handoff_shared::FieldError;
use rand::RngCore as _;

pub const MIN_LENGTH: usize = 8;
/// Long inputs make hashing slow; nobody types more.
pub const MAX_LENGTH: usize = 256;

/// A password that meets the length rules. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            return Err(FieldError::new(
                "password",
                format!("must be at least {MIN_LENGTH} characters long"),
            ));
        }
        if length > MAX_LENGTH {
            return Err(FieldError::new(
                "password",
                format!("must be at most {MAX_LENGTH} characters long"),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// An Argon2id PHC string for `password` (argon2 crate defaults: Argon2id v19, m=19 MiB, t=2).
pub async fn hash(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose()))
        .await
        .context("password hashing task failed")?
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(phc.to_string())
}

/// A hash of a password nobody knows, verified against when the user does not exist so that
/// unknown e-mails take as long to reject as wrong passwords.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let mut secret = [0u8; 24];
    rand::rng().fill_bytes(&mut secret);
    hash_blocking(&hex::encode(secret)).ok()
});

/// Whether `candidate` matches `stored` (a PHC string). With no stored hash, spends the same
/// time on a dummy hash and answers `false`.
pub async fn verify(candidate: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || match stored {
        Some(phc) => verify_blocking(&candidate, &phc),
        None => {
            if let Some(dummy) = DUMMY_HASH.as_deref() {
                let _ = verify_blocking(&candidate, dummy);
            }
            Ok(false)
        }
    })
    .await
    .context("password verification task failed")?
}

fn verify_blocking(candidate: &str, phc: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| anyhow::anyhow!("stored password hash: {e}"))?;
    match Argon2::default().verify_password(candidate.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(anyhow::anyhow!("argon2 verify: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_rejected_naming_the_field() {
        let err = Password::parse("seven77").unwrap_err();
        assert_eq!(err.field, "password");
        assert!(Password::parse("eight888").is_ok());
    }

    #[test]
    fn passwords_are_not_printed() {
        let password = Password::parse("correct horse").unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let phc = hash(Password::parse("correct horse").unwrap())
            .await
            .unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(
            verify("correct horse".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("battery staple".into(), Some(phc)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
