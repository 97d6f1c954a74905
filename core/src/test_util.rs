//! A test double for your unit tests (feature `test-util`): a transport that records every
//! request and answers from a queue, blocking and async.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use http::{Request, Response, StatusCode};

use crate::error::{FailureKind, TransportError};
use crate::request::copy_request;
use crate::transport::{AsyncTransport, SyncTransport};

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

impl AsyncTransport for MockTransport {
    type Error = TransportError;
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.answer(request)
    }
}
