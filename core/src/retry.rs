//! Pure retry decisions, and [`Call`]: the state machine that drives one call through its
//! attempts, so that a transport's loop is a few lines long and the logic lives here only.
//!
//! # Why repeating Logout Authorize is safe
//!
//! Logout Authorize has no side effect a user can observe twice: each call only mints a new,
//! short-lived logout token for a profile. If an attempt timed out after WorkOS minted a token,
//! that token is simply never used and expires. The call also carries one `Idempotency-Key` over
//! all its attempts, so WorkOS can recognise the repeat.
//!
//! The Logout Redirect `GET` consumes its single-use token, so a call that may have reached the
//! server (a timeout) is **not** retried; a connect failure or an error status, where nothing was
//! consumed, still is.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Request, Response, StatusCode};
use url::Url;

use crate::authorize::{
    LogoutAuthorization, LogoutAuthorizeRequest, parse_logout_authorize_response,
};
use crate::config::{Config, IdempotencyKey, check_secure_target};
use crate::error::{Error, InvalidInput, TransportError};
use crate::redirect::{LogoutRedirect, parse_logout_redirect_response, redirect_request};
use crate::retry_after::RetryAfter;

/// 128 random bits from the standard library's per-process random hash keys, for transports with
/// no random source of their own (jitter, idempotency keys; not for cryptography). The core never
/// calls it: its decisions take randomness as an argument, so they stay reproducible in tests.
pub fn std_random() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    // Each `RandomState` has fresh keys (per-thread random keys, advanced per instance).
    let half = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    (u128::from(half()) << 64) | u128::from(half())
}

/// Most attempts a policy may allow.
pub const MAX_ATTEMPTS_LIMIT: u32 = 20;

/// How a transport failed to get a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// No connection could be made (refused, DNS, TLS handshake): nothing reached the server.
    Connect,
    /// The call did not finish in time (head or body).
    Timeout,
    /// The response body exceeded the configured bound.
    BodyTooLarge,
    /// Anything else (a reset connection, a malformed response, a truncated body…).
    Other,
}

/// What happened on one attempt, as far as the retry decision is concerned.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// A response arrived with this status and these headers.
    Response {
        /// The status.
        status: StatusCode,
        /// The headers (for `Retry-After`).
        headers: &'a HeaderMap,
    },
    /// No usable response.
    Failure(FailureKind),
}

/// The answer of a retry decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Do not try again.
    Stop,
}

/// When and how often to retry: at most `max_attempts` attempts in all, exponential backoff with
/// jitter from `initial_delay`, and no delay (`Retry-After` included) longer than `max_delay`.
///
/// By default: 3 attempts, 500 ms initial delay, 30 s cap; retried are 429, 500, 502, 503, 504,
/// connect failures and timeouts.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use workos_sso_logout::{FailureKind, Outcome, RetryDecision, RetryPolicy};
/// let policy = RetryPolicy::default();
/// let now = SystemTime::UNIX_EPOCH;
/// let d = policy.decide(1, Outcome::Failure(FailureKind::Connect), now, 0);
/// assert!(matches!(d, RetryDecision::Retry(_)));
/// assert_eq!(policy.decide(3, Outcome::Failure(FailureKind::Connect), now, 0), RetryDecision::Stop);
/// assert_eq!(RetryPolicy::none().decide(1, Outcome::Failure(FailureKind::Connect), now, 0), RetryDecision::Stop);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy of exactly one attempt: retries turned off.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// A policy with these bounds. `max_attempts` is 1 to [`MAX_ATTEMPTS_LIMIT`];
    /// `initial_delay` must not exceed `max_delay`.
    pub fn new(
        max_attempts: u32,
        initial_delay: Duration,
        max_delay: Duration,
    ) -> Result<Self, InvalidInput> {
        if !(1..=MAX_ATTEMPTS_LIMIT).contains(&max_attempts) {
            return Err(InvalidInput::RetryPolicy(
                "max_attempts must be between 1 and 20",
            ));
        }
        if initial_delay > max_delay {
            return Err(InvalidInput::RetryPolicy(
                "initial_delay must not exceed max_delay",
            ));
        }
        Ok(Self {
            max_attempts,
            initial_delay,
            max_delay,
        })
    }

    /// This policy allowing at most `retries` retries after the first attempt.
    pub fn with_max_retries(self, retries: u32) -> Result<Self, InvalidInput> {
        Self::new(
            retries.saturating_add(1),
            self.initial_delay,
            self.max_delay,
        )
    }

    /// Most attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry, before jitter.
    pub fn initial_delay(&self) -> Duration {
        self.initial_delay
    }

    /// The cap on any delay, `Retry-After` included.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Whether a status is worth retrying: 429, 500, 502, 503, 504.
    pub fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
    }

    /// Decides what to do after attempt number `attempt` (1 for the first) ended in `outcome`.
    /// `now` reads an HTTP-date `Retry-After`; `random` is any random number, for jitter.
    pub fn decide(
        &self,
        attempt: u32,
        outcome: Outcome<'_>,
        now: SystemTime,
        random: u64,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::Stop;
        }
        let retry_after = match outcome {
            Outcome::Response { status, headers } if Self::is_retryable_status(status) => {
                RetryAfter::from_headers(headers).map(|r| r.delay(now))
            }
            Outcome::Failure(FailureKind::Connect | FailureKind::Timeout) => None,
            _ => return RetryDecision::Stop,
        };
        let delay = retry_after.unwrap_or_else(|| self.backoff(attempt, random));
        RetryDecision::Retry(delay.min(self.max_delay))
    }

    /// Exponential backoff with "equal jitter": half the doubled delay, plus a random part of
    /// the other half.
    fn backoff(&self, attempt: u32, random: u64) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(20);
        let full = self
            .initial_delay
            .saturating_mul(factor)
            .min(self.max_delay);
        let half = full / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(random % spread.saturating_add(1))
    }
}

