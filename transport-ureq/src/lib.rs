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

/// The blocking client: `Client::new(config)`, `Client::with_options(config, options)`, or
/// `Client::with_transport(config, options, UreqTransport::with_agent(agent, &options))`.
pub type Client = workos_sso_logout::Client<UreqTransport>;

/// Sends core-built requests with a ureq [`Agent`](ureq::Agent). Cheap to clone (the agent's
/// connection pool is shared).
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    connect_timeout: Duration,
    timeout: Duration,
    max_body_bytes: u64,
}

impl UreqTransport {
    /// A transport on a new agent (rustls, the feature's roots) with the options' timeouts, body
    /// bound and proxy, if any: ureq's default of reading `HTTPS_PROXY` and friends from the
    /// environment is turned off, so the Bearer key never passes through a proxy nobody chose.
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

    /// A transport on the caller's agent (its TLS, proxy and pool settings are kept). Whatever the
    /// agent says, every request has redirects off, error statuses returned as responses, the
    /// options' timeouts, and no proxy to a loopback or plain-`http` target: those are forced per
    /// request.
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

    /// Sends one request as is: no redirect followed, any status returned as a response, the
    /// whole attempt bounded by the timeout and the body by the size limit.
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
        let head = self
            .agent
            .run(request)
            .map_err(|e| classify(e, limit, false));
        let (parts, mut body) = head?.into_parts();
        let bytes = body.with_config().limit(limit).read_to_vec();
        let bytes = bytes.map_err(|e| classify(e, limit, true))?;
        Ok(Response::from_parts(parts, bytes))
    }
}

/// Resolves an IP literal in place. ureq's own resolver, which this defers to for host names,
/// runs every lookup in a new thread whenever a timeout is set, even for `127.0.0.1`.
#[derive(Debug, Default)]
struct Resolver(DefaultResolver);

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<Addrs, UError> {
        let ip = uri
            .host()
            .and_then(|h| h.trim_matches(['[', ']']).parse().ok());
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("http") => Some(80),
            Some("https") => Some(443),
            _ => None,
        });
        let (Some(ip), Some(port)) = (ip, port) else {
            return self.0.resolve(uri, config, timeout);
        };
        let mut addrs = self.empty();
        addrs.push(std::net::SocketAddr::new(ip, port));
        Ok(addrs)
    }
}

/// ureq's failure variants (its error has no `source`, so the core cannot walk it): rustls
/// errors, however wrapped, are a TLS failure; an I/O error while reading a body (`in_body`) is a
/// truncated body rather than a connection closed before the answer.
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
