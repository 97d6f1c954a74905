//! Secret values: the API key and the logout token.
//!
//! Both are newtypes whose `Debug` output is redacted and which implement no `Display`: the only
//! way to read the value is the explicit, greppable [`ApiKey::expose_secret`] /
//! [`LogoutToken::expose_secret`] call.

use std::fmt;

use crate::error::InvalidInput;
use crate::redact::REDACTED;
use crate::validate::{check, visible_ascii};

/// Longest API key accepted, in bytes. WorkOS keys are far shorter; the bound keeps a pasted file
/// from becoming a header.
const MAX_API_KEY_LEN: usize = 1024;

/// Longest logout token accepted, in bytes (the documented token is a JWT of a few hundred bytes).
const MAX_TOKEN_LEN: usize = 8 * 1024;

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
pub struct ApiKey(String);

impl ApiKey {
    /// Validates and wraps an API key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        check("API key", &key, MAX_API_KEY_LEN, visible_ascii)?;
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
