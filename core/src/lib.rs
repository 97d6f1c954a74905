//! A Sans-IO client core for [WorkOS SSO Logout](https://workos.com/docs/reference/sso/logout)
//! (RP-initiated single logout).
//!
//! It builds [`http::Request`] values and parses [`http::Response`] values for both endpoints;
//! you send them with any HTTP stack (or use the `workos-sso-logout-ureq` and
//! `workos-sso-logout-hyper` adapters, which do it for you).
//!
//! # Where things are
//! - **Which URLs a secret may go to** (the base URL, a logout URL a browser is sent to): one
//!   rule, in `base_url.rs` ([`BaseUrl`]).
//! - **Building requests and parsing responses**: one module per endpoint,
//!   `logout_authorize.rs` and `logout_redirect.rs`; what both share in `request.rs` and
//!   `response.rs` (error statuses, the request id).
//! - **Whether to retry**: `retry.rs` ([`RetryPolicy`]).
//! - **The call machine** that drives one call through its attempts, one input in and one output
//!   out, no IO of its own: [`Call`] (`call.rs`, with its diagram). [`Client`] and
//!   [`AsyncClient`] run it for any [`SyncTransport`] / [`AsyncTransport`] and any
//!   [`Environment`] (clock, randomness, sleep); your own loop can too.
//! - Inputs and their validation in `inputs.rs`, the configuration in `config.rs`, errors in
//!   `error.rs`, redaction in `redact.rs`.
//!
//! # In scope
//! - **Logout Authorize**, `POST {base}/sso/logout/authorize`: [`Config::logout_authorize_request`]
//!   and [`parse_logout_authorize_response`] → a [`LogoutAuthorization`] (logout URL and token).
//! - **Logout Redirect**, `GET {base}/sso/logout?token=…`: [`Config::logout_redirect_url`] (the URL
//!   a browser is sent to), [`Config::logout_url_request`] and
//!   [`parse_logout_redirect_response`] → a [`LogoutRedirect`].
//! - Validation of every input at construction ([`ApiKey`], [`BaseUrl`], [`ProfileId`],
//!   [`LogoutToken`], [`IdempotencyKey`]), before any IO.
//! - Errors for both WorkOS error shapes with the request id and `Retry-After` ([`Error`]).
//! - Retries ([`RetryPolicy`]) and the call machine ([`Call`]), the clients that drive it
//!   ([`Client`], [`AsyncClient`]) and the [`SyncTransport`] / [`AsyncTransport`] traits any HTTP
//!   stack (or a closure) implements.
//!
//! # Out of scope
//! - Sockets, TLS, DNS, timeouts: the transport's job (`workos-sso-logout-ureq`,
//!   `workos-sso-logout-hyper`, or yours).
//! - The clock, randomness and sleeping: arguments to the call machine, or an [`Environment`].
//! - Decoding the logout token: it is an opaque secret.
//! - The rest of the WorkOS API (SSO sign-in, Directory Sync, User Management…).
//!
//! # Deadline
//! Every call has one deadline ([`ClientOptions::with_deadline`], 10 s by default; per call,
//! [`Call::with_deadline`]): the call machine decides it from the time it is given, so no wait
//! ends past it, no attempt starts after it, each request carries what its attempt may take
//! ([`AttemptTimeout`]), and a wait that cannot fit ends the call at once with
//! [`Error::DeadlineExceeded`] (whose [`retry_in`](Error::retry_in) is the wait the server asked
//! for).
//!
//! # Tracing and metrics (features `tracing`, `metrics`)
//! - A span per call, the logical operation: `workos.logout_authorize` or
//!   `workos.logout_redirect`, `otel.kind = "internal"`, with `workos.attempts`, the last
//!   answer's `workos.request_id`, and `error.type` and `otel.status_code = "ERROR"` when it
//!   fails; an event per retry wait (target `workos_sso_logout::retry`: `workos.retry_delay_ms`,
//!   and the status or `error.type` that caused it).
//! - A span per attempt, its child, as OpenTelemetry's HTTP client conventions describe it:
//!   `POST /sso/logout/authorize` or `GET /sso/logout`, `otel.kind = "client"`,
//!   `http.request.method`, `server.address`, `server.port`, `url.full` (`token=[redacted]`),
//!   `url.template`, `http.request.resend_count` on resends, `http.response.status_code`,
//!   `network.protocol.version`, `workos.request_id`, and `error.type` (the status of a 4xx or
//!   5xx, or the [`FailureKind`]) with `otel.status_code = "ERROR"`; an event when it ends.
//!   The clients make it after the attempt's wait, so it measures one exchange, and run the
//!   request hook ([`RequestHook`]) in it, so `traceparent` names it.
//! - With `metrics`, `http.client.request.duration` per attempt, in seconds, as the
//!   OpenTelemetry layer's metric field (`histogram.http.client.request.duration`) on an event of
//!   target `workos_sso_logout::metrics`, with `http.request.method`, `server.address`,
//!   `server.port`, `url.template`, `http.response.status_code`, `error.type` and
//!   `network.protocol.version`; [`DURATION_BUCKETS`] are the conventions' advised buckets.
//! - Numbers are `i64` (exported as integers). An async call's span is made at the first poll,
//!   as a child of the span current then. No header value, body or token is ever recorded.
//!
//! # Secrets
//! [`ApiKey`] and [`LogoutToken`] redact themselves in `Debug` and have no `Display`; values that
//! carry a token in a URL ([`LogoutAuthorization`], [`LogoutRedirect`], [`Call`]) redact it in
//! `Debug` too. Reading a secret is an explicit `expose_secret()` call.
//!
//! # Example
//! ```
//! use workos_sso_logout::{ApiKey, Config, LogoutAuthorizeRequest, ProfileId, parse_logout_authorize_response};
//!
//! let config = Config::new(ApiKey::new("sk_test_123")?);
//! let request = config.logout_authorize_request(&LogoutAuthorizeRequest::new(ProfileId::new("prof_123")?))?;
//! assert_eq!(request.uri(), "https://auth.workos.com/sso/logout/authorize");
//! assert_eq!(request.headers()["authorization"], "Bearer sk_test_123");
//!
//! // …send `request` with any HTTP client, then parse what came back:
//! let response = http::Response::builder()
//!     .status(200)
//!     .header("x-request-id", "req_1")
//!     .body(r#"{"logout_url":"https://auth.workos.com/sso/logout?token=tok","logout_token":"tok"}"#)?;
//! let auth = parse_logout_authorize_response(&config.logout_authorize_url(), &response)?;
//! assert_eq!(auth.logout_url(), "https://auth.workos.com/sso/logout?token=tok");
//! assert!(!format!("{auth:?}").contains("tok\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

