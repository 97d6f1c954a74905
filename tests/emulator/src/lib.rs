//! A local WorkOS SSO Logout emulator for tests, with fault injection.
//!
//! Written from the WorkOS facts (the documentation and the OpenAPI spec), not from the
//! `workos-sso-logout` SDK: this crate depends on no crate of the SDK's workspace (Cargo enforces
//! it), so the SDK's end-to-end suite cross-checks two independent readings of the spec. Its
//! dependencies are an HTTP server (hyper, tokio), JSON, HMAC and base64 — nothing a user's test
//! suite would not already build.
//!
//! [`start`] runs a real HTTP/1.1 server on `127.0.0.1` and a free port, on its own thread, so it
//! works from blocking and async tests alike. It behaves like WorkOS for the two logout endpoints:
//!
//! - `POST /sso/logout/authorize` checks `Authorization: Bearer <key>` (401 otherwise), reads
//!   `{"profile_id": …}` (400 for a body that is not a JSON object, 422 without a `profile_id`),
//!   answers 404 for an unknown profile, `400 {"error":"connection_invalid",…}` for a profile on a
//!   SAML connection, and otherwise `200 {"logout_url", "logout_token"}`; the token is an HS256 JWT
//!   with `profile_id`, `iat`, `exp` (60 s by default) and a unique `jti`.
//! - `GET /sso/logout?token=…` answers `400 {"code":"invalid_logout_token","message":…}` (the
//!   `{"message","code"}` shape of WorkOS's API errors, and the code WorkOS's own open-source
//!   emulator answers with) for a missing, malformed,
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
//! use workos_sso_logout_emulator::{Fault, Route, start};
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
//! # Admin endpoints (for black-box use, e.g. `workos-logout emulator` from the `workos-logout` CLI)
//! Under the reserved prefix `/__emulator/`, never recorded. On a loopback host they are open;
//! on any other they require `X-Emulator-Admin-Token` (see [`EmulatorBuilder::admin_token`]): an
//! emulator must never be exposed beyond the machine and its tests, and `workos-logout emulator`
//! warns when bound elsewhere.
//!
//! | request | effect |
//! |---|---|
//! | `GET /__emulator/info` | base URL and profiles |
//! | `POST /__emulator/faults` `{"route":"authorize","fault":{"kind":"status","status":503}}` | queue a fault (`route`: `authorize`, `logout`, `end_session`; `fault` as [`Fault`] in JSON) |
//! | `DELETE /__emulator/faults` | drop queued faults |
//! | `GET /__emulator/requests?offset=0&limit=100` | a page of the recorded requests: `{"total", "offset", "requests": [{"method", "path_and_query", "headers", "body", "body_truncated"}]}`; `Authorization` shown as `[redacted]`, bodies as text (lossy UTF-8) cut at 4 KiB, at most 1000 a page |
//! | `DELETE /__emulator/requests` | forget them |
//! | `POST /__emulator/profiles` `{"id":"prof_x","connection":"oidc"}` | add a profile (`oidc` or `saml`) |
//! | `POST /__emulator/clock` `{"advance_secs":120}` | move the clock forward (400 beyond a hundred years) |
//!
//! # Signing in, and the IdP's own session
//! For web applications and browser tests the emulator also plays the identity provider and
//! WorkOS's SSO sign-in, with an IdP session cookie that lives until the IdP's end-session
//! endpoint (where Logout Redirect leads) clears it: while it lives, a new sign-in completes
//! silently. See the `idp` routes: `GET /sso/authorize`, `GET`/`POST /idp/sign-in`,
//! `POST /sso/token`, `GET /idp/end_session`, `GET /idp/sign-out` and the IdP-initiated
//! `GET /sso/oidc/idp-logout/{external_key}` (to [`EmulatorBuilder::idp_logout_redirect`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod body;
mod fault;
mod idp;
mod jwt;
mod server;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

pub use fault::{Fault, MAX_OVERSIZED_BODY, Route};
pub use idp::IDP_SESSION_COOKIE;

/// The API key the emulator accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "sk_test_emulator_0123456789";
/// The seeded profile on an OpenID Connect connection (logout supported).
pub const OIDC_PROFILE_ID: &str = "prof_01EMULATOROIDC0000000000";
/// The seeded profile on a SAML connection (logout not supported).
pub const SAML_PROFILE_ID: &str = "prof_01EMULATORSAML0000000000";
/// How many requests are kept on record; older ones are dropped first, so a long-running
/// standalone emulator does not grow without bound.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;
/// How far the clock may be moved forward in all: a hundred years (tokens expire long before).
pub const MAX_CLOCK_OFFSET: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
/// The path prefix of the admin endpoints.
pub const ADMIN_PREFIX: &str = "/__emulator/";

