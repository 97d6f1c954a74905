//! [`Call`]: the state machine that drives one call through its attempts. One input (the
//! transport's result, `now`, random), one output ([`Step`]); the call is moved into each step, so
//! it cannot be fed twice, fed before it asked for a request, or fed after it is done. Whether
//! an attempt is repeated is decided by the retry policy (`retry.rs`); how an answer is read, by
//! the endpoint (`logout_authorize.rs`, `logout_redirect.rs`).

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use http::{Request, Response};
use url::Url;

use crate::config::Config;
use crate::error::{BoxError, Error, TransportError};
use crate::inputs::IdempotencyKey;
use crate::logout_authorization::LogoutAuthorization;
use crate::logout_authorize::{self, LogoutAuthorizeRequest};
use crate::logout_redirect::{self, LogoutRedirect};
use crate::redact::Secrets;
use crate::request::copy_request;
use crate::retry::{Outcome, RetryPolicy};
#[cfg(feature = "tracing")]
use crate::trace;
use crate::transport::Environment;

/// Reads an endpoint's final response, scrubbing errors of the call's secrets.
type Parse<T> = fn(&Url, &Response<Vec<u8>>, &Secrets) -> Result<T, Error>;

/// What a call needs to know of its endpoint.
struct Endpoint<T> {
    /// For diagnostics: `logout_authorize` or `logout_redirect`.
    name: &'static str,
    /// Reads the final response.
    parse: Parse<T>,
    /// Whether the request spends a single-use token (then nothing that may have reached the
    /// server is repeated).
    spends_token: bool,
}

const AUTHORIZE: Endpoint<LogoutAuthorization> = Endpoint {
    name: "logout_authorize",
    parse: logout_authorize::parse,
    spends_token: false,
};

const REDIRECT: Endpoint<LogoutRedirect> = Endpoint {
    name: "logout_redirect",
    parse: logout_redirect::parse,
    spends_token: true,
};

/// One call driven through its attempts: made by [`Config::authorize_call`] or
/// [`Config::redirect_call`], started with [`start`](Self::start), fed with
/// [`handle`](Self::handle) until it is [`Step::Done`].
///
/// ```text
///            start()                         handle(result, now, random)
///   Call ───────────────▶ Step::Send ─────────────────────────────────────┐
///                         { delay,   ◀── retryable status or failure,      │
///                           request,     attempts left: the same request   │
///                           call }       again, after a backoff delay      │
///                                                                          ▼
///                                          Step::Done(Ok(output) | Err(error))
/// ```
///
/// A loop over any transport (the crate's [`Client`](crate::Client) and
/// [`AsyncClient`](crate::AsyncClient) run this loop, with [`handle_with`](Self::handle_with) so
/// the clock is read only when a retry is due):
///
/// ```
/// use std::time::SystemTime;
/// use workos_sso_logout::*;
///
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_1")?);
/// let mut answers = vec![
///     http::Response::builder().status(200)
///         .body(br#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#.to_vec())?,
///     http::Response::builder().status(503).body(br#"{"message":"busy"}"#.to_vec())?,
/// ];
/// let mut step = config.authorize_call(&request, &RetryPolicy::default(), &StdEnvironment)?.start();
/// let auth = loop {
///     match step {
///         Step::Send { delay, request, call } => {
///             // sleep `delay`, send `request`, and feed what came back:
///             assert_eq!(request.uri(), "https://auth.workos.com/sso/logout/authorize");
///             let answer = answers.pop().ok_or("no answer left")?;
///             step = call.handle_response(answer, SystemTime::now(), StdEnvironment.random());
///         }
///         Step::Done(result) => break result?,
///     }
/// };
/// assert_eq!(auth.logout_token().expose_secret(), "t");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Call<T> {
    endpoint: Endpoint<T>,
    /// Every attempt sends a copy of this request.
    request: Request<Vec<u8>>,
    /// The request's URL, parsed (relative `Location`s are resolved against it).
    url: Url,
    policy: RetryPolicy,
    attempts: u32,
    /// The key and the URL's token: every text kept from a response is scrubbed of them.
    secrets: Secrets,
}

