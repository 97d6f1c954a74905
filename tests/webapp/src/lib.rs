//! An example web application on axum that signs users in through (emulated) WorkOS SSO and
//! signs them out everywhere with the SDK — and the browser tests that prove it. It is the code
//! a user copies, so it does what real sign-in code must:
//!
//! - `GET /`: who is signed in (the app's own session cookie, `app_session`), with a "Sign out"
//!   button, or a "Sign in" link. Every value a page shows is HTML-escaped ([`escape_html`]).
//! - `GET /sign-in` → WorkOS SSO authorize → the IdP → `GET /callback?code&state`. The `state`
//!   is random, kept in a short-lived `HttpOnly` cookie, and checked at the callback before the
//!   code is exchanged (`POST /sso/token`): a callback this browser did not start (login CSRF)
//!   gets a `400` and no session.
//! - `POST /sign-out`: Logout Authorize through the SDK (`workos-sso-logout-hyper`), the app
//!   session ends, and the browser gets the SDK's `browser_redirect()`: a 303 to the logout URL
//!   (`Cache-Control: no-store`, `Referrer-Policy: no-referrer`), which ends the IdP session and
//!   comes back to `GET /signed-out`. A user on a connection WorkOS cannot sign out (SAML:
//!   `400 connection_invalid`) is signed out of the app and told that their identity provider
//!   session may still be active. The click waits at most [`AppConfig::sign_out_deadline`] for
//!   WorkOS (3 s, retries included); during an outage (a network failure, a 429 or 5xx, the
//!   deadline) the user is signed out of the app at once and told the same, with the wait WorkOS
//!   asked for and its request id.
//! - `POST /sign-out-local`: only the app session ends (what an app without single logout does:
//!   the next "Sign in" is silent, since the IdP still knows the browser).
//! - Both sign-out endpoints refuse a request another site made (`Origin` or `Sec-Fetch-Site` not
//!   this origin): `403`, nothing ended.
//! - `GET /logout`: the logout URI for IdP-initiated logout; it ends the app session.
//! - Sessions end after an idle time ([`AppConfig::session_idle`]), and the store holds at most
//!   [`AppConfig::max_sessions`].
//! - Error pages say what to do and show the WorkOS request id; the full error goes to the log
//!   (`tracing`, at `warn`), never into the page.
#![forbid(unsafe_code)]

/// The repository README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// The migration notes' examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../MIGRATING.md")]
struct MigratingDoctests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::FromRef;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use ring::rand::{SecureRandom, SystemRandom};
use workos_sso_logout::{
    ApiKey, AsyncClient, BaseUrl, ClientOptions, Config, Error, LogoutAuthorizeRequest, ProfileId,
    SendTransport,
};
use workos_sso_logout_hyper::{HyperTransport, TokioEnvironment};

/// The app's session cookie.
pub const SESSION_COOKIE: &str = "app_session";

/// The cookie that holds the `state` of a sign-in this browser started.
pub const STATE_COOKIE: &str = "app_sign_in_state";

/// How long a sign-in may take, from "Sign in" to the callback.
const STATE_LIFETIME: Duration = Duration::from_secs(600);

/// Where the app runs and which WorkOS (here, the emulator) it talks to.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The app's own base URL, e.g. `http://127.0.0.1:3000`, without a trailing slash: its
    /// origin, which the cross-site check compares `Origin` with ([`AppConfig::new`] trims it).
    pub app_base: String,
    /// The WorkOS base URL.
    pub workos_base: String,
    /// The WorkOS API key (server side only).
    pub api_key: String,
    /// The SSO client id.
    pub client_id: String,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// The most sessions kept; when full, the one idle longest ends.
    pub max_sessions: usize,
    /// The most a "Sign out" click waits for WorkOS, retries included (the SDK's deadline for
    /// that one call; the client's default is 10 s).
    pub sign_out_deadline: Duration,
}

