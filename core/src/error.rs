//! The errors the core can report: invalid input (before any IO), an API error, or an unexpected
//! response.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::retry::FailureKind;
use crate::retry_after::RetryAfter;
use crate::secret::{bounded_text, redact_text, redact_url};

/// Longest body excerpt kept on an [`UnexpectedResponse`], in bytes.
pub const MAX_EXCERPT_LEN: usize = 512;

/// Everything the core can say went wrong.
///
/// `Display` is one line a person can act on; no variant ever contains the API key or the logout
/// token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input was rejected before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),
    /// WorkOS answered with an error status and a JSON error body.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The response was not what the protocol promises (not JSON, a field missing, an HTML page…).
    #[error(transparent)]
    UnexpectedResponse(Box<UnexpectedResponse>),
    /// The transport could not get a response: connect failure, timeout, body too large, other.
    /// The core never makes this itself; transports report it through [`Call::after_send`].
    ///
    /// [`Call::after_send`]: crate::Call::after_send
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl Error {
    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::InvalidInput(_) | Error::Transport(_) => None,
            Error::Api(e) => Some(e.status),
            Error::UnexpectedResponse(e) => Some(e.status),
        }
    }

    /// The `X-Request-ID` of the response this error came from, if the server sent one. Quote it
    /// to WorkOS support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::InvalidInput(_) | Error::Transport(_) => None,
            Error::Api(e) => e.request_id.as_deref(),
            Error::UnexpectedResponse(e) => e.request_id.as_deref(),
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The transport failure, if this is one.
    pub fn as_transport(&self) -> Option<&TransportError> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The unexpected-response details, if this is one.
    pub fn as_unexpected(&self) -> Option<&UnexpectedResponse> {
        match self {
            Error::UnexpectedResponse(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<UnexpectedResponse> for Error {
    fn from(e: UnexpectedResponse) -> Self {
        Error::UnexpectedResponse(Box::new(e))
    }
}

/// A transport's failure to get a response, with its kind (which drives retries) and its
/// source kept.
///
/// ```
/// use workos_sso_logout::{FailureKind, TransportError};
/// let e = TransportError::new(FailureKind::Connect, std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
/// assert_eq!(e.kind(), FailureKind::Connect);
/// assert!(e.to_string().starts_with("could not connect to WorkOS"));
/// assert!(std::error::Error::source(&e).is_some());
/// ```
#[derive(Debug)]
pub struct TransportError {
    kind: FailureKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl TransportError {
    /// A failure of `kind`, caused by `source`.
    pub fn new(
        kind: FailureKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }

    /// A body larger than `limit` bytes.
    pub fn body_too_large(limit: u64) -> Self {
        Self::new(
            FailureKind::BodyTooLarge,
            format!("the response body is larger than the limit of {limit} bytes"),
        )
    }

    /// A call that did not finish within `timeout`.
    pub fn timed_out(timeout: Duration) -> Self {
        Self::new(
            FailureKind::Timeout,
            format!("no complete response within {} ms", timeout.as_millis()),
        )
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> FailureKind {
        self.kind
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FailureKind::Connect => "could not connect to WorkOS",
            FailureKind::Timeout => "the call to WorkOS timed out",
            FailureKind::BodyTooLarge => "the response from WorkOS is too large",
            FailureKind::Other => "the HTTP exchange with WorkOS failed",
        };
        // Transport messages can quote URLs; scrub anything credential-like.
        write!(f, "{what}: {}", redact_text(&self.source.to_string()))
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Input rejected at construction, before any IO.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// Logout Authorize needs an API key and the configuration has none.
    #[error("no API key is configured; Logout Authorize needs your WorkOS secret key (sk_…)")]
    MissingApiKey,
    /// The API key is empty.
    #[error("the API key is empty; use your WorkOS secret key (sk_…)")]
    EmptyApiKey,
    /// The API key is longer than the bound.
    #[error("the API key is longer than {max} bytes")]
    ApiKeyTooLong {
        /// The bound, in bytes.
        max: usize,
    },
    /// The API key has a character that cannot go into an HTTP header.
    #[error("the API key contains {0}; check for a stray newline or space")]
    ApiKeyCharacter(&'static str),
    /// The base URL is not acceptable.
    #[error("invalid base URL{shown}: {reason}", shown = url.as_ref().map(|u| format!(" `{u}`")).unwrap_or_default())]
    BaseUrl {
        /// The URL as parsed, without user info or query, when it could be parsed.
        url: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// The profile id is empty.
    #[error("the profile id is empty")]
    EmptyProfileId,
    /// The profile id is longer than the bound.
    #[error("the profile id is {len} bytes long; at most {max} are accepted")]
    ProfileIdTooLong {
        /// Its length, in bytes.
        len: usize,
        /// The bound, in bytes.
        max: usize,
    },
    /// The profile id contains a control character.
    #[error("the profile id contains a control character at byte {0}")]
    ProfileIdControlCharacter(usize),
    /// The logout token is empty.
    #[error("the logout token is empty")]
    EmptyToken,
    /// The logout token is longer than the bound.
    #[error("the logout token is longer than {max} bytes")]
    TokenTooLong {
        /// The bound, in bytes.
        max: usize,
    },
    /// The logout token contains a control character.
    #[error("the logout token contains a control character")]
    TokenControlCharacter,
    /// A logout URL to follow is not acceptable.
    #[error("invalid logout URL: {0}")]
    LogoutUrl(&'static str),
    /// The idempotency key is not acceptable.
    #[error("invalid idempotency key: {0}")]
    IdempotencyKey(&'static str),
    /// A client option is not acceptable.
    #[error("invalid client option: {0}")]
    Options(&'static str),
    /// The retry policy is not acceptable.
    #[error("invalid retry policy: {0}")]
    RetryPolicy(&'static str),
}

/// An error answered by the WorkOS API: an error status with a JSON error body.
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
}

impl ApiError {
    /// How long the server asked to wait before retrying, measured from `now`.
    pub fn retry_after_delay(&self, now: SystemTime) -> Option<Duration> {
        self.retry_after.map(|r| r.delay(now))
    }

    /// A short hint saying what to do about this error, when there is a useful one.
    pub fn hint(&self) -> Option<&'static str> {
        match self.status.as_u16() {
            401 => Some("check that the API key is a valid WorkOS secret key for this environment"),
            403 => {
                Some("the API key is not allowed to do this; check its environment and permissions")
            }
            404 => Some("check the profile id; it must be an SSO profile of this environment"),
            400 if self.code.as_deref() == Some("connection_invalid") => Some(
                "logout needs an OpenID Connect connection whose IdP has an end_session_endpoint",
            ),
            400 if self.code.as_deref() == Some("invalid_token") => Some(
                "the logout token is expired, malformed or already used; authorize a new logout",
            ),
            429 => Some("rate limited; retry after the delay the server asked for"),
            500..=599 => Some("WorkOS had a server error; retry later and quote the request id"),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkOS API error: HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        for e in &self.errors {
            write!(f, "; {e}")?;
        }
        if let Some(RetryAfter::Seconds(s)) = self.retry_after {
            write!(f, "; retry after {s} s")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One entry of a WorkOS `errors` array.
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

/// Why a response could not be understood.
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
    /// A redirect status without a usable `Location` header.
    MissingLocation,
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
            UnexpectedReason::UnexpectedStatus => f.write_str("this status is not expected here"),
        }
    }
}

/// A response that does not follow the protocol. Keeps the status, the request id and a bounded,
/// redacted excerpt of the body for diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected response from WorkOS: HTTP {status}: {reason}{rid}", rid = request_id.as_ref().map(|r| format!(" [request id {r}]")).unwrap_or_default())]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `X-Request-ID` response header.
    pub request_id: Option<String>,
    /// What was wrong.
    pub reason: UnexpectedReason,
    /// At most [`MAX_EXCERPT_LEN`] bytes of the body, with anything that looks like a credential
    /// replaced by `[redacted]`.
    pub body_excerpt: String,
}

impl UnexpectedResponse {
    pub(crate) fn new(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        reason: UnexpectedReason,
    ) -> Self {
        Self {
            status,
            request_id: request_id(headers),
            reason,
            body_excerpt: excerpt(body),
        }
    }
}

/// The `X-Request-ID` header, if present and text.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|s| bounded_text(s, 256))
}

/// A bounded, redacted excerpt of a body. JSON values under keys that look secret are replaced
/// first, then free text is scrubbed of credential-looking words.
pub(crate) fn excerpt(body: &[u8]) -> String {
    const JSON_SCAN_LIMIT: usize = 64 * 1024;
    let text = if body.len() <= JSON_SCAN_LIMIT {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut v) => {
                redact_json(&mut v);
                v.to_string()
            }
            Err(_) => {
                String::from_utf8_lossy(&body[..body.len().min(MAX_EXCERPT_LEN * 2)]).into_owned()
            }
        }
    } else {
        String::from_utf8_lossy(&body[..MAX_EXCERPT_LEN * 2]).into_owned()
    };
    let mut text = redact_text(&text);
    if text.len() > MAX_EXCERPT_LEN {
        let mut cut = MAX_EXCERPT_LEN;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let k = k.to_ascii_lowercase();
                if ["token", "key", "secret", "password"]
                    .iter()
                    .any(|s| k.contains(s))
                {
                    *v = serde_json::Value::String("[redacted]".into());
                } else if k.contains("url") {
                    if let Some(u) = v.as_str().and_then(|s| url::Url::parse(s).ok()) {
                        *v = serde_json::Value::String(redact_url(&u));
                    }
                } else {
                    redact_json(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}
