//! A hand-driven call, async and executor-neutral: the loop of `hand_driven.rs`, awaiting any
//! `AsyncTransport` and the `Environment`'s `sleep_async`, so it runs on any executor — here a
//! ten-line `block_on` made of the standard library alone, and a closure transport over the
//! blocking example's `TcpStream` exchange.
//!
//! ```sh
//! cargo run -- emulator --port 4100     # in another terminal
//! WORKOS_BASE_URL=http://127.0.0.1:4100 WORKOS_API_KEY=sk_test_emulator_0123456789 \
//!   cargo run -p workos-sso-logout --example hand_driven_async -- prof_01EMULATOROIDC0000000000
//! ```

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use workos_sso_logout::{
    ApiKey, AsyncTransport, BaseUrl, Call, ClientOptions, Config, Environment, Error,
    LogoutAuthorizeRequest, LogoutRedirect, ProfileId, StdEnvironment, Step,
};

#[path = "hand_driven.rs"]
#[allow(dead_code)]
pub mod blocking;

/// Drives one call to its end on whatever executor polls it.
async fn drive<T>(
    call: Call<T>,
    transport: &impl AsyncTransport,
    env: &impl Environment,
) -> Result<T, Error> {
    let mut step = call.start(env.now());
    loop {
        match step {
            Step::Send {
                delay,
                request,
                call,
            } => {
                if !delay.is_zero() {
                    env.sleep_async(delay).await;
                }
                // The transport bounds the exchange by the request's `AttemptTimeout`.
                let sent = transport.send(request).await;
                step = call.handle(sent, env.now(), env.random());
            }
            Step::Done(result) => return result,
        }
    }
}

/// Signs `profile` out: Logout Authorize, then the browser's `GET` of the logout URL.
pub async fn sign_out(config: &Config, profile: &ProfileId) -> Result<LogoutRedirect, Error> {
    let transport = |request| async move { blocking::send(&request) };
    let (options, env) = (ClientOptions::default(), StdEnvironment);
    let request = LogoutAuthorizeRequest::new(profile.clone());
    let call = config.authorize_call(&request, &options, &env)?;
    let logout = drive(call, &transport, &env).await?;
    let call = config.redirect_call(logout.logout_url(), &options)?;
    drive(call, &transport, &env).await
}

/// Wakes the thread that waits in [`block_on`].
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// The smallest executor: polls `future` on this thread, parking it between wake-ups.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile = std::env::args()
        .nth(1)
        .ok_or("usage: hand_driven_async <profile id>")?;
    let config = Config::new(ApiKey::new(std::env::var("WORKOS_API_KEY")?)?)
        .with_base_url(BaseUrl::parse(&std::env::var("WORKOS_BASE_URL")?)?);
    let outcome = block_on(sign_out(&config, &ProfileId::new(profile)?))?;
    println!(
        "{}: {:?}",
        outcome.status(),
        outcome.location().map(|url| url.host_str())
    );
    Ok(())
}
