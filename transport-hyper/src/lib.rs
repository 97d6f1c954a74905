#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;
use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{
    AsyncTransport, ClientOptions, Environment, Error, FailureKind, TransportError,
};

pub use hyper_util;
pub use workos_sso_logout as core;

/// The async client: `Client::new(config)`, `Client::from_env()` or `Client::with_options(config,
/// options)`; on your own connector, see the crate docs.
pub type Client = workos_sso_logout::AsyncClient<HyperTransport, TokioEnvironment>;

/// The connector of [`HyperTransport::new`]: rustls (ring) over hyper-util's `HttpConnector`.
pub type DefaultConnector = HttpsConnector<HttpConnector>;

/// Retries sleep on tokio's timer (the rest of [`Environment`] is the standard one).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioEnvironment;

impl Environment for TokioEnvironment {
    fn sleep_async(&self, delay: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(delay)
    }
}

/// What one attempt gives back.
type Answer = Result<Response<Vec<u8>>, TransportError>;

/// Sends core-built requests with a hyper-util client. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct HyperTransport<C = DefaultConnector> {
    client: HyperClient<C, Full<Bytes>>,
    timeout: Duration,
    max_body_bytes: u64,
}

impl HyperTransport {
    /// A transport with the default connector (rustls with ring, the feature's roots) and the
    /// options' timeouts and body bound.
    pub fn new(options: &ClientOptions) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.connect_timeout()));
        http.set_nodelay(true);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        #[cfg(feature = "native-roots")]
        let builder = builder.with_provider_and_native_roots(provider);
        #[cfg(not(feature = "native-roots"))]
        let builder = builder.with_provider_and_webpki_roots(provider);
        let builder = builder.map_err(|e| TransportError::new(FailureKind::Other, e))?;
        let https = builder.https_or_http().enable_http1().wrap_connector(http);
        Ok(Self::with_connector(https, options))
    }
}

impl TryFrom<ClientOptions> for HyperTransport {
    type Error = Error;
    fn try_from(options: ClientOptions) -> Result<Self, Error> {
        Self::new(&options)
    }
}

impl<C: Connect + Clone + Send + Sync + 'static> HyperTransport<C> {
    /// A transport on the caller's connector (custom TLS, plain HTTP for loopback tests…). The
    /// connect timeout is then the connector's; the whole-attempt timeout still applies.
    pub fn with_connector(connector: C, options: &ClientOptions) -> Self {
        let client = HyperClient::builder(TokioExecutor::new()).build(connector);
        Self::with_client(client, options)
    }

    /// A transport on the caller's hyper-util client (pool and connector kept; never redirects).
    pub fn with_client(client: HyperClient<C, Full<Bytes>>, options: &ClientOptions) -> Self {
        Self {
            client,
            timeout: options.timeout(),
            max_body_bytes: options.max_body_bytes(),
        }
    }

    async fn exchange(&self, request: Request<Vec<u8>>) -> Answer {
        let limit = self.max_body_bytes;
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let response = self.client.request(request).await;
        let (parts, body) = response.map_err(classify)?.into_parts();
        let limited = Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX));
        // The answer had begun: a connection closed now is a truncated body, not `Closed`.
        let collected = limited
            .collect()
            .await
            .map_err(|e| match e.is::<LengthLimitError>() {
                true => TransportError::body_too_large(limit),
                false => TransportError::new(FailureKind::Other, e),
            })?;
        Ok(Response::from_parts(parts, collected.to_bytes().into()))
    }
}

impl<C: Connect + Clone + Send + Sync + 'static> AsyncTransport for HyperTransport<C> {
    type Error = TransportError;

    /// Sends one request as is: no redirect followed, any status returned as a response, the
    /// whole attempt (head and body) bounded by the timeout and the body by the size limit.
    async fn send(&self, request: Request<Vec<u8>>) -> Answer {
        let timeout = self.timeout;
        let exchange = tokio::time::timeout(timeout, self.exchange(request)).await;
        exchange.unwrap_or_else(|_| Err(TransportError::timed_out(timeout)))
    }
}

/// Connect, TLS and closed-before-an-answer failures; anything else as the core classifies it.
fn classify(e: hyper_util::client::legacy::Error) -> TransportError {
    let fallback = if e.is_connect() {
        FailureKind::Connect
    } else {
        FailureKind::Other
    };
    TransportError::from_error_with(e, fallback, |c| match c.downcast_ref::<hyper::Error>() {
        _ if c.is::<rustls::Error>() => Some(FailureKind::Tls),
        Some(h) if h.is_incomplete_message() => Some(FailureKind::Closed),
        _ => None,
    })
}
