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
use crate::error::{BoxError, DeadlineExceeded, Error, InvalidInput, TransportError};
use crate::inputs::IdempotencyKey;
use crate::logout_authorization::LogoutAuthorization;
use crate::logout_authorize::{self, LogoutAuthorizeRequest};
use crate::logout_redirect::{self, LogoutRedirect};
use crate::options::{ClientOptions, checked_deadline};
use crate::redact::Secrets;
use crate::request::attempt_request;
use crate::retry::{Outcome, RetryPolicy, Wait};
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
///            start(now)                      handle(result, now, random)
///   Call ───────────────▶ Step::Send ─────────────────────────────────────┐
///                         { delay,   ◀── retryable status or failure,      │
///                           request,     attempts left, and the wait ends  │
///                           call }       before the deadline: the same     │
///                                        request again, after `delay`      ▼
///                                          Step::Done(Ok(output) | Err(error))
/// ```
///
/// Time is an input: `start` fixes the call's deadline from `now`
/// ([`ClientOptions::with_deadline`]); every `handle` says what time it is. A wait that would
/// end at or past the deadline is not started (the call ends with
/// [`Error::DeadlineExceeded`]), and each request carries its attempt's budget,
/// [`AttemptTimeout`](crate::AttemptTimeout), for the transport to bound the exchange by.
///
/// A loop over any transport (the crate's [`Client`](crate::Client) and
/// [`AsyncClient`](crate::AsyncClient) run this loop):
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use workos_sso_logout::*;
///
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_1")?);
/// let mut answers = vec![
///     http::Response::builder().status(200)
///         .body(br#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#.to_vec())?,
///     http::Response::builder().status(503).body(br#"{"message":"busy"}"#.to_vec())?,
/// ];
/// // A simulated clock: the time is whatever the loop says it is.
/// let mut now = SystemTime::UNIX_EPOCH;
/// let call = config.authorize_call(&request, &ClientOptions::default(), &StdEnvironment)?;
/// let mut step = call.start(now);
/// let auth = loop {
///     match step {
///         Step::Send { delay, request, call } => {
///             // wait `delay`, send `request` within its AttemptTimeout, and feed what came back:
///             now += delay;
///             assert_eq!(request.uri(), "https://auth.workos.com/sso/logout/authorize");
///             assert!(AttemptTimeout::of(&request).is_some());
///             let answer = answers.pop().ok_or("no answer left")?;
///             now += Duration::from_millis(80);
///             step = call.handle(Ok::<_, http::Error>(answer), now, 7);
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
    /// The most one attempt may take, before the deadline shortens it.
    timeout: Duration,
    /// The most the whole call may take, if it is bounded.
    deadline: Option<Duration>,
    /// When the deadline ends: fixed by `start`.
    ends_at: Option<SystemTime>,
    attempts: u32,
    /// When the attempt in flight was sent (its start: the time of the step that asked for it,
    /// plus its delay), for its duration.
    sent_at: SystemTime,
    /// The key and the URL's token: every text kept from a response is scrubbed of them.
    secrets: Secrets,
    /// The call's span and its attempt's (feature `tracing`).
    #[cfg(feature = "tracing")]
    spans: trace::Spans,
}

/// What a [`Call`] asks for next (see [`Call`] for the loop that reads it).
// One per attempt, its request moved straight into the transport.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Step<T> {
    /// Wait `delay` (zero on the first attempt), send `request` (bounded by its
    /// [`AttemptTimeout`](crate::AttemptTimeout)), and give its result to `call.handle(..)`.
    Send {
        /// How long to wait before sending.
        delay: Duration,
        /// The request of this attempt, carrying its [`AttemptTimeout`](crate::AttemptTimeout).
        request: Request<Vec<u8>>,
        /// The call, waiting for this attempt's result.
        call: Call<T>,
    },
    /// The call is over, with this result.
    Done(Result<T, Error>),
}

/// The parts of a [`Step::Send`] (delay, request, call), or the result of a [`Step::Done`].
pub(crate) type StepParts<T> = Result<(Duration, Request<Vec<u8>>, Call<T>), Result<T, Error>>;

