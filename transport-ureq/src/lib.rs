#![doc = include_str!("../README.md")]
// `unsafe_code` is forbidden and `missing_docs` denied by the workspace lints.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::Error as UError;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs as Addrs};
use ureq::unversioned::transport::NextTimeout;
use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{
    AttemptTimeout, ClientOptions, Error, FailureKind, SyncTransport, TransportError,
};

pub use ureq;
pub use workos_sso_logout as core;

/// The blocking client: `Client::new`, `from_env`, `with_options`; for your agent, see above.
pub type Client = workos_sso_logout::Client<UreqTransport>;

/// Sends core-built requests with a ureq [`Agent`](ureq::Agent); clones share its pool.
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    options: ClientOptions,
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
        let options = options.clone();
        Self { agent, options }
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

    /// Sends one request as is: no redirect, any status, head and body bounded in size and in
    /// time, by the request's [`AttemptTimeout`] (else the options' timeout).
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let direct = !ClientOptions::proxy_allowed(request.uri());
        let timeout = AttemptTimeout::of(&request).unwrap_or(self.options.timeout());
        let mut config = self.agent.configure_request(request);
        if direct {
            config = config.proxy(None);
        }
        let request = config
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(self.options.connect_timeout().min(timeout)))
            .timeout_global(Some(timeout))
            .build();
        let limit = self.options.max_body_bytes();
        let head = self.agent.run(request);
        let (parts, mut body) = head.map_err(|e| classify(e, limit, false))?.into_parts();
        let bytes = body.with_config().limit(limit).read_to_vec();
        let bytes = bytes.map_err(|e| classify(e, limit, true))?;
        Ok(Response::from_parts(parts, bytes))
    }
}

/// ureq's resolver (a thread per lookup, bounded by the timeout), its last answer (`name:port`,
/// addresses, when) kept for [`KEEP_ADDRESSES`]: ureq resolves before it looks in its pool, so
/// pooled calls to one host would otherwise each spawn a thread and look the name up again.
#[derive(Debug, Default)]
struct Resolver(DefaultResolver, Mutex<Option<Kept>>);

type Kept = (String, Instant, Addrs);

/// How long a host's addresses are kept (a failed lookup is not kept).
const KEEP_ADDRESSES: Duration = Duration::from_secs(60);

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<Addrs, UError> {
        let at = uri.scheme().zip(uri.authority());
        let host = at.and_then(|(s, a)| DefaultResolver::host_and_port(s, a));
        let kept = || self.1.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = |k: &&Kept| Some(&k.0) == host.as_ref() && k.1.elapsed() < KEEP_ADDRESSES;
        if let Some((_, _, addrs)) = kept().as_ref().filter(fresh) {
            return Ok(addrs.clone());
        }
        let addrs = self.0.resolve(uri, config, timeout)?;
        *kept() = host.map(|host| (host, Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

/// ureq's failures (no `source` for the core to walk); an error `in_body` that is not the limit
/// or a timeout is an answer cut off.
fn classify(e: ureq::Error, limit: u64, in_body: bool) -> TransportError {
    let kind = match &e {
        ureq::Error::BodyExceedsLimit(_) => return TransportError::body_too_large(limit),
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => FailureKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => FailureKind::Connect,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => FailureKind::Tls,
        ureq::Error::Io(io) if io.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => {
            FailureKind::Tls
        }
        _ if in_body => FailureKind::Truncated,
        ureq::Error::Io(io) => FailureKind::of_io(io),
        _ => FailureKind::Other,
    };
    TransportError::new(kind, e)
}

#[cfg(test)]
mod tests;
