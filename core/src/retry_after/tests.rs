//! Unit tests of `retry_after.rs` (its private items).

use std::time::UNIX_EPOCH;

use super::*;

#[test]
fn rejects_malformed_values() {
    for bad in [
        "",
        "tomorrow",
        "Sun, 31 Feb 2021 00:00:00 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
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
