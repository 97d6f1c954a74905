//! A transport on reqwest 0.12 (rustls) to copy into your service, and the one line that proves
//! it against the kit. Copy the transport (everything above the test); your `Cargo.toml` needs
//! `reqwest = { version = "0.12", default-features = false, features = ["rustls-tls"] }` and
//! `rustls = "0.23"` (already in your tree through reqwest: it names TLS failures).

use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{
    AttemptTimeout, ClientOptions, FailureKind, SendTransport, TransportError,
};

/// Sends core-built requests with a reqwest client: no redirects, every header and status handed
/// back, the body bounded, each attempt's timeout (the whole exchange, body included: the
/// request's `AttemptTimeout`, else the options'), the options' connect timeout and proxy.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_bytes: u64,
}

impl ReqwestTransport {
    /// A transport on a new reqwest client.
    pub fn new(options: &ClientOptions) -> Result<Self, TransportError> {
        Self::with_builder(reqwest::Client::builder(), options)
    }

    /// A transport on your own builder: its other settings are kept; redirects, proxies and
    /// timeouts are set here.
    pub fn with_builder(
        builder: reqwest::ClientBuilder,
        options: &ClientOptions,
    ) -> Result<Self, TransportError> {
        let mut builder = builder
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy() // never a proxy from the environment: the API key would pass through it
            .timeout(options.timeout())
            .connect_timeout(options.connect_timeout())
            .pool_max_idle_per_host(options.max_idle_connections_per_host());
        if let Some(proxy) = options.proxy().map(ToString::to_string) {
            // Only `https` to hosts that are not loopback, as both adapters do.
            builder = builder.proxy(reqwest::Proxy::custom(move |url| {
                let uri = url.as_str().parse().ok()?;
                ClientOptions::proxy_allowed(&uri).then(|| proxy.clone())
            }));
        }
        let client = builder.build().map_err(classify)?;
        let max_body_bytes = options.max_body_bytes();
        Ok(Self {
            client,
            max_body_bytes,
        })
    }
}

impl SendTransport for ReqwestTransport {
    type Error = TransportError;

    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let timeout = AttemptTimeout::of(&request);
        let mut request = reqwest::Request::try_from(request).map_err(classify)?;
        if timeout.is_some() {
            *request.timeout_mut() = timeout;
        }
        let mut response = self.client.execute(request).await.map_err(classify)?;
        let mut body = Vec::new();
        // Once the answer has begun, a failure is a timeout or an answer cut off.
        let in_body = |e: reqwest::Error| match e.is_timeout() {
            true => TransportError::new(FailureKind::Timeout, e),
            false => TransportError::new(FailureKind::Truncated, e),
        };
        while let Some(chunk) = response.chunk().await.map_err(in_body)? {
            if (body.len() + chunk.len()) as u64 > self.max_body_bytes {
                return Err(TransportError::body_too_large(self.max_body_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        let mut answer = Response::new(body);
        *answer.status_mut() = response.status();
        *answer.version_mut() = response.version();
        *answer.headers_mut() = std::mem::take(response.headers_mut());
        Ok(answer)
    }
}

/// reqwest's errors before an answer: a timeout, a connection that could not be made (a TLS
/// failure named as such), or a request that got no answer (closed before any: retryable where
/// that is safe); anything else as the core reads the source chain.
fn classify(e: reqwest::Error) -> TransportError {
    let fallback = match (e.is_timeout(), e.is_connect(), e.is_request()) {
        (true, _, _) => FailureKind::Timeout,
        (_, true, _) => FailureKind::Connect,
        (_, _, true) => FailureKind::Closed,
        _ => FailureKind::Other,
    };
    let tls = |cause: &(dyn std::error::Error + 'static)| {
        cause.is::<rustls::Error>().then_some(FailureKind::Tls)
    };
    TransportError::from_error_with(e, fallback, tls)
}

#[test]
fn the_reqwest_transport_conforms() {
    workos_sso_logout_conformance::assert_conforms(
        &workos_sso_logout_conformance::Transport::on_tokio("reqwest", |options| {
            ReqwestTransport::new(options).expect("a reqwest client")
        }),
    );
}
