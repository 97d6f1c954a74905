//! The emulated identity provider's sign-in and the SSO sign-in around it, so an application can
//! sign a user in the way a real one does — and a test can tell "signed out everywhere" from
//! "signed out of the application only":
//!
//! - `GET /sso/authorize?redirect_uri&state` (WorkOS's SSO authorize): with a live IdP session
//!   cookie it returns to `redirect_uri` at once with a `code` (a silent sign-in, as Entra ID and
//!   Okta do); without one it sends the browser to the IdP's sign-in form.
//! - `GET /idp/sign-in` shows that form, with a user on an OIDC connection and one on a SAML
//!   connection (whose logout WorkOS refuses); `POST /idp/sign-in` (`user=oidc` or `user=saml`)
//!   starts an IdP session (the cookie `emu_idp_session`) and returns to `redirect_uri` with a
//!   `code`.
//! - `POST /sso/token` (form: `client_secret` = the API key, `code`) exchanges a code, once, for
//!   `{"access_token", "profile"}`.
//! - `GET /idp/end_session` (where Logout Redirect sends the browser) ends the IdP session, clears
//!   the cookie, and returns to the post-logout URL.
//! - `GET /idp/sign-out` is a sign-out started at the IdP: it ends the session and sends the
//!   browser to `GET /sso/oidc/idp-logout/emulator`, WorkOS's IdP-initiated logout route, which
//!   sends it to the application's logout URI.

use hyper::header::{HeaderValue, SET_COOKIE};
use hyper::{Method, StatusCode};
use serde_json::json;

use super::server::{Reply, html_reply, json_reply, redirect_reply};
use super::{OIDC_PROFILE_ID, SAML_PROFILE_ID, Shared};

/// The IdP session cookie's name.
pub const IDP_SESSION_COOKIE: &str = "emu_idp_session";

/// How long a sign-in code may wait to be exchanged.
const CODE_LIFETIME_SECS: u64 = 60;

/// The routes of the IdP and the SSO sign-in; `None` for any other path.
pub(crate) fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    headers: &hyper::HeaderMap,
    query: &str,
    body: &[u8],
) -> Option<Reply> {
    let reply = match (method, path) {
        (&Method::GET, "/sso/authorize") => authorize(shared, headers, query),
        (&Method::GET, "/idp/sign-in") => sign_in_form(query),
        (&Method::POST, "/idp/sign-in") => sign_in(shared, body),
        (&Method::POST, "/sso/token") => token(shared, body),
        (&Method::GET, "/idp/sign-out") => {
            end_session(shared, headers, "/sso/oidc/idp-logout/emulator")
        }
        (&Method::GET, p) if p.starts_with("/sso/oidc/idp-logout/") => {
            redirect_reply(StatusCode::FOUND, &shared.idp_logout_redirect)
        }
        _ => return None,
    };
    Some(reply)
}

/// Ends the IdP session the browser holds, clears its cookie, and sends it to `location`.
pub(crate) fn end_session(shared: &Shared, headers: &hyper::HeaderMap, location: &str) -> Reply {
    if let Some(session) = session_cookie(headers) {
        shared.lock().idp_sessions.remove(&session);
    }
    let mut reply = redirect_reply(StatusCode::FOUND, location);
    let clear = format!("{IDP_SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&clear) {
        reply.headers_mut().append(SET_COOKIE, value);
    }
    reply
}

