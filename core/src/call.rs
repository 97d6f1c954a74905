//! [`Call`]: the state machine that drives one call through its attempts. One input (the
//! transport's result, `now`, random), one output ([`Step`]); the call is moved into each step, so
//! it cannot be fed twice, fed before it asked for a request, or fed after it is done.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{Request, Response};

use crate::config::{Config, IdempotencyKey, ProfileId};
#[cfg(feature = "tracing")]
use crate::error::request_id;
use crate::error::{Error, FailureKind, TransportError};
use crate::exchange::Recipe;
use crate::logout_authorize::{self, LogoutAuthorization, LogoutAuthorizeRequest};
use crate::logout_redirect::{self, LogoutRedirect};
use crate::redact::Secrets;
use crate::retry::{Outcome, RetryDecision, RetryPolicy};

/// Reads an endpoint's final response, scrubbing errors of the call's secrets.
type Parse<T> = fn(&str, &Response<Vec<u8>>, &Secrets) -> Result<T, Error>;

/// What a call needs to know of its endpoint.
struct Endpoint<T> {
    /// For diagnostics: `logout_authorize` or `logout_redirect`.
    name: &'static str,
    /// Reads the final response.
    parse: Parse<T>,
    /// Whether an attempt that may have reached the server (a timeout) may be repeated: false
    /// when the request spends a single-use token.
    repeatable: bool,
    /// Whether the request URL carries a token (its query): scrubbed from what is kept too,
    /// collected only when something is.
    url_tokens: bool,
}

const AUTHORIZE: Endpoint<LogoutAuthorization> = Endpoint {
    name: "logout_authorize",
    parse: logout_authorize::parse,
    repeatable: true,
    url_tokens: false,
};

const REDIRECT: Endpoint<LogoutRedirect> = Endpoint {
    name: "logout_redirect",
    parse: logout_redirect::parse,
    repeatable: false,
    url_tokens: true,
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
/// A transport's loop (the crate's clients run the same machine, keeping the call in place):
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
/// let mut step = config.authorize_call(&request, &RetryPolicy::default(), 42)?.start();
/// let auth = loop {
///     match step {
///         Step::Send { delay, request, call } => {
///             // sleep `delay`, send `request`, and feed what came back:
///             assert_eq!(request.uri(), "https://auth.workos.com/sso/logout/authorize");
///             let answer = answers.pop().ok_or("no answer left")?;
///             step = call.handle(Ok::<_, TransportError>(answer), SystemTime::now(), 7);
///         }
///         Step::Done(result) => break result?,
///     }
/// };
/// assert_eq!(auth.logout_token().expose_secret(), "t");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Call<T>(State<T>);

struct State<T> {
    /// What every attempt's request is made of.
    recipe: Recipe,
    request_url: Arc<str>,
    endpoint: Endpoint<T>,
    policy: RetryPolicy,
    attempts: u32,
    /// The configuration's secrets (the key), shared; with the request URL's token, every text
    /// kept from a response is scrubbed of them ([`State::all_secrets`]).
    secrets: Arc<Secrets>,
}

impl<T> State<T> {
    /// The key and the token this call holds: what everything kept is scrubbed of. The URL's
    /// token is collected here, on the paths that keep text (errors, `Debug`, tracing), not on
    /// every call.
    fn all_secrets(&self) -> Cow<'_, Secrets> {
        match self.endpoint.url_tokens {
            true => Cow::Owned(self.secrets.with_url_tokens(&self.request_url)),
            false => Cow::Borrowed(&self.secrets),
        }
    }
}

/// What a call kept in place asks for after an attempt: another one after `delay`, or nothing.
pub(crate) enum Next<T> {
    Retry(Duration),
    Done(Result<T, Error>),
}

/// What a [`Call`] asks for next (see [`Call`] for the loop that reads it).
// One per attempt, moved straight into the transport: boxing the request would cost an
// allocation per attempt to save a 272-byte move.
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
            .field("method", self.0.recipe.method())
            .field("url", &self.0.all_secrets().scrub(&self.0.request_url))
            .field("policy", &self.0.policy)
            .field("attempts", &self.0.attempts)
            .finish_non_exhaustive()
    }
}

