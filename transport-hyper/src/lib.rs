#![doc = include_str!("../README.md")]

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::{Connect, HttpConnector, proxy::Tunnel};
use hyper_util::client::legacy::{Client as HyperClient, ResponseFuture};
use hyper_util::rt::TokioExecutor;
use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{
    AttemptTimeout, ClientOptions, Error, FailureKind, SendTransport, TransportError,
};

pub use hyper_util;
pub use workos_sso_logout as core;

/// The async client: `Client::new`, `from_env` or `with_options`; for your connector, see above.
pub type Client = workos_sso_logout::AsyncClient<HyperTransport, TokioEnvironment>;

/// Retries sleep on tokio's timer (the rest of the `Environment` is the standard one).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioEnvironment;

impl workos_sso_logout::Environment for TokioEnvironment {
    // `Send`, so the hyper client's calls can be spawned on a multi-threaded runtime.
    #[allow(refining_impl_trait)]
    fn sleep_async(&self, delay: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(delay)
    }
}

type Answer = Result<Response<Vec<u8>>, TransportError>;

/// Sends core-built requests with a hyper-util client. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct HyperTransport<C = HttpsConnector<HttpConnector>> {
    client: HyperClient<C, Full<Bytes>>,
    proxied: Option<HyperClient<HttpsConnector<Tunnel<HttpConnector>>, Full<Bytes>>>,
    timeout: Duration,
    max_body_bytes: u64,
}

impl HyperTransport {
    /// rustls (ring) over hyper-util's connector; the options' timeouts, body bound and proxy.
    pub fn new(options: &ClientOptions) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.connect_timeout()));
        http.set_nodelay(true);
        let tls = || {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let builder = hyper_rustls::HttpsConnectorBuilder::new();
            #[cfg(feature = "native-roots")]
            let builder = builder.with_provider_and_native_roots(provider);
            #[cfg(not(feature = "native-roots"))]
            let builder = builder.with_provider_and_webpki_roots(provider);
            let builder = builder.map_err(|e| TransportError::new(FailureKind::Other, e))?;
            Ok::<_, TransportError>(builder.https_or_http().enable_http1())
        };
        let proxied = match options.proxy() {
            Some(proxy) => Some(tls()?.wrap_connector(Tunnel::new(proxy.clone(), http.clone()))),
            None => None,
        };
        let mut transport = Self::with_connector(tls()?.wrap_connector(http), options);
        transport.proxied = proxied.map(|c| HyperClient::builder(TokioExecutor::new()).build(c));
        Ok(transport)
    }
}

impl TryFrom<ClientOptions> for HyperTransport {
    type Error = Error;
    fn try_from(options: ClientOptions) -> Result<Self, Error> {
        Self::new(&options)
    }
}

impl<C: Connect + Clone + Send + Sync + 'static> HyperTransport<C> {
    /// A transport on the caller's connector (the connect timeout and any proxy are then its own).
    pub fn with_connector(connector: C, options: &ClientOptions) -> Self {
        let client = HyperClient::builder(TokioExecutor::new()).build(connector);
        Self::with_client(client, options)
    }

    /// A transport on the caller's hyper-util client (pool and connector kept; never redirects).
    pub fn with_client(client: HyperClient<C, Full<Bytes>>, options: &ClientOptions) -> Self {
        Self {
            client,
            proxied: None,
            timeout: options.timeout(),
            max_body_bytes: options.max_body_bytes(),
        }
    }
}

impl<C: Connect + Clone + Send + Sync + 'static> SendTransport for HyperTransport<C> {
    type Error = TransportError;

    /// Sends one request as is: no redirect, any status, head and body bounded in size and in
    /// time, by the request's [`AttemptTimeout`] (else the options' timeout).
    fn send(&self, request: Request<Vec<u8>>) -> impl Future<Output = Answer> + Send {
        let timeout = AttemptTimeout::of(&request).unwrap_or(self.timeout);
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let response = match (&self.proxied, ClientOptions::proxy_allowed(request.uri())) {
            (Some(proxied), true) => proxied.request(request),
            _ => self.client.request(request),
        };
        read(response, timeout, self.max_body_bytes)
    }
}

/// The answer to a request already handed to hyper-util (so the future does not hold the request
/// too), body up to `limit` bytes, within `timeout` from the first poll.
async fn read(response: ResponseFuture, timeout: Duration, limit: u64) -> Answer {
    let read = async move {
        let (parts, body) = response.await.map_err(classify)?.into_parts();
        let limited = Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX));
        let collected = limited.collect().await;
        let collected = collected.map_err(|e| match e.is::<LengthLimitError>() {
            true => TransportError::body_too_large(limit),
            false => TransportError::new(FailureKind::Truncated, e), // begun, then cut off
        })?;
        Ok(Response::from_parts(parts, collected.to_bytes().into()))
    };
    let answer = tokio::time::timeout(timeout, read).await;
    answer.unwrap_or_else(|_| Err(TransportError::timed_out(timeout)))
}

/// Connect, TLS and closed-before-an-answer failures; anything else as the core classifies it.
fn classify(e: hyper_util::client::legacy::Error) -> TransportError {
    let fallback = match e.is_connect() {
        true => FailureKind::Connect,
        false => FailureKind::Other,
    };
    TransportError::from_error_with(e, fallback, |c| match c.downcast_ref::<hyper::Error>() {
        _ if c.is::<rustls::Error>() => Some(FailureKind::Tls),
        Some(h) if h.is_incomplete_message() => Some(FailureKind::Closed),
        _ => None,
    })
}