/// Turns a response into the call's result once no retry is due.
pub trait ParseResponse {
    /// The result of a successful call.
    type Output;
    /// Parses the final response.
    fn parse(&self, response: Response<Vec<u8>>) -> Result<Self::Output, Error>;
}

/// Parses Logout Authorize responses.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthorizeParser;

impl ParseResponse for AuthorizeParser {
    type Output = LogoutAuthorization;
    fn parse(&self, response: Response<Vec<u8>>) -> Result<LogoutAuthorization, Error> {
        parse_logout_authorize_response(&response)
    }
}

/// Parses Logout Redirect responses for the URL it was sent to.
#[derive(Clone)]
pub struct RedirectParser {
    request_url: Url,
}

impl std::fmt::Debug for RedirectParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedirectParser")
            .field("request_url", &crate::secret::redact_url(&self.request_url))
            .finish()
    }
}

impl ParseResponse for RedirectParser {
    type Output = LogoutRedirect;
    fn parse(&self, response: Response<Vec<u8>>) -> Result<LogoutRedirect, Error> {
        parse_logout_redirect_response(&self.request_url, &response)
    }
}

/// One step of a [`Call`].
#[derive(Debug)]
pub enum Step<T> {
    /// The call is over, with this result.
    Done(T),
    /// Sleep this long, then send [`Call::next_request`] again.
    Retry(Duration),
}

/// One call driven through its attempts.
///
/// A transport's loop:
///
/// ```
/// use std::time::SystemTime;
/// use workos_sso_logout::*;
///
/// let config = Config::new(ApiKey::new("sk_test_123")?);
/// let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_1")?);
/// let mut call = config.authorize_call(&request, &RetryPolicy::default(), 42)?;
/// let mut responses = vec![
///     http::Response::builder().status(200)
///         .body(br#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#.to_vec())?,
///     http::Response::builder().status(503).body(br#"{"message":"busy"}"#.to_vec())?,
/// ];
/// let auth = loop {
///     let _request = call.next_request(); // send it…
///     let response = responses.pop().unwrap(); // …and get this back
///     match call.on_response(response, SystemTime::now(), 7) {
///         Step::Done(result) => break result?,
///         Step::Retry(delay) => assert!(delay <= RetryPolicy::default().max_delay()),
///     }
/// };
/// assert_eq!(call.attempts(), 2);
/// assert_eq!(auth.logout_token().expose_secret(), "t");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Call<P> {
    request: Request<Vec<u8>>,
    parser: P,
    policy: RetryPolicy,
    attempts: u32,
    retry_timeouts: bool,
}

impl<P> std::fmt::Debug for Call<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URI may carry the logout token, and the headers the API key: show neither.
        let target = Url::parse(&self.request.uri().to_string())
            .map(|u| crate::secret::redact_url(&u))
            .unwrap_or_else(|_| "[unparsable]".into());
        f.debug_struct("Call")
            .field("method", self.request.method())
            .field("url", &target)
            .field("policy", &self.policy)
            .field("attempts", &self.attempts)
            .field("retry_timeouts", &self.retry_timeouts)
            .finish_non_exhaustive()
    }
}

impl<P: ParseResponse> Call<P> {
    /// A call sending `request` (the same one on every attempt) and reading the final response
    /// with `parser`. Timeouts are retried when `retry_timeouts` is true (only for requests that
    /// are safe to repeat).
    pub fn new(
        request: Request<Vec<u8>>,
        parser: P,
        policy: RetryPolicy,
        retry_timeouts: bool,
    ) -> Self {
        Self {
            request,
            parser,
            policy,
            attempts: 0,
            retry_timeouts,
        }
    }

