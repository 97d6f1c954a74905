//! The errors the crate reports, one type per boundary, all under [`Error`]: [`InvalidInput`]
//! (rejected before any IO), [`TransportError`] (no usable answer), and, in `response_error.rs`,
//! [`ApiError`] (WorkOS answered an error) and [`UnexpectedResponse`] (the answer broke the
//! protocol).
//!
//! Every `Display` is one line that says what happened and never repeats its source: an error
//! either shows a cause in its message or returns it from `source()`, not both, so a printer
//! that walks the chain shows each cause once.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::redact::Secrets;
use crate::response_error::{ApiError, UnexpectedResponse};

/// Everything this crate can say went wrong.
///
/// `Display` is one line a person can act on; no variant ever contains the API key or the logout
/// token. When WorkOS sent an `X-Request-ID`, `Display` already ends with `[request id …]` (then
/// the hint): log `{err}` as it is. [`request_id`](Self::request_id) is the same id alone, for a
/// structured log field or a page shown to your user.
///
/// ```
/// use workos_sso_logout::{Error, ProfileId};
/// let err: Error = ProfileId::new("").unwrap_err().into();
/// assert_eq!(err.to_string(), "invalid input: the profile id is empty");
/// assert!(std::error::Error::source(&err).is_none());
/// ```
///
/// `Debug` is the same line, then the variant and its fields, still on one line (safe in a log),
/// so `main() -> Result<(), Box<dyn std::error::Error>>` prints what to do first:
///
/// ```
/// # use workos_sso_logout::{Error, InvalidInput};
/// let err: Error = InvalidInput::MissingApiKey.into();
/// assert!(format!("{err:?}").starts_with("invalid input: no API key is configured"));
/// assert!(format!("{err:?}").ends_with(" (details: InvalidInput(MissingApiKey))"));
/// ```
#[derive(thiserror::Error)]
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
    Transport(#[from] TransportError),
    /// The call's deadline ended it before it could succeed: [`last`](DeadlineExceeded::last) is
    /// the error of its last attempt (the accessors below read through to it), and the message
    /// says how long the server asked to wait, when it did.
    #[error(transparent)]
    DeadlineExceeded(Box<DeadlineExceeded>),
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message a person acts on, then the parts (none holds a secret).
        write!(f, "{self} (details: ")?;
        match self {
            Error::InvalidInput(e) => f.debug_tuple("InvalidInput").field(e).finish(),
            Error::Api(e) => f.debug_tuple("Api").field(e).finish(),
            Error::UnexpectedResponse(e) => f.debug_tuple("UnexpectedResponse").field(e).finish(),
            Error::Transport(e) => f.debug_tuple("Transport").field(e).finish(),
            Error::DeadlineExceeded(e) => f.debug_tuple("DeadlineExceeded").field(e).finish(),
        }?;
        f.write_str(")")
    }
}

// Not `#[from]`: that would make the input error this one's `source()` too, shown twice.
impl From<InvalidInput> for Error {
    fn from(e: InvalidInput) -> Self {
        Error::InvalidInput(e)
    }
}

