//! HS256 JWTs for logout tokens, with ring's HMAC and a small base64url codec.

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

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub(crate) fn b64url_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

pub(crate) fn b64url_decode(input: &str) -> Option<Vec<u8>> {
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    for chunk in input.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = ALPHABET.iter().position(|a| a == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
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
