//! The boundary any HTTP stack plugs into: a request in, a response out.
//!
//! Implementations must not follow redirects (the API key must never travel to another host),
//! must hand back every status and header unchanged, and must not turn an error status into an
//! error of their own.

use std::future::Future;

use http::{Request, Response};

/// A blocking HTTP client. Any `Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E>` is one, so
/// a test can be a closure:
///
/// ```
/// use workos_sso_logout::SyncTransport;
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.method(), "POST");
///     http::Response::builder().status(204).body(Vec::new())
/// };
/// let response = transport.send(http::Request::post("http://127.0.0.1/").body(vec![]).unwrap()).unwrap();
/// assert_eq!(response.status(), 204);
/// ```
pub trait SyncTransport {
    /// The transport's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// Sends one request and returns its response, whatever its status.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Self::Error>;
}

impl<F, E> SyncTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E> {
        self(request)
    }
}

/// An async HTTP client. Any `Fn(Request<Vec<u8>>) -> impl Future<Output = Result<Response<Vec<u8>>, E>>`
/// is one:
///
/// ```
/// use workos_sso_logout::AsyncTransport;
/// let transport = |_request: http::Request<Vec<u8>>| async {
///     http::Response::builder().status(204).body(Vec::new())
/// };
/// let future = transport.send(http::Request::get("http://127.0.0.1/").body(vec![]).unwrap());
/// # drop(future);
/// ```
pub trait AsyncTransport {
    /// The transport's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// Sends one request and returns its response, whatever its status.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Self::Error>> + Send;
}

impl<F, Fut, E> AsyncTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, E>> + Send {
        self(request)
    }
}
