//! Retry decisions and the call state machine.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, UNIX_EPOCH};

use workos_sso_logout::{
    ApiKey, AttemptTimeout, Call, ClientOptions, Config, Environment, Error, FailureKind,
    IdempotencyKey, LogoutAuthorizeRequest, LogoutToken, ProfileId, RetryPolicy, StdEnvironment,
    Step, TransportError,
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

/// The request a step asks to send, its delay and the call; fails the test on `Done`.
fn send<T>(step: Step<T>) -> (Duration, http::Request<Vec<u8>>, Call<T>) {
    match step {
        Step::Send {
            delay,
            request,
            call,
        } => (delay, request, call),
        Step::Done(result) => panic!("done early: {:?}", result.err()),
    }
}

fn done<T>(step: Step<T>) -> Result<T, Error> {
    match step {
        Step::Done(result) => result,
        Step::Send { request, .. } => panic!("asked to send {}", request.uri()),
    }
}

fn failed(kind: FailureKind) -> Result<http::Response<Vec<u8>>, TransportError> {
    Err(TransportError::new(kind, "test failure"))
}

#[test]
fn authorize_call_shares_one_idempotency_key_and_retries_timeouts() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let call = config()
        .authorize_call(&req, &ClientOptions::default(), &StdEnvironment)
        .unwrap();
    let (delay, first, call) = send(call.start(UNIX_EPOCH));
    assert_eq!(delay, Duration::ZERO);
    let (delay, second, call) = send(call.handle(failed(FailureKind::Timeout), UNIX_EPOCH, 0));
    assert!(delay > Duration::ZERO);
    assert_eq!(
        first.headers()["idempotency-key"],
        second.headers()["idempotency-key"]
    );
    assert_eq!(first.body(), second.body());
    let (_, third, call) =
        send(call.handle(Ok::<_, TransportError>(status(503, &[])), UNIX_EPOCH, 0));
    assert_eq!(
        third.headers()["idempotency-key"],
        first.headers()["idempotency-key"]
    );
    assert_eq!(call.attempts(), 3);
    let last = status(503, &[("x-request-id", "last")]);
    let err = done(call.handle(Ok::<_, TransportError>(last), UNIX_EPOCH, 0)).unwrap_err();
    assert_eq!(err.request_id(), Some("last"));

    // A caller's key is kept; without retries no key is invented.
    let mine = IdempotencyKey::new("mine").unwrap();
    let call = config()
        .authorize_call(
            &req.clone().with_idempotency_key(mine),
            &ClientOptions::default(),
            &StdEnvironment,
        )
        .unwrap();
    assert_eq!(
        send(call.start(UNIX_EPOCH)).1.headers()["idempotency-key"],
        "mine"
    );
    let call = config()
        .authorize_call(
            &req,
            &ClientOptions::default().with_retry_policy(RetryPolicy::none()),
            &StdEnvironment,
        )
        .unwrap();
    let (_, request, call) = send(call.start(UNIX_EPOCH));
    assert!(request.headers().get("idempotency-key").is_none());
    let err = done(call.handle(failed(FailureKind::Connect), UNIX_EPOCH, 0)).unwrap_err();
    assert_eq!(err.as_transport().unwrap().kind(), FailureKind::Connect);
}

/// An environment whose "random" number never changes (a seeded or fixed test environment).
struct Fixed(u128);
impl Environment for Fixed {
    fn random(&self) -> u128 {
        self.0
    }
}

/// Two calls made the documented way never share a key, even when the environment's random
/// numbers repeat.
#[test]
fn distinct_calls_get_distinct_idempotency_keys() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let key = |env: &dyn Fn() -> workos_sso_logout::Call<_>| {
        send(env().start(UNIX_EPOCH)).1.headers()["idempotency-key"].clone()
    };
    let policy = ClientOptions::default();
    let fixed = || config().authorize_call(&req, &policy, &Fixed(3)).unwrap();
    let std = || {
        config()
            .authorize_call(&req, &policy, &StdEnvironment)
            .unwrap()
    };
    let keys = [key(&fixed), key(&fixed), key(&std), key(&std)];
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert_ne!(
        IdempotencyKey::random(&Fixed(3)),
        IdempotencyKey::random(&Fixed(3))
    );
}

