//! The errors a response stands for: [`ApiError`] (WorkOS answered an error status with a JSON
//! body) and [`UnexpectedResponse`] (the answer broke the protocol), with their parts.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::retry_after::{A_DAY, RetryAfter};

/// An error answered by the WorkOS API: an error status with a JSON error body.
///
/// ```
/// # use workos_sso_logout::parse_logout_authorize_response;
/// # let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
/// let answer = http::Response::builder()
///     .status(400)
///     .header("x-request-id", "req_42")
///     .body(r#"{"error":"connection_invalid","error_description":"Single Logout is only supported for GenericOIDC connections."}"#)?;
/// let err = parse_logout_authorize_response(&sent_to, &answer).unwrap_err();
/// let api = err.as_api().unwrap();
/// assert_eq!(api.code.as_deref(), Some("connection_invalid"));
/// assert_eq!(api.request_id.as_deref(), Some("req_42"));
/// assert!(api.hint().unwrap().contains("OpenID Connect"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Every text field has anything that looks like a credential replaced by `[redacted]`, so the
/// error can be logged as is. Both WorkOS shapes are read: `{"message", "code", "errors"}` and the OAuth-style
/// `{"error", "error_description"}` (folded into [`code`](Self::code) and
/// [`message`](Self::message)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// `code`, or the OAuth-style `error`.
    pub code: Option<String>,
    /// `message`, or the OAuth-style `error_description`.
    pub message: Option<String>,
    /// Field errors from `errors`, if any.
    pub errors: Vec<FieldError>,
    /// The `X-Request-ID` response header.
    pub request_id: Option<String>,
    /// The `Retry-After` response header, when present and readable.
    pub retry_after: Option<RetryAfter>,
    /// The endpoint that answered: `"logout_authorize"` or `"logout_redirect"` (the hint depends
    /// on it); `None` when the response was read without saying (never, through this crate).
    pub endpoint: Option<&'static str>,
    /// The URL that answered, its token redacted (`Display` names it).
    pub url: Option<String>,
}

impl ApiError {
    /// How long the server asked to wait before retrying, measured from `now`.
    pub fn retry_after_delay(&self, now: SystemTime) -> Option<Duration> {
        self.retry_after.map(|r| r.delay(now))
    }

