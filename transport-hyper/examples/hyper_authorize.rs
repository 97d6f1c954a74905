//! Authorizes a logout for a profile with the async hyper client.
//!
//! ```sh
//! WORKOS_API_KEY=sk_test_… cargo run -p workos-sso-logout-hyper --example hyper_authorize -- prof_01H…
//! # against the local emulator (`cargo run -- emulator` in another terminal):
//! WORKOS_BASE_URL=http://127.0.0.1:4100 WORKOS_API_KEY=sk_test_emulator_0123456789 \
//!   cargo run -p workos-sso-logout-hyper --example hyper_authorize -- prof_01EMULATOROIDC0000000000
//! ```

use std::process::ExitCode;

use workos_sso_logout::ProfileId;
use workos_sso_logout_hyper::Client;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let profile_id = std::env::args()
        .nth(1)
        .ok_or("usage: hyper_authorize <profile id>")?;
    // WORKOS_API_KEY, and WORKOS_BASE_URL when set: validated before anything is sent.
    let client = Client::from_env()?;
    let logout = client
        .authorize_logout(&ProfileId::new(profile_id)?)
        .await?;
    // The URL carries the token: in an app you redirect the browser to it rather than print it.
    println!("{}", logout.logout_url());
    Ok(())
}
