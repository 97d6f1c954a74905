//! An example web application on axum that signs users in through (emulated) WorkOS SSO and
//! signs them out everywhere with the SDK — and the browser tests that prove it.
//!
//! - `GET /`: who is signed in (the app's own session cookie, `app_session`), with a "Sign out"
//!   button, or a "Sign in" link.
//! - `GET /sign-in` → WorkOS SSO authorize → the IdP → `GET /callback?code`, where the code is
//!   exchanged for the profile (`POST /sso/token`) and the app session starts.
//! - `POST /sign-out`: Logout Authorize through the SDK (`workos-sso-logout-hyper`), the app
//!   session ends, and the browser gets the SDK's `browser_redirect()`: a 303 to the logout URL
//!   (`Cache-Control: no-store`, `Referrer-Policy: no-referrer`), which ends the IdP session and
//!   comes back to `GET /signed-out`.
//! - `POST /sign-out-local`: only the app session ends (what an app without single logout does:
//!   the next "Sign in" is silent, since the IdP still knows the browser).
//! - `GET /logout`: the logout URI for IdP-initiated logout; it ends the app session.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use workos_sso_logout::{ApiKey, BaseUrl, Config, Environment, ProfileId, StdEnvironment};

/// The app's session cookie.
pub const SESSION_COOKIE: &str = "app_session";

/// Where the app runs and which WorkOS (here, the emulator) it talks to.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The app's own base URL, e.g. `http://127.0.0.1:3000`.
    pub app_base: String,
    /// The WorkOS base URL.
    pub workos_base: String,
    /// The WorkOS API key (server side only).
    pub api_key: String,
    /// The SSO client id.
    pub client_id: String,
}

struct AppState {
    config: AppConfig,
    sessions: Mutex<HashMap<String, String>>,
    workos: workos_sso_logout_hyper::Client,
    http: HttpClient<HttpConnector, Full<Bytes>>,
}

/// The application's routes, ready to serve.
pub fn router(config: AppConfig) -> Result<Router, workos_sso_logout::Error> {
    let sdk_config = Config::new(ApiKey::new(config.api_key.clone())?)
        .with_base_url(BaseUrl::parse(&config.workos_base)?);
    let state = Arc::new(AppState {
        workos: workos_sso_logout_hyper::Client::new(sdk_config)?,
        http: HttpClient::builder(TokioExecutor::new()).build(HttpConnector::new()),
        sessions: Mutex::new(HashMap::new()),
        config,
    });
    Ok(Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in))
        .route("/callback", get(callback))
        .route("/sign-out", post(sign_out))
        .route("/sign-out-local", post(sign_out_local))
        .route("/signed-out", get(signed_out))
        .route("/logout", get(idp_logout))
        .with_state(state))
}

/// Serves the app on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, config: AppConfig) -> std::io::Result<()> {
    let app = router(config).map_err(std::io::Error::other)?;
    axum::serve(listener, app).await
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>{body}</body></html>\n"
    ))
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn signed_in_as(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let id = session_id(headers)?;
    let sessions = state.sessions.lock().unwrap_or_else(|p| p.into_inner());
    sessions.get(&id).cloned()
}

/// Ends the app session the browser holds; the header that clears its cookie.
fn end_app_session(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    if let Some(id) = session_id(headers) {
        let mut sessions = state.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions.remove(&id);
    }
    HeaderValue::from_static("app_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

fn error_page(status: StatusCode, what: &str) -> Response {
    let body = format!(
        "<h1 id=\"error\">Something went wrong</h1><p>{what}</p><p><a href=\"/\">Home</a></p>"
    );
    (status, page("Error", &body)).into_response()
}

async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Html<String> {
    match signed_in_as(&state, &headers) {
        Some(profile) => page(
            "Signed in",
            &format!(
                "<h1 id=\"signed-in\">Signed in as <span id=\"profile\">{profile}</span></h1>\
                 <form method=\"post\" action=\"/sign-out\"><button id=\"sign-out\">Sign out</button></form>\
                 <form method=\"post\" action=\"/sign-out-local\">\
                 <button id=\"sign-out-local\">Sign out of this app only</button></form>"
            ),
        ),
        None => page(
            "Welcome",
            "<h1 id=\"anonymous\">Not signed in</h1><p><a id=\"sign-in\" href=\"/sign-in\">Sign in</a></p>",
        ),
    }
}

async fn sign_in(State(state): State<Arc<AppState>>) -> Redirect {
    let config = &state.config;
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &format!("{}/callback", config.app_base))
        .append_pair("response_type", "code")
        .append_pair("state", &format!("{:x}", StdEnvironment.random()))
        .finish();
    Redirect::to(&format!("{}/sso/authorize?{query}", config.workos_base))
}

#[derive(serde::Deserialize)]
struct Callback {
    code: String,
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
    let body = response
        .into_body()
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
    Query(callback): Query<Callback>,
) -> Response {
    let profile = match exchange(&state, &callback.code).await {
        Ok(profile) => profile,
        Err(e) => return error_page(StatusCode::BAD_GATEWAY, &e),
    };
    let id = format!("{:032x}", StdEnvironment.random());
    state
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id.clone(), profile);
    let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Sign out everywhere: Logout Authorize, end the app session, send the browser to WorkOS.
async fn sign_out(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let Some(profile) = signed_in_as(&state, &headers) else {
        return Redirect::to("/").into_response();
    };
    let authorized = match ProfileId::new(profile) {
        Ok(profile) => state.workos.authorize_logout(&profile).await,
        Err(e) => Err(e.into()),
    };
    // The SDK's errors are one line, with no secret in them: fit to show.
    let redirect = authorized.and_then(|logout| logout.browser_redirect());
    let clear = end_app_session(&state, &headers);
    match redirect {
        Ok(redirect) => {
            let mut response = redirect.map(axum::body::Body::from).into_response();
            response.headers_mut().append(header::SET_COOKIE, clear);
            response
        }
        Err(e) => error_page(StatusCode::BAD_GATEWAY, &e.to_string()),
    }
}

/// Sign out of this app only (the control case: the IdP session lives on).
async fn sign_out_local(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let clear = end_app_session(&state, &headers);
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, clear);
    response
}

async fn signed_out() -> Html<String> {
    page(
        "Signed out",
        "<h1 id=\"signed-out\">You are signed out</h1><p><a id=\"home\" href=\"/\">Home</a></p>",
    )
}

/// The logout URI WorkOS sends the browser to after a sign-out started at the IdP.
async fn idp_logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let clear = end_app_session(&state, &headers);
    let mut response = Redirect::to("/signed-out").into_response();
    response.headers_mut().append(header::SET_COOKIE, clear);
    response
}