impl AppConfig {
    /// A configuration with sessions that end after 30 idle minutes, at most 10 000 of them, and
    /// a sign-out that waits at most 3 s for WorkOS.
    pub fn new(app_base: &str, workos_base: &str, api_key: &str, client_id: &str) -> Self {
        Self {
            app_base: app_base.trim_end_matches('/').to_owned(),
            workos_base: workos_base.to_owned(),
            api_key: api_key.to_owned(),
            client_id: client_id.to_owned(),
            session_idle: Duration::from_secs(30 * 60),
            max_sessions: 10_000,
            sign_out_deadline: Duration::from_secs(3),
        }
    }
}

/// One signed-in browser.
struct Session {
    profile: String,
    last_seen: Instant,
}

/// The app's sessions, bounded in time and number. Cloning shares the store.
#[derive(Clone)]
pub struct Sessions {
    map: Arc<Mutex<HashMap<String, Session>>>,
    idle: Duration,
    max: usize,
}

impl Sessions {
    fn new(idle: Duration, max: usize) -> Self {
        Self {
            map: Arc::default(),
            idle,
            max: max.max(1),
        }
    }

    /// The store with its expired sessions removed.
    fn live(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let idle = self.idle;
        map.retain(|_, s| s.last_seen.elapsed() < idle);
        map
    }

    /// How many sessions are live.
    pub fn len(&self) -> usize {
        self.live().len()
    }

    /// Whether no session is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts a session for `profile`; its id.
    fn start(&self, id: String, profile: String) {
        let mut map = self.live();
        while map.len() >= self.max {
            let oldest = map.iter().min_by_key(|(_, s)| s.last_seen);
            let Some(oldest) = oldest.map(|(id, _)| id.clone()) else {
                break;
            };
            map.remove(&oldest);
        }
        let last_seen = Instant::now();
        map.insert(id, Session { profile, last_seen });
    }

    /// The profile signed in with session `id`, which counts as a use.
    fn profile(&self, id: &str) -> Option<String> {
        let mut map = self.live();
        let session = map.get_mut(id)?;
        session.last_seen = Instant::now();
        Some(session.profile.clone())
    }

    fn end(&self, id: &str) {
        self.live().remove(id);
    }
}

struct AppState {
    config: AppConfig,
    sessions: Sessions,
    http: HttpClient<HttpConnector, Full<Bytes>>,
    random: SystemRandom,
}

/// The app's WorkOS client, over any transport that is `Send` (the hyper adapter in production,
/// `MockTransport` in the handler tests).
pub type Workos<T> = AsyncClient<T, TokioEnvironment>;

/// The router's state: what the handlers share, and the WorkOS client, which only the sign-out
/// handler (generic over its transport) takes.
struct Shared<T> {
    app: Arc<AppState>,
    workos: Arc<Workos<T>>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self {
            app: self.app.clone(),
            workos: self.workos.clone(),
        }
    }
}

impl<T> FromRef<Shared<T>> for Arc<AppState> {
    fn from_ref(shared: &Shared<T>) -> Self {
        shared.app.clone()
    }
}

impl<T> FromRef<Shared<T>> for Arc<Workos<T>> {
    fn from_ref(shared: &Shared<T>) -> Self {
        shared.workos.clone()
    }
}

/// The application's routes, ready to serve, and a handle on its sessions: WorkOS through the
/// hyper adapter.
pub fn app(config: AppConfig) -> Result<(Router, Sessions), Error> {
    let options = ClientOptions::default();
    let transport = HyperTransport::new(&options)?;
    app_with_transport(config, options, transport)
}

/// The application's routes over any `Send` transport (the handler tests use `MockTransport`).
pub fn app_with_transport<T: SendTransport + 'static>(
    config: AppConfig,
    options: ClientOptions,
    transport: T,
) -> Result<(Router, Sessions), Error> {
    let sdk_config = Config::new(ApiKey::new(config.api_key.clone())?)
        .with_base_url(BaseUrl::parse(&config.workos_base)?);
    let sessions = Sessions::new(config.session_idle, config.max_sessions);
    let workos = Workos::with_transport_in(sdk_config, options, transport, TokioEnvironment);
    let app = Arc::new(AppState {
        http: HttpClient::builder(TokioExecutor::new()).build(HttpConnector::new()),
        sessions: sessions.clone(),
        random: SystemRandom::new(),
        config,
    });
    let router = Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in))
        .route("/callback", get(callback))
        .route("/sign-out", post(sign_out::<T>))
        .route("/sign-out-local", post(sign_out_local))
        .route("/signed-out", get(signed_out))
        .route("/logout", get(idp_logout))
        .with_state(Shared {
            app,
            workos: Arc::new(workos),
        });
    Ok((router, sessions))
}

