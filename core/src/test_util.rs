//! Test doubles for your unit tests (feature `test-util`): a transport that records every
//! request and answers from a queue, blocking and async, and an environment that never waits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use http::{Request, Response, StatusCode};

use crate::error::{FailureKind, TransportError};
use crate::request::copy_request;
use crate::transport::{Environment, SendTransport, SyncTransport};

/// A transport that records every request it is given and answers with the responses (or
/// transport failures) queued on it, in order. Clones share the record and the queue, so a test
/// keeps one clone and gives the other to the client. With nothing queued, a request fails with
/// a [`FailureKind::Other`] transport error that says so.
///
/// ```
/// use workos_sso_logout::test_util::MockTransport;
/// use workos_sso_logout::{ApiKey, Client, ClientOptions, Config, FailureKind, ProfileId};
///
/// let mock = MockTransport::new();
/// mock.push_error(FailureKind::Connect); // the first attempt cannot connect…
/// mock.push_json(200, r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#);
///
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let client = Client::with_transport(config, ClientOptions::default(), mock.clone());
/// let logout = client.authorize_logout(&ProfileId::new("prof_1")?)?; // …the retry succeeds
///
/// assert!(logout.logout_url().starts_with("https://auth.workos.com/sso/logout?"));
/// assert_eq!(mock.requests().len(), 2);
/// assert_eq!(mock.requests()[0].uri(), "https://auth.workos.com/sso/logout/authorize");
/// assert_eq!(mock.requests()[1].body(), br#"{"profile_id":"prof_1"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct MockTransport {
    inner: Arc<Mutex<Record>>,
}

#[derive(Default)]
struct Record {
    requests: Vec<Request<Vec<u8>>>,
    answers: VecDeque<Result<Response<Vec<u8>>, FailureKind>>,
}

impl std::fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Requests carry the API key; show counts only.
        let record = self.lock();
        f.debug_struct("MockTransport")
            .field("requests", &record.requests.len())
            .field("queued", &record.answers.len())
            .finish()
    }
}

impl MockTransport {
    /// An empty transport: nothing recorded, nothing queued.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a response, returned as it is.
    pub fn push_response(&self, response: Response<Vec<u8>>) -> &Self {
        self.lock().answers.push_back(Ok(response));
        self
    }

    /// Queues a JSON response with this status (a status outside 100–999 becomes 500), a
    /// `Content-Type: application/json` and an `X-Request-ID`.
    pub fn push_json(&self, status: u16, body: &str) -> &Self {
        let mut response = Response::new(body.as_bytes().to_vec());
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert("x-request-id", http::HeaderValue::from_static("req_mock"));
        self.push_response(response)
    }

    /// Queues a transport failure of this kind (no response).
    pub fn push_error(&self, kind: FailureKind) -> &Self {
        self.lock().answers.push_back(Err(kind));
        self
    }

    /// Copies of every request sent so far, oldest first.
    pub fn requests(&self) -> Vec<Request<Vec<u8>>> {
        self.lock().requests.iter().map(copy_request).collect()
    }

    /// How many queued answers are left.
    pub fn remaining(&self) -> usize {
        self.lock().answers.len()
    }

    fn answer(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let mut record = self.lock();
        record.requests.push(request);
        match record.answers.pop_front() {
            Some(Ok(response)) => Ok(response),
            Some(Err(kind)) => Err(TransportError::new(
                kind,
                "a failure queued on MockTransport",
            )),
            None => Err(TransportError::new(
                FailureKind::Other,
                "MockTransport has no answer queued for this request",
            )),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Record> {
        // A test that panicked while holding the lock leaves a usable record.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SyncTransport for MockTransport {
    type Error = TransportError;
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.answer(request)
    }
}

impl SendTransport for MockTransport {
    type Error = TransportError;
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.answer(request)
    }
}

/// An environment for tests of either client that never waits: [`sleep`](Environment::sleep)
/// and [`sleep_async`](Environment::sleep_async) return at once, recording the delay and moving
/// its clock forward by it, so a call's deadline sees the time pass as it would. The clock starts
/// at a fixed time (2023-11-14T22:13:20Z, or [`at`](Self::at) yours) and moves only by sleeps and
/// [`advance`](Self::advance); the random numbers are a fixed sequence that never repeats a value.
/// Clones share the clock and the record.
///
/// ```
/// use std::time::Duration;
/// use workos_sso_logout::test_util::{InstantEnvironment, MockTransport};
/// use workos_sso_logout::{ApiKey, AsyncClient, ClientOptions, Config, ProfileId};
///
/// let mock = MockTransport::new();
/// mock.push_json(503, r#"{"message":"busy"}"#);
/// mock.push_json(200, r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#);
/// let env = InstantEnvironment::new();
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let client = AsyncClient::with_transport_in(config, ClientOptions::default(), mock, env.clone());
/// let call = client.authorize_logout(&ProfileId::new("prof_1")?);
/// // Nothing waits: one poll runs both attempts and the backoff between them.
/// let mut call = std::pin::pin!(call);
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// assert!(call.as_mut().poll(&mut cx).is_ready());
/// assert_eq!(env.sleeps().len(), 1);
/// assert!(env.sleeps()[0] >= Duration::from_millis(250));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct InstantEnvironment {
    clock: Arc<Mutex<Clock>>,
}

#[derive(Debug)]
struct Clock {
    now: SystemTime,
    sleeps: Vec<Duration>,
    draws: u64,
}

impl Default for InstantEnvironment {
    fn default() -> Self {
        Self::at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }
}

impl InstantEnvironment {
    /// An environment whose clock starts at 2023-11-14T22:13:20Z.
    pub fn new() -> Self {
        Self::default()
    }

    /// An environment whose clock starts at `now`.
    pub fn at(now: SystemTime) -> Self {
        let clock = Clock {
            now,
            sleeps: Vec::new(),
            draws: 0,
        };
        Self {
            clock: Arc::new(Mutex::new(clock)),
        }
    }

    /// Moves the clock forward by `by` (an attempt that took that long, say).
    pub fn advance(&self, by: Duration) {
        let mut clock = self.lock();
        clock.now = clock.now.checked_add(by).unwrap_or(clock.now);
    }

    /// Every delay slept so far, oldest first.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    fn slept(&self, delay: Duration) {
        self.lock().sleeps.push(delay);
        self.advance(delay);
    }

    fn lock(&self) -> MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Environment for InstantEnvironment {
    fn now(&self) -> SystemTime {
        self.lock().now
    }

    /// SplitMix64 over a counter, twice: a fixed sequence, no value repeated.
    fn random(&self) -> u128 {
        let mut clock = self.lock();
        let mut next = || {
            clock.draws = clock.draws.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = clock.draws;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        (u128::from(next()) << 64) | u128::from(next())
    }

    fn sleep(&self, delay: Duration) {
        self.slept(delay);
    }

    #[allow(refining_impl_trait)] // ready at once, and `Send`
    fn sleep_async(&self, delay: Duration) -> std::future::Ready<()> {
        self.slept(delay);
        std::future::ready(())
    }
}
