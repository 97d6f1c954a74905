//! The retry policy: when and how often to try again. Pure: `now` and randomness are arguments.
//!
//! # Why repeating Logout Authorize is safe
//!
//! Logout Authorize has no side effect a user can observe twice: each call only mints a new,
//! short-lived logout token for a profile. If an attempt timed out after WorkOS minted a token,
//! that token is simply never used and expires. The call also carries one `Idempotency-Key` over
//! all its attempts, so WorkOS can recognise the repeat.
//!
//! The Logout Redirect `GET` consumes its single-use token, so an attempt that may have reached
//! the server and spent it — a timeout, a connection closed after sending, or a 5xx (a 502 or 504
//! can come after the server acted) — is **not** retried; a connect failure or a 429, where
//! nothing was consumed, still is.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::error::{FailureKind, InvalidInput};
use crate::retry_after::{A_DAY, RetryAfter};

/// Most attempts a policy may allow.
const MAX_ATTEMPTS_LIMIT: u32 = 20;

/// The wait before the next attempt, and whether the server asked for it (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wait {
    /// How long to wait, capped at the policy's `max_delay`.
    pub(crate) delay: Duration,
    /// The server's `Retry-After`, uncapped, when it named one.
    pub(crate) asked: Option<Duration>,
}

/// How one attempt ended, as far as the retry decision is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<'a> {
    /// A response arrived with this status and these headers.
    Response {
        status: StatusCode,
        headers: &'a HeaderMap,
    },
    /// No usable response.
    Failure(FailureKind),
}

/// When and how often to retry: at most `max_attempts` attempts in all, exponential backoff with
/// jitter from `initial_delay`, and no delay (`Retry-After` included) longer than `max_delay`.
///
/// By default: 3 attempts, 500 ms initial delay, 30 s cap; retried are 429, 500, 502, 503, 504,
/// connect failures, timeouts, connections closed before an answer and answers cut off mid-body —
/// but not timeouts, closes, cut-off answers nor 5xx on the Logout Redirect `GET`, which may have
/// spent its single-use token. The call's deadline
/// ([`ClientOptions::with_deadline`](crate::ClientOptions::with_deadline)) bounds it all.
///
/// ```
/// use std::time::Duration;
/// use workos_sso_logout::RetryPolicy;
/// let policy = RetryPolicy::new(5, Duration::from_millis(100), Duration::from_secs(2))?;
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// assert!(RetryPolicy::new(0, Duration::ZERO, Duration::ZERO).is_err());
/// # Ok::<(), workos_sso_logout::InvalidInput>(())
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

    /// A policy with these bounds. `max_attempts` is 1 to 20; `initial_delay` must not exceed
    /// `max_delay`, which is at most a day.
    pub fn new(
        max_attempts: u32,
        initial_delay: Duration,
        max_delay: Duration,
    ) -> Result<Self, InvalidInput> {
        if !(1..=MAX_ATTEMPTS_LIMIT).contains(&max_attempts) {
            return Err(InvalidInput::Options(
                "the retry policy's max_attempts must be between 1 and 20",
            ));
        }
        if max_delay > A_DAY {
            return Err(InvalidInput::Options(
                "the retry policy's max_delay must be at most 24 hours",
            ));
        }
        if initial_delay > max_delay {
            return Err(InvalidInput::Options(
                "the retry policy's initial_delay must not exceed its max_delay",
            ));
        }
        Ok(Self {
            max_attempts,
            initial_delay,
            max_delay,
        })
    }

    /// This policy allowing at most `retries` retries after the first attempt (0 to 19).
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
    fn is_retryable_status(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
    }

    /// The delay before the next attempt, or `None` when attempt number `attempt` (1 for the
    /// first) that ended in `outcome` is the last. `spends_token`: the request spends a
    /// single-use token, so nothing that may have reached the server is repeated. `clock` gives
    /// the time (to read an HTTP-date `Retry-After`) and a random number (for jitter); it is
    /// called only for a retry, so a call that ends reads neither.
    pub(crate) fn retry_delay(
        &self,
        attempt: u32,
        outcome: Outcome<'_>,
        spends_token: bool,
        clock: impl FnOnce() -> (SystemTime, u128),
    ) -> Option<Wait> {
        if attempt >= self.max_attempts {
            return None;
        }
        let retry_after = match outcome {
            Outcome::Response { status, .. } if spends_token && status.is_server_error() => {
                return None;
            }
            Outcome::Response { status, headers } if Self::is_retryable_status(status) => {
                RetryAfter::from_headers(headers)
            }
            Outcome::Failure(
                FailureKind::Timeout | FailureKind::Closed | FailureKind::Truncated,
            ) if spends_token => {
                return None;
            }
            Outcome::Failure(
                FailureKind::Connect
                | FailureKind::Timeout
                | FailureKind::Closed
                | FailureKind::Truncated,
            ) => None,
            _ => return None,
        };
        let (now, random) = clock();
        let asked = retry_after.map(|r| r.delay(now));
        let delay = asked.unwrap_or_else(|| self.backoff(attempt, random));
        Some(Wait {
            delay: delay.min(self.max_delay),
            asked,
        })
    }

    /// Exponential backoff with "equal jitter": half the doubled delay, plus a random part of
    /// the other half.
    fn backoff(&self, attempt: u32, random: u128) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(20);
        let full = self
            .initial_delay
            .saturating_mul(factor)
            .min(self.max_delay);
        let half = full / 2;
        let spread = half.as_nanos();
        let extra = random % spread.saturating_add(1);
        // `extra` ≤ `half` in nanoseconds, which fit a u64 for any delay under 584 years.
        half + Duration::from_nanos(u64::try_from(extra).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests;
