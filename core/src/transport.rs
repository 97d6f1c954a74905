//! The boundary any HTTP stack plugs into — a request in, a response out — and the environment a
//! call loop runs in: the clock, randomness and sleeping.
//!
//! # What a transport must guarantee
//! - **No redirects followed.** The API key must never travel to another host, and the Logout
//!   Redirect answer *is* the redirect. Stacks that follow by default must be told not to:
//!   reqwest (`ClientBuilder::redirect(reqwest::redirect::Policy::none())`), ureq 2
//!   (`AgentBuilder::redirects(0)`), ureq 3 (`max_redirects(0)`, as `workos-sso-logout-ureq`
//!   forces per request), attohttpc (`follow_redirects(false)`), surf (which follows through its
//!   `Redirect` middleware: leave it out), a browser's `fetch` (`redirect: "manual"`).
//! - **Every status and header handed back unchanged**, repeated headers included. A stack that
//!   merges headers into a map keyed by name, or copies back only `Content-Type` (as oauth2-rs's
//!   ureq adapter once did), loses `Retry-After` and `X-Request-ID`: copy them all into the
//!   `http::Response` with `HeaderMap::append`.
//! - **An error status is a response, not an error.** `error_for_status`-style helpers
//!   (reqwest's `error_for_status`, ureq 3's default `http_status_as_error(true)`) drop the error
//!   body WorkOS explains itself in: turn them off and return the response.
//! - **A timeout that covers the body, and a bound on its size.** A server that stalls after the
//!   head must not hang the call: bound the whole exchange (reqwest's `timeout`, not only
//!   `connect_timeout`), and read at most a bounded number of bytes.
//!
//! Errors: return your stack's own error type; the core classifies it once
//! ([`TransportError::from_error`](crate::TransportError::from_error): an `std::io::Error` in its
//! source chain decides connect failure or timeout), or return a
//! [`TransportError`](crate::TransportError) with the [`FailureKind`](crate::FailureKind) you
//! know. See `core/examples/custom_transport.rs` for a complete transport over a `TcpStream`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

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
/// let response = transport.send(http::Request::post("http://127.0.0.1/").body(vec![])?)?;
/// assert_eq!(response.status(), 204);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SyncTransport {
    /// The transport's error; [`TransportError::from_error`](crate::TransportError::from_error)
    /// classifies it (a `TransportError` is kept as is).
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
/// let future = transport.send(http::Request::get("http://127.0.0.1/").body(vec![])?);
/// # drop(future);
/// # Ok::<(), http::Error>(())
/// ```
pub trait AsyncTransport {
    /// The transport's error; [`TransportError::from_error`](crate::TransportError::from_error)
    /// classifies it (a `TransportError` is kept as is).
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

/// The clock, randomness and sleeping a call loop needs, as one small trait so a test can replace
/// them (a fixed clock, fixed randomness, no real sleeping). Every method has a `std` default.
///
/// ```
/// use std::time::Duration;
/// use workos_sso_logout::Environment;
///
/// /// Records the delays instead of sleeping.
/// #[derive(Default)]
/// struct NoSleep(std::sync::Mutex<Vec<Duration>>);
/// impl Environment for NoSleep {
///     fn sleep(&self, delay: Duration) {
///         self.0.lock().unwrap().push(delay);
///     }
/// }
/// NoSleep::default().sleep(Duration::from_secs(60)); // returns at once
/// ```
pub trait Environment {
    /// The current time (reads HTTP-date `Retry-After` values).
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// 128 random bits (backoff jitter, idempotency keys). The default draws from the standard
    /// library's per-process random hash keys: unpredictable enough for both, not for
    /// cryptography.
    fn random(&self) -> u128 {
        std_random()
    }

    /// Blocks the thread for `delay` (the blocking loop).
    fn sleep(&self, delay: Duration) {
        std::thread::sleep(delay);
    }

    /// Waits for `delay` without blocking (the async loop). The default works on any executor:
    /// a helper thread wakes the task when the delay is over (if no thread can be spawned, the
    /// wait ends at once). Runtime adapters override it with their timer.
    fn sleep_async(&self, delay: Duration) -> impl Future<Output = ()> + Send {
        ThreadSleep {
            delay,
            shared: None,
        }
    }
}

/// The standard environment: the system clock, std randomness, `std::thread::sleep`, and a
/// thread-based async sleep. What [`Client`](crate::Client) and
/// [`AsyncClient`](crate::AsyncClient) use unless told otherwise.
///
/// ```
/// use workos_sso_logout::{Environment, StdEnvironment};
/// assert_ne!(StdEnvironment.random(), StdEnvironment.random());
/// assert!(StdEnvironment.now() > std::time::SystemTime::UNIX_EPOCH);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct StdEnvironment;

impl Environment for StdEnvironment {}

/// 128 random bits from fresh `RandomState` keys (per-thread random keys, advanced per instance).
fn std_random() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    (u128::from(half()) << 64) | u128::from(half())
}

#[derive(Default)]
struct Alarm {
    rung: bool,
    waker: Option<Waker>,
}

/// An executor-independent sleep: a helper thread sleeps and wakes the task.
struct ThreadSleep {
    delay: Duration,
    shared: Option<Arc<Mutex<Alarm>>>,
}

impl Future for ThreadSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.delay.is_zero() {
            return Poll::Ready(());
        }
        let delay = self.delay;
        let shared = self.shared.get_or_insert_with(|| {
            let shared = Arc::new(Mutex::new(Alarm::default()));
            let alarm = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name("workos-sso-logout-sleep".into())
                .spawn(move || {
                    std::thread::sleep(delay);
                    ring(&alarm);
                });
            if spawned.is_err() {
                ring(&shared);
            }
            shared
        });
        // A poisoned lock only means a waker panicked; the flag is still meaningful.
        let mut alarm = shared.lock().unwrap_or_else(|p| p.into_inner());
        if alarm.rung {
            Poll::Ready(())
        } else {
            alarm.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

fn ring(alarm: &Mutex<Alarm>) {
    let mut alarm = alarm.lock().unwrap_or_else(|p| p.into_inner());
    alarm.rung = true;
    if let Some(waker) = alarm.waker.take() {
        waker.wake();
    }
}
