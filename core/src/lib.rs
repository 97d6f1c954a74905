//! A Sans-IO client core for [WorkOS SSO Logout](https://workos.com/docs/reference/sso/logout)
//! (RP-initiated single logout).
//!
//! It builds [`http::Request`] values and parses [`http::Response`] values for both endpoints;
//! you send them with any HTTP stack (or use the `workos-sso-logout-ureq` and
//! `workos-sso-logout-hyper` adapters, which do it for you).
//!
//! # In scope
//! - **Logout Authorize**, `POST {base}/sso/logout/authorize`: [`Config::logout_authorize_request`]
//!   and [`parse_logout_authorize_response`] → a [`LogoutAuthorization`] (logout URL and token).
//! - **Logout Redirect**, `GET {base}/sso/logout?token=…`: [`Config::logout_redirect_url`] (the URL
//!   a browser is sent to), [`Config::logout_redirect_request`] and
//!   [`parse_logout_redirect_response`] → a [`LogoutRedirect`].
//! - Validation of every input at construction ([`ApiKey`], [`BaseUrl`], [`ProfileId`],
//!   [`LogoutToken`], [`IdempotencyKey`]), before any IO.
//! - Errors for both WorkOS error shapes with the request id and `Retry-After` ([`Error`]).
//! - Pure retry decisions ([`RetryPolicy`]) and a state machine driving one call through its
//!   attempts ([`Call`]).
//! - The [`SyncTransport`] / [`AsyncTransport`] traits any HTTP stack (or a closure) implements.
//!
//! # Out of scope
//! - Sockets, TLS, DNS, timeouts and sleeping: the transport's job.
//! - The clock and randomness: `now` and random numbers are arguments.
//! - Decoding the logout token: it is an opaque secret.
//! - The rest of the WorkOS API (SSO sign-in, Directory Sync, User Management…).
//!
//! # Secrets
//! [`ApiKey`] and [`LogoutToken`] redact themselves in `Debug` and have no `Display`; values that
//! carry a token in a URL ([`LogoutAuthorization`], [`LogoutRedirect`]) redact it in `Debug` too.
//! Reading a secret is an explicit `expose_secret()` call.
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
//! let auth = parse_logout_authorize_response(&response)?;
//! assert_eq!(auth.logout_url().as_str(), "https://auth.workos.com/sso/logout?token=tok");
//! assert!(!format!("{auth:?}").contains("tok\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod authorize;
mod config;
mod error;
mod options;
mod redirect;
mod response;
mod retry;
mod retry_after;
mod secret;
mod transport;

pub use http;
pub use url;

pub use authorize::{
    AUTHORIZE_PATH, LogoutAuthorization, LogoutAuthorizeRequest, parse_logout_authorize_response,
};
pub use config::{
    BaseUrl, Config, DEFAULT_BASE_URL, IdempotencyKey, MAX_IDEMPOTENCY_KEY_LEN, MAX_PROFILE_ID_LEN,
    ProfileId, USER_AGENT,
};
pub use error::{
    ApiError, Error, FieldError, InvalidInput, MAX_EXCERPT_LEN, TransportError, UnexpectedReason,
    UnexpectedResponse,
};
pub use options::{
    ClientOptions, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT,
};
pub use redirect::{
    LogoutRedirect, REDIRECT_PATH, parse_logout_redirect_response, redirect_request,
};
pub use response::error_from_response;
pub use retry::{
    AuthorizeParser, Call, FailureKind, MAX_ATTEMPTS_LIMIT, Outcome, ParseResponse, RedirectParser,
    RetryDecision, RetryPolicy, Step, std_random,
};
pub use retry_after::{RetryAfter, parse_http_date};
pub use secret::{ApiKey, LogoutToken, MAX_API_KEY_LEN, MAX_TOKEN_LEN, redact_url};
pub use transport::{AsyncTransport, SyncTransport};