/// The application's routes, ready to serve.
pub fn router(config: AppConfig) -> Result<Router, Error> {
    Ok(app(config)?.0)
}

/// Serves the app on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, config: AppConfig) -> std::io::Result<()> {
    let app = router(config).map_err(std::io::Error::other)?;
    axum::serve(listener, app).await
}

/// `text` with the characters that mean something in HTML (`&`, `<`, `>`, `"`, `'`) written as
/// entities, so it shows as text, in an element or in a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page: `title` and `body` are markup the app wrote; anything else goes through
/// [`escape_html`] first.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body>{body}</body></html>\n"
    );
    let mut response = (status, Html(html)).into_response();
    // No script runs on these pages, whatever text ends up in them, and no other site frames
    // them (a "Sign out" button under someone else's page).
    let policy = HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}

/// An error page: what happened and what to do, in the app's words, and the WorkOS request id
/// (to quote to support) when there is one. The error itself goes to the log.
fn error_page(
    status: StatusCode,
    message: &str,
    error: &dyn std::fmt::Display,
    request_id: Option<&str>,
) -> Response {
    tracing::warn!(%error, "{message}");
    let reference = match request_id {
        Some(id) => format!(
            "<p>Reference: <code id=\"request-id\">{}</code></p>",
            escape_html(id)
        ),
        None => String::new(),
    };
    let body = format!(
        "<h1 id=\"error\">Something went wrong</h1><p id=\"message\">{}</p>{reference}\
         <p><a href=\"/\">Home</a></p>",
        escape_html(message)
    );
    page(status, "Error", &body)
}

/// A cookie's value.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// 128 bits from the system's secure random source, as hex.
fn random_hex(random: &SystemRandom) -> Option<String> {
    let mut bytes = [0u8; 16];
    random.fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

fn signed_in_as(state: &AppState, headers: &HeaderMap) -> Option<String> {
    state.sessions.profile(&cookie(headers, SESSION_COOKIE)?)
}

/// Ends the app session the browser holds; the header that clears its cookie.
fn end_app_session(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    if let Some(id) = cookie(headers, SESSION_COOKIE) {
        state.sessions.end(&id);
    }
    HeaderValue::from_static("app_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

/// Whether a state-changing request comes from the app's own pages. Browsers say where a request
/// comes from (`Sec-Fetch-Site`, `Origin`); a page on another origin — another port of the same
/// host included, which `SameSite=Lax` cookies do not stop — is refused. A client that sends
/// neither header is not a browser a forged page could drive.
fn from_this_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site");
    let origin = headers.get(header::ORIGIN);
    site.is_none_or(|site| site == "same-origin")
        && origin.is_none_or(|origin| origin.as_bytes() == state.config.app_base.as_bytes())
}

fn forbidden() -> Response {
    let body = "<h1 id=\"forbidden\">Not allowed</h1><p>This request did not come from this \
                site's own pages, so nothing was done.</p><p><a href=\"/\">Home</a></p>";
    page(StatusCode::FORBIDDEN, "Not allowed", body)
}

/// A redirect that also sets or clears a cookie.
fn redirect_with_cookie(to: &str, cookie: HeaderValue) -> Response {
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match signed_in_as(&state, &headers) {
        Some(profile) => page(
            StatusCode::OK,
            "Signed in",
            &format!(
                "<h1 id=\"signed-in\">Signed in as <span id=\"profile\">{}</span></h1>\
                 <form method=\"post\" action=\"/sign-out\"><button id=\"sign-out\">Sign out</button></form>\
                 <form method=\"post\" action=\"/sign-out-local\">\
                 <button id=\"sign-out-local\">Sign out of this app only</button></form>",
                escape_html(&profile)
            ),
        ),
        None => page(
            StatusCode::OK,
            "Welcome",
            "<h1 id=\"anonymous\">Not signed in</h1><p><a id=\"sign-in\" href=\"/sign-in\">Sign in</a></p>",
        ),
    }
}

async fn sign_in(State(state): State<Arc<AppState>>) -> Response {
    let config = &state.config;
    let Some(sign_in_state) = random_hex(&state.random) else {
        let error = "the system's random source failed";
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Please try again.",
            &error,
            None,
        );
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &format!("{}/callback", config.app_base))
        .append_pair("response_type", "code")
        .append_pair("state", &sign_in_state)
        .finish();
    let cookie = format!(
        "{STATE_COOKIE}={sign_in_state}; Path=/callback; Max-Age={}; HttpOnly; SameSite=Lax",
        STATE_LIFETIME.as_secs()
    );
    match HeaderValue::from_str(&cookie) {
        Ok(cookie) => redirect_with_cookie(
            &format!("{}/sso/authorize?{query}", config.workos_base),
            cookie,
        ),
        Err(error) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Please try again.",
            &error,
            None,
        ),
    }
}

