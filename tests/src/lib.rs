//! A local WorkOS SSO Logout emulator for tests, with fault injection.
//!
//! [`start`] runs a real HTTP/1.1 server on `127.0.0.1` and a free port, on its own thread, so it
//! works from blocking and async tests alike. It behaves like WorkOS for the two logout endpoints:
//!
//! - `POST /sso/logout/authorize` checks `Authorization: Bearer <key>` (401 otherwise), reads
//!   `{"profile_id": …}` (400 for a body that is not a JSON object, 422 without a `profile_id`),
//!   answers 404 for an unknown profile, `400 {"error":"connection_invalid",…}` for a profile on a
//!   SAML connection, and otherwise `200 {"logout_url", "logout_token"}`; the token is an HS256 JWT
//!   with `profile_id`, `iat`, `exp` (60 s by default) and a unique `jti`.
//! - `GET /sso/logout?token=…` answers `400 {"error":"invalid_token",…}` for a missing, malformed,
//!   badly signed, expired or already used token, and otherwise `302` to the emulated identity
//!   provider's end-session endpoint (`/idp/end_session`), which `302`s to the post-logout URL
//!   (by default the built-in `/signed-out` page).
//! - Every response carries a unique `X-Request-ID`; every request (but admin ones) is recorded.
//!
//! Seeded: the API key [`DEFAULT_API_KEY`], the OIDC profile [`OIDC_PROFILE_ID`] and the SAML
//! profile [`SAML_PROFILE_ID`]; add more with [`Emulator::add_profile`].
//!
//! # In your own tests
//! ```
//! use workos_sso_logout_testkit::{Fault, Route, start};
//!
//! let emulator = start()?;
//! println!("emulator at {}", emulator.base_url());
//! // Point your client at `emulator.base_url()` with `emulator.api_key()`, then assert on what
//! // it sent:
//! emulator.push_fault(Route::Authorize, Fault::rate_limited_seconds(1));
//! assert!(emulator.requests().is_empty());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Faults
//! [`Emulator::push_fault`] queues a [`Fault`] for the next request to a [`Route`]: a status with
//! any body and headers (429 with `Retry-After`, 5xx…), a delay before the head, a head then a
//! stalled body, a closed connection, a truncated body, an oversized body, an HTML error page, a
//! redirect. Time is controllable with [`Emulator::advance_clock`], so expiry is tested without
//! waiting.
//!
//! # Admin endpoints (for black-box use, e.g. the standalone `workos-logout emulator`)
//! Under the reserved prefix `/__emulator/`, unauthenticated, never recorded:
//!
//! | request | effect |
//! |---|---|
//! | `GET /__emulator/info` | base URL and profiles |
//! | `POST /__emulator/faults` `{"route":"authorize","fault":{"kind":"status","status":503}}` | queue a fault (`route`: `authorize`, `logout`, `end_session`; `fault` as [`Fault`] in JSON) |
//! | `DELETE /__emulator/faults` | drop queued faults |
//! | `GET /__emulator/requests` | the recorded requests, as JSON |
//! | `DELETE /__emulator/requests` | forget them |
//! | `POST /__emulator/profiles` `{"id":"prof_x","connection":"oidc"}` | add a profile (`oidc` or `saml`) |
//! | `POST /__emulator/clock` `{"advance_secs":120}` | move the clock forward |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The repository README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct TestkitReadmeDoctests;

pub mod emulator;
pub mod transports;

pub use emulator::{
    ADMIN_PREFIX, ConnectionKind, DEFAULT_API_KEY, Emulator, EmulatorBuilder, Fault,
    MAX_RECORDED_REQUESTS, OIDC_PROFILE_ID, RecordedRequest, Route, SAML_PROFILE_ID, start,
};
pub use transports::{AnyClient, Transport};