/// The kind of SSO connection a profile belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// A GenericOIDC connection whose IdP has an `end_session_endpoint`: logout works.
    Oidc,
    /// A SAML connection: logout answers `400 connection_invalid`.
    Saml,
}

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The path and query, as sent.
    pub path_and_query: String,
    /// Every header, in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body (at most 64 KiB are read).
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or_default()
    }

    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Settings for a new emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    host: IpAddr,
    port: u16,
    api_key: String,
    token_lifetime: Duration,
    post_logout_redirect: Option<String>,
    idle_timeout: Duration,
    admin_token: Option<String>,
    idp_logout_redirect: Option<String>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            api_key: DEFAULT_API_KEY.into(),
            token_lifetime: Duration::from_secs(60),
            post_logout_redirect: None,
            idle_timeout: Duration::from_secs(10),
            admin_token: None,
            idp_logout_redirect: None,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1`).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The accepted API key (default [`DEFAULT_API_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// How long logout tokens live (default 60 s).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Where the emulated IdP sends the browser after signing out (default: the emulator's own
    /// `/signed-out` page).
    pub fn post_logout_redirect(mut self, url: impl Into<String>) -> Self {
        self.post_logout_redirect = Some(url.into());
        self
    }

    /// The application's logout URI, where WorkOS's IdP-initiated logout route
    /// (`GET /sso/oidc/idp-logout/{external_key}`) sends the browser (default: the emulator's
    /// own `/signed-out` page).
    pub fn idp_logout_redirect(mut self, url: impl Into<String>) -> Self {
        self.idp_logout_redirect = Some(url.into());
        self
    }

    /// How long a connection may stay idle, or take to send a request head, before it is closed
    /// (default 10 s): a client that connects and says nothing cannot hold a connection for ever.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Requires `X-Emulator-Admin-Token: <token>` on the admin endpoints. On a loopback host they
    /// are open by default; on any other host a random token is made when none is set (read it
    /// with [`Emulator::admin_token`]), since `/__emulator/` can queue faults and read what
    /// clients sent.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// Binds the listener and starts serving on a background thread with its own runtime, so it
    /// works from blocking and async tests alike.
    pub fn start(self) -> std::io::Result<Emulator> {
        let listener = std::net::TcpListener::bind(SocketAddr::new(self.host, self.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let mut secret = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
            .map_err(|_| std::io::Error::other("no random source"))?;
        let admin_token = match (self.admin_token, self.host.is_loopback()) {
            (Some(token), _) => Some(token),
            (None, true) => None,
            (None, false) => Some(jwt::b64url_encode(&secret[6..24])),
        };
        let shared = Arc::new(Shared {
            idle_timeout: self.idle_timeout,
            admin_token,
            signer: jwt::Signer::new(&secret),
            request_id_prefix: jwt::b64url_encode(&secret[..6]),
            post_logout_redirect: self
                .post_logout_redirect
                .unwrap_or_else(|| format!("{base_url}/signed-out")),
            idp_logout_redirect: self
                .idp_logout_redirect
                .unwrap_or_else(|| format!("{base_url}/signed-out")),
            base_url: base_url.clone(),
            api_key: self.api_key.clone(),
            token_lifetime: self.token_lifetime,
            state: Mutex::new(State {
                profiles: HashMap::from([
                    (OIDC_PROFILE_ID.to_owned(), ConnectionKind::Oidc),
                    (SAML_PROFILE_ID.to_owned(), ConnectionKind::Saml),
                ]),
                ..State::default()
            }),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name(format!("workos-emulator-{}", addr.port()))
            .spawn({
                let shared = shared.clone();
                move || runtime.block_on(server::serve(listener, shared, stopped))
            })?;
        Ok(Emulator {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// Starts an emulator with the default settings on `127.0.0.1` and a free port.
pub fn start() -> std::io::Result<Emulator> {
    Emulator::builder().start()
}

/// A running emulator. Dropping it (or calling [`shutdown`](Self::shutdown)) stops the server and
/// closes every connection.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Settings for a new emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The base URL, `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The token the admin endpoints require, if any (always one on a non-loopback host).
    pub fn admin_token(&self) -> Option<&str> {
        self.shared.admin_token.as_deref()
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The accepted API key.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// The seeded OpenID Connect profile (logout works).
    pub fn oidc_profile_id(&self) -> &'static str {
        OIDC_PROFILE_ID
    }

    /// The seeded SAML profile (logout refused).
    pub fn saml_profile_id(&self) -> &'static str {
        SAML_PROFILE_ID
    }

    /// Every profile and its connection kind, sorted by id.
    pub fn profiles(&self) -> Vec<(String, ConnectionKind)> {
        let mut p: Vec<_> = self
            .shared
            .lock()
            .profiles
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        p.sort();
        p
    }

    /// Adds (or replaces) a profile.
    pub fn add_profile(&self, id: impl Into<String>, kind: ConnectionKind) {
        self.shared.add_profile(id.into(), kind);
    }

    /// Queues a fault for the next request to `route`; faults are used in order, one a request.
    pub fn push_fault(&self, route: Route, fault: Fault) {
        self.shared.push_fault(route, fault);
    }

    /// The requests received so far (admin requests excluded; the last
    /// [`MAX_RECORDED_REQUESTS`]), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.iter().cloned().collect()
    }

    /// The requests received on one route.
    pub fn requests_to(&self, route: Route) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| Route::of(r.path()) == Some(route))
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Moves the emulator's clock forward, to expire tokens without waiting (at most
    /// [`MAX_CLOCK_OFFSET`] in all).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.advance_clock(by);
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// What the server threads share with the handle.
pub(crate) struct Shared {
    idle_timeout: Duration,
    admin_token: Option<String>,
    base_url: String,
    api_key: String,
    token_lifetime: Duration,
    post_logout_redirect: String,
    idp_logout_redirect: String,
    signer: jwt::Signer,
    request_id_prefix: String,
    state: Mutex<State>,
}

#[derive(Default)]
pub(crate) struct State {
    profiles: HashMap<String, ConnectionKind>,
    faults: HashMap<Route, VecDeque<Fault>>,
    requests: VecDeque<RecordedRequest>,
    /// Used token ids and their expiry (Unix seconds); expired ones are pruned as it grows.
    used_tokens: HashMap<String, u64>,
    clock_offset: Duration,
    next_request_id: u64,
    next_token_id: u64,
    /// Live IdP sessions (the `emu_idp_session` cookie values), with the profile signed in.
    idp_sessions: HashMap<String, &'static str>,
    /// Sign-in codes not yet exchanged: their expiry (Unix seconds) and profile.
    codes: HashMap<String, (u64, &'static str)>,
}

impl Shared {
    /// The state; a poisoned lock (a panicking test thread) is recovered, not propagated.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    // What the handle and the admin endpoints both do, written once.

    fn add_profile(&self, id: String, kind: ConnectionKind) {
        self.lock().profiles.insert(id, kind);
    }

    fn push_fault(&self, route: Route, fault: Fault) {
        self.lock()
            .faults
            .entry(route)
            .or_default()
            .push_back(fault);
    }

    fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Moves the clock forward (by at most [`MAX_CLOCK_OFFSET`] in all); returns the new offset.
    fn advance_clock(&self, by: Duration) -> Duration {
        let mut state = self.lock();
        state.clock_offset = state.clock_offset.saturating_add(by).min(MAX_CLOCK_OFFSET);
        state.clock_offset
    }

    fn record(&self, request: RecordedRequest) {
        let mut state = self.lock();
        if state.requests.len() >= MAX_RECORDED_REQUESTS {
            state.requests.pop_front();
        }
        state.requests.push_back(request);
    }

    /// Marks a token id used; false if it already was. Expired ids are forgotten once many pile up.
    fn use_token(&self, jti: &str, exp: u64, now: u64) -> bool {
        let mut state = self.lock();
        if state.used_tokens.len() >= MAX_RECORDED_REQUESTS {
            state.used_tokens.retain(|_, e| *e > now);
        }
        state.used_tokens.insert(jti.to_owned(), exp).is_none()
    }

    /// 128 random bits as base64url, for session ids and codes.
    fn random_id(&self) -> String {
        let mut bytes = [0u8; 16];
        // The system source; should it fail, ids from the clock are still unique enough here.
        if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).is_err() {
            let nanos = self
                .now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            bytes = nanos.as_nanos().to_le_bytes();
        }
        jwt::b64url_encode(&bytes)
    }

    /// The emulator's clock, in Unix seconds.
    fn unix_now(&self) -> u64 {
        self.now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        now.checked_add(self.lock().clock_offset).unwrap_or(now)
    }
}
