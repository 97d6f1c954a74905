//! Unit tests of `retry.rs` (its private items).

use std::time::UNIX_EPOCH;

use super::*;

fn decide(p: &RetryPolicy, attempt: u32, o: Outcome<'_>, now: SystemTime) -> Option<Duration> {
    p.retry_delay(attempt, o, false, || (now, 0))
        .map(|w| w.delay)
}

#[test]
fn default_retryable_outcomes() {
    let p = RetryPolicy::default();
    let h = HeaderMap::new();
    let response = |s: u16| Outcome::Response {
        status: StatusCode::from_u16(s).unwrap_or(StatusCode::IM_A_TEAPOT),
        headers: &h,
    };
    for s in [429u16, 500, 502, 503, 504] {
        let d = decide(&p, 1, response(s), UNIX_EPOCH);
        assert!(d.is_some(), "{s}");
    }
    for s in [200u16, 400, 401, 404, 422, 501, 505] {
        assert_eq!(decide(&p, 1, response(s), UNIX_EPOCH), None, "{s}");
    }
    let failure = |k| Outcome::Failure(k);
    assert!(decide(&p, 1, failure(FailureKind::Timeout), UNIX_EPOCH).is_some());
    assert!(decide(&p, 1, failure(FailureKind::Truncated), UNIX_EPOCH).is_some());
    for k in [FailureKind::BodyTooLarge, FailureKind::Other] {
        assert_eq!(decide(&p, 1, failure(k), UNIX_EPOCH), None);
    }
    assert_eq!(
        decide(&p, 3, failure(FailureKind::Connect), UNIX_EPOCH),
        None
    );
}

#[test]
fn backoff_doubles_with_jitter_and_respects_retry_after() {
    let p = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_secs(1))
        .unwrap_or_default();
    let f = Outcome::Failure(FailureKind::Connect);
    let d = |attempt, random| {
        let delay = p.retry_delay(attempt, f, false, || (UNIX_EPOCH, random));
        let delay = delay.map(|w| w.delay);
        delay.unwrap_or(Duration::MAX)
    };
    assert_eq!(d(1, 0), Duration::from_millis(50));
    assert_eq!(d(2, 0), Duration::from_millis(100));
    assert_eq!(d(3, 0), Duration::from_millis(200));
    assert!(d(3, u128::MAX) <= Duration::from_millis(400));
    assert_eq!(d(9, 0), Duration::from_millis(500)); // capped at 1 s before jitter
    let mut h = HeaderMap::new();
    let mut retry_after = |value: &'static str, status, now| {
        h.insert("retry-after", http::HeaderValue::from_static(value));
        p.retry_delay(
            1,
            Outcome::Response {
                status,
                headers: &h,
            },
            false,
            || (now, 99),
        )
        .map(|w| w.delay)
    };
    let busy = StatusCode::TOO_MANY_REQUESTS;
    assert_eq!(retry_after("0", busy, UNIX_EPOCH), Some(Duration::ZERO));
    assert_eq!(
        retry_after("3600", busy, UNIX_EPOCH),
        Some(Duration::from_secs(1))
    );
    // An HTTP-date already past (by 300 ms here) asks for no delay.
    let now = UNIX_EPOCH + Duration::from_millis(784_111_777_300);
    assert_eq!(
        retry_after(
            "Sun, 06 Nov 1994 08:49:37 GMT",
            StatusCode::SERVICE_UNAVAILABLE,
            now
        ),
        Some(Duration::ZERO)
    );
}

#[test]
fn a_request_that_spends_a_token_is_not_repeated_once_it_may_have_arrived() {
    let p = RetryPolicy::default();
    let h = HeaderMap::new();
    let spent = |o| {
        p.retry_delay(1, o, true, || (UNIX_EPOCH, 0))
            .map(|w| w.delay)
    };
    let response = |status| Outcome::Response {
        status,
        headers: &h,
    };
    assert_eq!(spent(response(StatusCode::BAD_GATEWAY)), None);
    assert_eq!(spent(Outcome::Failure(FailureKind::Timeout)), None);
    assert_eq!(spent(Outcome::Failure(FailureKind::Closed)), None);
    assert_eq!(spent(Outcome::Failure(FailureKind::Truncated)), None);
    assert!(spent(Outcome::Failure(FailureKind::Connect)).is_some());
    assert!(spent(response(StatusCode::TOO_MANY_REQUESTS)).is_some());
}
