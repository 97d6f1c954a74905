//! The errors the crate reports, one enum per boundary: [`InvalidInput`] (rejected before any IO),
//! [`ApiError`] (WorkOS answered an error), [`UnexpectedResponse`] (the answer broke the protocol)
//! and [`TransportError`] (no usable answer), all under [`Error`].
//!
//! Every `Display` is one line that says what happened and never repeats its source: an error
//! either shows a cause in its message or returns it from `source()`, not both, so a printer
//! that walks the chain shows each cause once.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::redact::{Secrets, redact_url};
use crate::retry_after::RetryAfter;

/// Longest body excerpt kept on an [`UnexpectedResponse`], in bytes.
const MAX_EXCERPT_LEN: usize = 512;

/// Everything this crate can say went wrong.
///
/// `Display` is one line a person can act on; no variant ever contains the API key or the logout
/// token.
///
/// ```
/// use workos_sso_logout::{Error, ProfileId};
/// let err: Error = ProfileId::new("").unwrap_err().into();
/// assert_eq!(err.to_string(), "invalid input: the profile id is empty");
/// assert!(std::error::Error::source(&err).is_none());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input was rejected before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(InvalidInput),
    /// WorkOS answered with an error status and a JSON error body.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The response was not what the protocol promises (not JSON, a field missing, an HTML page…).
    #[error(transparent)]
    UnexpectedResponse(Box<UnexpectedResponse>),
    /// The transport could not get a response: connect failure, timeout, body too large, other.
    /// The core never makes this itself; it comes from the transport's error.
    #[error(transparent)]
    Transport(TransportError),
}