#[derive(serde::Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
}

#[derive(serde::Deserialize)]
struct Profile {
    id: String,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    profile: Profile,
}

/// The code, exchanged for the profile (the SDK's scope is logout; this is the app's own call).
/// The error is for the log, never for a page.
async fn exchange(state: &AppState, code: &str) -> Result<String, String> {
    let config = &state.config;
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &config.client_id)
        .append_pair("client_secret", &config.api_key)
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .finish();
    let request = axum::http::Request::post(format!("{}/sso/token", config.workos_base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form)))
        .map_err(|e| e.to_string())?;
    let response = state
        .http
        .request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = http_body_util::Limited::new(response.into_body(), 64 * 1024)
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("the code exchange answered HTTP {status}"));
    }
    let answer: TokenAnswer =
        serde_json::from_slice(&body.to_bytes()).map_err(|e| e.to_string())?;
    Ok(answer.profile.id)
}

async fn callback(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Response {
    // The sign-in this browser started, once: the state cookie is cleared whatever happens.
    let clear_state = HeaderValue::from_static(
        "app_sign_in_state=; Path=/callback; Max-Age=0; HttpOnly; SameSite=Lax",
    );
    let expected = cookie(&headers, STATE_COOKIE);
    let started_here = match (&expected, &callback.state) {
        (Some(expected), Some(given)) => same_secret(expected, given),
        _ => false,
    };
    let mut response = match (started_here, &callback.code) {
        (false, _) => {
            let error = "a callback whose state is missing or not the one this browser holds";
            let message = "This sign-in did not start in this browser, or took too long. Please sign in again.";
            error_page(StatusCode::BAD_REQUEST, message, &error, None)
        }
        (true, None) => {
            let error = "a callback without a code";
            error_page(
                StatusCode::BAD_REQUEST,
                "The sign-in was not completed. Please sign in again.",
                &error,
                None,
            )
        }
        (true, Some(code)) => match exchange(&state, code).await {
            Ok(profile) => match random_hex(&state.random) {
                Some(id) => {
                    state.sessions.start(id.clone(), profile);
                    let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
                    match HeaderValue::from_str(&cookie) {
                        Ok(cookie) => redirect_with_cookie("/", cookie),
                        Err(error) => error_page(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "Please try again.",
                            &error,
                            None,
                        ),
                    }
                }
                None => {
                    let error = "the system's random source failed";
                    error_page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Please try again.",
                        &error,
                        None,
                    )
                }
            },
            Err(error) => error_page(
                StatusCode::BAD_GATEWAY,
                "We could not complete your sign-in. Please try again.",
                &error,
                None,
            ),
        },
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_state);
    response
}

