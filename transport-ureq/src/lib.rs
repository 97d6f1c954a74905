#![doc = include_str!("../README.md")]
// `unsafe_code` is forbidden and `missing_docs` denied by the workspace lints.

use std::time::Duration;

use ureq::Error as UError;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs as Addrs};
use ureq::unversioned::transport::NextTimeout;
use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{ClientOptions, Error, FailureKind, SyncTransport, TransportError};

pub use ureq;
pub use workos_sso_logout as core;

/// The blocking client: `Client::new`, `from_env`, `with_options`; for your agent, see above.
pub type Client = workos_sso_logout::Client<UreqTransport>;

/// Sends core-built requests with a ureq [`Agent`](ureq::Agent); clones share its pool.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    connect_timeout: Duration,
    timeout: Duration,
    max_body_bytes: u64,
}

impl UreqTransport {
    /// A new agent with the options' timeouts, bound, pool and proxy (never one from the env).
    pub fn new(options: &ClientOptions) -> Result<Self, Error> {
        let proxy = options
            .proxy()
            .map(|uri| ureq::Proxy::new(&uri.to_string()));
        let proxy = proxy
            .transpose()
            .map_err(|e| TransportError::new(FailureKind::Other, e))?;
        let idle = options.max_idle_connections_per_host();
        let mut builder = ureq::Agent::config_builder()
            .proxy(proxy)
            .max_idle_connections_per_host(idle)
            .max_idle_connections(idle.saturating_mul(4));
        if cfg!(feature = "native-roots") {
            let roots = ureq::tls::RootCerts::PlatformVerifier;
            builder = builder.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
        }
        let connector = ureq::unversioned::transport::DefaultConnector::default();
        let agent = ureq::Agent::with_parts(builder.build(), connector, Resolver::default());
        Ok(Self::with_agent(agent, options))
    }

    /// The caller's agent, kept but for what is forced per request: no redirects, statuses as
    /// responses, the options' timeouts, no proxy to a loopback or plain-`http` target.
    pub fn with_agent(agent: ureq::Agent, options: &ClientOptions) -> Self {
        Self {
            agent,
            connect_timeout: options.connect_timeout(),
            timeout: options.timeout(),
            max_body_bytes: options.max_body_bytes(),
        }
    }
}

impl TryFrom<ClientOptions> for UreqTransport {
    type Error = Error;
    fn try_from(options: ClientOptions) -> Result<Self, Error> {
        Self::new(&options)
    }
}

impl SyncTransport for UreqTransport {
    type Error = TransportError;

    /// Sends one request as is: no redirect, any status, head and body bounded in time and size.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let direct = !ClientOptions::proxy_allowed(request.uri());
        let mut config = self.agent.configure_request(request);
        if direct {
            config = config.proxy(None);
        }
        let request = config
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .build();
        let limit = self.max_body_bytes;
        let head = self.agent.run(request);
        let (parts, mut body) = head.map_err(|e| classify(e, limit, false))?.into_parts();
        let bytes = body.with_config().limit(limit).read_to_vec();
        let bytes = bytes.map_err(|e| classify(e, limit, true))?;
        Ok(Response::from_parts(parts, bytes))
    }
}

/// IP literals in place: ureq's resolver (kept for names) spawns a thread per call with a timeout.
#[derive(Debug, Default)]
struct Resolver(DefaultResolver);

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<Addrs, UError> {
        let ip = uri
            .host()
            .and_then(|h| h.trim_matches(['[', ']']).parse().ok());
        let https = uri.scheme_str() != Some("http");
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let Some(ip) = ip else {
            return self.0.resolve(uri, config, timeout);
        };
        let mut addrs = self.empty();
        addrs.push(std::net::SocketAddr::new(ip, port));
        Ok(addrs)
    }
}

/// ureq's failures (no `source` for the core to walk); an I/O error `in_body` is a truncated body.
fn classify(e: ureq::Error, limit: u64, in_body: bool) -> TransportError {
    let kind = match &e {
        ureq::Error::BodyExceedsLimit(_) => return TransportError::body_too_large(limit),
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => FailureKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => FailureKind::Connect,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => FailureKind::Tls,
        ureq::Error::Io(io) if io.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => {
            FailureKind::Tls
        }
        ureq::Error::Io(_) if in_body => FailureKind::Other,
        ureq::Error::Io(io) => FailureKind::of_io(io),
        _ => FailureKind::Other,
    };
    TransportError::new(kind, e)
}