impl<T> Call<T> {
    fn new(
        endpoint: Endpoint<T>,
        recipe: Recipe,
        request_url: Arc<str>,
        policy: &RetryPolicy,
        secrets: Arc<Secrets>,
    ) -> Self {
        Call(State {
            recipe,
            request_url,
            endpoint,
            policy: policy.clone(),
            attempts: 0,
            secrets,
        })
    }

    /// Which endpoint this call is to: `"logout_authorize"` or `"logout_redirect"`.
    pub fn endpoint(&self) -> &'static str {
        self.0.endpoint.name
    }

    /// The first attempt: [`Step::Send`] with no delay.
    pub fn start(self) -> Step<T> {
        self.attempt(Duration::ZERO)
    }

    /// Feeds the result of the attempt the call asked for: the transport's response (any status)
    /// or its error, converted once by [`TransportError::from_error`]. `now` reads an HTTP-date
    /// `Retry-After`; `random` is any random number, for jitter.
    pub fn handle<E>(
        mut self,
        result: Result<Response<Vec<u8>>, E>,
        now: SystemTime,
        random: u128,
    ) -> Step<T>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self.handle_in_place(result, || (now, random)) {
            Next::Retry(delay) => self.attempt(delay),
            Next::Done(result) => Step::Done(result),
        }
    }

    /// [`handle`](Self::handle) for a loop that keeps the call in place: a retry's delay (its
    /// request is [`next_request`](Self::next_request), made once the delay is over), or the
    /// outcome. `clock` (the time, a random number) is read only when a retry is due.
    pub(crate) fn handle_in_place<E>(
        &mut self,
        result: Result<Response<Vec<u8>>, E>,
        clock: impl FnOnce() -> (SystemTime, u128),
    ) -> Next<T>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let state = &self.0;
        match result {
            Ok(response) => {
                let outcome = Outcome::Response {
                    status: response.status(),
                    headers: response.headers(),
                };
                // A 5xx may come after the server spent a single-use token: like a timeout, it
                // is not repeated then.
                let spent = !state.endpoint.repeatable && response.status().is_server_error();
                let decision = match spent {
                    true => RetryDecision::Stop,
                    false => state.policy.decide(state.attempts, outcome, clock),
                };
                #[cfg(feature = "tracing")]
                trace_response(state.attempts, &response, &|| state.all_secrets(), decision);
                match decision {
                    RetryDecision::Retry(delay) => Next::Retry(delay),
                    RetryDecision::Stop => {
                        let parse = state.endpoint.parse;
                        Next::Done(parse(&state.request_url, &response, &state.secrets))
                    }
                }
            }
            Err(error) => {
                let error = TransportError::from_error(error).scrubbed(&state.all_secrets());
                // A timeout or a connection closed after sending may follow a spent token.
                let maybe_seen = matches!(error.kind(), FailureKind::Timeout | FailureKind::Closed);
                let decision = if maybe_seen && !state.endpoint.repeatable {
                    RetryDecision::Stop
                } else {
                    state
                        .policy
                        .decide(state.attempts, Outcome::Failure(error.kind()), clock)
                };
                #[cfg(feature = "tracing")]
                trace_failure(state.attempts, error.kind(), decision);
                match decision {
                    RetryDecision::Retry(delay) => Next::Retry(delay),
                    RetryDecision::Stop => Next::Done(Err(error.into())),
                }
            }
        }
    }

    /// How many attempts have been started.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.0.policy
    }

    fn attempt(mut self, delay: Duration) -> Step<T> {
        let request = self.next_request();
        Step::Send {
            delay,
            request,
            call: self,
        }
    }

    /// Counts an attempt and makes its request (the first one's, or a retry's once
    /// [`handle_in_place`](Self::handle_in_place) asked for it and its delay is over).
    pub(crate) fn next_request(&mut self) -> Request<Vec<u8>> {
        let state = &mut self.0;
        state.attempts = state.attempts.saturating_add(1);
        let last = state.attempts >= state.policy.max_attempts();
        state.recipe.request(last)
    }
}

