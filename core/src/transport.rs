//! The boundary any HTTP stack plugs into — a request in, a response out — and the environment a
//! call loop runs in: the clock, randomness and sleeping.
//!
//! # What a transport adds to the core's requests
//! The core's `http::Request` is what to send, not yet how: a transport that writes HTTP/1.1
//! itself (most stacks do this for you) adds
//! - the **origin-form target**: the core's URI is absolute (`https://auth.workos.com/sso/…`);
//!   the request line carries its path and query (`POST /sso/logout/authorize HTTP/1.1`);
//! - **`Host`**, from the URI's authority (the core sets none);
//! - **`Content-Length`** (or chunked framing) for the body (the core sets none: an empty `GET`
//!   body needs none);
//! - TLS for `https`, and its own connection reuse.
//!
//! Everything else is in the request already (`Accept`, `User-Agent`, and for Logout Authorize
//! `Authorization`, `Content-Type` and `Idempotency-Key`): send it as it is. See
//! `core/examples/hand_driven.rs` for all of it over a plain `TcpStream`.
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
//!
//! # What a transport must not do
//! Follow redirects; merge or drop headers; turn an error status into an error; read an unbounded
//! body or wait without a deadline; use a proxy the caller did not configure (environment
//! variables such as `HTTPS_PROXY` included: the `Authorization` header would pass through it);
//! add or change headers the core set.

use std::future::Future;
#[cfg(not(target_family = "wasm"))]
use std::pin::Pin;
#[cfg(not(target_family = "wasm"))]
use std::sync::{Arc, Condvar, Mutex};
#[cfg(not(target_family = "wasm"))]
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use http::{Request, Response};

use crate::error::{BoxError, FailureKind, TransportError};
use crate::inputs::IdempotencyKey;

impl FailureKind {
    /// The kind an I/O error stands for: refused, unreachable or a name that does not resolve is
    /// [`Connect`](Self::Connect),
    /// timed out is [`Timeout`](Self::Timeout), reset, aborted or ended early is
    /// [`Closed`](Self::Closed), anything else [`Other`](Self::Other). The one place this mapping
    /// lives; transports and [`TransportError::from_error`] use it. (A transport that gets such an
    /// error while reading a response *body* reports [`Other`](Self::Other): the answer had begun.)
    pub fn of_io(error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::AddrNotAvailable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::HostUnreachable => FailureKind::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => FailureKind::Timeout,
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => FailureKind::Closed,
            // The standard library's resolver (which ureq and hyper-util use) reports a name
            // that does not resolve with no kind of its own, only this message.
            _ if error
                .to_string()
                .starts_with("failed to lookup address information") =>
            {
                FailureKind::Connect
            }
            _ => FailureKind::Other,
        }
    }
}

impl TransportError {
    /// Any transport's error, classified: a `TransportError` is kept as it is; otherwise the
    /// first `std::io::Error` in its source chain decides the kind ([`FailureKind::of_io`]), and
    /// without one it is [`FailureKind::Other`]. This is the one conversion from a transport's
    /// error type to the core's.
    pub fn from_error(error: impl Into<BoxError>) -> Self {
        Self::from_error_with(error, FailureKind::Other, |_| None)
    }