/// What a [`Call`] asks for next (see [`Call`] for the loop that reads it).
// One per attempt, its request moved straight into the transport.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Step<T> {
    /// Wait `delay` (zero on the first attempt), send `request`, and give its result to
    /// `call.handle(..)`.
    Send {
        /// How long to wait before sending.
        delay: Duration,
        /// The request of this attempt.
        request: Request<Vec<u8>>,
        /// The call, waiting for this attempt's result.
        call: Call<T>,
    },
    /// The call is over, with this result.
    Done(Result<T, Error>),
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry the logout token, and the headers the API key: show neither.
        f.debug_struct("Call")
            .field("method", self.request.method())
            .field("url", &self.secrets.scrub(self.url.as_str()))
            .field("policy", &self.policy)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl<T> Call<T> {
    /// Which endpoint this call is to: `"logout_authorize"` or `"logout_redirect"`.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint.name
    }

    /// The first attempt: [`Step::Send`] with no delay.
    pub fn start(self) -> Step<T> {
        self.attempt(Duration::ZERO)
    }

    /// Feeds the result of the attempt the call asked for: the transport's response (any status)
    /// or its error, converted once by [`TransportError::from_error`]. `now` reads an HTTP-date
    /// `Retry-After`; `random` is any random number, for jitter.
    pub fn handle<E: Into<BoxError>>(
        self,
        result: Result<Response<Vec<u8>>, E>,
        now: SystemTime,
        random: u128,
    ) -> Step<T> {
        self.handle_with(result, || (now, random))
    }

    /// [`handle`](Self::handle) of a response (any status).
    pub fn handle_response(
        self,
        response: Response<Vec<u8>>,
        now: SystemTime,
        random: u128,
    ) -> Step<T> {
        self.handle(Ok::<_, TransportError>(response), now, random)
    }

    /// [`handle`](Self::handle) of a transport's failure to get a response (any error type;
    /// classified by [`TransportError::from_error`]).
    pub fn handle_failure(
        self,
        error: impl Into<BoxError>,
        now: SystemTime,
        random: u128,
    ) -> Step<T> {
        self.handle(Err::<Response<Vec<u8>>, _>(error), now, random)
    }

    /// [`handle`](Self::handle), with the time and a random number given by `clock`, which is
    /// called only when a retry is due (what the crate's clients use: an attempt that ends the
    /// call reads neither).
    pub fn handle_with<E: Into<BoxError>>(
        self,
        result: Result<Response<Vec<u8>>, E>,
        clock: impl FnOnce() -> (SystemTime, u128),
    ) -> Step<T> {
        let result = result.map_err(|e| TransportError::from_error(e).scrubbed(&self.secrets));
        let outcome = match &result {
            Ok(response) => Outcome::Response {
                status: response.status(),
                headers: response.headers(),
            },
            Err(error) => Outcome::Failure(error.kind()),
        };
        let spends_token = self.endpoint.spends_token;
        let retry = self
            .policy
            .retry_delay(self.attempts, outcome, spends_token, clock);
        #[cfg(feature = "tracing")]
        trace::attempt(self.attempts, &result, &self.secrets, retry);
        let done = match (retry, result) {
            (Some(delay), _) => return self.attempt(delay),
            (None, Ok(response)) => (self.endpoint.parse)(&self.url, &response, &self.secrets),
            (None, Err(error)) => Err(error.into()),
        };
        #[cfg(feature = "tracing")]
        trace::outcome(self.attempts, done.as_ref().err());
        Step::Done(done)
    }

    /// The span of this call (see `trace.rs`), for the clients to run it in.
    #[cfg(feature = "tracing")]
    pub(crate) fn span(&self) -> tracing::Span {
        trace::call_span(self.endpoint.spends_token, &self.url)
    }

    /// How many attempts have been started.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    fn attempt(mut self, delay: Duration) -> Step<T> {
        self.attempts = self.attempts.saturating_add(1);
        Step::Send {
            delay,
            request: copy_request(&self.request),
            call: self,
        }
    }
}

impl Config {
    /// A Logout Authorize call under `policy`. When more than one attempt is allowed and the
    /// request has no idempotency key, one is made ([`IdempotencyKey::random`]`(env)`, the only
    /// use of `env` here) so all attempts share it.
    pub fn authorize_call(
        &self,
        request: &LogoutAuthorizeRequest,
        policy: &RetryPolicy,
        env: &impl Environment,
    ) -> Result<Call<LogoutAuthorization>, Error> {
        let request = match (request.idempotency_key(), policy.max_attempts() > 1) {
            (None, true) => Cow::Owned(
                request
                    .clone()
                    .with_idempotency_key(IdempotencyKey::random(env)),
            ),
            _ => Cow::Borrowed(request),
        };
        Ok(Call {
            endpoint: AUTHORIZE,
            request: self.logout_authorize_request(&request)?,
            url: self.logout_authorize_url(),
            policy: policy.clone(),
            attempts: 0,
            secrets: self.key_secrets().clone(),
        })
    }

    /// A Logout Redirect call for `url` (the `logout_url` from Logout Authorize, or
    /// [`Config::logout_redirect_url`]) under `policy`, checked as
    /// [`Config::logout_url_request`] checks it. Timeouts are not retried: the token is
    /// single-use and the server may have consumed it.
    pub fn redirect_call(
        &self,
        url: &str,
        policy: &RetryPolicy,
    ) -> Result<Call<LogoutRedirect>, Error> {
        let (request, url) = self.checked_logout_url_request(url)?;
        let mut secrets = self.key_secrets().clone();
        secrets.add_url_tokens(&url);
        Ok(Call {
            endpoint: REDIRECT,
            request,
            url,
            policy: policy.clone(),
            attempts: 0,
            secrets,
        })
    }
}