/// The event of an attempt that got a response: its number, status, request id (bounded and
/// scrubbed like every text kept from a response) and the retry delay if one is due. No URL,
/// header or body: those can carry the key or the token.
#[cfg(feature = "tracing")]
fn trace_response<'a>(
    attempt: u32,
    response: &Response<Vec<u8>>,
    secrets: &dyn Fn() -> Cow<'a, Secrets>,
    decision: RetryDecision,
) {
    // Nothing is computed for a subscriber that would record neither event.
    let retry = matches!(decision, RetryDecision::Retry(_));
    let wanted = tracing::enabled!(tracing::Level::INFO)
        || (retry && tracing::enabled!(target: "workos_sso_logout::retry", tracing::Level::INFO));
    if !wanted {
        return;
    }
    let request_id = request_id(response.headers(), &secrets());
    let request_id = request_id.as_deref().unwrap_or("-");
    let status = response.status().as_u16();
    match decision {
        RetryDecision::Retry(delay) => tracing::info!(
            target: "workos_sso_logout::retry",
            attempt,
            status,
            request_id,
            retry_in_ms = delay.as_millis() as u64,
            "attempt answered; retrying"
        ),
        RetryDecision::Stop => tracing::info!(attempt, status, request_id, "attempt answered"),
    }
}

/// The event of an attempt that got no response: its number, the failure kind and the retry
/// delay if one is due (not the transport's message, which can quote a URL).
#[cfg(feature = "tracing")]
fn trace_failure(attempt: u32, kind: FailureKind, decision: RetryDecision) {
    let retry = matches!(decision, RetryDecision::Retry(_));
    let wanted = tracing::enabled!(tracing::Level::WARN)
        || (retry && tracing::enabled!(target: "workos_sso_logout::retry", tracing::Level::WARN));
    if !wanted {
        return;
    }
    let failure = format!("{kind:?}");
    match decision {
        RetryDecision::Retry(delay) => tracing::warn!(
            target: "workos_sso_logout::retry",
            attempt,
            failure,
            retry_in_ms = delay.as_millis() as u64,
            "attempt failed; retrying"
        ),
        RetryDecision::Stop => tracing::warn!(attempt, failure, "attempt failed"),
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
    ) -> Result<Call<LogoutAuthorization>, Error> {
        self.authorize_call_for(
            request.profile_id(),
            request.idempotency_key(),
            policy,
            || random,
        )
    }

    /// [`authorize_call`](Self::authorize_call) from the request's parts; `random` is read only
    /// when an idempotency key has to be made.
    pub(crate) fn authorize_call_for(
        &self,
        profile_id: &ProfileId,
        idempotency_key: Option<&IdempotencyKey>,
        policy: &RetryPolicy,
        random: impl FnOnce() -> u128,
    ) -> Result<Call<LogoutAuthorization>, Error> {
        let key = match (idempotency_key, policy.max_attempts() > 1) {
            (Some(key), _) => Some(key.header()?),
            (None, true) => Some(IdempotencyKey::random_header(random())?),
            (None, false) => None,
        };
        let recipe = self.authorize_recipe(profile_id, key)?;
        let url = match self.authorize_endpoint() {
            Some((url, _)) => Arc::clone(url),
            None => Arc::from(self.logout_authorize_url().as_str()),
        };
        let secrets = Arc::clone(self.key_secrets());
        Ok(Call::new(AUTHORIZE, recipe, url, policy, secrets))
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
        let recipe = Recipe::get(self, self.logout_url_target(url)?);
        // The key's forms are built once per configuration; the URL's token is collected only
        // when something has to be scrubbed of it.
        let secrets = Arc::clone(self.key_secrets());
        Ok(Call::new(REDIRECT, recipe, Arc::from(url), policy, secrets))
    }
}