    /// [`from_error`](Self::from_error) for a transport that knows some of its own errors:
    /// `cause_kind` is asked about each error of the source chain, outermost first, and the first
    /// kind it names wins (a TLS library's error type is [`FailureKind::Tls`], say); otherwise
    /// the first `std::io::Error` of a known kind decides, and without one, `fallback`.
    ///
    /// What the common stacks need (each proven by `workos-sso-logout-conformance`):
    /// - **reqwest**: `fallback` from the error — `is_timeout()` → `Timeout`, `is_connect()` →
    ///   `Connect`, `is_request()` (no answer came: closed before one) → `Closed`, else `Other`;
    ///   `cause_kind`: a `rustls::Error` → `Tls`. An error while reading the body is `Other`
    ///   (or `Timeout`): the answer had begun.
    /// - **hyper-util**: `fallback` `Connect` when `is_connect()`; `cause_kind`: a
    ///   `rustls::Error` → `Tls`, a `hyper::Error` that `is_incomplete_message()` → `Closed`.
    /// - **ureq 3**: its I/O errors are not its `source()`: match `ureq::Error::Io(e)` to
    ///   `TransportError::new(FailureKind::of_io(&e), e)`, `Timeout(_)` to `Timeout`,
    ///   `ConnectionFailed` and `HostNotFound` to `Connect`, `BodyExceedsLimit` to
    ///   [`body_too_large`](Self::body_too_large).
    ///
    /// ```
    /// use workos_sso_logout::{FailureKind, TransportError};
    /// // A stack's error that wraps an I/O error: the I/O kind decides.
    /// #[derive(Debug)]
    /// struct StackError(std::io::Error);
    /// impl std::fmt::Display for StackError {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("request failed")
    ///     }
    /// }
    /// impl std::error::Error for StackError {
    ///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
    ///         Some(&self.0)
    ///     }
    /// }
    /// let reset = StackError(std::io::ErrorKind::ConnectionReset.into());
    /// let e = TransportError::from_error_with(reset, FailureKind::Other, |_| None);
    /// assert_eq!(e.kind(), FailureKind::Closed);
    /// ```
    pub fn from_error_with(
        error: impl Into<BoxError>,
        fallback: FailureKind,
        cause_kind: impl Fn(&(dyn std::error::Error + 'static)) -> Option<FailureKind>,
    ) -> Self {
        let error = error.into();
        let error = match error.downcast::<TransportError>() {
            Ok(own) => return *own,
            Err(error) => error,
        };
        let mut io_kind = None;
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&*error);
        while let Some(e) = next {
            if let Some(kind) = cause_kind(e) {
                return Self::new(kind, error);
            }
            next = e.source();
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                io_kind = io_kind.or(Some(FailureKind::of_io(io)));
                // `io::Error::source` skips the error it wraps; look at that one too.
                next = io.get_ref().map(|inner| inner as _).or(next);
            }
        }
        // An I/O error of no particular kind says less than the transport's own fallback.
        let io_kind = io_kind.filter(|kind| *kind != FailureKind::Other);
        Self::new(io_kind.unwrap_or(fallback), error)
    }
}

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

/// An async HTTP client, whose future need not be `Send`: implement it for a transport of a
/// single-threaded runtime (an `Rc` inside, a JS `fetch` on WebAssembly). A transport whose future
/// is `Send` implements [`SendTransport`] instead, and is an `AsyncTransport` through it.
///
/// An [`AsyncClient`](crate::AsyncClient) call's future is `Send` exactly when the transport's
/// and the [`Environment`]'s `sleep_async` futures are, so one client type serves a
/// multi-threaded runtime and a single-threaded executor alike.
pub trait AsyncTransport {
    /// The transport's error; [`TransportError::from_error`](crate::TransportError::from_error)
    /// classifies it (a `TransportError` is kept as is).
    type Error: std::error::Error + Send + Sync + 'static;
    /// Sends one request and returns its response, whatever its status.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Self::Error>>;
}

/// An async HTTP client whose future is `Send` (and which is `Send + Sync` itself): what a handler
/// generic over its transport needs, since axum, actix-web's `spawn` and tokio's multi-threaded
/// runtime want `Send` futures — bound it `T: SendTransport` and the client's calls are `Send`.
/// Every such transport is an [`AsyncTransport`]. The hyper adapter, `MockTransport` and any
/// `Fn(Request<Vec<u8>>) -> impl Future<Output = Result<Response<Vec<u8>>, E>> + Send` closure
/// that is `Send + Sync` implement it:
///
/// ```
/// use workos_sso_logout::{AsyncClient, Config, SendTransport, ApiKey, ClientOptions};
/// let transport = |_request: http::Request<Vec<u8>>| async {
///     http::Response::builder().status(204).body(Vec::new())
/// };
/// let future = SendTransport::send(&transport, http::Request::get("http://127.0.0.1/").body(vec![])?);
/// # drop(future);
///
/// // A generic handler's dependency: its calls are `Send` for every such transport.
/// fn is_send<T: Send>(_: &T) {}
/// async fn sign_out<T: SendTransport>(client: &AsyncClient<T>) {
///     let call = client.follow_logout_redirect("https://auth.workos.com/sso/logout?token=t");
///     is_send(&call);
///     let _ = call.await;
/// }
/// # Ok::<(), http::Error>(())
/// ```
pub trait SendTransport: Send + Sync {
    /// The transport's error, as for [`AsyncTransport::Error`].
    type Error: std::error::Error + Send + Sync + 'static;
    /// Sends one request and returns its response, whatever its status.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Self::Error>> + Send;
}

