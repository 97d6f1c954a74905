//! The example web app with the WorkOS logout emulator, ready to open in a browser.
//!
//! ```sh
//! cargo run -p workos-logout-webapp --example webapp
//! ```
#![allow(missing_docs)]

use workos_logout_webapp::{AppConfig, serve};
use workos_sso_logout_emulator::Emulator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    let app_base = format!("http://{}", listener.local_addr()?);
    let emulator = Emulator::builder()
        .post_logout_redirect(format!("{app_base}/signed-out"))
        .idp_logout_redirect(format!("{app_base}/logout"))
        .start()?;
    println!("WorkOS emulator at {}", emulator.base_url());
    println!(
        "Open {app_base}/ and sign in; sign out there, or at the IdP: {}/idp/sign-out",
        emulator.base_url()
    );
    let config = AppConfig::new(
        &app_base,
        emulator.base_url(),
        emulator.api_key(),
        "client_emulator",
    );
    serve(listener, config).await?;
    Ok(())
}
