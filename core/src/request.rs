//! What every request of this crate carries — `Accept: application/json` and the `User-Agent` —
//! the copy of a request each attempt of a call sends, and the time that attempt is given.

use std::time::Duration;

use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderValue, Method, Request, Uri};

use crate::config::Config;

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