impl<T: SendTransport> AsyncTransport for T {
    type Error = T::Error;
    // `Send`, so a caller generic over `T: SendTransport` gets `Send` calls.
    #[allow(refining_impl_trait)]
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Self::Error>> + Send {
        SendTransport::send(self, request)
    }
}

impl<F, Fut, E> SendTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Vec<u8>>, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;
    // The closure's own future.
    #[allow(refining_impl_trait)]
    fn send(&self, request: Request<Vec<u8>>) -> Fut {
        self(request)
    }
}

/// The clock, randomness and sleeping a call loop needs, as one small trait so a test can replace
/// them (a fixed clock, fixed randomness, no real sleeping) and a runtime can supply its own.
///
/// Every method has a `std` default, except on WebAssembly (`target_family = "wasm"`): there
/// `wasm32-unknown-unknown` has no clock (`SystemTime::now` panics) and no entropy (std's hash
/// keys are the same in every instance), and no wasm target can spawn the thread the default
/// async sleep waits in, so an environment without all four methods does not compile instead of
/// failing on the first retry. A JS runtime's environment is `Date.now()`,
/// `crypto.getRandomValues` and a `setTimeout` promise (see the fetch transport under
/// `tests/fetch`).
///
/// What [`random`](Self::random) must be: unpredictable, and never repeating across instances of
/// your program — each call's [`IdempotencyKey`] is made from it, and two sign-outs sending the same
/// key could be taken by WorkOS for one. A seeded or fixed generator is for tests only.
///
/// An instant environment for tests of either client: [`sleep`](Self::sleep) is what the blocking
/// [`Client`](crate::Client) waits with, [`sleep_async`](Self::sleep_async) what the
/// [`AsyncClient`](crate::AsyncClient) awaits.
///
/// ```
/// use std::time::Duration;
/// use workos_sso_logout::Environment;
///
/// /// Records the delays instead of waiting them out.
/// #[derive(Default)]
/// struct Instant(std::sync::Mutex<Vec<Duration>>);
/// impl Environment for Instant {
///     fn sleep(&self, delay: Duration) {
///         self.0.lock().unwrap().push(delay);
///     }
///     async fn sleep_async(&self, delay: Duration) {
///         self.0.lock().unwrap().push(delay);
///     }
/// }
/// let env = Instant::default();
/// env.sleep(Duration::from_secs(60)); // returns at once
/// let mut wait = std::pin::pin!(env.sleep_async(Duration::from_secs(60)));
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// assert!(wait.as_mut().poll(&mut cx).is_ready()); // ready at the first poll
/// assert_eq!(env.0.lock().unwrap().len(), 2);
/// ```
pub trait Environment {
    /// The current time: the call's deadline is measured on it, and it reads HTTP-date
    /// `Retry-After` values.
    #[cfg(not(target_family = "wasm"))]
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// The current time: the call's deadline is measured on it, and it reads HTTP-date
    /// `Retry-After` values.
    #[cfg(target_family = "wasm")]
    fn now(&self) -> SystemTime;

    /// 128 random bits (backoff jitter, idempotency keys). The default draws from the standard
    /// library's per-process random hash keys: unpredictable enough for both, not for
    /// cryptography.
    #[cfg(not(target_family = "wasm"))]
    fn random(&self) -> u128 {
        std_random()
    }

    /// 128 random bits (backoff jitter, idempotency keys): from a source that differs in every
    /// instance (`crypto.getRandomValues` in a JS runtime).
    #[cfg(target_family = "wasm")]
    fn random(&self) -> u128;

    /// Blocks the thread for `delay` (the blocking loop).
    #[cfg(not(target_family = "wasm"))]
    fn sleep(&self, delay: Duration) {
        std::thread::sleep(delay);
    }

    /// Blocks the thread for `delay` (the blocking loop).
    #[cfg(target_family = "wasm")]
    fn sleep(&self, delay: Duration);

    /// Waits for `delay` without blocking (the async loop). The default works on any executor:
    /// a helper thread wakes the task when the delay is over, or when the wait is dropped (if no
    /// thread can be spawned, the wait blocks the polling thread rather than end early). Runtime
    /// adapters override it with their timer. The future need not be `Send` (see
    /// [`AsyncTransport::send`]).
    #[cfg(not(target_family = "wasm"))]
    fn sleep_async(&self, delay: Duration) -> impl Future<Output = ()> {
        ThreadSleep {
            delay,
            shared: None,
        }
    }