// The layers, bottom up: `mod name; // N`. A module imports only from layers below its own
// (`.ci/layers` checks it), so each can be read with only what is above it in this list.
// leaves: redaction and `Retry-After`
mod redact; // 0
mod retry_after; // 0

// errors: what a response stands for, then all of them
mod response_error; // 1

mod error; // 2

// inputs, where they may be sent, and the configuration
mod inputs; // 3

mod base_url; // 4

mod config; // 5

// retry policy, the transport boundary (with the classification of its failures), options
mod retry; // 6
mod transport; // 6

mod options; // 7

// what requests and responses of both endpoints share, and what Logout Authorize gives
mod request; // 8
mod response; // 8

mod logout_authorization; // 8

// the two endpoints, never importing each other
mod logout_authorize; // 9
mod logout_redirect; // 9

// what a call tells `tracing` (feature `tracing`)
#[cfg(feature = "tracing")]
mod trace; // 9

// the call machine
mod call; // 10

// the clients and their call loops
mod client; // 11

// a recording transport for users' unit tests (feature `test-util`)
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util; // 11

pub use http;
pub use url;

/// The bucket boundaries, in seconds, that OpenTelemetry's HTTP client conventions advise for
/// `http.client.request.duration` (what feature `metrics` records per attempt): give them to your
/// meter provider's view of that instrument (`Aggregation::ExplicitBucketHistogram`), as the
/// guide's (GUIDE.md) OpenTelemetry example does.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

pub use base_url::BaseUrl;
pub use call::{Call, Step};
pub use client::{AsyncClient, Client};
pub use config::Config;
pub use error::{DeadlineExceeded, Error, FailureKind, InvalidInput, TransportError};
pub use inputs::{ApiKey, IdempotencyKey, LogoutToken, ProfileId};
pub use logout_authorization::{LogoutAuthorization, RedirectParts};
pub use logout_authorize::{LogoutAuthorizeRequest, parse_logout_authorize_response};
pub use logout_redirect::{LogoutRedirect, parse_logout_redirect_response};
pub use options::ClientOptions;
pub use request::{AttemptTimeout, ExtraHeaders, RequestHook};
pub use response_error::{ApiError, FieldError, UnexpectedReason, UnexpectedResponse};
pub use retry::RetryPolicy;
pub use retry_after::RetryAfter;
#[cfg(not(target_family = "wasm"))]
pub use transport::StdEnvironment;
pub use transport::{AsyncTransport, Environment, SendTransport, SyncTransport};
