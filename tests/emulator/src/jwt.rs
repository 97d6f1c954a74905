//! HS256 JWTs for logout tokens, with ring's HMAC and the `base64` crate's URL-safe alphabet.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde_json::{Value, json};

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    Malformed,
    BadSignature,
}

pub(crate) struct Signer {
    key: hmac::Key,
}

impl Signer {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        }
    }

    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = b64url_encode(json!({"alg": "HS256", "typ": "JWT"}).to_string().as_bytes());
        let payload = b64url_encode(claims.to_string().as_bytes());
        let input = format!("{header}.{payload}");
        let tag = hmac::sign(&self.key, input.as_bytes());
        format!("{input}.{}", b64url_encode(tag.as_ref()))
    }

    /// Verifies the signature (in constant time) and returns the claims.
    pub(crate) fn verify(&self, token: &str) -> Result<Value, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Value = b64url_decode(header)
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or(TokenError::Malformed)?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(TokenError::Malformed);
        }
        let sig = b64url_decode(sig).ok_or(TokenError::Malformed)?;
        let input_len = header_len(token);
        hmac::verify(&self.key, &token.as_bytes()[..input_len], &sig)
            .map_err(|_| TokenError::BadSignature)?;
        b64url_decode(payload)
            .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
            .filter(Value::is_object)
            .ok_or(TokenError::Malformed)
    }
}

/// Length of `header.payload`, the signed part.
fn header_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

/// Unpadded base64url, as JWTs write it.
pub(crate) fn b64url_encode(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(input)
}

/// Decodes unpadded base64url; `None` for anything else, non-canonical encodings included (a
/// signature with stray trailing bits is not the signature that was issued).
pub(crate) fn b64url_decode(input: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(input).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_and_matches_known_vectors() {
        assert_eq!(b64url_encode(b""), "");
        assert_eq!(b64url_encode(b"f"), "Zg");
        assert_eq!(b64url_encode(b"fo"), "Zm8");
        assert_eq!(b64url_encode(b"foo"), "Zm9v");
        assert_eq!(b64url_encode(&[0xfb, 0xff]), "-_8");
        for len in 0..40u8 {
            let data: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(b64url_decode(&b64url_encode(&data)).unwrap(), data);
        }
        assert_eq!(b64url_decode("a"), None);
        assert_eq!(b64url_decode("a*"), None);
        assert_eq!(b64url_decode("Zm8="), None); // padded
        assert_eq!(b64url_decode("Zm9"), None); // non-canonical: stray trailing bits
    }

    #[test]
    fn signed_tokens_verify_and_tampering_is_caught() {
        let s = Signer::new(b"secret");
        let t = s.sign(&json!({"profile_id": "p", "exp": 1}));
        assert_eq!(s.verify(&t).unwrap()["profile_id"], "p");
        let mut tampered = t.clone();
        tampered.insert(t.find('.').unwrap() + 2, 'A');
        assert!(s.verify(&tampered).is_err());
        assert_eq!(
            Signer::new(b"other").verify(&t),
            Err(TokenError::BadSignature)
        );
        assert_eq!(s.verify("a.b"), Err(TokenError::Malformed));
        assert_eq!(s.verify("not a token"), Err(TokenError::Malformed));
    }
}