    /// Waits for `delay` without blocking (the async loop): the runtime's timer (a `setTimeout`
    /// promise in a JS runtime). The future need not be `Send` (see [`AsyncTransport::send`]).
    #[cfg(target_family = "wasm")]
    fn sleep_async(&self, delay: Duration) -> impl Future<Output = ()>;
}

impl IdempotencyKey {
    /// A fresh key: a version-4 UUID from `env`'s random bits mixed with the process's own, so
    /// two keys differ even when `env` answers the same number twice (a seeded or fixed test
    /// environment). What a [`Call`](crate::Call) of several attempts sends when its request has
    /// no key of its own.
    ///
    /// ```
    /// use workos_sso_logout::{Environment, IdempotencyKey, StdEnvironment};
    ///
    /// /// A test environment whose "random" number never changes.
    /// struct Fixed;
    /// impl Environment for Fixed {
    ///     fn random(&self) -> u128 {
    ///         7
    ///     }
    /// }
    /// assert_ne!(IdempotencyKey::random(&Fixed), IdempotencyKey::random(&Fixed));
    /// assert_eq!(IdempotencyKey::random(&StdEnvironment).as_str().len(), 36);
    /// ```
    pub fn random(env: &impl Environment) -> Self {
        #[cfg(not(target_family = "wasm"))]
        let bits = env.random() ^ std_random();
        // std has no entropy of its own there: the environment's is the key's.
        #[cfg(target_family = "wasm")]
        let bits = env.random();
        Self::from_random_bits(bits)
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
#[cfg(not(target_family = "wasm"))]
#[derive(Debug, Clone, Copy, Default)]
pub struct StdEnvironment;

#[cfg(not(target_family = "wasm"))]
impl Environment for StdEnvironment {}

/// 128 random bits from fresh `RandomState` keys (per-thread random keys, advanced per instance).
#[cfg(not(target_family = "wasm"))]
fn std_random() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    (u128::from(half()) << 64) | u128::from(half())
}

/// What the sleeping thread and the task share: whether the delay is over, whether the wait was
/// given up (its future dropped: a transport answered first), and who to wake.
#[cfg(not(target_family = "wasm"))]
#[derive(Default)]
struct Wakeup {
    elapsed: bool,
    dropped: bool,
    waker: Option<Waker>,
}

/// The state both sides lock, and the signal that ends the thread's wait early.
#[cfg(not(target_family = "wasm"))]
type Shared = Arc<(Mutex<Wakeup>, Condvar)>;

/// An executor-independent sleep: a helper thread waits out the delay (or until the future is
/// dropped, so a timer raced against an answer does not outlive it) and wakes the task.
#[cfg(not(target_family = "wasm"))]
struct ThreadSleep {
    delay: Duration,
    shared: Option<Shared>,
}

#[cfg(not(target_family = "wasm"))]
impl Future for ThreadSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.delay.is_zero() {
            return Poll::Ready(());
        }
        let delay = self.delay;
        let shared = self.shared.get_or_insert_with(|| {
            let shared = Shared::default();
            let other = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name("workos-sso-logout-sleep".into())
                .spawn(move || {
                    let (lock, signal) = &*other;
                    let wakeup = lock.lock().unwrap_or_else(|p| p.into_inner());
                    let waited = signal.wait_timeout_while(wakeup, delay, |w| !w.dropped);
                    let (mut wakeup, _) = waited.unwrap_or_else(|p| p.into_inner());
                    wakeup.elapsed = true;
                    if let Some(waker) = wakeup.waker.take() {
                        waker.wake();
                    }
                });
            if spawned.is_err() {
                // No thread to wait in: wait here, blocking the executor, rather than skip the
                // wait the retry needs.
                std::thread::sleep(delay);
                lock(&shared).elapsed = true;
            }
            shared
        });
        let mut wakeup = lock(shared);
        if wakeup.elapsed {
            Poll::Ready(())
        } else {
            wakeup.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[cfg(not(target_family = "wasm"))]
impl Drop for ThreadSleep {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            lock(shared).dropped = true;
            shared.1.notify_all();
        }
    }
}

/// The wait's state (a poisoned lock only means a waker panicked; the flags still hold).
#[cfg(not(target_family = "wasm"))]
fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Wakeup> {
    shared.0.lock().unwrap_or_else(|p| p.into_inner())
}