    /// The request of the next attempt (a copy of the same request each time); counts an attempt.
    pub fn next_request(&mut self) -> Request<Vec<u8>> {
        self.attempts = self.attempts.saturating_add(1);
        let mut request = Request::new(self.request.body().clone());
        *request.method_mut() = self.request.method().clone();
        *request.uri_mut() = self.request.uri().clone();
        *request.version_mut() = self.request.version();
        *request.headers_mut() = self.request.headers().clone();
        request
    }

    /// How many attempts have been started.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Feeds the response of the current attempt.
    pub fn on_response(
        &mut self,
        response: Response<Vec<u8>>,
        now: SystemTime,
        random: u64,
    ) -> Step<Result<P::Output, Error>> {
        let outcome = Outcome::Response {
            status: response.status(),
            headers: response.headers(),
        };
        match self.policy.decide(self.attempts, outcome, now, random) {
            RetryDecision::Retry(delay) => Step::Retry(delay),
            RetryDecision::Stop => Step::Done(self.parser.parse(response)),
        }
    }

    /// Feeds the outcome of the current attempt, response or transport failure, in one call:
    /// what a transport's loop needs.
    ///
    /// ```
    /// # use std::time::SystemTime;
    /// # use workos_sso_logout::*;
    /// # let config = Config::new(ApiKey::new("sk_test_123")?);
    /// # let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_1")?);
    /// # let send = |_r: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, TransportError> {
    /// #     Err(TransportError::new(FailureKind::Connect, "refused"))
    /// # };
    /// let mut call = config.authorize_call(&request, &RetryPolicy::none(), 1)?;
    /// let result = loop {
    ///     let request = call.next_request();
    ///     match call.after_send(send(request), SystemTime::now(), 5) {
    ///         Step::Done(result) => break result,
    ///         Step::Retry(delay) => std::thread::sleep(delay),
    ///     }
    /// };
    /// assert!(matches!(result, Err(Error::Transport(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn after_send(
        &mut self,
        result: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
        random: u64,
    ) -> Step<Result<P::Output, Error>> {
        match result {
            Ok(response) => self.on_response(response, now, random),
            Err(e) => match self.on_failure(e.kind(), random) {
                RetryDecision::Retry(delay) => Step::Retry(delay),
                RetryDecision::Stop => Step::Done(Err(Error::Transport(e))),
            },
        }
    }

    /// Feeds a transport failure of the current attempt. On [`RetryDecision::Stop`] the
    /// transport reports its own error.
    pub fn on_failure(&mut self, kind: FailureKind, random: u64) -> RetryDecision {
        if kind == FailureKind::Timeout && !self.retry_timeouts {
            return RetryDecision::Stop;
        }
        // A failure has no Retry-After, so the time is not read.
        self.policy.decide(
            self.attempts,
            Outcome::Failure(kind),
            SystemTime::UNIX_EPOCH,
            random,
        )
    }
}

impl Config {
    /// A Logout Authorize call under `policy`. When more than one attempt is allowed and the
    /// request has no idempotency key, one is made from `random` so all attempts share it.
    pub fn authorize_call(
        &self,
        request: &LogoutAuthorizeRequest,
        policy: &RetryPolicy,
        random: u128,
    ) -> Result<Call<AuthorizeParser>, Error> {
        let request = match (request.idempotency_key(), policy.max_attempts() > 1) {
            (None, true) => request
                .clone()
                .with_idempotency_key(IdempotencyKey::from_random(random)),
            _ => request.clone(),
        };
        let http_request = self.logout_authorize_request(&request)?;
        Ok(Call::new(
            http_request,
            AuthorizeParser,
            policy.clone(),
            true,
        ))
    }

    /// A Logout Redirect call for `url` (the `logout_url` from Logout Authorize, or
    /// [`Config::logout_redirect_url`]) under `policy`. Timeouts are not retried: the token is
    /// single-use and the server may have consumed it.
    ///
    /// The URL carries the token, so it must be `https` (or `http` to a loopback host).
    pub fn redirect_call(
        &self,
        url: &Url,
        policy: &RetryPolicy,
    ) -> Result<Call<RedirectParser>, Error> {
        check_secure_target(url).map_err(InvalidInput::LogoutUrl)?;
        let request = redirect_request(self, url)?;
        let parser = RedirectParser {
            request_url: url.clone(),
        };
        Ok(Call::new(request, parser, policy.clone(), false))
    }
}
