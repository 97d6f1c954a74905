//! `workos-logout`: the WorkOS SSO Logout command line. Without a subcommand it runs `demo`: the
//! whole logout flow against the embedded emulator, for both transports.
#![forbid(unsafe_code)]

/// `println!` that ignores a closed stdout (`workos-logout … | head` must not panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod demo;

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use workos_logout::emulator::{DEFAULT_API_KEY, Emulator};
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::{
    ClientOptions, Config, Error, InvalidInput, LogoutRedirect, LogoutToken, ProfileId, RetryPolicy,
};

/// Exit status: success.
const EXIT_OK: u8 = 0;
/// Exit status: invalid usage or input; nothing was sent.
const EXIT_USAGE: u8 = 2;
/// Exit status: the API answered with an error.
const EXIT_API: u8 = 3;
/// Exit status: a transport failure or an unexpected response.
const EXIT_TRANSPORT: u8 = 4;

/// WorkOS SSO Logout from the command line, and a local WorkOS emulator.
///
/// Exit status: 0 success; 2 invalid usage or input (nothing was sent); 3 the API answered with an
/// error; 4 a transport failure or an unexpected response.
#[derive(Debug, Parser)]
#[command(name = "workos-logout", version)]
struct Cli {
    /// Show each call and attempt on stderr (status, request id, failure kind, retry delay; never
    /// a secret).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole logout flow against an embedded emulator, with ureq then hyper (the default).
    Demo,
    /// Authorize a logout for a profile and print the logout URL to send the browser to.
    Authorize {
        /// The SSO profile id (prof_…).
        #[arg(long)]
        profile_id: String,
        #[command(flatten)]
        target: Target,
        /// Your WorkOS secret key.
        #[arg(long, env = "WORKOS_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        #[command(flatten)]
        call: CallArgs,
        /// Print {"logout_url", "logout_token"} as one JSON object (this prints the token).
        #[arg(long)]
        json: bool,
    },
    /// Print the logout redirect URL for a token (nothing is sent; this prints the token).
    Url {
        #[command(flatten)]
        token: TokenArg,
        #[command(flatten)]
        target: Target,
    },
    /// Send the browser's GET of a logout URL once and print where WorkOS redirects (this spends
    /// the token). Give the logout_url that authorize printed (--url), or a token.
    Follow {
        /// The logout URL to follow (as authorize printed it); `-` reads it from stdin.
        #[arg(long, conflicts_with = "token")]
        url: Option<String>,
        #[command(flatten)]
        token: TokenArg,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        call: CallArgs,
    },
    /// Run the WorkOS SSO Logout emulator until interrupted.
    Emulator {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
        /// The port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 4100)]
        port: u16,
        /// The API key the emulator accepts.
        #[arg(long, default_value = DEFAULT_API_KEY)]
        api_key: String,
        /// How long logout tokens live, in seconds.
        #[arg(long, default_value_t = 60)]
        token_lifetime: u64,
        /// Require this token (header X-Emulator-Admin-Token) on the admin endpoints; on a host
        /// other than loopback a random one is made when none is given.
        #[arg(long, env = "WORKOS_EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
        /// Where the emulated IdP sends the browser after a logout [default: its /signed-out page].
        #[arg(long, value_name = "URL")]
        post_logout_redirect: Option<String>,
        /// The application's logout URI, for IdP-initiated logout [default: its /signed-out page].
        #[arg(long, value_name = "URL")]
        idp_logout_redirect: Option<String>,
    },
}

