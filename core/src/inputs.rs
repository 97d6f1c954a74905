//! The caller's inputs, each validated when it is made, before any IO: the secrets ([`ApiKey`],
//! [`LogoutToken`]), the [`ProfileId`] and the [`IdempotencyKey`].
//!
//! One rule for all of them ([`check`]): not empty, bounded, and only the characters the input
//! allows. Errors name the input, the character class and its position, never the value. The
//! secrets redact themselves in `Debug` and have no `Display`: the only way to read one is the
//! explicit, greppable `expose_secret()` call.

use std::fmt;

use http::HeaderValue;

use crate::error::InvalidInput;
use crate::redact::{REDACTED, is_invisible};

/// Longest API key accepted, in bytes. WorkOS keys are far shorter; the bound keeps a pasted file
/// from becoming a header.
const MAX_API_KEY_LEN: usize = 1024;

/// Longest logout token accepted, in bytes (the documented token is a JWT of a few hundred bytes).
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Longest profile id accepted, in bytes (WorkOS ids are about 30).
const MAX_PROFILE_ID_LEN: usize = 1024;

/// Longest idempotency key accepted, in bytes.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Checks `value` (the `field` in messages): not empty or only whitespace, at most `max` bytes,
/// and every character accepted by `allowed`.
pub(crate) fn check(
    field: &'static str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), InvalidInput> {
    if value.trim().is_empty() {
        return Err(InvalidInput::Empty { field });
    }
    if value.len() > max {
        return Err(InvalidInput::TooLong {
            field,
            len: value.len(),
            max,
        });
    }
    match value.chars().enumerate().find(|(_, c)| !allowed(*c)) {
        Some((at, c)) => Err(InvalidInput::BadCharacter {
            field,
            what: describe_char(c),
            at,
        }),
        None => Ok(()),
    }
}

/// Names a character for an error message without echoing secret material around it.
fn describe_char(c: char) -> &'static str {
    match c {
        '\r' => "a carriage return (CR)",
        '\n' => "a line feed (LF)",
        ' ' => "a space",
        '\t' => "a tab",
        c if c.is_control() => "a control character",
        c if is_invisible(c) => "an invisible formatting character (zero-width or bidirectional)",
        c if !c.is_ascii() => "a non-ASCII character",
        _ => "a character not allowed here",
    }
}

/// Visible ASCII: what header values made of one token (keys, idempotency keys) may hold.
fn visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Printable text: no control characters, and none of the invisible characters that make two
/// different ids look the same (zero-width characters, bidirectional overrides and isolates).
fn printable(c: char) -> bool {
    !c.is_control() && !is_invisible(c)
}

/// An HTTP token character (RFC 9110 `tchar`).
pub(crate) fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// A header value from text validated to be fit for one. Every input that goes into a header is
/// validated first, so the error never happens; if it did, it names the input.
pub(crate) fn header_value(text: &str, field: &'static str) -> Result<HeaderValue, InvalidInput> {
    HeaderValue::from_str(text).map_err(|_| InvalidInput::BadCharacter {
        field,
        what: "a character not allowed in an HTTP header",
        at: 0,
    })
}

/// A WorkOS secret API key (`sk_…`), sent as `Authorization: Bearer <key>`.
///
/// Validated on construction: not empty, at most 1024 bytes, visible ASCII only (no spaces, CR,
/// LF or other control characters, which would break or smuggle headers).
///
/// ```
/// use workos_sso_logout::ApiKey;
/// let key = ApiKey::new("sk_test_123").unwrap();
/// assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
/// assert_eq!(key.expose_secret(), "sk_test_123");
/// assert!(ApiKey::new("sk_test_123\r\n").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    key: String,
    /// `Bearer <key>`, made once (sensitive: `http`'s `Debug` does not show it).
    bearer: HeaderValue,
}

impl ApiKey {
    /// Validates and wraps an API key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        check("API key", &key, MAX_API_KEY_LEN, visible_ascii)?;
        let mut bearer = header_value(&format!("Bearer {key}"), "API key")?;
        bearer.set_sensitive(true);
        Ok(Self { key, bearer })
    }

    /// The key itself. Call this only where the key must leave the process (the `Authorization`
    /// header); never log the result.
    pub fn expose_secret(&self) -> &str {
        &self.key
    }

    /// The `Authorization` header value that carries the key.
    pub(crate) fn bearer(&self) -> &HeaderValue {
        &self.bearer
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
/// 8 KiB, no control characters.
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
        check("logout token", &token, MAX_TOKEN_LEN, |c| !c.is_control())?;
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

/// A validated WorkOS SSO profile id (`prof_…`): not empty or blank, at most 1024 bytes, no
/// control characters and no invisible ones (zero-width, bidirectional overrides). Other Unicode
/// is kept as is.
///
/// ```
/// use workos_sso_logout::ProfileId;
/// assert_eq!(ProfileId::new("prof_01H").unwrap().as_str(), "prof_01H");
/// assert!(ProfileId::new("").is_err());
/// assert!(ProfileId::new("   ").is_err());
/// assert!(ProfileId::new("prof\n").is_err());
/// assert!(ProfileId::new("prof_\u{202E}1").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileId(String);

impl ProfileId {
    /// Validates a profile id.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidInput> {
        let id = id.into();
        check("profile id", &id, MAX_PROFILE_ID_LEN, printable)?;
        Ok(Self(id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ProfileId {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// A validated `Idempotency-Key`: 1 to 255 visible ASCII characters.
///
/// One key is sent with every attempt of one call, so WorkOS can tell a retry from a new call.
///
/// ```
/// use workos_sso_logout::IdempotencyKey;
/// assert_eq!(IdempotencyKey::new("order-42")?.as_str(), "order-42");
/// assert!(IdempotencyKey::new("two words").is_err());
/// # Ok::<(), workos_sso_logout::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Validates a caller-chosen key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        check(
            "idempotency key",
            &key,
            MAX_IDEMPOTENCY_KEY_LEN,
            visible_ascii,
        )?;
        Ok(Self(key))
    }

    /// The version-4 UUID 128 random bits make (see `IdempotencyKey::random`, which mixes in
    /// randomness of the process so a caller's repeated number cannot repeat a key).
    pub(crate) fn from_random_bits(random: u128) -> Self {
        let uuid = uuid::Builder::from_random_bytes(random.to_be_bytes()).into_uuid();
        Self(uuid.hyphenated().to_string())
    }

    /// The key. Visible ASCII by construction, so it is always a valid header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests;