fn param(query: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(query)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn session_cookie(headers: &hyper::HeaderMap) -> Option<String> {
    headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == IDP_SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// `redirect_uri`, which must be an absolute `http(s)` URL: the code goes there.
fn redirect_uri(query: &[u8]) -> Option<String> {
    param(query, "redirect_uri").filter(|u| u.starts_with("http://") || u.starts_with("https://"))
}

fn no_redirect_uri() -> Reply {
    json_reply(
        StatusCode::BAD_REQUEST,
        json!({"error": "invalid_request", "error_description": "redirect_uri is required"}),
    )
}

/// Back to the application with a fresh single-use code.
fn with_code(
    shared: &Shared,
    redirect_uri: &str,
    state: Option<String>,
    profile: &'static str,
) -> Reply {
    let code = shared.random_id();
    let expiry = shared.unix_now() + CODE_LIFETIME_SECS;
    {
        let mut state = shared.lock();
        if state.codes.len() >= 10_000 {
            state.codes.clear();
        }
        state.codes.insert(code.clone(), (expiry, profile));
    }
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    pairs.append_pair("code", &code);
    if let Some(state) = &state {
        pairs.append_pair("state", state);
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{separator}{}", pairs.finish());
    redirect_reply(StatusCode::FOUND, &location)
}

fn authorize(shared: &Shared, headers: &hyper::HeaderMap, query: &str) -> Reply {
    let Some(redirect_uri) = redirect_uri(query.as_bytes()) else {
        return no_redirect_uri();
    };
    let live = session_cookie(headers).and_then(|s| shared.lock().idp_sessions.get(&s).copied());
    match live {
        // Silent sign-in: the IdP still knows the browser.
        Some(profile) => with_code(
            shared,
            &redirect_uri,
            param(query.as_bytes(), "state"),
            profile,
        ),
        None => redirect_reply(StatusCode::FOUND, &format!("/idp/sign-in?{query}")),
    }
}

fn sign_in_form(query: &str) -> Reply {
    let field = |name: &str| {
        let value = param(query.as_bytes(), name).unwrap_or_default();
        let escaped = value
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!(r#"<input type="hidden" name="{name}" value="{escaped}">"#)
    };
    let html = format!(
        "<!DOCTYPE html>\n<html><head><title>Emulated IdP: sign in</title></head><body>\
         <h1 id=\"idp-sign-in\">Sign in to the emulated identity provider</h1>\
         <form method=\"post\" action=\"/idp/sign-in\">{}{}\
         <p>User: <strong>user@example.com</strong> ({OIDC_PROFILE_ID}), on an OIDC connection</p>\
         <button id=\"sign-in\" type=\"submit\" name=\"user\" value=\"oidc\">Sign in</button>\
         <p>User: <strong>saml-user@example.com</strong> ({SAML_PROFILE_ID}), on a SAML connection \
         (WorkOS does not support its logout)</p>\
         <button id=\"sign-in-saml\" type=\"submit\" name=\"user\" value=\"saml\">Sign in with SAML</button>\
         </form></body></html>\n",
        field("redirect_uri"),
        field("state"),
    );
    html_reply(StatusCode::OK, html)
}

fn sign_in(shared: &Shared, body: &[u8]) -> Reply {
    let Some(redirect_uri) = redirect_uri(body) else {
        return no_redirect_uri();
    };
    let profile = match param(body, "user").as_deref() {
        Some("saml") => SAML_PROFILE_ID,
        _ => OIDC_PROFILE_ID,
    };
    let session = shared.random_id();
    {
        let mut state = shared.lock();
        if state.idp_sessions.len() >= 10_000 {
            state.idp_sessions.clear();
        }
        state.idp_sessions.insert(session.clone(), profile);
    }
    let mut reply = with_code(shared, &redirect_uri, param(body, "state"), profile);
    let cookie = format!("{IDP_SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        reply.headers_mut().append(SET_COOKIE, value);
    }
    reply
}

fn token(shared: &Shared, body: &[u8]) -> Reply {
    if param(body, "client_secret").as_deref() != Some(shared.api_key.as_str()) {
        return json_reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_client", "error_description": "Invalid client secret."}),
        );
    }
    let code = param(body, "code").unwrap_or_default();
    let now = shared.unix_now();
    let found = shared.lock().codes.remove(&code);
    match found {
        Some((expiry, profile)) if now < expiry => {
            let (connection_type, email) = match profile {
                SAML_PROFILE_ID => ("GenericSAML", "saml-user@example.com"),
                _ => ("GenericOIDC", "user@example.com"),
            };
            json_reply(
                StatusCode::OK,
                json!({
                    "access_token": shared.random_id(),
                    "profile": {
                        "object": "profile",
                        "id": profile,
                        "connection_type": connection_type,
                        "email": email,
                        "first_name": "Emulated",
                        "last_name": "User",
                    }
                }),
            )
        }
        _ => json_reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_grant", "error_description": "The code is invalid, expired or used."}),
        ),
    }
}