/// A logout token: from `--token`, `-` for stdin, or `WORKOS_LOGOUT_TOKEN` (an argument is
/// visible to every user of the machine in the process list; stdin and the environment are not).
#[derive(Debug, Args)]
struct TokenArg {
    /// The logout token; `-` reads it from stdin.
    #[arg(long, env = "WORKOS_LOGOUT_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

impl TokenArg {
    fn read(&self) -> Result<Option<LogoutToken>, Failure> {
        match self.token.as_deref() {
            None => Ok(None),
            Some(token) => Ok(Some(LogoutToken::new(stdin_if_dash(token)?)?)),
        }
    }
}

/// `value`, or the first line of stdin when `value` is `-`.
fn stdin_if_dash(value: &str) -> Result<String, Failure> {
    if value != "-" {
        return Ok(value.to_owned());
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| Failure {
        code: EXIT_USAGE,
        message: format!("could not read stdin: {e}"),
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn no_token() -> Failure {
    Failure {
        code: EXIT_USAGE,
        message: "no logout token: pass --url, --token (- for stdin) or set WORKOS_LOGOUT_TOKEN"
            .into(),
    }
}

#[derive(Debug, Args)]
struct Target {
    /// The WorkOS base URL [default: https://auth.workos.com].
    #[arg(long, env = "WORKOS_BASE_URL")]
    base_url: Option<String>,
}

#[derive(Debug, Args)]
struct CallArgs {
    /// The HTTP stack.
    #[arg(long, value_enum, default_value_t = Transport::Ureq)]
    transport: Transport,
    /// Bound each whole attempt to this many seconds [default: 30].
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Allow at most N retries after the first attempt [default: 2].
    #[arg(long, value_name = "N")]
    retries: Option<u32>,
    /// Bound each whole call — every attempt, backoff and Retry-After wait — to this many
    /// seconds, or `off` for no bound [default: 10].
    #[arg(long, value_name = "SECS|off", env = "WORKOS_LOGOUT_DEADLINE")]
    deadline: Option<String>,
}

impl CallArgs {
    fn options(&self) -> Result<ClientOptions, InvalidInput> {
        let mut options = ClientOptions::default();
        if let Some(secs) = self.timeout {
            let timeout = Duration::try_from_secs_f64(secs).map_err(|_| {
                InvalidInput::Options("--timeout must be a positive number of seconds")
            })?;
            options = options.with_timeout(timeout)?;
        }
        if let Some(retries) = self.retries {
            if retries > 19 {
                return Err(InvalidInput::Options("--retries must be at most 19"));
            }
            options = options.with_retry_policy(RetryPolicy::default().with_max_retries(retries)?);
        }
        match self.deadline.as_deref().map(str::trim) {
            None => {}
            Some("off") => options = options.without_deadline(),
            Some(secs) => {
                let deadline = secs
                    .parse()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok());
                let deadline = deadline.ok_or(InvalidInput::Options(
                    "--deadline must be a positive number of seconds, or `off`",
                ))?;
                options = options.with_deadline(deadline)?;
            }
        }
        Ok(options)
    }
}

/// A failure with the exit status it maps to.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        // A call its deadline ended exits as its last attempt's error does.
        let code = match (&e, e.as_api()) {
            (Error::InvalidInput(_), _) => EXIT_USAGE,
            (_, Some(_)) => EXIT_API,
            _ => EXIT_TRANSPORT,
        };
        // One line, scrubbed and escaped by the SDK; API errors end with their hint.
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

impl From<InvalidInput> for Failure {
    fn from(e: InvalidInput) -> Self {
        Error::from(e).into()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Every attempt with -v; without it, one line per retry, so a long wait is never silent.
    // The SDK's events carry no URL, header or body: never a secret.
    let retries_only = !cli.verbose;
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .finish()
        .with(tracing_subscriber::filter::filter_fn(move |meta| {
            !retries_only || meta.target() == "workos_sso_logout::retry"
        }))
        .init();
    let result = match cli.command.unwrap_or(Command::Demo) {
        Command::Demo => return ExitCode::from(demo::run()),
        Command::Authorize {
            profile_id,
            target,
            api_key,
            call,
            json,
        } => authorize(&profile_id, &target, api_key, &call, json),
        Command::Url { token, target } => url(&token, &target),
        Command::Follow {
            url,
            token,
            target,
            call,
        } => follow(url.as_deref(), &token, &target, &call),
        Command::Emulator {
            host,
            port,
            api_key,
            token_lifetime,
            admin_token,
            post_logout_redirect,
            idp_logout_redirect,
        } => {
            let mut builder = Emulator::builder();
            if let Some(url) = post_logout_redirect {
                builder = builder.post_logout_redirect(url);
            }
            if let Some(url) = idp_logout_redirect {
                builder = builder.idp_logout_redirect(url);
            }
            if let Some(token) = admin_token {
                builder = builder.admin_token(token);
            }
            emulator(builder, host, port, api_key, token_lifetime)
        }
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// The configuration from the flags, which fall back to `WORKOS_API_KEY` and `WORKOS_BASE_URL`:
/// the SDK's own `Config::from_env` rules and messages, over the flags' values.
fn config(target: &Target, api_key: Option<String>) -> Result<Config, Failure> {
    Ok(Config::from_env_with(|name| match name {
        "WORKOS_API_KEY" => api_key.clone(),
        "WORKOS_BASE_URL" => target.base_url.clone(),
        _ => None,
    })?)
}

fn authorize(
    profile_id: &str,
    target: &Target,
    api_key: Option<String>,
    call: &CallArgs,
    json: bool,
) -> Result<(), Failure> {
    let profile_id = ProfileId::new(profile_id)?;
    let config = config(target, api_key)?;
    if config.api_key().is_none() {
        return Err(InvalidInput::MissingApiKey.into());
    }
    let client = AnyClient::new(call.transport, config, call.options()?)?;
    let logout = client.authorize_logout(&profile_id)?;
    if json {
        let out = serde_json::json!({
            "logout_url": logout.logout_url(),
            "logout_token": logout.logout_token().expose_secret(),
        });
        say!("{out}");
    } else {
        say!("{}", logout.logout_url());
    }
    Ok(())
}

fn url(token: &TokenArg, target: &Target) -> Result<(), Failure> {
    let token = token.read()?.ok_or_else(no_token)?;
    say!("{}", config(target, None)?.logout_redirect_url(&token));
    Ok(())
}

fn follow(
    url: Option<&str>,
    token: &TokenArg,
    target: &Target,
    call: &CallArgs,
) -> Result<(), Failure> {
    let config = config(target, None)?;
    // A URL is checked by the SDK, before anything is sent.
    let url = match (url, token.read()?) {
        (Some(url), _) => stdin_if_dash(url)?,
        (None, Some(token)) => config.logout_redirect_url(&token).to_string(),
        (None, None) => return Err(no_token()),
    };
    let client = AnyClient::new(call.transport, config, call.options()?)?;
    match client.follow_logout_redirect(&url)? {
        LogoutRedirect::Redirect { location, .. } => say!("{location}"),
        other => say!("logout completed: HTTP {}", other.status()),
    }
    Ok(())
}

fn emulator(
    builder: workos_logout::emulator::EmulatorBuilder,
    host: IpAddr,
    port: u16,
    api_key: String,
    token_lifetime: u64,
) -> Result<(), Failure> {
    if !host.is_loopback() {
        eprintln!(
            "warning: the emulator is a test tool: bound to {host}, anyone who reaches it can use \
             it. Its admin endpoints need the admin token printed below; never expose it beyond \
             a test network."
        );
    }
    let emulator = builder
        .host(host)
        .port(port)
        .api_key(api_key)
        .token_lifetime(Duration::from_secs(token_lifetime.max(1)))
        .start()
        .map_err(|e| Failure {
            code: EXIT_TRANSPORT,
            message: format!("could not start the emulator on {host}:{port}: {e}"),
        })?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "WorkOS SSO Logout emulator listening on {}",
        emulator.base_url()
    );
    let _ = writeln!(out, "  API key:       {}", emulator.api_key());
    let _ = writeln!(
        out,
        "  OIDC profile:  {} (logout supported)",
        emulator.oidc_profile_id()
    );
    let _ = writeln!(
        out,
        "  SAML profile:  {} (logout not supported)",
        emulator.saml_profile_id()
    );
    let _ = writeln!(
        out,
        "  admin:         {}/__emulator/ (faults, recorded requests, clock)",
        emulator.base_url()
    );
    let token_header = match emulator.admin_token() {
        Some(token) => {
            let _ = writeln!(
                out,
                "  admin token:   {token} (header X-Emulator-Admin-Token)"
            );
            format!("-H 'X-Emulator-Admin-Token: {token}' ")
        }
        None => String::new(),
    };
    let fault = r#"{"route":"authorize","fault":{"kind":"status","status":429,"headers":[["retry-after","1"]]}}"#;
    let _ = writeln!(
        out,
        "  a fault:       curl -X POST {token_header}{}/__emulator/faults -d '{fault}'",
        emulator.base_url(),
    );
    let _ = writeln!(out, "Press Ctrl-C to stop.");
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}
