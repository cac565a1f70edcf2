//! Opaque bearer tokens: `hs_` followed by 32 random bytes in base64url. Only the SHA-256 (hex)
//! of a token is stored, so a database leak does not leak working credentials.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

pub const PREFIX: &str = "hs_";

/// A freshly minted token: the plaintext goes to the client once, the hash to the database.
pub struct IssuedToken {
    pub plaintext: String,
    pub hash: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

pub fn issue() -> IssuedToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let plaintext = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    IssuedToken {
        hash: hash(&plaintext),
        plaintext,
    }
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `token` could be one of ours; saves a database lookup for garbage.
pub fn looks_valid(token: &str) -> bool {
    token.len() == PREFIX.len() + 43
        && token.starts_with(PREFIX)
        && token[PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The token of an `Authorization: Bearer <token>` header value.
pub fn from_authorization_header(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A random secret for generated passwords: 18 bytes, 24 base64url characters.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_are_prefixed_unique_and_hashed() {
        let a = issue();
        let b = issue();
        assert!(a.plaintext.starts_with("hs_"));
        assert!(looks_valid(&a.plaintext), "{}", a.plaintext);
        assert_ne!(a.plaintext, b.plaintext);
        assert_eq!(a.hash, hash(&a.plaintext));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.plaintext[3..]));
    }

    #[test]
    fn bearer_headers_are_parsed_case_insensitively() {
        assert_eq!(from_authorization_header("Bearer hs_abc"), Some("hs_abc"));
        assert_eq!(
            from_authorization_header("bearer   hs_abc "),
            Some("hs_abc")
        );
        assert_eq!(from_authorization_header("Basic dXNlcg=="), None);
        assert_eq!(from_authorization_header("Bearer"), None);
    }
}
