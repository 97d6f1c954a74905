//! Retry decisions and the call state machine.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use workos_sso_logout::{
    ApiKey, Config, FailureKind, IdempotencyKey, LogoutAuthorizeRequest, LogoutToken, Outcome,
    ProfileId, RetryDecision, RetryPolicy, Step,
};

fn config() -> Config {
    Config::new(ApiKey::new("sk_test_retry").unwrap())
}

fn status(code: u16, headers: &[(&str, &str)]) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(code);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(br#"{"message":"m"}"#.to_vec()).unwrap()
}

#[test]
fn default_retryable_outcomes() {
    let p = RetryPolicy::default();
    let now = UNIX_EPOCH;
    let h = http::HeaderMap::new();
    for s in [429u16, 500, 502, 503, 504] {
        let o = Outcome::Response {
            status: s.try_into().unwrap(),
            headers: &h,
        };
        assert!(
            matches!(p.decide(1, o, now, 0), RetryDecision::Retry(_)),
            "{s}"
        );
    }
    for s in [200u16, 400, 401, 404, 422, 501, 505] {
        let o = Outcome::Response {
            status: s.try_into().unwrap(),
            headers: &h,
        };
        assert_eq!(p.decide(1, o, now, 0), RetryDecision::Stop, "{s}");
    }
    assert!(matches!(
        p.decide(1, Outcome::Failure(FailureKind::Timeout), now, 0),
        RetryDecision::Retry(_)
    ));
    assert_eq!(
        p.decide(1, Outcome::Failure(FailureKind::BodyTooLarge), now, 0),
        RetryDecision::Stop
    );
    assert_eq!(
        p.decide(1, Outcome::Failure(FailureKind::Other), now, 0),
        RetryDecision::Stop
    );
}

#[test]
fn backoff_doubles_with_jitter_and_respects_retry_after() {
    let p = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_secs(1)).unwrap();
    let f = Outcome::Failure(FailureKind::Connect);
    let d = |attempt, random| match p.decide(attempt, f, UNIX_EPOCH, random) {
        RetryDecision::Retry(d) => d,
        RetryDecision::Stop => panic!("stopped"),
    };
    assert_eq!(d(1, 0), Duration::from_millis(50));
    assert_eq!(d(2, 0), Duration::from_millis(100));
    assert_eq!(d(3, 0), Duration::from_millis(200));
    assert!(d(3, u64::MAX) <= Duration::from_millis(400));
    assert_eq!(d(9, 0), Duration::from_millis(500)); // capped at 1 s before jitter
    let mut h = http::HeaderMap::new();
    h.insert("retry-after", "0".parse().unwrap());
    let o = Outcome::Response {
        status: http::StatusCode::TOO_MANY_REQUESTS,
        headers: &h,
    };
    assert_eq!(
        p.decide(1, o, UNIX_EPOCH, 99),
        RetryDecision::Retry(Duration::ZERO)
    );
    h.insert("retry-after", "3600".parse().unwrap());
    let o = Outcome::Response {
        status: http::StatusCode::TOO_MANY_REQUESTS,
        headers: &h,
    };
    assert_eq!(
        p.decide(1, o, UNIX_EPOCH, 99),
        RetryDecision::Retry(Duration::from_secs(1))
    );
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    h.insert(
        "retry-after",
        httpdate::fmt_http_date(now + Duration::from_millis(700))
            .parse()
            .unwrap(),
    );
    let o = Outcome::Response {
        status: http::StatusCode::SERVICE_UNAVAILABLE,
        headers: &h,
    };
    // HTTP-dates have whole seconds: 700 ms later rounds down to the same second.
    assert_eq!(
        p.decide(1, o, now, 99),
        RetryDecision::Retry(Duration::ZERO)
    );
}

