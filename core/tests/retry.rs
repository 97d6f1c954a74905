//! Retry decisions and the call state machine.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, UNIX_EPOCH};

use workos_sso_logout::{
    ApiKey, Call, Config, Environment, Error, FailureKind, IdempotencyKey, LogoutAuthorizeRequest,
    LogoutToken, ProfileId, RetryPolicy, StdEnvironment, Step, TransportError,
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
        .authorize_call(&req, &RetryPolicy::default(), &StdEnvironment)
        .unwrap();
    let (delay, first, call) = send(call.start());
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
            &RetryPolicy::default(),
            &StdEnvironment,
        )
        .unwrap();
    assert_eq!(send(call.start()).1.headers()["idempotency-key"], "mine");
    let call = config()
        .authorize_call(&req, &RetryPolicy::none(), &StdEnvironment)
        .unwrap();
    let (_, request, call) = send(call.start());
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
        send(env().start()).1.headers()["idempotency-key"].clone()
    };
    let policy = RetryPolicy::default();
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
            .authorize_call(&req, &RetryPolicy::default(), &StdEnvironment)
            .unwrap();
        send(call.start()).2
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
        .redirect_call(url.as_str(), &RetryPolicy::default())
        .unwrap();
    let (_, req, call) = send(call.start());
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
        .redirect_call(url.as_str(), &RetryPolicy::default())
        .unwrap();
    let (_, _, call) = send(call.start());
    let err = done(call.handle(failed(FailureKind::Timeout), UNIX_EPOCH, 0)).unwrap_err();
    assert_eq!(err.as_transport().unwrap().kind(), FailureKind::Timeout);
}

#[test]
fn redirect_call_refuses_to_send_a_token_in_clear_text() {
    let url = url::Url::parse("http://auth.example.com/sso/logout?token=t").unwrap();
    let err = config()
        .redirect_call(url.as_str(), &RetryPolicy::default())
        .unwrap_err();
    assert!(err.to_string().contains("invalid logout URL"), "{err}");
    let url = url::Url::parse("http://localhost:9/sso/logout?token=t").unwrap();
    assert!(
        config()
            .redirect_call(url.as_str(), &RetryPolicy::default())
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
        .authorize_call(&req, &RetryPolicy::default(), &StdEnvironment)
        .unwrap();
    let (_, _, call) = send(call.start());
    let reset = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    let (delay, _, _) = send(call.handle(Err::<http::Response<Vec<u8>>, _>(reset), UNIX_EPOCH, 0));
    assert!(delay > Duration::ZERO);

    let url = config().logout_redirect_url(&LogoutToken::new("token").unwrap());
    let call = config()
        .redirect_call(url.as_str(), &RetryPolicy::default())
        .unwrap();
    let (_, _, call) = send(call.start());
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
        let mut step = config
            .authorize_call(&req, &policy, &StdEnvironment)
            .unwrap()
            .start();
        let mut sent = 0;
        while let Step::Send { request, call, .. } = step {
            assert!(same_request(&request, &expected), "attempt {}", sent + 1);
            sent += 1;
            step = call.handle(failed(FailureKind::Connect), UNIX_EPOCH, 0);
        }
        assert_eq!(sent, retries + 1);
        let mut step = config.redirect_call(url, &policy).unwrap().start();
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