#[test]
fn any_transport_error_is_classified_once_by_the_core() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let start = || {
        let call = config()
            .authorize_call(&req, &ClientOptions::default(), &StdEnvironment)
            .unwrap();
        send(call.start(UNIX_EPOCH)).2
    };
    // An io::Error, as a hand-written transport returns it: refused is a connect failure, retried.
    let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    let (delay, _, _) =
        send(start().handle(Err::<http::Response<Vec<u8>>, _>(refused), UNIX_EPOCH, 0));
    assert!(delay > Duration::ZERO);
    // Any other error type is `Other`, not retried, and its message is kept once.
    let err = done(start().handle(
        Err::<http::Response<Vec<u8>>, _>("tls alert"),
        UNIX_EPOCH,
        0,
    ))
    .unwrap_err();
    assert_eq!(err.as_transport().unwrap().kind(), FailureKind::Other);
    assert_eq!(
        err.to_string(),
        "the HTTP exchange with WorkOS failed: tls alert"
    );
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn redirect_call_does_not_retry_timeouts_but_retries_connect_failures() {
    let url = config().logout_redirect_url(&LogoutToken::new("t").unwrap());
    let call = config()
        .redirect_call(url.as_str(), &ClientOptions::default())
        .unwrap();
    let (_, req, call) = send(call.start(UNIX_EPOCH));
    assert_eq!(req.method(), http::Method::GET);
    assert!(req.headers().get("authorization").is_none());
    let (_, _, call) = send(call.handle(failed(FailureKind::Connect), UNIX_EPOCH, 0));
    let redirect = http::Response::builder()
        .status(302)
        .header("location", "/idp/end")
        .body(Vec::new())
        .unwrap();
    let r = done(call.handle(Ok::<_, TransportError>(redirect), UNIX_EPOCH, 0)).unwrap();
    assert_eq!(r.location().unwrap().path(), "/idp/end");

    let call = config()
        .redirect_call(url.as_str(), &ClientOptions::default())
        .unwrap();
    let (_, _, call) = send(call.start(UNIX_EPOCH));
    let err = done(call.handle(failed(FailureKind::Timeout), UNIX_EPOCH, 0)).unwrap_err();
    assert_eq!(err.as_transport().unwrap().kind(), FailureKind::Timeout);
}

#[test]
fn redirect_call_refuses_to_send_a_token_in_clear_text() {
    let url = url::Url::parse("http://auth.example.com/sso/logout?token=t").unwrap();
    let err = config()
        .redirect_call(url.as_str(), &ClientOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("invalid logout URL"), "{err}");
    let url = url::Url::parse("http://localhost:9/sso/logout?token=t").unwrap();
    assert!(
        config()
            .redirect_call(url.as_str(), &ClientOptions::default())
            .is_ok()
    );
}

#[test]
fn std_environment_random_gives_different_numbers() {
    let draws: std::collections::HashSet<u128> = (0..64).map(|_| StdEnvironment.random()).collect();
    assert_eq!(draws.len(), 64);
}

#[test]
fn a_connection_closed_before_an_answer_is_retried_only_where_repeating_is_safe() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let call = config()
        .authorize_call(&req, &ClientOptions::default(), &StdEnvironment)
        .unwrap();
    let (_, _, call) = send(call.start(UNIX_EPOCH));
    let reset = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    let (delay, _, _) = send(call.handle(Err::<http::Response<Vec<u8>>, _>(reset), UNIX_EPOCH, 0));
    assert!(delay > Duration::ZERO);

    let url = config().logout_redirect_url(&LogoutToken::new("token").unwrap());
    let call = config()
        .redirect_call(url.as_str(), &ClientOptions::default())
        .unwrap();
    let (_, _, call) = send(call.start(UNIX_EPOCH));
    let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
    let err =
        done(call.handle(Err::<http::Response<Vec<u8>>, _>(reset), UNIX_EPOCH, 0)).unwrap_err();
    assert_eq!(err.as_transport().unwrap().kind(), FailureKind::Closed);
}

