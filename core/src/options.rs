//! Settings every transport honours, defined once so all adapters agree on them.

use std::time::Duration;

use crate::base_url::is_loopback_name;
use crate::error::InvalidInput;
use crate::retry::RetryPolicy;
use crate::retry_after::A_DAY;

/// Default bound on establishing a connection (TCP and TLS).
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on one whole attempt: connect, send, response head and body.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on a response body (1 MiB).
const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;

/// Default deadline of a whole call: see [`ClientOptions::with_deadline`] for why 10 s.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// Idle connections kept per host by default: enough for 64 concurrent callers to find one.
const DEFAULT_MAX_IDLE_PER_HOST: usize = 64;

/// The deadline of a call, timeouts, the response body bound and the retry policy of a client.
///
/// Defaults: a 10 s deadline for each whole call ([`with_deadline`](Self::with_deadline));
/// connect 10 s; each whole attempt (connect, send, head and body) at most 30 s and at most what
/// the deadline leaves; body 1 MiB; [`RetryPolicy::default`]; no proxy; 64 idle connections kept
/// per host.
///
/// ```
/// use std::time::Duration;
/// use workos_sso_logout::{ClientOptions, RetryPolicy};
/// let options = ClientOptions::default()
///     .with_timeout(Duration::from_secs(5))?
///     .with_max_body_bytes(64 * 1024)?
///     .with_retry_policy(RetryPolicy::none());
/// assert_eq!(options.timeout(), Duration::from_secs(5));
/// assert!(ClientOptions::default().with_timeout(Duration::ZERO).is_err());
/// # Ok::<(), workos_sso_logout::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Option<Duration>,
    max_body_bytes: u64,
    retry: RetryPolicy,
    proxy: Option<http::Uri>,
    max_idle_per_host: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: Some(DEFAULT_DEADLINE),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            retry: RetryPolicy::default(),
            proxy: None,
            max_idle_per_host: DEFAULT_MAX_IDLE_PER_HOST,
        }
    }
}

