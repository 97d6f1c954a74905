//! `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), read without a clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

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
    /// formats RFC 9110 requires recipients to accept.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use workos_sso_logout::RetryAfter;
    /// assert_eq!(RetryAfter::parse("7"), Some(RetryAfter::Seconds(7)));
    /// let at = RetryAfter::parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
    /// assert_eq!(at, RetryAfter::At(UNIX_EPOCH + Duration::from_secs(784_111_777)));
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // Saturate absurdly long numbers rather than reject them.
            return Some(RetryAfter::Seconds(value.parse().unwrap_or(u64::MAX)));
        }
        parse_http_date(value).map(RetryAfter::At)
    }

    /// The delay this asks for, measured from `now` (zero for a date in the past).
    pub fn delay(self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Seconds(s) => Duration::from_secs(s),
            RetryAfter::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Parses an HTTP-date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850
/// form (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let (day, month, year, time) = if let Some((wd, rest)) = s.split_once(", ") {
        if DAYS.contains(&wd) {
            // IMF-fixdate: "06 Nov 1994 08:49:37 GMT"
            let mut it = rest.split(' ');
            let (d, m, y, t, gmt) = (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
            if it.next().is_some() || gmt != "GMT" || d.len() != 2 || y.len() != 4 {
                return None;
            }
            (d, m, y.parse::<u64>().ok()?, t)
        } else if LONG_DAYS.contains(&wd) {
            // RFC 850: "06-Nov-94 08:49:37 GMT"
            let mut it = rest.split(' ');
            let (dmy, t, gmt) = (it.next()?, it.next()?, it.next()?);
            if it.next().is_some() || gmt != "GMT" {
                return None;
            }
            let mut p = dmy.split('-');
            let (d, m, y) = (p.next()?, p.next()?, p.next()?);
            if p.next().is_some() || d.len() != 2 || y.len() != 2 {
                return None;
            }
            // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
            // Without a clock we pivot at 70, as most implementations do.
            let y: u64 = y.parse().ok()?;
            (d, m, if y >= 70 { 1900 + y } else { 2000 + y }, t)
        } else {
            return None;
        }
    } else {
        // asctime: "Sun Nov  6 08:49:37 1994"
        let wd = s.get(..4)?;
        if !DAYS.contains(&wd.trim_end()) || !wd.ends_with(' ') {
            return None;
        }
        let rest = &s[4..];
        let m = rest.get(..3)?;
        let d = rest.get(4..6)?.trim_start();
        if rest.get(3..4)? != " " || rest.get(6..7)? != " " {
            return None;
        }
        let mut it = rest.get(7..)?.split(' ');
        let (t, y) = (it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 {
            return None;
        }
        (d, m, y.parse::<u64>().ok()?, t)
    };
    let day: u64 = digits(day)?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':');
    let (h, mi, se) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || h.len() != 2 || mi.len() != 2 || se.len() != 2 {
        return None;
    }
    let (h, mi, se) = (digits(h)?, digits(mi)?, digits(se)?);
    if !(1970..=9999).contains(&year) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_leap(y: u64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a date on or after it (Howard Hinnant's algorithm).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_formats_agree() {
        let want = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(want));
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(want)
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(want));
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "tomorrow",
            "Sun, 31 Feb 2021 00:00:00 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "-5",
            "1.5",
        ] {
            assert_eq!(RetryAfter::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn seconds_and_dates_give_delays_relative_to_now() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(RetryAfter::Seconds(3).delay(now), Duration::from_secs(3));
        let at = RetryAfter::At(now + Duration::from_secs(10));
        assert_eq!(at.delay(now), Duration::from_secs(10));
        assert_eq!(at.delay(now + Duration::from_secs(20)), Duration::ZERO);
        assert_eq!(
            RetryAfter::parse("99999999999999999999999"),
            Some(RetryAfter::Seconds(u64::MAX))
        );
    }
}