/// Sign out everywhere: Logout Authorize, end the app session, send the browser to WorkOS.
async fn sign_out<T: SendTransport>(
    State(state): State<Arc<AppState>>,
    State(workos): State<Arc<Workos<T>>>,
    headers: HeaderMap,
) -> Response {
    if !from_this_origin(&state, &headers) {
        return forbidden();
    }
    let Some(profile) = signed_in_as(&state, &headers) else {
        return Redirect::to("/").into_response();
    };
    // A click: the call gets a deadline of its own, shorter than the client's.
    let call = ProfileId::new(profile)
        .map_err(Error::from)
        .and_then(|profile| workos.authorize_call(&LogoutAuthorizeRequest::new(profile)))
        .and_then(|call| Ok(call.with_deadline(state.config.sign_out_deadline)?));
    let authorized = match call {
        Ok(call) => workos.run(call).await,
        Err(e) => Err(e),
    };
    let redirect = authorized.map(|logout| logout.browser_redirect());
    // The app session ends whatever WorkOS answered: the user asked to leave.
    let clear = end_app_session(&state, &headers);
    let mut response = match redirect {
        Ok(redirect) => redirect.map(axum::body::Body::from).into_response(),
        // A connection WorkOS cannot sign out (SAML): signed out of the app, and told so.
        Err(e) if e.as_api().and_then(|api| api.code.as_deref()) == Some("connection_invalid") => {
            tracing::info!(error = %e, "single logout is not supported for this user's connection");
            Redirect::to("/signed-out?single_logout=unsupported").into_response()
        }
        // WorkOS is down, overloaded or unreachable within the click's deadline: signed out of
        // the app at once, and told the IdP session may live on.
        Err(e) if is_outage(&e) => outage_page(&e),
        Err(e) => error_page(
            StatusCode::BAD_GATEWAY,
            "You are signed out of this app, but we could not sign you out of your identity \
             provider. Close your browser to end that session.",
            &e,
            e.request_id(),
        ),
    };
    response.headers_mut().append(header::SET_COOKIE, clear);
    response
}

/// Whether `error` means WorkOS could not be reached or could not answer in time (a failure of
/// the network, a 429 or a 5xx, or the deadline), rather than a request it refused.
fn is_outage(error: &Error) -> bool {
    match error {
        Error::InvalidInput(_) => false,
        e => e.status().is_none_or(|status| {
            status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
        }),
    }
}

/// Signed out of the app during a WorkOS outage: the IdP session may still be active.
fn outage_page(error: &Error) -> Response {
    tracing::warn!(%error, "single logout failed: WorkOS unavailable");
    let retry = match error.retry_in() {
        Some(wait) => format!(
            " WorkOS asked to wait <span id=\"retry-in\">{}</span> s: sign in and out again after that, or",
            wait.as_secs()
        ),
        None => " Try signing in and out again in a moment, or".to_owned(),
    };
    let reference = match error.request_id() {
        Some(id) => format!(
            "<p>Reference: <code id=\"request-id\">{}</code></p>",
            escape_html(id)
        ),
        None => String::new(),
    };
    let body = format!(
        "<h1 id=\"signed-out-app-only\">You are signed out of this app</h1>\
         <p id=\"idp-session\">We could not reach WorkOS to sign you out of your identity \
         provider, so your session there may still be active.{retry} close your browser.</p>\
         {reference}<p><a id=\"home\" href=\"/\">Home</a></p>"
    );
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Signed out of this app",
        &body,
    )
}

/// Sign out of this app only (the control case: the IdP session lives on).
async fn sign_out_local(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !from_this_origin(&state, &headers) {
        return forbidden();
    }
    redirect_with_cookie("/", end_app_session(&state, &headers))
}

#[derive(serde::Deserialize)]
struct SignedOut {
    single_logout: Option<String>,
}

async fn signed_out(Query(query): Query<SignedOut>) -> Response {
    let body = match query.single_logout.as_deref() {
        Some("unsupported") => {
            "<h1 id=\"signed-out-app-only\">You are signed out of this app</h1>\
             <p id=\"idp-session\">Your identity provider does not support signing out from here, \
             so your session there may still be active: sign out there too, or close your \
             browser.</p><p><a id=\"home\" href=\"/\">Home</a></p>"
        }
        _ => {
            "<h1 id=\"signed-out\">You are signed out</h1><p><a id=\"home\" href=\"/\">Home</a></p>"
        }
    };
    page(StatusCode::OK, "Signed out", body)
}