impl From<InvalidInput> for Error {
    fn from(e: InvalidInput) -> Self {
        Error::InvalidInput(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
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

/// How a transport failed to get a response: the part of a [`TransportError`] retries depend on
/// (connect failures and timeouts are retried; see [`TransportError`] for an example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// No connection could be made (refused, DNS, TLS handshake): nothing reached the server.
    Connect,
    /// The call did not finish in time (head or body).
    Timeout,
    /// The connection was closed or reset before any byte of the response arrived (a server
    /// that dropped an idle kept-alive connection, say): the request may or may not have been
    /// seen, so only a request that is safe to repeat is retried.
    Closed,
    /// The TLS handshake failed (an untrusted or mismatched certificate, no common protocol):
    /// nothing was sent, and repeating would fail the same way, so it is not retried.
    Tls,
    /// The response body exceeded the configured bound.
    BodyTooLarge,
    /// Anything else (a reset connection, a malformed response, a truncated body…).
    Other,
}

impl FailureKind {
    /// The kind an I/O error stands for: refused, unreachable or a name that does not resolve is
    /// [`Connect`](Self::Connect),
    /// timed out is [`Timeout`](Self::Timeout), reset, aborted or ended early is
    /// [`Closed`](Self::Closed), anything else [`Other`](Self::Other). The one place this mapping
    /// lives; transports and [`TransportError::from_error`] use it. (A transport that gets such an
    /// error while reading a response *body* reports [`Other`](Self::Other): the answer had begun.)
    pub fn of_io(error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable => FailureKind::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => FailureKind::Timeout,
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => FailureKind::Closed,
            // The standard library's resolver (which ureq and hyper-util use) reports a name
            // that does not resolve with no kind of its own, only this message.
            _ if error
                .to_string()
                .starts_with("failed to lookup address information") =>
            {
                FailureKind::Connect
            }
            _ => FailureKind::Other,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            FailureKind::Connect => "could not connect to WorkOS",
            FailureKind::Timeout => "the call to WorkOS timed out",
            FailureKind::Closed => "the connection to WorkOS closed before an answer",
            FailureKind::Tls => "the TLS handshake with WorkOS failed",
            FailureKind::BodyTooLarge => "the response from WorkOS is too large",
            FailureKind::Other => "the HTTP exchange with WorkOS failed",
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A transport's failure to get a response: its [`FailureKind`] (which drives retries) and the
/// transport's own error.
///
/// `Display` is one line: the kind, then the transport error's whole source chain (so hyper's
/// `client error (Connect)` shows what failed beneath it), scrubbed of the call's secrets and of
/// anything credential-like, with control characters escaped. `source()` is `None`, so a chain
/// printer shows each cause once; [`get_ref`](Self::get_ref) reaches the transport's error.
///
/// ```
/// use workos_sso_logout::{FailureKind, TransportError};
/// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// let e = TransportError::from_error(refused);
/// assert_eq!(e.kind(), FailureKind::Connect);
/// assert_eq!(e.to_string(), "could not connect to WorkOS: connection refused");
/// assert!(e.get_ref().downcast_ref::<std::io::Error>().is_some());
/// ```
pub struct TransportError {
    kind: FailureKind,
    message: String,
    source: BoxError,
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The source's own `Debug` could show a URL with the token: show the scrubbed message.
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl TransportError {
    /// A failure of `kind`, caused by `source`.
    pub fn new(kind: FailureKind, source: impl Into<BoxError>) -> Self {
        let source = source.into();
        Self {
            kind,
            message: chain(&*source, &Secrets::default()),
            source,
        }
    }

    /// Any transport's error, classified: a `TransportError` is kept as it is; otherwise the
    /// first `std::io::Error` in its source chain decides the kind ([`FailureKind::of_io`]), and
    /// without one it is [`FailureKind::Other`]. This is the one conversion from a transport's
    /// error type to the core's.
    pub fn from_error(error: impl Into<BoxError>) -> Self {
        Self::from_error_with(error, FailureKind::Other, |_| None)
    }

    /// [`from_error`](Self::from_error) for a transport that knows some of its own errors:
    /// `cause_kind` is asked about each error of the source chain, outermost first, and the first
    /// kind it names wins (a TLS library's error type is [`FailureKind::Tls`], say); otherwise
    /// the first `std::io::Error` of a known kind decides, and without one, `fallback`.
    pub fn from_error_with(
        error: impl Into<BoxError>,
        fallback: FailureKind,
        cause_kind: impl Fn(&(dyn std::error::Error + 'static)) -> Option<FailureKind>,
    ) -> Self {
        let error = error.into();
        let error = match error.downcast::<TransportError>() {
            Ok(own) => return *own,
            Err(error) => error,
        };
        let mut io_kind = None;
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&*error);
        while let Some(e) = next {
            if let Some(kind) = cause_kind(e) {
                return Self::new(kind, error);
            }
            next = e.source();
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                io_kind = io_kind.or(Some(FailureKind::of_io(io)));
                // `io::Error::source` skips the error it wraps; look at that one too.
                next = io.get_ref().map(|inner| inner as _).or(next);
            }
        }
        // An I/O error of no particular kind says less than the transport's own fallback.
        let io_kind = io_kind.filter(|kind| *kind != FailureKind::Other);
        Self::new(io_kind.unwrap_or(fallback), error)
    }

    /// This error with the call's exact secrets scrubbed from its message too.
    pub(crate) fn scrubbed(mut self, secrets: &Secrets) -> Self {
        self.message = chain(&*self.source, secrets);
        self
    }

    /// A body larger than `limit` bytes.
    pub fn body_too_large(limit: u64) -> Self {
        Self::new(
            FailureKind::BodyTooLarge,
            format!("the body is larger than the limit of {limit} bytes"),
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

    /// The transport's own error, for downcasting. Its messages are not scrubbed: do not log them.
    pub fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }
}

/// An error's message and its sources', joined by `: ` (a source whose message its parent
/// already ends with is not repeated), scrubbed and escaped.
fn chain(error: &(dyn std::error::Error + 'static), secrets: &Secrets) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    let mut depth = 0;
    while let Some(e) = next {
        let message = e.to_string();
        if !message.is_empty() && !text.ends_with(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        next = e.source();
        depth += 1;
        if depth >= 16 {
            break;
        }
    }
    secrets.bounded(&text, 1024)
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.describe(), self.message)
    }
}

impl std::error::Error for TransportError {}

/// Input rejected at construction, before any IO.
///
/// The variants are generic over the input (`field` names it: "API key", "profile id", "logout
/// token", "idempotency key"), so one match arm handles every empty, over-long or badly
/// written value. Messages name the character class and its position, never the value.
///
/// ```
/// use workos_sso_logout::{ApiKey, InvalidInput, ProfileId};
/// assert_eq!(ProfileId::new("").unwrap_err(), InvalidInput::Empty { field: "profile id" });
/// let err = ApiKey::new("sk_test\n").unwrap_err();
/// assert_eq!(err.to_string(), "the API key contains a line feed (LF) at character 7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// Logout Authorize needs an API key and the configuration has none.
    #[error(
        "no API key is configured; Logout Authorize needs your WorkOS secret key (sk_…): set WORKOS_API_KEY or pass one"
    )]
    MissingApiKey,
    /// A value is empty (or only whitespace).
    #[error("the {field} is empty")]
    Empty {
        /// What the value is.
        field: &'static str,
    },
    /// A value is longer than its bound.
    #[error("the {field} is {len} bytes long; at most {max} are accepted")]
    TooLong {
        /// What the value is.
        field: &'static str,
        /// Its length, in bytes.
        len: usize,
        /// The bound, in bytes.
        max: usize,
    },
    /// A value contains a character it may not contain.
    #[error("the {field} contains {what} at character {at}")]
    BadCharacter {
        /// What the value is.
        field: &'static str,
        /// Which kind of character (never the character itself, which could be secret).
        what: &'static str,
        /// Its position, in characters from 0.
        at: usize,
    },
    /// The base URL is not acceptable.
    #[error("invalid base URL{shown}: {reason}", shown = url.as_ref().map(|u| format!(" `{u}`")).unwrap_or_default())]
    BaseUrl {
        /// The URL as parsed, without user info, query or fragment, when it could be parsed.
        url: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// A logout URL to follow is not acceptable.
    #[error("invalid logout URL: {0}")]
    LogoutUrl(&'static str),
    /// A client option or the retry policy is not acceptable.
    #[error("invalid client option: {0}")]
    Options(&'static str),
}
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
            404 => Some("check the profile id; it must be an SSO profile of this environment"),
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
            Some(RetryAfter::Seconds(s)) if s > 86_400 => {
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
            UnexpectedReason::UnexpectedStatus => f.write_str("this status is not expected here"),
        }
    }
}

/// A response that does not follow the protocol. Keeps the status, the request id and a bounded,
/// redacted excerpt of the body for diagnosis.
///
/// ```
/// use workos_sso_logout::error::UnexpectedReason;
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
#[error("unexpected response from WorkOS: HTTP {status}: {reason}{rid}", rid = request_id.as_ref().map(|r| format!(" [request id {r}]")).unwrap_or_default())]
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
}

impl UnexpectedResponse {
    pub(crate) fn new(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        reason: UnexpectedReason,
        secrets: &Secrets,
    ) -> Self {
        Self {
            status,
            request_id: request_id(headers, secrets),
            reason,
            body_excerpt: excerpt(body, secrets),
        }
    }
}

/// The `X-Request-ID` header, if present and text, scrubbed like all server text.
pub(crate) fn request_id(headers: &HeaderMap, secrets: &Secrets) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|s| secrets.bounded(s, 256))
}

/// A bounded, scrubbed excerpt of a body. JSON values under keys that look secret are replaced
/// first, then the text is scrubbed of the call's secrets and of credential-looking words.
pub(crate) fn excerpt(body: &[u8], secrets: &Secrets) -> String {
    const JSON_SCAN_LIMIT: usize = 64 * 1024;
    // Enough text that no secret starting within the excerpt is cut before it is found.
    let window = &body[..body.len().min(MAX_EXCERPT_LEN * 2 + secrets.longest())];
    let text = match body.len() <= JSON_SCAN_LIMIT {
        true => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut v) => {
                redact_json(&mut v);
                v.to_string()
            }
            Err(_) => String::from_utf8_lossy(window).into_owned(),
        },
        false => String::from_utf8_lossy(window).into_owned(),
    };
    let mut text = secrets.scrub(&text);
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
