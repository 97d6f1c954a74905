//! What every request of this crate carries — `Accept: application/json` and the `User-Agent` —
//! and the copy of a request each attempt of a call sends.

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

/// A copy of a request (`http::Request` is not `Clone` because of its extensions, which the core
/// never sets).
pub(crate) fn copy_request(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}
