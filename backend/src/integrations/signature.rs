//! HMAC-SHA256 signatures of webhook bodies: `X-Handoff-Signature: sha256=<hex>`.
//!
//! The same scheme signs what Handoff sends (outbound webhooks) and checks what it receives
//! (`POST /webhooks/leads`), so an integrator implements it once.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Handoff-Signature";
/// The scheme prefix of the header value.
const PREFIX: &str = "sha256=";

/// `sha256=<lower-case hex of HMAC-SHA256(secret, message)>`.
pub fn sign(secret: &str, message: &[u8]) -> String {
    format!(
        "{PREFIX}{}",
        hex::encode(mac(secret, message).finalize().into_bytes())
    )
}

/// Whether `header` (`sha256=<hex>`, hex in either case) is the signature of `message` under
/// `secret`. The comparison takes the same time wherever the first wrong byte is.
pub fn verify(secret: &str, message: &[u8], header: &str) -> bool {
    let header = header.trim();
    let Some(hex_part) = header
        .get(..PREFIX.len())
        .filter(|scheme| scheme.eq_ignore_ascii_case(PREFIX))
        .map(|_| &header[PREFIX.len()..])
    else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_part) else {
        return false;
    };
    mac(secret, message).verify_slice(&expected).is_ok()
}

fn mac(secret: &str, message: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(message);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_body_does_not() {
        let signature = sign("s3cret", b"{\"leads\":[]}");
        assert!(signature.starts_with("sha256="));
        assert!(verify("s3cret", b"{\"leads\":[]}", &signature));
        assert!(verify(
            "s3cret",
            b"{\"leads\":[]}",
            &signature.to_uppercase().replacen("SHA256=", "sha256=", 1)
        ));
        assert!(!verify("s3cret", b"{\"leads\":[ ]}", &signature));
        assert!(!verify("other", b"{\"leads\":[]}", &signature));
        assert!(!verify("s3cret", b"{\"leads\":[]}", "sha256=zz"));
        assert!(!verify("s3cret", b"{\"leads\":[]}", "md5=00"));
        assert!(!verify("s3cret", b"{\"leads\":[]}", ""));
    }

    #[test]
    fn matches_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
