//! What every request of this crate carries — `Accept: application/json` and the `User-Agent` —
//! the copy of a request each attempt of a call sends, and the time that attempt is given.

use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};

use crate::config::Config;
use crate::error::InvalidInput;

/// A request with the headers every call sends.
pub(crate) fn base_request(
    config: &Config,
    method: Method,
    uri: Uri,
    body: Vec<u8>,
) -> Request<Vec<u8>> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, config.user_agent_header().clone());
    request
}

/// A copy of a request for one attempt, carrying that attempt's [`AttemptTimeout`].
pub(crate) fn attempt_request(request: &Request<Vec<u8>>, timeout: Duration) -> Request<Vec<u8>> {
    let mut copy = copy_request(request);
    copy.extensions_mut().insert(AttemptTimeout(timeout));
    copy
}

/// A copy of a request, its [`AttemptTimeout`] included (`http::Request` is not `Clone` because
/// of its extensions, and that is the only one the core sets).
pub(crate) fn copy_request(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    if let Some(timeout) = request.extensions().get::<AttemptTimeout>() {
        copy.extensions_mut().insert(*timeout);
    }
    copy
}

/// The most one attempt may take — connect, send, response head and body — as the call machine
/// decided it: the attempt timeout of the options, or less when the call's deadline leaves less.
/// Every request a [`Call`](crate::Call) asks to send carries one in its extensions; a transport
/// bounds the whole exchange by it (the shipped adapters and the conformance kit's reqwest
/// transport do, and the kit checks yours), and the
/// [`AsyncClient`](crate::AsyncClient) also stops waiting for a transport that overruns it.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use workos_sso_logout::{ApiKey, AttemptTimeout, ClientOptions, Config, LogoutAuthorizeRequest, ProfileId, Step, StdEnvironment};
///
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let options = ClientOptions::default().with_deadline(Duration::from_secs(4))?;
/// let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_1")?);
/// let call = config.authorize_call(&request, &options, &StdEnvironment)?;
/// let Step::Send { request, .. } = call.start(SystemTime::UNIX_EPOCH) else { unreachable!() };
/// // Half of the 4 s deadline: a timed-out first attempt leaves time for a retry.
/// assert_eq!(AttemptTimeout::of(&request), Some(Duration::from_secs(2)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttemptTimeout(Duration);

impl AttemptTimeout {
    /// The attempt timeout a request carries, if it was made by a [`Call`](crate::Call) (a
    /// request built by [`Config`] alone carries none: use the options' timeout then).
    pub fn of<B>(request: &Request<B>) -> Option<Duration> {
        request.extensions().get::<Self>().map(|t| t.0)
    }

    /// The duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

/// A hook that adds headers to every attempt's request — trace-context propagation
/// (`traceparent`, `baggage`), a tenant tag for your egress proxy — set with
/// [`Client::with_request_hook`](crate::Client::with_request_hook) or
/// [`AsyncClient::with_request_hook`](crate::AsyncClient::with_request_hook). The client calls it
/// just before each attempt is sent, inside that attempt's span (feature `tracing`), so
/// `tracing::Span::current()` is the attempt's.
pub type RequestHook = Arc<dyn Fn(&mut ExtraHeaders<'_>) + Send + Sync>;

/// Headers that a [`RequestHook`] may add to a request, and only those: the SDK's own headers
/// (`Authorization`, `Idempotency-Key`, `Content-Type`, `User-Agent`, `Accept`: every header the
/// request already has) and the framing and hop-by-hop ones (`Host`, `Content-Length`,
/// `Transfer-Encoding`, `Connection`…) cannot be set, changed or removed through it: such an
/// [`insert`](Self::insert) returns an error and leaves the request as it was.
///
/// ```
/// use workos_sso_logout::ExtraHeaders;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", "Bearer sk_test_123".parse()?);
/// let mut extra = ExtraHeaders::new(&mut headers);
/// extra.insert("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")?;
/// assert!(extra.insert("Authorization", "Bearer sk_live_other").is_err());
/// assert_eq!(headers["authorization"], "Bearer sk_test_123");
/// assert_eq!(headers.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ExtraHeaders<'a> {
    headers: &'a mut HeaderMap,
    /// The names the request had before the hook: the SDK's.
    own: Vec<HeaderName>,
}

/// Headers the HTTP stack frames the message with, or that must not cross a proxy.
const FRAMING: [&str; 10] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
];

impl<'a> ExtraHeaders<'a> {
    /// The extra headers of a request whose headers are `headers` (all of them the SDK's).
    pub fn new(headers: &'a mut HeaderMap) -> Self {
        let own = headers.keys().cloned().collect();
        Self { headers, own }
    }

    /// Sets `name` to `value`, replacing what this hook set before under that name. Refused,
    /// with nothing changed: a name or value HTTP does not allow, a header the SDK set, a framing
    /// or hop-by-hop header.
    pub fn insert(&mut self, name: &str, value: &str) -> Result<(), InvalidInput> {
        let refused = |reason| InvalidInput::Header {
            name: name.chars().take(64).collect(),
            reason,
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| refused("not a valid header name"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| refused("its value has characters a header cannot carry"))?;
        if self.own.contains(&name) {
            return Err(refused("the SDK sets this header; a hook cannot change it"));
        }
        if FRAMING.contains(&name.as_str()) {
            return Err(refused(
                "a framing or hop-by-hop header, set by the HTTP stack",
            ));
        }
        self.headers.insert(name, value);
        Ok(())
    }
}

/// Runs `hook`, if any, on a request about to be sent.
pub(crate) fn run_hook(hook: Option<&RequestHook>, request: &mut Request<Vec<u8>>) {
    if let Some(hook) = hook {
        hook(&mut ExtraHeaders::new(request.headers_mut()));
    }
}