/// The logout URI WorkOS sends the browser to after a sign-out started at the IdP.
async fn idp_logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    redirect_with_cookie("/signed-out", end_app_session(&state, &headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_shown_as_text() {
        assert_eq!(
            escape_html(r#"<img src=x onerror="alert('1')">&"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn the_store_is_bounded_and_forgets_idle_sessions() {
        let sessions = Sessions::new(Duration::from_secs(60), 3);
        for n in 0..5 {
            sessions.start(format!("s{n}"), format!("prof_{n}"));
        }
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.profile("s0"), None, "the oldest went first");
        assert_eq!(sessions.profile("s4").as_deref(), Some("prof_4"));
        let idle = Sessions::new(Duration::from_millis(20), 3);
        idle.start("s".into(), "prof".into());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(idle.profile("s"), None);
        assert!(idle.is_empty());
    }

    use tower::ServiceExt as _;
    use workos_sso_logout::test_util::MockTransport;

    const LOGOUT: &str =
        r#"{"logout_url":"https://auth.workos.com/sso/logout?token=tok_1","logout_token":"tok_1"}"#;

    /// The app over `mock`, with one session for `prof_1`, and a same-origin "Sign out" click.
    fn signed_in(
        mock: &MockTransport,
    ) -> (Router, Sessions, axum::http::Request<axum::body::Body>) {
        let config = AppConfig::new(
            "http://app.test",
            "https://auth.workos.com",
            "sk_test_123",
            "client_1",
        );
        let (router, sessions) =
            app_with_transport(config, ClientOptions::default(), mock.clone()).unwrap();
        sessions.start("sess_1".into(), "prof_1".into());
        let click = axum::http::Request::post("/sign-out")
            .header("origin", "http://app.test")
            .header("cookie", format!("{SESSION_COOKIE}=sess_1"))
            .body(axum::body::Body::empty())
            .unwrap();
        (router, sessions, click)
    }

    async fn text(response: Response) -> String {
        let body = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8_lossy(&body).into_owned()
    }

    #[tokio::test]
    async fn sign_out_sends_the_browser_to_the_logout_url() {
        let mock = MockTransport::new();
        mock.push_json(200, LOGOUT);
        let (router, sessions, click) = signed_in(&mock);
        let response = router.oneshot(click).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "https://auth.workos.com/sso/logout?token=tok_1"
        );
        let sent = mock.requests();
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].uri(),
            "https://auth.workos.com/sso/logout/authorize"
        );
        assert_eq!(sent[0].body(), br#"{"profile_id":"prof_1"}"#);
        assert_eq!(sessions.len(), 0, "the app session ended");
    }

    #[tokio::test]
    async fn during_an_outage_sign_out_ends_the_session_and_says_the_idp_may_not_have() {
        let mock = MockTransport::new();
        let busy = axum::http::Response::builder()
            .status(503)
            .header("retry-after", "30")
            .header("x-request-id", "req_busy")
            .body(br#"{"message":"Service Unavailable"}"#.to_vec())
            .unwrap();
        mock.push_response(busy);
        let (router, sessions, click) = signed_in(&mock);
        let response = router.oneshot(click).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let page = text(response).await;
        assert!(page.contains("may still be active"), "{page}");
        assert!(page.contains("<span id=\"retry-in\">30</span>"), "{page}");
        assert!(page.contains("req_busy"), "{page}");
        assert_eq!(mock.requests().len(), 1, "no 30 s wait was started");
        assert_eq!(sessions.len(), 0);
    }

    #[tokio::test]
    async fn a_cross_site_click_signs_nobody_out_and_calls_nothing() {
        let mock = MockTransport::new();
        let (router, sessions, mut click) = signed_in(&mock);
        click
            .headers_mut()
            .insert("origin", HeaderValue::from_static("https://evil.example"));
        let response = router.oneshot(click).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(mock.requests().is_empty());
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
