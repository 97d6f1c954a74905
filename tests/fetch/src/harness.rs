//! What the node test calls (feature `harness`): each function runs one call through
//! [`AsyncClient`] over [`FetchTransport`] in [`JsEnvironment`] and answers one JSON object, so
//! the test reads every outcome the same way.

use std::time::Duration;

use serde_json::{Value, json};
use wasm_bindgen::prelude::wasm_bindgen;
use workos_sso_logout::{
    ApiKey, AsyncClient, BaseUrl, ClientOptions, Config, Error, LogoutRedirect, ProfileId,
    RetryPolicy,
};

use crate::{FetchTransport, JsEnvironment};

type FetchClient = AsyncClient<FetchTransport, JsEnvironment>;

/// A client for `base` with `key`; `timeout_ms` 0 keeps the default timeout, `retries` the
/// retries after the first attempt.
fn client(base: &str, key: &str, timeout_ms: u32, retries: u32) -> Result<FetchClient, Error> {
    let config = Config::new(ApiKey::new(key)?).with_base_url(BaseUrl::parse(base)?);
    let policy = RetryPolicy::new(
        retries + 1,
        Duration::from_millis(10),
        Duration::from_secs(5),
    )?;
    let mut options = ClientOptions::default().with_retry_policy(policy);
    if timeout_ms > 0 {
        options = options.with_timeout(Duration::from_millis(u64::from(timeout_ms)))?;
    }
    let transport = FetchTransport::new(&options);
    Ok(AsyncClient::with_transport_in(
        config,
        options,
        transport,
        JsEnvironment,
    ))
}

/// An error as the test reads it: its kind, status, request id and message.
fn error(e: &Error) -> Value {
    json!({
        "ok": false,
        "kind": e.as_transport().map(|t| format!("{:?}", t.kind())),
        "status": e.status().map(|s| s.as_u16()),
        "request_id": e.request_id(),
        "retry_in_ms": e.retry_in().map(|d| d.as_millis() as u64),
        "message": e.to_string(),
    })
}

/// Logout Authorize for `profile`: `{"ok": true, "logout_url": …}` or an error.
#[wasm_bindgen]
pub async fn authorize(
    base: String,
    key: String,
    profile: String,
    timeout_ms: u32,
    retries: u32,
) -> String {
    let outcome = async {
        let client = client(&base, &key, timeout_ms, retries)?;
        client.authorize_logout(&ProfileId::new(profile)?).await
    };
    match outcome.await {
        Ok(auth) => json!({"ok": true, "logout_url": auth.logout_url()}),
        Err(e) => error(&e),
    }
    .to_string()
}

/// The logout `GET` of `url`: `{"ok": true, "status": 302, "location": …}` or an error.
#[wasm_bindgen]
pub async fn follow(base: String, key: String, url: String) -> String {
    let outcome = async {
        let client = client(&base, &key, 0, 2)?;
        client.follow_logout_redirect(&url).await
    };
    match outcome.await {
        Ok(LogoutRedirect::Redirect { status, location }) => {
            json!({"ok": true, "status": status.as_u16(), "location": location.as_str()})
        }
        Ok(other) => json!({"ok": true, "status": other.status().as_u16()}),
        Err(e) => error(&e),
    }
    .to_string()
}