#[test]
fn io_errors_map_to_one_failure_kind() {
    use std::io::{Error as Io, ErrorKind};
    let kind = |e: Io| FailureKind::of_io(&e);
    assert_eq!(
        kind(Io::from(ErrorKind::ConnectionRefused)),
        FailureKind::Connect
    );
    assert_eq!(kind(Io::from(ErrorKind::TimedOut)), FailureKind::Timeout);
    assert_eq!(
        kind(Io::from(ErrorKind::ConnectionReset)),
        FailureKind::Closed
    );
    assert_eq!(
        kind(Io::from(ErrorKind::UnexpectedEof)),
        FailureKind::Closed
    );
    let dns = "failed to lookup address information: Name or service not known";
    assert_eq!(kind(Io::other(dns)), FailureKind::Connect);
    assert_eq!(kind(Io::other("something else")), FailureKind::Other);
}

/// Method, target, every header and the body.
fn same_request(a: &http::Request<Vec<u8>>, b: &http::Request<Vec<u8>>) -> bool {
    a.method() == b.method()
        && a.uri() == b.uri()
        && a.version() == b.version()
        && a.headers() == b.headers()
        && a.body() == b.body()
}

/// Each attempt gets a request of its own, made from what the call keeps (no copy made in
/// advance): all of them, the last included, are the request the public builder makes.
#[test]
fn every_attempt_sends_the_same_request_the_builder_makes() {
    let config = config();
    let key = IdempotencyKey::new("idem-every").unwrap();
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_\"quoted\"").unwrap())
        .with_idempotency_key(key);
    let expected = config.logout_authorize_request(&req).unwrap();
    let url = "https://auth.workos.com/sso/logout?token=tok_every";
    let expected_get = config.logout_url_request(url).unwrap();
    for retries in 0..5 {
        let policy = RetryPolicy::default().with_max_retries(retries).unwrap();
        let policy = ClientOptions::default().with_retry_policy(policy);
        let mut step = config
            .authorize_call(&req, &policy, &StdEnvironment)
            .unwrap()
            .start(UNIX_EPOCH);
        let mut sent = 0;
        while let Step::Send { request, call, .. } = step {
            assert!(same_request(&request, &expected), "attempt {}", sent + 1);
            sent += 1;
            step = call.handle(failed(FailureKind::Connect), UNIX_EPOCH, 0);
        }
        assert_eq!(sent, retries + 1);
        let mut step = config
            .redirect_call(url, &policy)
            .unwrap()
            .start(UNIX_EPOCH);
        let mut sent = 0;
        while let Step::Send { request, call, .. } = step {
            assert!(
                same_request(&request, &expected_get),
                "GET attempt {}",
                sent + 1
            );
            assert!(request.headers().get("authorization").is_none());
            sent += 1;
            step = call.handle(failed(FailureKind::Connect), UNIX_EPOCH, 0);
        }
        assert_eq!(sent, retries + 1);
    }
}

/// The options of the deadline tests: a 2 s deadline, the default policy (3 attempts).
fn two_second_deadline() -> ClientOptions {
    ClientOptions::default()
        .with_deadline(Duration::from_secs(2))
        .unwrap()
}

#[test]
fn a_retry_after_that_does_not_fit_the_deadline_ends_the_call_at_once() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let call = config()
        .authorize_call(&req, &two_second_deadline(), &StdEnvironment)
        .unwrap();
    let (_, _, call) = send(call.start(UNIX_EPOCH));
    let busy = status(503, &[("retry-after", "30"), ("x-request-id", "req_busy")]);
    let later = UNIX_EPOCH + Duration::from_millis(40);
    let err = done(call.handle(Ok::<_, TransportError>(busy), later, 0)).unwrap_err();
    assert_eq!(err.retry_in(), Some(Duration::from_secs(30)));
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.request_id(), Some("req_busy"));
    assert!(err.as_api().is_some());
    let text = err.to_string();
    assert!(text.starts_with("WorkOS API error: HTTP 503"), "{text}");
    assert!(
        text.ends_with(
            "not retried: the server asked to wait 30 s, past the call's 2 s deadline (try again in 30 s)"
        ),
        "{text}"
    );
}

