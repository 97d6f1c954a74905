//! The clients' call loops, blocking and async, over the `test-util` double as a user's unit test
//! uses it: what they send, how they retry, when they read the clock, how bad input ends a call.

#![cfg(feature = "test-util")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use workos_sso_logout::test_util::MockTransport;
use workos_sso_logout::{
    ApiKey, AsyncClient, Client, ClientOptions, Config, Environment, FailureKind, ProfileId,
    RetryPolicy,
};

const OK: &str =
    r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t","logout_token":"t"}"#;

/// No real sleeping: retries in a unit test are instant.
struct Instant;
impl Environment for Instant {
    fn sleep(&self, _: Duration) {}
    async fn sleep_async(&self, _: Duration) {}
}

fn config() -> Config {
    Config::new(ApiKey::new("sk_test_mock").unwrap())
}

/// Polls a future that never waits (the mock answers at once, the environment never sleeps).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future waited"),
    }
}

#[test]
fn records_requests_and_plays_answers_in_order() {
    let mock = MockTransport::new();
    mock.push_json(503, r#"{"message":"busy"}"#)
        .push_error(FailureKind::Timeout)
        .push_json(200, OK);
    let client = Client::with_transport(config(), ClientOptions::default(), mock.clone())
        .with_environment(Instant);
    let logout = client
        .authorize_logout(&ProfileId::new("prof_1").unwrap())
        .unwrap();
    assert_eq!(logout.logout_token().expose_secret(), "t");
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(mock.remaining(), 0);
    assert!(
        requests
            .iter()
            .all(|r| r.headers()["authorization"] == "Bearer sk_test_mock")
    );
    assert_eq!(
        requests[0].headers()["idempotency-key"],
        requests[2].headers()["idempotency-key"]
    );
    assert!(!format!("{mock:?}").contains("sk_test_mock"));
}

#[test]
fn an_empty_queue_is_a_clear_transport_error() {
    let mock = MockTransport::new();
    let options = ClientOptions::default().with_retry_policy(RetryPolicy::none());
    let client = Client::with_transport(config(), options, mock.clone());
    let err = client
        .authorize_logout(&ProfileId::new("prof_1").unwrap())
        .unwrap_err();
    assert_eq!(err.as_transport().unwrap().kind(), FailureKind::Other);
    assert!(err.to_string().contains("no answer queued"), "{err}");
    assert_eq!(mock.requests().len(), 1);
}

#[test]
fn the_async_client_uses_the_same_double() {
    let mock = MockTransport::new();
    mock.push_json(429, r#"{"message":"slow down"}"#)
        .push_json(200, OK);
    let client = AsyncClient::with_transport(config(), ClientOptions::default(), mock.clone())
        .with_environment(Instant);
    let profile = ProfileId::new("prof_1").unwrap();
    let logout = ready(client.authorize_logout(&profile)).unwrap();
    assert!(
        logout
            .logout_url()
            .starts_with("https://auth.workos.com/sso/logout?")
    );
    assert_eq!(mock.requests().len(), 2);
    mock.push_json(404, r#"{"message":"Profile not found"}"#);
    let err = ready(client.authorize_logout(&profile)).unwrap_err();
    assert_eq!(
        err.as_api().unwrap().message.as_deref(),
        Some("Profile not found")
    );
}

/// Records every sleep asked for; never sleeps.
#[derive(Clone, Default)]
struct Recording(std::sync::Arc<std::sync::Mutex<Vec<Duration>>>);
impl Environment for Recording {
    fn sleep(&self, delay: Duration) {
        self.0.lock().unwrap().push(delay);
    }
    fn sleep_async(&self, delay: Duration) -> impl Future<Output = ()> {
        self.0.lock().unwrap().push(delay);
        std::future::ready(())
    }
    fn random(&self) -> u128 {
        7
    }
}

fn busy(status: u16, retry_after: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("retry-after", retry_after)
        .body(br#"{"message":"busy"}"#.to_vec())
        .unwrap()
}

/// The clients' loops and a caller's own loop over the same `Call` API make the same requests and
/// wait the same delays (none for a zero delay).
#[test]
fn both_clients_retry_as_the_call_machine_says() {
    let answers = || {
        let mock = MockTransport::new();
        mock.push_response(busy(503, "0"))
            .push_error(FailureKind::Connect)
            .push_response(busy(429, "2"))
            .push_json(200, OK);
        mock
    };
    let policy = RetryPolicy::default().with_max_retries(3).unwrap();
    let options = ClientOptions::default().with_retry_policy(policy.clone());
    let profile = ProfileId::new("prof_1").unwrap();

    // The machine, driven by hand with the same answers, time and randomness.
    let mock = answers();
    let request = workos_sso_logout::LogoutAuthorizeRequest::new(profile.clone());
    let mut step = config()
        .authorize_call(&request, &options, &Recording::default())
        .unwrap()
        .start(std::time::SystemTime::now());
    let mut by_hand = Vec::new();
    let expected = loop {
        match step {
            workos_sso_logout::Step::Send {
                delay,
                request,
                call,
            } => {
                if !delay.is_zero() {
                    by_hand.push(delay);
                }
                use workos_sso_logout::SyncTransport;
                let answer = mock.send(request);
                step = call.handle(answer, std::time::SystemTime::now(), 7);
            }
            workos_sso_logout::Step::Done(result) => break result.unwrap(),
        }
    };
    assert_eq!(by_hand.len(), 2, "{by_hand:?}");
    assert_eq!(by_hand[1], Duration::from_secs(2));

    let blocking_mock = answers();
    let env = Recording::default();
    let blocking = Client::with_transport(config(), options.clone(), blocking_mock.clone())
        .with_environment(env.clone());
    assert_eq!(blocking.authorize_logout(&profile).unwrap(), expected);
    assert_eq!(*env.0.lock().unwrap(), by_hand);

    let async_mock = answers();
    let env = Recording::default();
    let client = AsyncClient::with_transport(config(), options, async_mock.clone())
        .with_environment(env.clone());
    assert_eq!(ready(client.authorize_logout(&profile)).unwrap(), expected);
    assert_eq!(*env.0.lock().unwrap(), by_hand);

    for sent in [
        mock.requests(),
        blocking_mock.requests(),
        async_mock.requests(),
    ] {
        assert_eq!(sent.len(), 4);
        let key = sent[0].headers()["idempotency-key"].clone();
        assert!(sent.iter().all(|r| r.headers()["idempotency-key"] == key));
    }
}

/// Counts what the environment was asked for: the time and random numbers.
#[derive(Clone, Default)]
struct Counting(std::sync::Arc<[std::sync::atomic::AtomicUsize; 2]>);
impl Counting {
    fn reads(&self) -> [usize; 2] {
        self.0
            .each_ref()
            .map(|n| n.load(std::sync::atomic::Ordering::Relaxed))
    }
}
impl Environment for Counting {
    fn now(&self) -> std::time::SystemTime {
        self.0[0].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::time::SystemTime::now()
    }
    fn random(&self) -> u128 {
        self.0[1].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        7
    }
    fn sleep(&self, _: Duration) {}
    async fn sleep_async(&self, _: Duration) {}
}

/// The clock and the random numbers are read only through the environment: the clock when the
/// call starts (its deadline) and after each attempt, a random number after each attempt (a
/// retry's jitter) and for an idempotency key.
#[test]
fn the_environment_is_read_at_the_start_and_after_each_attempt() {
    let profile = ProfileId::new("prof_1").unwrap();
    let url = "https://auth.workos.com/sso/logout?token=t";
    let redirect = || {
        http::Response::builder()
            .status(302)
            .header("location", "https://idp.example/end")
            .body(Vec::new())
            .unwrap()
    };
    let once = ClientOptions::default().with_retry_policy(RetryPolicy::none());
    for blocking in [true, false] {
        let mock = MockTransport::new();
        mock.push_json(200, OK).push_response(redirect());
        let env = Counting::default();
        if blocking {
            let client = Client::with_transport(config(), once.clone(), mock.clone())
                .with_environment(env.clone());
            client.authorize_logout(&profile).unwrap();
            client.follow_logout_redirect(url).unwrap();
        } else {
            let client = AsyncClient::with_transport(config(), once.clone(), mock.clone())
                .with_environment(env.clone());
            ready(client.authorize_logout(&profile)).unwrap();
            ready(client.follow_logout_redirect(url)).unwrap();
        }
        assert_eq!(env.reads(), [4, 2], "blocking: {blocking}");

        // A retry: the key shared by the attempts takes one more random number.
        mock.push_json(503, r#"{"message":"busy"}"#)
            .push_json(200, OK);
        let env = Counting::default();
        let options = ClientOptions::default();
        if blocking {
            let client = Client::with_transport(config(), options, mock.clone())
                .with_environment(env.clone());
            client.authorize_logout(&profile).unwrap();
        } else {
            let client = AsyncClient::with_transport(config(), options, mock.clone())
                .with_environment(env.clone());
            ready(client.authorize_logout(&profile)).unwrap();
        }
        assert_eq!(env.reads(), [3, 3], "blocking: {blocking}");
    }
}

/// Bad input is refused when the call is made, before anything is sent; the async client's
/// future gives that error back.
#[test]
fn bad_input_is_the_futures_output_and_nothing_is_sent() {
    let mock = MockTransport::new();
    let client = AsyncClient::with_transport(config(), ClientOptions::default(), mock.clone());
    for url in [
        "http://auth.example.com/sso/logout?token=t",
        "https://auth.workos.com/sso/logout?token=a b",
        "",
    ] {
        let err = ready(client.follow_logout_redirect(url)).unwrap_err();
        assert!(
            matches!(err, workos_sso_logout::Error::InvalidInput(_)),
            "{url}: {err}"
        );
    }
    let blocking = Client::with_transport(config(), ClientOptions::default(), mock.clone());
    let err = blocking
        .follow_logout_redirect("ftp://auth.workos.com/sso/logout?token=t")
        .unwrap_err();
    assert!(matches!(err, workos_sso_logout::Error::InvalidInput(_)));
    assert!(mock.requests().is_empty());
}
