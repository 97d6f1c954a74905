//! Any runtime: the async client on a single-threaded executor, with a transport and an
//! environment whose futures are not `Send` (they hold an `Rc` across an `await`, as state shared
//! with a single-threaded event loop does); and the hyper client's call futures stay `Send`, so
//! they can be spawned on a multi-threaded runtime.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use workos_logout::emulator::{Fault, Route, start};
use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{
    ApiKey, AsyncClient, AsyncTransport, BaseUrl, ClientOptions, Config, Environment,
    LogoutRedirect, ProfileId, RetryPolicy, TransportError,
};
use workos_sso_logout_hyper::HyperTransport;

/// A transport that counts what it sends in state shared through `Rc`: its future is not `Send`.
struct Local {
    inner: Rc<HyperTransport>,
    sent: Rc<Cell<u32>>,
}

impl AsyncTransport for Local {
    type Error = TransportError;
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let sent = Rc::clone(&self.sent);
        let answer = self.inner.send(request).await;
        sent.set(sent.get() + 1);
        answer
    }
}

/// An environment whose async sleep holds an `Rc` across its wait: not `Send` either.
struct LocalEnv {
    slept: Rc<Cell<u32>>,
}

impl Environment for LocalEnv {
    async fn sleep_async(&self, delay: Duration) {
        let slept = Rc::clone(&self.slept);
        tokio::time::sleep(delay).await;
        slept.set(slept.get() + 1);
    }
}

#[test]
fn a_transport_and_an_environment_that_are_not_send_run_on_a_single_threaded_executor() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::status(503));
    let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    let policy = RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(5)).unwrap();
    let options = ClientOptions::default().with_retry_policy(policy);
    let (sent, slept) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let transport = Local {
        inner: Rc::new(HyperTransport::new(&options).unwrap()),
        sent: Rc::clone(&sent),
    };
    let env = LocalEnv {
        slept: Rc::clone(&slept),
    };
    let client = AsyncClient::with_transport(config, options, transport).with_environment(env);
    let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();

    // tokio's current-thread runtime with a `LocalSet`: an executor that never moves a task.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = tokio::task::LocalSet::new().block_on(&runtime, async {
        let auth = client.authorize_logout(&profile).await.unwrap();
        client
            .follow_logout_redirect(auth.logout_url())
            .await
            .unwrap()
    });
    assert!(
        matches!(outcome, LogoutRedirect::Redirect { .. }),
        "{outcome:?}"
    );
    assert_eq!(sent.get(), 3, "a 503, its retry, and the logout GET");
    assert_eq!(
        slept.get(),
        1,
        "the retry waited on the environment's sleep"
    );
}

/// A compile-time check: the hyper client's call futures are `Send`.
#[test]
fn the_hyper_clients_call_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let config = Config::new(ApiKey::new("sk_test_123").unwrap());
    let client = workos_sso_logout_hyper::Client::new(config).unwrap();
    let profile = ProfileId::new("prof_1").unwrap();
    send(&client.authorize_logout(&profile));
    send(&client.follow_logout_redirect("https://auth.workos.com/sso/logout?token=t"));
}