#[test]
fn a_retry_after_that_fits_is_waited_and_the_next_attempt_gets_what_remains() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let options = two_second_deadline();
    let call = config()
        .authorize_call(&req, &options, &StdEnvironment)
        .unwrap();
    let (_, first, call) = send(call.start(UNIX_EPOCH));
    // Two attempts are left after the first: it gets half the deadline.
    assert_eq!(AttemptTimeout::of(&first), Some(Duration::from_secs(1)));
    let busy = status(429, &[("retry-after", "1")]);
    let at = UNIX_EPOCH + Duration::from_millis(200);
    let (delay, second, call) = send(call.handle(Ok::<_, TransportError>(busy), at, 0));
    assert_eq!(delay, Duration::from_secs(1));
    // Starts at 1.2 s: 0.8 s left, half of it while a third attempt is possible.
    assert_eq!(
        AttemptTimeout::of(&second),
        Some(Duration::from_millis(400))
    );
    // It fails at 1.3 s; the backoff (0.5 s with this random number) ends at 1.8 s.
    let at = at + delay + Duration::from_millis(100);
    let (delay, third, _) = send(call.handle(failed(FailureKind::Closed), at, 0));
    assert_eq!(delay, Duration::from_millis(500));
    // The last attempt gets all that remains after its backoff.
    assert_eq!(AttemptTimeout::of(&third), Some(Duration::from_millis(200)));
}

#[test]
fn a_backoff_that_does_not_fit_ends_the_call_with_the_last_failure() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let call = config()
        .authorize_call(&req, &two_second_deadline(), &StdEnvironment)
        .unwrap();
    let (_, _, call) = send(call.start(UNIX_EPOCH));
    // The attempt used its whole second; a silent connection, say. Then 0.8 s of the deadline
    // are left and the backoff (0.25 s with this random number) fits.
    let at = UNIX_EPOCH + Duration::from_millis(1_200);
    let (delay, _, call) = send(call.handle(failed(FailureKind::Timeout), at, 0));
    assert_eq!(delay, Duration::from_millis(250));
    // The next backoff is at least 0.5 s: past the deadline from 1.74 s.
    let at = at + delay + Duration::from_millis(290);
    let err = done(call.handle(failed(FailureKind::Timeout), at, u128::MAX)).unwrap_err();
    assert_eq!(
        err.as_transport().map(|e| e.kind()),
        Some(FailureKind::Timeout)
    );
    assert_eq!(err.retry_in(), None);
    assert!(
        err.to_string()
            .ends_with("not retried: the call's 2 s deadline leaves no time for another attempt"),
        "{err}"
    );
}

#[test]
fn the_token_spending_get_gets_the_whole_remaining_deadline() {
    let url = "https://auth.workos.com/sso/logout?token=tok_1";
    let call = config().redirect_call(url, &two_second_deadline()).unwrap();
    let (_, request, _) = send(call.start(UNIX_EPOCH));
    // Its timeout is never retried, so no room is kept for a retry.
    assert_eq!(AttemptTimeout::of(&request), Some(Duration::from_secs(2)));
}

#[test]
fn without_a_deadline_attempts_get_the_options_timeout() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let options = ClientOptions::default()
        .with_timeout(Duration::from_secs(7))
        .unwrap()
        .without_deadline();
    let call = config()
        .authorize_call(&req, &options, &StdEnvironment)
        .unwrap();
    assert_eq!(call.deadline(), None);
    let (_, request, call) = send(call.start(UNIX_EPOCH));
    assert_eq!(AttemptTimeout::of(&request), Some(Duration::from_secs(7)));
    let busy = status(503, &[("retry-after", "30")]);
    let (delay, _, _) = send(call.handle(Ok::<_, TransportError>(busy), UNIX_EPOCH, 0));
    assert_eq!(delay, Duration::from_secs(30));
}

#[test]
fn a_per_call_deadline_replaces_the_options_one() {
    let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap());
    let call = config()
        .authorize_call(&req, &ClientOptions::default(), &StdEnvironment)
        .unwrap();
    assert_eq!(call.deadline(), Some(Duration::from_secs(10)));
    assert!(call.with_deadline(Duration::ZERO).is_err());
    let call = config()
        .authorize_call(&req, &ClientOptions::default(), &StdEnvironment)
        .unwrap()
        .with_deadline(Duration::from_millis(600))
        .unwrap();
    let (_, request, _) = send(call.start(UNIX_EPOCH));
    assert_eq!(
        AttemptTimeout::of(&request),
        Some(Duration::from_millis(300))
    );
}