impl<T> Step<T> {
    /// This step taken apart, for a loop that keeps the attempt's parts as its state.
    pub(crate) fn parts(self) -> StepParts<T> {
        match self {
            Step::Send {
                delay,
                request,
                call,
            } => Ok((delay, request, call)),
            Step::Done(result) => Err(result),
        }
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry the logout token, and the headers the API key: show neither.
        f.debug_struct("Call")
            .field("method", self.request.method())
            .field("url", &self.secrets.shown_url(&self.url))
            .field("policy", &self.policy)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl<T> Call<T> {
    /// Which endpoint this call is to: `"logout_authorize"` or `"logout_redirect"`.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint.name
    }

    /// This call with its own deadline instead of the options' (a click that must answer sooner
    /// than the client's other calls, say). More than zero, at most a day.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workos_sso_logout::*;
    /// let config = Config::new(ApiKey::new("sk_test_123")?);
    /// let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_1")?);
    /// let call = config.authorize_call(&request, &ClientOptions::default(), &StdEnvironment)?;
    /// let call = call.with_deadline(Duration::from_secs(2))?;
    /// assert_eq!(call.deadline(), Some(Duration::from_secs(2)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_deadline(mut self, deadline: Duration) -> Result<Self, InvalidInput> {
        self.deadline = Some(checked_deadline(deadline)?);
        Ok(self)
    }

    /// This call without a deadline: only each attempt's timeout and the retry policy bound it.
    pub fn without_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    /// The call's deadline, if it has one.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The first attempt, at `now`: [`Step::Send`] with no delay. The deadline runs from `now`.
    pub fn start(mut self, now: SystemTime) -> Step<T> {
        self.ends_at = self.deadline.and_then(|deadline| now.checked_add(deadline));
        #[cfg(feature = "tracing")]
        {
            self.spans = trace::Spans::start(self.endpoint.spends_token, &self.url);
        }
        self.attempt(Duration::ZERO, now)
    }

    /// Feeds the result of the attempt the call asked for — the transport's response (any
    /// status) or its error, classified once by [`TransportError::from_error`] — and the time
    /// `now` it ended at. `now` also reads an HTTP-date `Retry-After`; `random` is any random
    /// number, for jitter.
    pub fn handle<E: Into<BoxError>>(
        #[allow(unused_mut)] mut self,
        result: Result<Response<Vec<u8>>, E>,
        now: SystemTime,
        random: u128,
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
        let wait = self
            .policy
            .retry_delay(self.attempts, outcome, spends_token, || (now, random));
        // A wait that would end at or past the deadline is not started.
        let ends_in_time = |wait: &Wait| match (self.ends_at, now.checked_add(wait.delay)) {
            (Some(ends_at), Some(resumes)) => resumes < ends_at,
            (Some(_), None) => false,
            (None, _) => true,
        };
        let refused = wait.filter(|wait| !ends_in_time(wait));
        let retry = wait.filter(ends_in_time);
        #[cfg(feature = "tracing")]
        {
            let took = now.duration_since(self.sent_at).ok();
            let retry = retry.map(|w| w.delay);
            let secrets = &self.secrets;
            self.spans
                .attempt(self.attempts, &result, secrets, took, retry);
        }
        let done = match (retry, result) {
            (Some(wait), _) => return self.attempt(wait.delay, now),
            (None, Ok(response)) => (self.endpoint.parse)(&self.url, &response, &self.secrets),
            (None, Err(error)) => Err(error.into()),
        };
        let done = match (refused, self.deadline) {
            (Some(wait), Some(deadline)) => {
                done.map_err(|last| DeadlineExceeded::new(last, deadline, wait.asked).into())
            }
            _ => done,
        };
        #[cfg(feature = "tracing")]
        self.spans.outcome(self.attempts, done.as_ref().err());
        Step::Done(done)
    }

