//! The example web app, ready to open in a browser: WorkOS is a logout emulator embedded in the
//! process unless `--workos` names one; sessions are in SQLite (in memory) unless `--sessions`
//! names another store. Two instances share sessions through one Redis (see the README).
//!
//! ```sh
//! cargo run -p workos-logout-webapp --example webapp            # then open http://127.0.0.1:3000/
//! cargo run -p workos-logout-webapp --example webapp -- --help
//! ```
#![allow(missing_docs)]

use clap::Parser;
use workos_logout_webapp::{AppConfig, SessionStorage, StartError, app};
use workos_sso_logout_emulator::{DEFAULT_API_KEY, Emulator};

/// The example app: sign in through WorkOS SSO, sign out everywhere.
#[derive(Debug, Parser)]
struct Args {
    /// The port to serve on, on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// The origin browsers reach the app at (one in front of several instances, or `https`:
    /// cookies are then `Secure`) [default: http://127.0.0.1:PORT].
    #[arg(long, env = "WEBAPP_ORIGIN")]
    origin: Option<String>,
    /// Where sessions live: `sqlite::memory:`, `sqlite://PATH` (kept across restarts) or
    /// `redis://HOST:PORT` (shared by every instance naming it).
    #[arg(long, env = "WEBAPP_SESSIONS", default_value = "sqlite::memory:")]
    sessions: SessionStorage,
    /// The secret the cookie key is derived from, a long random string (a short one is refused,
    /// with the length it must have): instances that share sessions, and restarts that keep
    /// them, need the same one [default: a key for this process].
    #[arg(long, env = "WEBAPP_COOKIE_SECRET", hide_env_values = true)]
    cookie_secret: Option<String>,
    /// A WorkOS already running (the emulator: `cargo run -p workos-logout -- emulator`)
    /// [default: an emulator embedded in this process].
    #[arg(long, env = "WORKOS_BASE_URL")]
    workos: Option<String>,
    /// The WorkOS API key, with `--workos` [default: the emulator's].
    #[arg(long, env = "WORKOS_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The SSO client id.
    #[arg(long, env = "WORKOS_CLIENT_ID", default_value = "client_emulator")]
    client_id: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), StartError> {
    // The app's log (a failing session store is an `error`); the SDK's errors show no secret.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    let app_base = match args.origin {
        Some(origin) => origin,
        None => format!("http://{}", listener.local_addr()?),
    };
    // The embedded emulator lives as long as `_emulator`.
    let (_emulator, workos, api_key) = match args.workos {
        Some(workos) => {
            let api_key = args.api_key.unwrap_or_else(|| DEFAULT_API_KEY.to_owned());
            (None, workos, api_key)
        }
        None => {
            let emulator = Emulator::builder()
                .post_logout_redirect(format!("{app_base}/signed-out"))
                .idp_logout_redirect(format!("{app_base}/logout"))
                .start()?;
            let (workos, api_key) = (
                emulator.base_url().to_owned(),
                emulator.api_key().to_owned(),
            );
            println!("WorkOS emulator at {workos}; sign out at the IdP: {workos}/idp/sign-out");
            (Some(emulator), workos, api_key)
        }
    };
    let mut config = AppConfig {
        sessions: args.sessions,
        ..AppConfig::new(&app_base, &workos, &api_key, &args.client_id)
    };
    if let Some(secret) = args.cookie_secret {
        config = config.with_cookie_secret(secret.as_bytes())?;
    }
    let sessions = format!("{:?}", config.sessions);
    let router = app(config).await?;
    println!("Open {app_base}/ and sign in (sessions: {sessions}); Ctrl-C stops");
    // Ctrl-C lets the requests under way finish; the sessions stay in their store.
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(listener, router)
        .with_graceful_shutdown(ctrl_c)
        .await?;
    Ok(())
}
