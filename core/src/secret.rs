//! Secret values: the API key and the logout token.
//!
//! Both are newtypes whose `Debug` output is redacted and which implement no `Display`: the only
//! way to read the value is the explicit, greppable [`ApiKey::expose_secret`] /
//! [`LogoutToken::expose_secret`] call.

use std::fmt;

use crate::error::InvalidInput;

/// Longest API key accepted, in bytes. WorkOS keys are far shorter; the bound keeps a pasted file
/// from becoming a header.
pub const MAX_API_KEY_LEN: usize = 1024;

/// Longest logout token accepted, in bytes (the documented token is a JWT of a few hundred bytes).
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

const REDACTED: &str = "[redacted]";

/// A WorkOS secret API key (`sk_…`), sent as `Authorization: Bearer <key>`.
///
/// Validated on construction: not empty, at most [`MAX_API_KEY_LEN`] bytes, visible ASCII only
/// (no spaces, CR, LF or other control characters, which would break or smuggle headers).
///
/// ```
/// use workos_sso_logout::ApiKey;
/// let key = ApiKey::new("sk_test_123").unwrap();
/// assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
/// assert_eq!(key.expose_secret(), "sk_test_123");
/// assert!(ApiKey::new("sk_test_123\r\n").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Validates and wraps an API key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        if key.is_empty() {
            return Err(InvalidInput::EmptyApiKey);
        }
        if key.len() > MAX_API_KEY_LEN {
            return Err(InvalidInput::ApiKeyTooLong {
                max: MAX_API_KEY_LEN,
            });
        }
        if let Some(bad) = key.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(InvalidInput::ApiKeyCharacter(describe_char(bad)));
        }
        Ok(Self(key))
    }

    /// The key itself. Call this only where the key must leave the process (the `Authorization`
    /// header); never log the result.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({REDACTED})")
    }
}

/// The short-lived `logout_token` minted by Logout Authorize: a bearer credential.
///
/// Treated as opaque: the SDK never decodes it. Validated on construction: not empty, at most
/// [`MAX_TOKEN_LEN`] bytes, no control characters.
///
/// ```
/// use workos_sso_logout::LogoutToken;
/// let token = LogoutToken::new("eyJhbGciOi.payload.sig").unwrap();
/// assert_eq!(format!("{token:?}"), "LogoutToken([redacted])");
/// assert!(LogoutToken::new("").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct LogoutToken(String);

impl LogoutToken {
    /// Validates and wraps a logout token.
    pub fn new(token: impl Into<String>) -> Result<Self, InvalidInput> {
        let token = token.into();
        if token.is_empty() {
            return Err(InvalidInput::EmptyToken);
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(InvalidInput::TokenTooLong { max: MAX_TOKEN_LEN });
        }
        if token.chars().any(char::is_control) {
            return Err(InvalidInput::TokenControlCharacter);
        }
        Ok(Self(token))
    }

    /// The token itself, for the one place it must go (the `token` query parameter, or a JSON
    /// answer the user asked for). Never log the result.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LogoutToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogoutToken({REDACTED})")
    }
}

/// Names a character for an error message without echoing secret material around it.
pub(crate) fn describe_char(c: char) -> &'static str {
    match c {
        '\r' => "a carriage return (CR)",
        '\n' => "a line feed (LF)",
        ' ' => "a space",
        '\t' => "a tab",
        c if c.is_control() => "a control character",
        c if !c.is_ascii() => "a non-ASCII character",
        _ => "a character not allowed in an HTTP header",
    }
}

/// Renders a URL with the value of every query parameter whose name contains `token` replaced by
/// `[redacted]`, and without user info. Used by `Debug` impls of values that carry a logout URL.
pub fn redact_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    // Both calls only fail for URLs that cannot have credentials; nothing to strip then.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.to_ascii_lowercase().contains("token") {
                    REDACTED.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // The query serialiser percent-encodes the brackets; show the marker as written.
    shown.to_string().replace("%5Bredacted%5D", REDACTED)
}

/// Replaces anything that looks like a credential in free text: `sk_…` keys, JWT-like `eyJ…`
/// strings, and long (32 or more) mixed-case alphanumeric runs such as random tokens. Words such
/// as `invalid_request_parameters` and UUID request ids are kept.
pub(crate) fn redact_text(text: &str) -> String {
    fn is_token_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '=')
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if looks_secret(word) {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_token_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// At most `max_chars` characters of server-supplied text, scrubbed by [`redact_text`]: what every
/// string kept from a response (message, code, field error, request id, content type) goes through.
pub(crate) fn bounded_text(text: &str, max_chars: usize) -> String {
    redact_text(&text.chars().take(max_chars).collect::<String>())
}

fn looks_secret(word: &str) -> bool {
    let has = |f: fn(&char) -> bool| word.chars().any(|c| f(&c));
    word.starts_with("sk_")
        || word.starts_with("eyJ")
        || (word.len() >= 32
            && has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit))
}