    /// A short hint saying what to do about this error, when there is a useful one: keyed on the
    /// endpoint and the status first, so a server's own code names (`invalid_token`,
    /// `invalid_logout_token`…) need not be known in advance. `Display` ends with it.
    pub fn hint(&self) -> Option<&'static str> {
        let redirect = self.endpoint == Some("logout_redirect");
        match self.status.as_u16() {
            400 | 401 | 403 | 404 | 410 | 422 if redirect => Some(
                "the logout token is expired, malformed or already used; authorize a new logout",
            ),
            500..=599 if redirect => Some(
                "the logout token may have been spent; authorize a new logout rather than retrying",
            ),
            401 => Some("check that the API key is a valid WorkOS secret key for this environment"),
            403 => {
                Some("the API key is not allowed to do this; check its environment and permissions")
            }
            // WorkOS answers 404 for an unknown profile, and so does anything at a wrong path.
            404 => Some(
                "no such profile here, or no WorkOS at this URL: check the profile id (an SSO \
                 profile of this environment) and the base URL's path",
            ),
            400 if self.code.as_deref() == Some("connection_invalid") => Some(
                "logout needs an OpenID Connect connection whose IdP has an end_session_endpoint",
            ),
            429 if self.retry_after.is_some() => {
                Some("rate limited; retry after the delay the server asked for")
            }
            429 => Some("rate limited; wait a little before retrying (the server named no delay)"),
            500..=599 => Some("WorkOS had a server error; retry later and quote the request id"),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkOS API error: HTTP {}", self.status)?;
        if let Some(url) = &self.url {
            write!(f, " from {url}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        for e in &self.errors {
            write!(f, "; {e}")?;
        }
        match self.retry_after {
            Some(RetryAfter::Seconds(s)) if s > A_DAY.as_secs() => {
                f.write_str("; the server asked to wait more than a day")?;
            }
            Some(RetryAfter::Seconds(s)) => write!(f, "; the server asked to wait {s} s")?,
            _ => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        if let Some(hint) = self.hint() {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One entry of a WorkOS `errors` array ([`ApiError::errors`]).
///
/// ```
/// # use workos_sso_logout::parse_logout_authorize_response;
/// # let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
/// let body = r#"{"message":"Validation failed","errors":[{"field":"profile_id","code":"required"}]}"#;
/// let answer = http::Response::builder().status(422).body(body)?;
/// let err = parse_logout_authorize_response(&sent_to, &answer).unwrap_err();
/// let field = &err.as_api().unwrap().errors[0];
/// assert_eq!(field.field.as_deref(), Some("profile_id"));
/// assert_eq!(field.to_string(), "profile_id: required");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FieldError {
    /// The field the error is about.
    pub field: Option<String>,
    /// A machine-readable code.
    pub code: Option<String>,
    /// A human-readable message.
    pub message: Option<String>,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field.as_deref().unwrap_or("?");
        let what = self
            .message
            .as_deref()
            .or(self.code.as_deref())
            .unwrap_or("invalid");
        write!(f, "{field}: {what}")
    }
}

/// Why a response could not be understood ([`UnexpectedResponse::reason`]; see there for an
/// example).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnexpectedReason {
    /// The body is empty where a JSON body was expected.
    EmptyBody,
    /// The body is not JSON (an HTML error page, plain text, a truncated document…).
    NotJson {
        /// The response's `Content-Type`, if any.
        content_type: Option<String>,
    },
    /// The JSON is not an object of the expected shape.
    WrongShape,
    /// A required field is absent.
    MissingField(&'static str),
    /// A field has the wrong type or an invalid value.
    InvalidField(&'static str),
    /// A redirect status without a usable `Location` header (missing, empty, not `http(s)`, or
    /// pointing back at the request).
    MissingLocation,
    /// A redirect whose `Location` carries a secret of the call (the logout token or the API key).
    SecretInLocation,
    /// A redirect with several `Location` headers that differ: no one destination to trust.
    ConflictingLocations,
    /// A field appears twice in the JSON body: no one value to trust.
    DuplicateField(&'static str),
    /// The `token` of the `logout_url` is not the `logout_token` of the same answer.
    TokenMismatch,
    /// A status this endpoint never answers with (1xx, for instance).
    UnexpectedStatus,
}

impl fmt::Display for UnexpectedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnexpectedReason::EmptyBody => f.write_str("the body is empty"),
            UnexpectedReason::NotJson {
                content_type: Some(ct),
            } => write!(f, "the body is not JSON (Content-Type: {ct})"),
            UnexpectedReason::NotJson { content_type: None } => f.write_str("the body is not JSON"),
            UnexpectedReason::WrongShape => f.write_str("the JSON body has an unexpected shape"),
            UnexpectedReason::MissingField(name) => write!(f, "the field `{name}` is missing"),
            UnexpectedReason::InvalidField(name) => {
                write!(f, "the field `{name}` has a wrong type or an invalid value")
            }
            UnexpectedReason::MissingLocation => {
                f.write_str("a redirect without a valid Location header")
            }
            UnexpectedReason::SecretInLocation => {
                f.write_str("a redirect whose Location carries a secret of this call")
            }
            UnexpectedReason::ConflictingLocations => {
                f.write_str("a redirect with several Location headers that differ")
            }
            UnexpectedReason::DuplicateField(name) => write!(f, "the field `{name}` appears twice"),
            UnexpectedReason::TokenMismatch => {
                f.write_str("the token in `logout_url` is not the `logout_token`")
            }
            UnexpectedReason::UnexpectedStatus => f.write_str("this status is not expected here"),
        }
    }
}

/// A response that does not follow the protocol. Keeps the status, the request id and a bounded,
/// redacted excerpt of the body for diagnosis.
///
/// ```
/// use workos_sso_logout::UnexpectedReason;
/// # use workos_sso_logout::parse_logout_authorize_response;
/// # let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
/// let page = http::Response::builder()
///     .status(502)
///     .header("content-type", "text/html")
///     .body("<html>Bad gateway</html>")?;
/// let err = parse_logout_authorize_response(&sent_to, &page).unwrap_err();
/// let unexpected = err.as_unexpected().unwrap();
/// assert_eq!(unexpected.status, 502);
/// assert!(matches!(unexpected.reason, UnexpectedReason::NotJson { .. }));
/// assert_eq!(unexpected.body_excerpt, "<html>Bad gateway</html>");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected response from WorkOS: HTTP {status}{from}: {reason}{rid}", from = url.as_ref().map(|u| format!(" from {u}")).unwrap_or_default(), rid = request_id.as_ref().map(|r| format!(" [request id {r}]")).unwrap_or_default())]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `X-Request-ID` response header.
    pub request_id: Option<String>,
    /// What was wrong.
    pub reason: UnexpectedReason,
    /// At most 512 bytes of the body, with anything that looks like a credential
    /// replaced by `[redacted]`.
    pub body_excerpt: String,
    /// The URL that answered, its token redacted (`Display` names it).
    pub url: Option<String>,
}
