//! A conformance kit for transports of [`workos-sso-logout`](workos_sso_logout): it runs a
//! transport — blocking or async, yours or one of the shipped adapters — against servers on
//! loopback (the WorkOS logout emulator, and scripted servers for what only raw bytes can show)
//! and checks every rule the core relies on, each as a named check with a one-line reason when
//! it fails.
//!
//! One line in a test proves or refutes a transport:
//!
//! ```no_run
//! use workos_sso_logout_conformance::{Transport, assert_conforms};
//! use workos_sso_logout_ureq::UreqTransport;
//!
//! #[test]
//! fn my_transport_conforms() {
//!     assert_conforms(&Transport::blocking("ureq", |options| {
//!         UreqTransport::new(options).expect("a ureq agent")
//!     }));
//! }
//! ```
//!
//! [`check`] returns the [`Report`] instead, to print. An async transport runs on a
//! current-thread tokio runtime the kit makes ([`Transport::on_tokio`]).
//!
//! The checks ([`CHECKS`]):
//!
//! | check | the transport must |
//! |---|---|
//! | `redirects_are_handed_back` | hand back 302, 303, 307 and 308 as responses, not follow them (the server sees one request) |
//! | `every_header_comes_back` | return every header, repeated ones included |
//! | `error_statuses_are_responses` | return 4xx and 5xx as responses, with their body |
//! | `an_oversized_body_is_refused` | refuse a body over the limit it was given, with [`FailureKind::BodyTooLarge`] |
//! | `a_stalled_head_times_out` | end a call whose head never comes within its timeout, with [`FailureKind::Timeout`] |
//! | `a_stalled_body_times_out` | end a call whose body stalls within its timeout, with [`FailureKind::Timeout`] |
//! | `the_attempt_timeout_is_honoured` | bound the exchange by the request's [`AttemptTimeout`](workos_sso_logout::AttemptTimeout) when it is shorter than the options' timeout (the call's deadline decided it) |
//! | `a_refused_connection_is_connect` | report a refused connection as [`FailureKind::Connect`] |
//! | `an_early_close_is_retried` | report a connection closed before any answer as retryable, so a call through a [`Client`](workos_sso_logout::Client) succeeds on the next attempt |
//! | `a_stale_pooled_connection_is_retried` | the same for a kept-alive connection the server closed while it sat in the pool |
//! | `a_truncated_body_is_retried` | report a body shorter than its `Content-Length` as [`FailureKind::Truncated`], never a success, so a call through a [`Client`](workos_sso_logout::Client) succeeds on the next attempt |
//! | `informational_answers_are_skipped` | read the final answer after a `1xx` |
//! | `chunked_bodies_with_trailers_are_read` | read a chunked body that ends with trailers |
//! | `close_delimited_bodies_are_read` | read a body that ends when the server closes the connection |
//! | `no_proxy_from_the_environment` | send loopback requests directly, whatever `HTTP_PROXY` and the like say |
//!
//! The proxy check runs the calling test again in a child process with the proxy variables set
//! (setting them in a running process is not safe), so call [`assert_conforms`] from a `#[test]`;
//! elsewhere that check is reported as skipped.
#![forbid(unsafe_code)]

use std::fmt;

use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{
    AsyncTransport, ClientOptions, FailureKind, SyncTransport, TransportError,
};

mod checks;
mod server;

pub use checks::CHECKS;

/// What the checks send through: one request in, its response or the transport's error out.
pub type Sender = Box<dyn Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>>;

/// A transport under test: how to make it from the options a check gives (timeouts, body limit).
pub struct Transport {
    name: String,
    make: Box<dyn Fn(&ClientOptions) -> Sender>,
}

impl Transport {
    /// A blocking transport, made by `make` from each check's options.
    pub fn blocking<T, F>(name: &str, make: F) -> Self
    where
        T: SyncTransport + 'static,
        F: Fn(&ClientOptions) -> T + 'static,
    {
        Self {
            name: name.to_owned(),
            make: Box::new(move |options| {
                let transport = make(options);
                Box::new(move |request| transport.send(request).map_err(TransportError::from_error))
            }),
        }
    }

    /// An async transport, made by `make` from each check's options and driven on a
    /// current-thread tokio runtime of its own (hyper, reqwest and executor-neutral transports
    /// run there).
    pub fn on_tokio<T, F>(name: &str, make: F) -> Self
    where
        T: AsyncTransport + 'static,
        F: Fn(&ClientOptions) -> T + 'static,
    {
        Self {
            name: name.to_owned(),
            make: Box::new(move |options| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                // Made inside the runtime's context, for a transport whose constructor needs one.
                let transport = {
                    let _inside = runtime.as_ref().ok().map(tokio::runtime::Runtime::enter);
                    make(options)
                };
                Box::new(move |request| match &runtime {
                    Ok(runtime) => runtime
                        .block_on(transport.send(request))
                        .map_err(TransportError::from_error),
                    Err(e) => Err(TransportError::new(
                        FailureKind::Other,
                        format!("no tokio runtime for the transport: {e}"),
                    )),
                })
            }),
        }
    }

    /// The name it was given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A sender for these options.
    pub(crate) fn connect(&self, options: &ClientOptions) -> Sender {
        (self.make)(options)
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("name", &self.name)
            .finish()
    }
}

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The transport does what the check asks.
    Passed,
    /// It does not: what went wrong, and what to do about it.
    Failed(String),
    /// The check could not run here, and why.
    Skipped(String),
}

/// One check's name and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The check's name (see [`CHECKS`]).
    pub name: &'static str,
    /// How it ended.
    pub outcome: Outcome,
}

/// Every check's outcome for one transport. `Display` is one line per check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The transport's name.
    pub transport: String,
    /// The checks, in the order of [`CHECKS`].
    pub checks: Vec<Check>,
}

impl Report {
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
    }

    /// Whether no check failed.
    pub fn conforms(&self) -> bool {
        self.failures().next().is_none()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "conformance of `{}`:", self.transport)?;
        for check in &self.checks {
            match &check.outcome {
                Outcome::Passed => writeln!(f, "  ok    {}", check.name)?,
                Outcome::Failed(why) => writeln!(f, "  FAIL  {}: {why}", check.name)?,
                Outcome::Skipped(why) => writeln!(f, "  skip  {}: {why}", check.name)?,
            }
        }
        Ok(())
    }
}

/// Runs every check against `transport`.
pub fn check(transport: &Transport) -> Report {
    Report {
        transport: transport.name.clone(),
        checks: checks::run(transport),
    }
}

/// Runs every check and panics, with the report, if any failed.
pub fn assert_conforms(transport: &Transport) {
    let report = check(transport);
    assert!(report.conforms(), "{report}");
}
