//! An async [WorkOS SSO Logout](https://workos.com/docs/reference/sso/logout) client on
//! [hyper](https://docs.rs/hyper) 1, hyper-util's client and rustls (ring), built on the Sans-IO
//! [`workos_sso_logout`] core. Runs on tokio.
//!
//! The adapter only moves bytes: every URL, header, body, JSON and retry decision comes from the
//! core. It never follows redirects (the API key never travels to another host), hands back every
//! status and header unchanged, bounds each attempt with a timeout that covers the body, and caps
//! the body size.
//!
//! ```no_run
//! use workos_sso_logout::{ApiKey, Config, ProfileId};
//! use workos_sso_logout_hyper::Client;
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Config::new(ApiKey::new(std::env::var("WORKOS_API_KEY")?)?))?;
//! let logout = client.authorize_logout(&ProfileId::new("prof_01H…")?).await?;
//! // Redirect the user's browser to `logout.logout_url()`.
//! # Ok(())
//! # }
//! ```
//!
//! TLS roots: the `webpki-roots` feature (default) bundles Mozilla's roots; `native-roots` reads
//! the operating system's store instead.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(not(any(feature = "webpki-roots", feature = "native-roots")))]
compile_error!("enable the `webpki-roots` (default) or `native-roots` feature for TLS roots");

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;
use workos_sso_logout::http::{Request, Response, header::CONTENT_LENGTH};
use workos_sso_logout::url::Url;
use workos_sso_logout::{
    AsyncTransport, Call, ClientOptions, Config, Error, FailureKind, LogoutAuthorization,
    LogoutAuthorizeRequest, LogoutRedirect, LogoutToken, ParseResponse, ProfileId, Step,
    TransportError, std_random,
};

pub use hyper_util;
pub use workos_sso_logout as core;

/// The connector a [`Client::new`] client uses: rustls (ring) over hyper-util's `HttpConnector`,
/// `https` and loopback `http`.
pub type DefaultConnector = HttpsConnector<HttpConnector>;

/// The hyper-util client type this adapter drives.
pub type HyperUtilClient<C> = HyperClient<C, Full<Bytes>>;

/// An async WorkOS SSO Logout client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client<C = DefaultConnector> {
    config: Config,
    options: ClientOptions,
    client: HyperUtilClient<C>,
}

impl<C> std::fmt::Debug for Client<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with the default options (connect 10 s, whole attempt 30 s, body 1 MiB, the core's
    /// default retry policy) and rustls with the ring provider.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::with_options(config, ClientOptions::default())
    }

    /// A client with these options and the default connector.
    pub fn with_options(config: Config, options: ClientOptions) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.connect_timeout()));
        http.set_nodelay(true);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls_error = |e: &dyn std::fmt::Display| {
            Error::Transport(TransportError::new(
                FailureKind::Other,
                format!("TLS setup failed: {e}"),
            ))
        };
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        #[cfg(feature = "native-roots")]
        let builder = builder
            .with_provider_and_native_roots(provider)
            .map_err(|e| tls_error(&e))?;
        #[cfg(not(feature = "native-roots"))]
        let builder = builder
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| tls_error(&e))?;
        let https = builder.https_or_http().enable_http1().wrap_connector(http);
        Ok(Self::with_connector(config, options, https))
    }
}

impl<C> Client<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    /// A client on the caller's connector (custom TLS, plain HTTP for loopback tests, a proxy…).
    /// The connect timeout is then the connector's; the whole-attempt timeout still applies.
    pub fn with_connector(config: Config, options: ClientOptions, connector: C) -> Self {
        let client = HyperClient::builder(TokioExecutor::new()).build(connector);
        Self::with_client(config, options, client)
    }

    /// A client on the caller's hyper-util client (its pool and connector settings are kept).
    /// hyper-util never follows redirects, so none is followed.
    pub fn with_client(config: Config, options: ClientOptions, client: HyperUtilClient<C>) -> Self {
        Self {
            config,
            options,
            client,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The options.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Logout Authorize for a profile: the logout URL to send the browser to, and its token.
    pub async fn authorize_logout(
        &self,
        profile_id: &ProfileId,
    ) -> Result<LogoutAuthorization, Error> {
        self.authorize_logout_with(&LogoutAuthorizeRequest::new(profile_id.clone()))
            .await
    }

    /// Logout Authorize with a full request (for a caller-chosen idempotency key).
    pub async fn authorize_logout_with(
        &self,
        request: &LogoutAuthorizeRequest,
    ) -> Result<LogoutAuthorization, Error> {
        let call =
            self.config
                .authorize_call(request, self.options.retry_policy(), std_random())?;
        self.run(call).await
    }

    /// The Logout Redirect URL for a token (pure; nothing is sent).
    pub fn logout_redirect_url(&self, token: &LogoutToken) -> Url {
        self.config.logout_redirect_url(token)
    }

    /// Sends the browser's `GET` of a logout URL once, without following the redirect, and says
    /// where WorkOS sends the browser (or that the logout completed). This consumes the token.
    pub async fn follow_logout_redirect(&self, logout_url: &Url) -> Result<LogoutRedirect, Error> {
        let call = self
            .config
            .redirect_call(logout_url, self.options.retry_policy())?;
        self.run(call).await
    }

    /// Drives a core [`Call`] through its attempts, sleeping between them.
    pub async fn run<P: ParseResponse>(&self, mut call: Call<P>) -> Result<P::Output, Error> {
        loop {
            let result = self.send(call.next_request()).await;
            match call.after_send(result, SystemTime::now(), std_random() as u64) {
                Step::Done(result) => return result,
                Step::Retry(delay) => tokio::time::sleep(delay).await,
            }
        }
    }

    async fn exchange(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let limit = self.options.max_body_bytes();
        let (parts, body) = request.into_parts();
        let request = Request::from_parts(parts, Full::new(Bytes::from(body)));
        let response = self.client.request(request).await.map_err(|e| {
            let kind = if e.is_connect() {
                FailureKind::Connect
            } else {
                FailureKind::Other
            };
            TransportError::new(kind, e)
        })?;
        let (parts, body) = response.into_parts();
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(TransportError::body_too_large(limit));
        }
        let bytes = Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX))
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<LengthLimitError>().is_some() {
                    TransportError::body_too_large(limit)
                } else {
                    TransportError::new(FailureKind::Other, e)
                }
            })?
            .to_bytes();
        Ok(Response::from_parts(parts, bytes.to_vec()))
    }
}

impl<C> AsyncTransport for Client<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    type Error = TransportError;

    /// Sends one request as is: no redirect followed, any status returned as a response, the
    /// whole attempt (head and body) bounded by the timeout and the body by the size limit.
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let timeout = self.options.timeout();
        tokio::time::timeout(timeout, self.exchange(request))
            .await
            .unwrap_or_else(|_| Err(TransportError::timed_out(timeout)))
    }
}