#[test]
fn policy_validation() {
    assert!(RetryPolicy::new(0, Duration::ZERO, Duration::ZERO).is_err());
    assert!(RetryPolicy::new(21, Duration::ZERO, Duration::ZERO).is_err());
    assert!(RetryPolicy::new(2, Duration::from_secs(2), Duration::from_secs(1)).is_err());
    assert_eq!(
        RetryPolicy::default()
            .with_max_retries(0)
            .unwrap()
            .max_attempts(),
        1
    );
    assert_eq!(
        RetryPolicy::default()
            .with_max_retries(4)
            .unwrap()
            .max_attempts(),
        5
    );
    assert_eq!(RetryPolicy::none().max_attempts(), 1);
}

#[test]
fn authorize_call_shares_one_idempotency_key_and_retries_timeouts() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let mut call = config()
        .authorize_call(&req, &RetryPolicy::default(), 77)
        .unwrap();
    let k1 = call.next_request().headers()["idempotency-key"].clone();
    assert!(matches!(
        call.on_failure(FailureKind::Timeout, 0),
        RetryDecision::Retry(_)
    ));
    let k2 = call.next_request().headers()["idempotency-key"].clone();
    assert_eq!(k1, k2);
    assert!(matches!(
        call.on_response(status(503, &[]), UNIX_EPOCH, 0),
        Step::Retry(_)
    ));
    call.next_request();
    match call.on_response(status(503, &[("x-request-id", "last")]), UNIX_EPOCH, 0) {
        Step::Done(Err(e)) => assert_eq!(e.request_id(), Some("last")),
        other => panic!("{other:?}"),
    }
    assert_eq!(call.attempts(), 3);

    // A caller's key is kept; without retries no key is invented.
    let mine = IdempotencyKey::new("mine").unwrap();
    let mut call = config()
        .authorize_call(
            &req.clone().with_idempotency_key(mine),
            &RetryPolicy::default(),
            1,
        )
        .unwrap();
    assert_eq!(call.next_request().headers()["idempotency-key"], "mine");
    let mut call = config()
        .authorize_call(&req, &RetryPolicy::none(), 1)
        .unwrap();
    assert!(
        call.next_request()
            .headers()
            .get("idempotency-key")
            .is_none()
    );
    assert_eq!(
        call.on_failure(FailureKind::Connect, 0),
        RetryDecision::Stop
    );
}

#[test]
fn redirect_call_does_not_retry_timeouts_but_retries_connect_failures() {
    let url = config().logout_redirect_url(&LogoutToken::new("t").unwrap());
    let mut call = config()
        .redirect_call(&url, &RetryPolicy::default())
        .unwrap();
    let req = call.next_request();
    assert_eq!(req.method(), http::Method::GET);
    assert!(req.headers().get("authorization").is_none());
    assert_eq!(
        call.on_failure(FailureKind::Timeout, 0),
        RetryDecision::Stop
    );
    assert!(matches!(
        call.on_failure(FailureKind::Connect, 0),
        RetryDecision::Retry(_)
    ));
    call.next_request();
    let redirect = http::Response::builder()
        .status(302)
        .header("location", "/idp/end")
        .body(Vec::new())
        .unwrap();
    match call.on_response(redirect, UNIX_EPOCH, 0) {
        Step::Done(Ok(r)) => assert_eq!(r.location().unwrap().path(), "/idp/end"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn redirect_call_refuses_to_send_a_token_in_clear_text() {
    let url = url::Url::parse("http://auth.example.com/sso/logout?token=t").unwrap();
    let err = config()
        .redirect_call(&url, &RetryPolicy::default())
        .unwrap_err();
    assert!(err.to_string().contains("invalid logout URL"), "{err}");
    let url = url::Url::parse("http://localhost:9/sso/logout?token=t").unwrap();
    assert!(
        config()
            .redirect_call(&url, &RetryPolicy::default())
            .is_ok()
    );
}

#[test]
fn std_random_gives_different_numbers() {
    let draws: std::collections::HashSet<u128> =
        (0..64).map(|_| workos_sso_logout::std_random()).collect();
    assert_eq!(draws.len(), 64);
}