impl Error {
    /// The error itself, or for [`Error::DeadlineExceeded`] the error of the last attempt.
    fn last(&self) -> &Error {
        match self {
            Error::DeadlineExceeded(e) => &e.last,
            other => other,
        }
    }

    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self.last() {
            Error::Api(e) => Some(e.status),
            Error::UnexpectedResponse(e) => Some(e.status),
            _ => None,
        }
    }

    /// The deadline's part, when the call's deadline ended it ([`Error::DeadlineExceeded`]).
    pub fn as_deadline_exceeded(&self) -> Option<&DeadlineExceeded> {
        match self {
            Error::DeadlineExceeded(e) => Some(e),
            _ => None,
        }
    }

    /// How long the server asked to wait before another attempt, when the call's deadline did
    /// not allow that wait (tell your user "try again in N s").
    pub fn retry_in(&self) -> Option<Duration> {
        self.as_deadline_exceeded().and_then(|e| e.server_wait)
    }

    /// The `X-Request-ID` of the response this error came from, if the server sent one. Quote it
    /// to WorkOS support.
    pub fn request_id(&self) -> Option<&str> {
        match self.last() {
            Error::Api(e) => e.request_id.as_deref(),
            Error::UnexpectedResponse(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The API error, if this is one (or the last attempt's, when the deadline ended the call).
    pub fn as_api(&self) -> Option<&ApiError> {
        match self.last() {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The transport failure, if this is one (or the last attempt's, when the deadline ended the
    /// call).
    pub fn as_transport(&self) -> Option<&TransportError> {
        match self.last() {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The unexpected-response details, if this is one (or the last attempt's, when the deadline
    /// ended the call).
    pub fn as_unexpected(&self) -> Option<&UnexpectedResponse> {
        match self.last() {
            Error::UnexpectedResponse(e) => Some(e),
            _ => None,
        }
    }
}

/// A call its deadline ended: the last attempt's error, and why no other attempt followed.
///
/// `Display` is the last error's message, then what the deadline did not allow:
///
/// ```
/// use std::time::Duration;
/// use workos_sso_logout::{DeadlineExceeded, Error, FailureKind, TransportError};
/// let refused = TransportError::new(FailureKind::Connect, "connection refused");
/// let err = DeadlineExceeded::new(refused.into(), Duration::from_secs(2), Some(Duration::from_secs(30)));
/// assert_eq!(
///     err.to_string(),
///     "could not connect to WorkOS: connection refused; not retried: the server asked to wait \
///      30 s, past the call's 2 s deadline (try again in 30 s)"
/// );
/// assert_eq!(Error::from(err).retry_in(), Some(Duration::from_secs(30)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct DeadlineExceeded {
    /// The error of the call's last attempt.
    pub last: Error,
    /// The call's deadline.
    pub deadline: Duration,
    /// How long the server asked to wait (`Retry-After`) when that wait did not fit; `None` when
    /// the deadline left no time for another attempt after the backoff or the attempt itself.
    pub server_wait: Option<Duration>,
}

impl DeadlineExceeded {
    /// The call whose deadline was `deadline` ended with `last`; `server_wait` is the wait the
    /// server asked for that did not fit, if any.
    pub fn new(last: Error, deadline: Duration, server_wait: Option<Duration>) -> Self {
        Self {
            last,
            deadline,
            server_wait,
        }
    }
}

impl fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let deadline = Seconds(self.deadline);
        match self.server_wait.map(Seconds) {
            Some(wait) => write!(
                f,
                "{}; not retried: the server asked to wait {wait}, past the call's {deadline} \
                 deadline (try again in {wait})",
                self.last
            ),
            None => write!(
                f,
                "{}; not retried: the call's {deadline} deadline leaves no time for another attempt",
                self.last
            ),
        }
    }
}

impl std::error::Error for DeadlineExceeded {}

impl From<DeadlineExceeded> for Error {
    fn from(e: DeadlineExceeded) -> Self {
        Error::DeadlineExceeded(Box::new(e))
    }
}

/// A duration as a person reads it: whole seconds (`30 s`), or milliseconds under ten seconds
/// that are not whole (`1500 ms`).
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.subsec_nanos(), self.0.as_secs()) {
            (0, s) => write!(f, "{s} s"),
            (_, s) if s >= 10 => write!(f, "{} s", s + 1),
            _ => write!(f, "{} ms", self.0.as_millis().max(1)),
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
    /// The answer began (its head arrived) but the connection ended before its body was
    /// complete: the server saw the request, so only a request that is safe to repeat (Logout
    /// Authorize, under its `Idempotency-Key`) is retried.
    Truncated,
    /// The TLS handshake failed (an untrusted or mismatched certificate, no common protocol):
    /// nothing was sent, and repeating would fail the same way, so it is not retried.
    Tls,
    /// The response body exceeded the configured bound.
    BodyTooLarge,
    /// Anything else (a malformed response head, an error of the transport's own…).
    Other,
}

impl FailureKind {
    fn describe(self) -> &'static str {
        match self {
            FailureKind::Connect => "could not connect to WorkOS",
            FailureKind::Timeout => "the call to WorkOS timed out",
            FailureKind::Closed => "the connection to WorkOS closed before an answer",
            FailureKind::Truncated => "the answer from WorkOS was cut off",
            FailureKind::Tls => "the TLS handshake with WorkOS failed",
            FailureKind::BodyTooLarge => "the response from WorkOS is too large",
            FailureKind::Other => "the HTTP exchange with WorkOS failed",
        }
    }
}

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

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
    /// A header a [`RequestHook`](crate::RequestHook) tried to add was refused.
    #[error("the header `{name}` was not added: {reason}")]
    Header {
        /// The header's name, as given (at most 64 characters).
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
}
