//! A blocking [WorkOS SSO Logout](https://workos.com/docs/reference/sso/logout) client on
//! [ureq](https://docs.rs/ureq) 3 with rustls (ring), built on the Sans-IO
//! [`workos_sso_logout`] core.
//!
//! The adapter only moves bytes: every URL, header, body, JSON and retry decision comes from the
//! core. It never follows redirects (the API key never travels to another host), hands back every
//! status and header unchanged, bounds each attempt with a timeout that covers the body, and caps
//! the body size.
//!
//! ```no_run
//! use workos_sso_logout::{ApiKey, Config, ProfileId};
//! use workos_sso_logout_ureq::Client;
//!
//! let client = Client::new(Config::new(ApiKey::new(std::env::var("WORKOS_API_KEY")?)?))?;
//! let logout = client.authorize_logout(&ProfileId::new("prof_01H…")?)?;
//! // Redirect the user's browser to `logout.logout_url()`.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! TLS roots: the `webpki-roots` feature (default) bundles Mozilla's roots; `native-roots` uses
//! the platform verifier (the operating system's store) instead.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::time::SystemTime;

use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::url::Url;
use workos_sso_logout::{
    Call, ClientOptions, Config, Error, FailureKind, LogoutAuthorization, LogoutAuthorizeRequest,
    LogoutRedirect, LogoutToken, ParseResponse, ProfileId, Step, SyncTransport, TransportError,
    std_random,
};

pub use ureq;
pub use workos_sso_logout as core;

/// A blocking WorkOS SSO Logout client. Cheap to clone (the agent's connection pool is shared).
#[derive(Debug, Clone)]
pub struct Client {
    config: Config,
    options: ClientOptions,
    agent: ureq::Agent,
}

impl Client {
    /// A client with the default options (connect 10 s, whole attempt 30 s, body 1 MiB, the core's
    /// default retry policy).
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::with_options(config, ClientOptions::default())
    }

    /// A client with these options and a new agent.
    pub fn with_options(config: Config, options: ClientOptions) -> Result<Self, Error> {
        let mut builder = ureq::Agent::config_builder();
        if cfg!(feature = "native-roots") {
            builder = builder.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                    .build(),
            );
        }
        let agent = builder.build().new_agent();
        Ok(Self::with_agent(config, options, agent))
    }

    /// A client on the caller's agent (its TLS, proxy and pool settings are kept). Whatever the
    /// agent says, every request this client sends has redirects off, error statuses returned as
    /// responses, and this client's timeouts: those are forced per request.
    pub fn with_agent(config: Config, options: ClientOptions, agent: ureq::Agent) -> Self {
        Self {
            config,
            options,
            agent,
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
    pub fn authorize_logout(&self, profile_id: &ProfileId) -> Result<LogoutAuthorization, Error> {
        self.authorize_logout_with(&LogoutAuthorizeRequest::new(profile_id.clone()))
    }

    /// Logout Authorize with a full request (for a caller-chosen idempotency key).
    pub fn authorize_logout_with(
        &self,
        request: &LogoutAuthorizeRequest,
    ) -> Result<LogoutAuthorization, Error> {
        let call =
            self.config
                .authorize_call(request, self.options.retry_policy(), std_random())?;
        self.run(call)
    }

    /// The Logout Redirect URL for a token (pure; nothing is sent).
    pub fn logout_redirect_url(&self, token: &LogoutToken) -> Url {
        self.config.logout_redirect_url(token)
    }

    /// Sends the browser's `GET` of a logout URL once, without following the redirect, and says
    /// where WorkOS sends the browser (or that the logout completed). This consumes the token.
    pub fn follow_logout_redirect(&self, logout_url: &Url) -> Result<LogoutRedirect, Error> {
        let call = self
            .config
            .redirect_call(logout_url, self.options.retry_policy())?;
        self.run(call)
    }

    /// Drives a core [`Call`] through its attempts, sleeping between them.
    pub fn run<P: ParseResponse>(&self, mut call: Call<P>) -> Result<P::Output, Error> {
        loop {
            let result = self.send(call.next_request());
            match call.after_send(result, SystemTime::now(), std_random() as u64) {
                Step::Done(result) => return result,
                Step::Retry(delay) => std::thread::sleep(delay),
            }
        }
    }
}

impl SyncTransport for Client {
    type Error = TransportError;

    /// Sends one request as is: no redirect followed, any status returned as a response, the
    /// whole attempt bounded by the timeout and the body by the size limit.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let options = &self.options;
        let request = self
            .agent
            .configure_request(request)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(options.connect_timeout()))
            .timeout_global(Some(options.timeout()))
            .build();
        let response = self
            .agent
            .run(request)
            .map_err(|e| transport_error(e, options))?;
        let (parts, mut body) = response.into_parts();
        let bytes = body
            .with_config()
            .limit(options.max_body_bytes())
            .read_to_vec()
            .map_err(|e| transport_error(e, options))?;
        Ok(Response::from_parts(parts, bytes))
    }
}

fn transport_error(e: ureq::Error, options: &ClientOptions) -> TransportError {
    use std::io::ErrorKind;
    let kind = match &e {
        ureq::Error::BodyExceedsLimit(_) => {
            return TransportError::body_too_large(options.max_body_bytes());
        }
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => FailureKind::Timeout,
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => FailureKind::Connect,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable => FailureKind::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => FailureKind::Timeout,
            _ => FailureKind::Other,
        },
        _ => FailureKind::Other,
    };
    TransportError::new(kind, e)
}