    /// The span of this call once started (see `trace.rs`), for the clients to run it in.
    #[cfg(feature = "tracing")]
    pub(crate) fn span(&self) -> tracing::Span {
        self.spans.call().clone()
    }

    /// Opens the span of the attempt about to be sent, for the clients to send it in.
    #[cfg(feature = "tracing")]
    pub(crate) fn attempt_span(&mut self) -> tracing::Span {
        self.spans.open_attempt(self.attempts)
    }

    /// How many attempts have been started.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// A call to `endpoint`, not started, under `options` (policy, attempt timeout, deadline).
    fn new(
        endpoint: Endpoint<T>,
        request: Request<Vec<u8>>,
        url: Url,
        options: &ClientOptions,
        secrets: Secrets,
    ) -> Self {
        Self {
            endpoint,
            request,
            url,
            policy: options.retry_policy().clone(),
            timeout: options.timeout(),
            deadline: options.deadline(),
            ends_at: None,
            attempts: 0,
            sent_at: SystemTime::UNIX_EPOCH,
            secrets,
            #[cfg(feature = "tracing")]
            spans: trace::Spans::default(),
        }
    }

    /// The next attempt, sent after `delay` from `now`.
    fn attempt(mut self, delay: Duration, now: SystemTime) -> Step<T> {
        self.attempts = self.attempts.saturating_add(1);
        self.sent_at = now.checked_add(delay).unwrap_or(now);
        let timeout = self.attempt_timeout(self.sent_at);
        Step::Send {
            delay,
            request: attempt_request(&self.request, timeout),
            call: self,
        }
    }

    /// What the attempt starting at `starts_at` may take: the options' timeout, or what the
    /// deadline leaves, whichever is less — half of what it leaves while a timed-out attempt
    /// would still be retried, so a silent connection leaves room for a retry on a new one.
    fn attempt_timeout(&self, starts_at: SystemTime) -> Duration {
        let (Some(ends_at), Some(deadline)) = (self.ends_at, self.deadline) else {
            return self.timeout;
        };
        // A clock set back cannot give an attempt more than the whole deadline.
        let left = ends_at.duration_since(starts_at).unwrap_or_default();
        let left = left.min(deadline);
        let timeout_retried =
            !self.endpoint.spends_token && self.attempts < self.policy.max_attempts();
        let left = if timeout_retried { left / 2 } else { left };
        self.timeout.min(left)
    }
}

impl Config {
    /// A Logout Authorize call under `options` (their retry policy, attempt timeout and
    /// deadline). When more than one attempt is allowed and the request has no idempotency key,
    /// one is made ([`IdempotencyKey::random`]`(env)`, the only use of `env` here) so all
    /// attempts share it.
    pub fn authorize_call(
        &self,
        request: &LogoutAuthorizeRequest,
        options: &ClientOptions,
        env: &impl Environment,
    ) -> Result<Call<LogoutAuthorization>, Error> {
        let policy = options.retry_policy();
        let request = match (request.idempotency_key(), policy.max_attempts() > 1) {
            (None, true) => Cow::Owned(
                request
                    .clone()
                    .with_idempotency_key(IdempotencyKey::random(env)),
            ),
            _ => Cow::Borrowed(request),
        };
        let request = self.logout_authorize_request(&request)?;
        let url = self.logout_authorize_url();
        Ok(Call::new(
            AUTHORIZE,
            request,
            url,
            options,
            self.key_secrets().clone(),
        ))
    }

    /// A Logout Redirect call for `url` (the `logout_url` from Logout Authorize, or
    /// [`Config::logout_redirect_url`]), checked as [`Config::logout_url_request`] checks it,
    /// under `options`. Timeouts are not retried: the
    /// token is single-use and the server may have consumed it.
    pub fn redirect_call(
        &self,
        url: &str,
        options: &ClientOptions,
    ) -> Result<Call<LogoutRedirect>, Error> {
        let (request, url) = self.checked_logout_url_request(url)?;
        let mut secrets = self.key_secrets().clone();
        secrets.add_url_tokens(&url);
        Ok(Call::new(REDIRECT, request, url, options, secrets))
    }
}
