//! `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), read without a clock. A leaf:
//! imports nothing from the crate.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The longest wait, timeout or deadline accepted anywhere: a day. Longer ones are mistakes (and
/// overflow some clocks).
pub(crate) const A_DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A parsed `Retry-After` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Seconds(u64),
    /// `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
    At(SystemTime),
}

impl RetryAfter {
    /// Reads the `Retry-After` header of a response; `None` if absent or unreadable.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Self::parse(headers.get(http::header::RETRY_AFTER)?.to_str().ok()?)
    }

    /// Parses a header value: non-negative delay-seconds, or an HTTP-date in any of the three
    /// formats RFC 9110 requires recipients to accept (read by the `httpdate` crate).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use workos_sso_logout::RetryAfter;
    /// assert_eq!(RetryAfter::parse("7"), Some(RetryAfter::Seconds(7)));
    /// let at = RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
    /// assert_eq!(at, RetryAfter::At(UNIX_EPOCH + Duration::from_secs(784_111_777)));
    /// assert_eq!(RetryAfter::parse("Sunday, 06-Nov-94 08:49:37 GMT"), Some(at));
    /// assert_eq!(RetryAfter::parse("Sun Nov  6 08:49:37 1994"), Some(at));
    /// assert_eq!(RetryAfter::parse("tomorrow"), None);
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // Saturate absurdly long numbers rather than reject them.
            return Some(RetryAfter::Seconds(value.parse().unwrap_or(u64::MAX)));
        }
        httpdate::parse_http_date(value).ok().map(RetryAfter::At)
    }

    /// The delay this asks for, measured from `now` (zero for a date in the past).
    pub fn delay(self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Seconds(s) => Duration::from_secs(s),
            RetryAfter::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

#[cfg(test)]
mod tests;