impl ClientOptions {
    /// Bounds establishing a connection (default 10 s). More than zero, at most a day.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Result<Self, InvalidInput> {
        self.connect_timeout = bounded(
            timeout,
            "the connect timeout must be more than zero and at most 24 hours",
        )?;
        Ok(self)
    }

    /// Bounds each whole attempt, body included (default 30 s). More than zero, at most a day.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workos_sso_logout::ClientOptions;
    /// let err = ClientOptions::default().with_timeout(Duration::MAX).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid client option: the timeout must be more than zero and at most 24 hours");
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self, InvalidInput> {
        self.timeout = bounded(
            timeout,
            "the timeout must be more than zero and at most 24 hours",
        )?;
        Ok(self)
    }

    /// Bounds each whole call (default 10 s): every attempt, backoff and `Retry-After` wait
    /// included. More than zero, at most a day.
    ///
    /// The call machine ([`Call`](crate::Call)) decides it from the time it is given: a wait that
    /// would end past the deadline is not started (the call ends at once with the last error,
    /// which says how long the server asked to wait), no attempt starts after it, and each
    /// attempt is given what remains ([`AttemptTimeout`](crate::AttemptTimeout)) — half of it
    /// while a timed-out attempt could still be retried, so a connection the network dropped
    /// silently leaves time for a retry on a new one.
    ///
    /// Why 10 s by default: a sign-out runs inside a request handler, behind a load balancer
    /// or proxy that commonly gives up at 30 to 60 s and in front of a user who clicked. A
    /// healthy WorkOS answers in well under a second, so 10 s leaves room for two retries after
    /// a transient failure, while a `503` with `Retry-After: 30` ends the click at once instead
    /// of holding it for a minute. A per-call deadline ([`Call::with_deadline`](crate::Call::with_deadline))
    /// can be shorter; [`without_deadline`](Self::without_deadline) turns it off (batch jobs).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workos_sso_logout::ClientOptions;
    /// let options = ClientOptions::default().with_deadline(Duration::from_secs(3))?;
    /// assert_eq!(options.deadline(), Some(Duration::from_secs(3)));
    /// assert_eq!(ClientOptions::default().without_deadline().deadline(), None);
    /// assert!(ClientOptions::default().with_deadline(Duration::ZERO).is_err());
    /// # Ok::<(), workos_sso_logout::InvalidInput>(())
    /// ```
    pub fn with_deadline(mut self, deadline: Duration) -> Result<Self, InvalidInput> {
        self.deadline = Some(checked_deadline(deadline)?);
        Ok(self)
    }

    /// No deadline for the whole call: only each attempt's [`timeout`](Self::timeout) and the
    /// retry policy bound it.
    pub fn without_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    /// The deadline of each whole call, if there is one.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Bounds the response body (default 1 MiB). Must not be zero.
    pub fn with_max_body_bytes(mut self, bytes: u64) -> Result<Self, InvalidInput> {
        if bytes == 0 {
            return Err(InvalidInput::Options(
                "the body limit must be greater than zero",
            ));
        }
        self.max_body_bytes = bytes;
        Ok(self)
    }

    /// Sets the retry policy ([`RetryPolicy::none`] turns retries off).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sends requests to `https` targets that are not loopback through this HTTP proxy, with
    /// `CONNECT` (so the proxy sees only the host name, never the key); everything else goes
    /// directly ([`proxy_allowed`](Self::proxy_allowed)). Without this, no proxy is used:
    /// `HTTPS_PROXY` and the like in the environment are ignored by both adapters.
    ///
    /// The proxy is `http://host:port`; proxy credentials are not supported (a proxy that needs
    /// them can be configured on your own ureq agent or hyper connector).
    ///
    /// ```
    /// use workos_sso_logout::ClientOptions;
    /// let options = ClientOptions::default().with_proxy("http://proxy.internal:3128")?;
    /// assert_eq!(options.proxy().unwrap(), "http://proxy.internal:3128/");
    /// assert!(ClientOptions::default().with_proxy("http://user:pw@proxy.internal:3128").is_err());
    /// # Ok::<(), workos_sso_logout::InvalidInput>(())
    /// ```
    pub fn with_proxy(mut self, url: &str) -> Result<Self, InvalidInput> {
        let bad = InvalidInput::Options;
        let url =
            url::Url::parse(url.trim()).map_err(|_| bad("the proxy is not an absolute URL"))?;
        if url.scheme() != "http" || !url.has_host() {
            return Err(bad(
                "the proxy must be http://host:port (it is asked to CONNECT)",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "proxy credentials are not supported; configure them on your own agent or connector",
            ));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad("the proxy URL must have no path, query or fragment"));
        }
        let uri = url
            .as_str()
            .parse()
            .map_err(|_| bad("the proxy is not a valid URI"))?;
        self.proxy = Some(uri);
        Ok(self)
    }

    /// Keeps at most `connections` idle connections per host for reuse (default 64, so as many
    /// concurrent callers each find one: ureq's own default of 3 made most calls under load open
    /// a new connection). 1 to 4096.
    pub fn with_max_idle_connections_per_host(
        mut self,
        connections: usize,
    ) -> Result<Self, InvalidInput> {
        if !(1..=4096).contains(&connections) {
            return Err(InvalidInput::Options(
                "idle connections per host must be 1 to 4096",
            ));
        }
        self.max_idle_per_host = connections;
        Ok(self)
    }

    /// The most idle connections kept per host.
    pub fn max_idle_connections_per_host(&self) -> usize {
        self.max_idle_per_host
    }

    /// The proxy for `https` targets that are not loopback, if one is set.
    pub fn proxy(&self) -> Option<&http::Uri> {
        self.proxy.as_ref()
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The timeout of one whole attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The response body bound, in bytes.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Whether a request to `uri` may go through a proxy: only `https` to a host that is not
    /// loopback. Plain `http` (which this crate sends only to loopback) and loopback targets are
    /// always reached directly, so no proxy sees a key in clear or a local emulator's traffic.
    ///
    /// ```
    /// use workos_sso_logout::ClientOptions;
    /// let may = |uri: &str| ClientOptions::proxy_allowed(&uri.parse().unwrap());
    /// assert!(may("https://auth.workos.com/sso/logout/authorize"));
    /// assert!(!may("http://127.0.0.1:4100/sso/logout/authorize"));
    /// assert!(!may("https://localhost/sso/logout"));
    /// assert!(!may("https://[::1]:8443/sso/logout"));
    /// ```
    pub fn proxy_allowed(uri: &http::Uri) -> bool {
        uri.scheme_str() == Some("https") && !uri.host().is_some_and(is_loopback_name)
    }
}

/// `timeout` if it is more than zero and at most [`A_DAY`]; else `message`.
fn bounded(timeout: Duration, message: &'static str) -> Result<Duration, InvalidInput> {
    match timeout.is_zero() || timeout > A_DAY {
        true => Err(InvalidInput::Options(message)),
        false => Ok(timeout),
    }
}

/// `deadline` if it is a deadline a call may have (more than zero, at most a day).
pub(crate) fn checked_deadline(deadline: Duration) -> Result<Duration, InvalidInput> {
    bounded(
        deadline,
        "the deadline must be more than zero and at most 24 hours",
    )
}
