//! A `fetch` transport and a JS environment for [`workos-sso-logout`](workos_sso_logout) on
//! WebAssembly: Cloudflare Workers, Deno, browsers and node all have `fetch`, `Date.now`,
//! `crypto.getRandomValues` and `setTimeout`, which is all a call needs.
//!
//! ```ignore
//! use workos_sso_logout::{ApiKey, AsyncClient, ClientOptions, Config, ProfileId};
//! use workos_sso_logout_fetch::{FetchTransport, JsEnvironment};
//!
//! let options = ClientOptions::default();
//! let transport = FetchTransport::new(&options);
//! let client = AsyncClient::with_transport_in(config, options, transport, JsEnvironment);
//! let logout = client.authorize_logout(&ProfileId::new(profile)?).await?;
//! ```
//!
//! On `wasm32-unknown-unknown` the core has no default environment (its clock would panic, its
//! randomness would repeat in every instance and its async sleep needs a thread):
//! `AsyncClient::with_transport` does not exist there, and [`JsEnvironment`] is the one to give.
//!
//! # What the transport does
//! - `fetch` with `redirect: "manual"`: a redirect is handed back, never followed. (Node, Deno
//!   and Workers hand back the `3xx` itself; a browser hands back an opaque redirect, status 0
//!   with no `Location`, which this transport reports as an error: in a browser, send the user to
//!   the logout URL instead of fetching it.)
//! - Every status and header back; `fetch` joins a repeated header into one value (`a, b`), a
//!   rule of the Fetch standard no transport can undo.
//! - The body read chunk by chunk from its stream, at most
//!   [`ClientOptions::max_body_bytes`](workos_sso_logout::ClientOptions::max_body_bytes).
//! - The whole exchange bounded by the request's [`AttemptTimeout`] (else the options' timeout),
//!   through an `AbortController`.
//!
//! # How `fetch` failures are classified
//! `fetch` rejects with a `TypeError` that rarely says what failed. In order:
//! - the transport's own abort (the timeout) → [`FailureKind::Timeout`];
//! - node's `cause.code` (undici): `ECONNREFUSED`, `ENOTFOUND`, `EAI_AGAIN`, `EHOSTUNREACH`,
//!   `ENETUNREACH`, `UND_ERR_CONNECT_TIMEOUT` → [`FailureKind::Connect`] (nothing was sent);
//!   certificate and TLS codes → [`FailureKind::Tls`];
//! - anything else before the answer began — a `TypeError` with no code, as Workers and browsers
//!   give — → [`FailureKind::Closed`]: the request may or may not have reached WorkOS, so Logout
//!   Authorize is retried under its `Idempotency-Key` and the logout `GET` (which spends its
//!   token) is not;
//! - a failure while the body streams → [`FailureKind::Truncated`] (same rule).
#![forbid(unsafe_code)]

use std::time::{Duration, SystemTime};

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use workos_sso_logout::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use workos_sso_logout::{
    AsyncTransport, AttemptTimeout, ClientOptions, Environment, FailureKind, TransportError,
};

#[cfg(feature = "harness")]
mod harness;

/// Sends core-built requests with the runtime's global `fetch` (see the crate docs).
#[derive(Debug, Clone)]
pub struct FetchTransport {
    timeout: Duration,
    max_body_bytes: u64,
}

impl FetchTransport {
    /// A transport with the options' timeout (when a request carries no `AttemptTimeout`) and
    /// body bound. (`fetch` has no connect timeout of its own: the attempt's bounds it all.)
    pub fn new(options: &ClientOptions) -> Self {
        Self {
            timeout: options.timeout(),
            max_body_bytes: options.max_body_bytes(),
        }
    }
}

/// The clock, randomness and timers of a JS runtime: `Date.now()`, `crypto.getRandomValues` and
/// a `setTimeout` promise.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsEnvironment;

impl Environment for JsEnvironment {
    fn now(&self) -> SystemTime {
        let millis = js_sys::Date::now().max(0.0);
        SystemTime::UNIX_EPOCH + Duration::from_secs_f64(millis / 1000.0)
    }

    /// From `crypto.getRandomValues` (Workers, Deno, browsers, node ≥ 19 all have it); where a
    /// runtime has no `crypto`, from `Math.random` mixed with the time, which still differs
    /// between instances.
    fn random(&self) -> u128 {
        let bytes = Uint8Array::new_with_length(16);
        let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok();
        let filled = crypto
            .filter(|c| !c.is_undefined())
            .and_then(|crypto| {
                let get = Reflect::get(&crypto, &"getRandomValues".into()).ok()?;
                get.dyn_into::<Function>().ok()?.call1(&crypto, &bytes).ok()
            })
            .is_some();
        let mut out = [0u8; 16];
        bytes.copy_to(&mut out);
        if !filled {
            for chunk in out.chunks_mut(4) {
                let word = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
                chunk.copy_from_slice(&word.to_le_bytes());
            }
        }
        u128::from_le_bytes(out) ^ u128::from(js_sys::Date::now().to_bits())
    }

    /// A JS runtime cannot block without spinning: this spins on `Date.now()` (only a blocking
    /// [`Client`](workos_sso_logout::Client) over a synchronous transport would call it).
    fn sleep(&self, delay: Duration) {
        let until = js_sys::Date::now() + delay.as_secs_f64() * 1000.0;
        while js_sys::Date::now() < until {}
    }

    async fn sleep_async(&self, delay: Duration) {
        let millis = delay.as_millis().min(i32::MAX as u128) as i32;
        let promise = Promise::new(&mut |resolve, _reject| {
            let _ = set_timeout(&resolve, millis);
        });
        let _ = JsFuture::from(promise).await;
    }
}

/// `setTimeout(callback, millis)` on the global object, its handle.
fn set_timeout(callback: &Function, millis: i32) -> Result<JsValue, JsValue> {
    let global = js_sys::global();
    let set = Reflect::get(&global, &"setTimeout".into())?.dyn_into::<Function>()?;
    set.call2(&global, callback, &JsValue::from(millis))
}

/// `clearTimeout(handle)`.
fn clear_timeout(handle: &JsValue) {
    let global = js_sys::global();
    if let Ok(clear) = Reflect::get(&global, &"clearTimeout".into()) {
        if let Ok(clear) = clear.dyn_into::<Function>() {
            let _ = clear.call1(&global, handle);
        }
    }
}

impl AsyncTransport for FetchTransport {
    type Error = TransportError;

    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let timeout = AttemptTimeout::of(&request).unwrap_or(self.timeout);
        let controller = web_sys::AbortController::new().map_err(|e| failed(&e, false))?;
        // The timer aborts the exchange, body included; it is cleared when the answer is read.
        let abort = {
            let controller = controller.clone();
            Closure::once_into_js(move || controller.abort())
        };
        let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
        let timer = set_timeout(abort.unchecked_ref(), millis).map_err(|e| failed(&e, false))?;
        let answer = exchange(&request, &controller, self.max_body_bytes).await;
        clear_timeout(&timer);
        answer.map_err(|failure| match failure {
            Failure::Js(_, _) if controller.signal().aborted() => {
                TransportError::timed_out(timeout)
            }
            Failure::Js(error, in_body) => failed(&error, in_body),
            Failure::Own(error) => error,
        })
    }
}

/// How an exchange failed: a JS error (and whether the body had begun), or one of ours.
enum Failure {
    Js(JsValue, bool),
    Own(TransportError),
}

async fn exchange(
    request: &Request<Vec<u8>>,
    controller: &web_sys::AbortController,
    limit: u64,
) -> Result<Response<Vec<u8>>, Failure> {
    let js = |e: JsValue| Failure::Js(e, false);
    let init = web_sys::RequestInit::new();
    init.set_method(request.method().as_str());
    init.set_redirect(web_sys::RequestRedirect::Manual);
    init.set_signal(Some(&controller.signal()));
    let headers = web_sys::Headers::new().map_err(js)?;
    for (name, value) in request.headers() {
        let value = value
            .to_str()
            .map_err(|e| Failure::Own(TransportError::new(FailureKind::Other, e)))?;
        headers.append(name.as_str(), value).map_err(js)?;
    }
    init.set_headers(&headers);
    if !request.body().is_empty() {
        init.set_body(&Uint8Array::from(request.body().as_slice()));
    }
    let js_request =
        web_sys::Request::new_with_str_and_init(&request.uri().to_string(), &init).map_err(js)?;
    let global = js_sys::global();
    let fetch = Reflect::get(&global, &"fetch".into()).map_err(js)?;
    let fetch = fetch.dyn_into::<Function>().map_err(js)?;
    let promise = fetch.call1(&global, &js_request).map_err(js)?;
    let answer = JsFuture::from(Promise::from(promise)).await.map_err(js)?;
    let answer: web_sys::Response = answer.dyn_into().map_err(js)?;
    if answer.status() == 0 {
        return Err(Failure::Own(TransportError::new(
            FailureKind::Other,
            "the runtime hid the answer (an opaque redirect, as browsers give for redirect: \
             \"manual\"): send the user's browser to the logout URL instead of fetching it",
        )));
    }
    let status = StatusCode::from_u16(answer.status())
        .map_err(|e| Failure::Own(TransportError::new(FailureKind::Other, e)))?;
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    let pairs = js_sys::try_iter(&answer.headers()).map_err(js)?;
    for pair in pairs.into_iter().flatten() {
        let pair = js_sys::Array::from(&pair.map_err(js)?);
        let (name, value) = (pair.get(0).as_string(), pair.get(1).as_string());
        let name = name.and_then(|n| HeaderName::from_bytes(n.as_bytes()).ok());
        let value = value.and_then(|v| HeaderValue::from_str(&v).ok());
        if let (Some(name), Some(value)) = (name, value) {
            response.headers_mut().append(name, value);
        }
    }
    *response.body_mut() = read_body(&answer, limit).await?;
    Ok(response)
}

/// The body, chunk by chunk, at most `limit` bytes (a longer one is cancelled).
async fn read_body(answer: &web_sys::Response, limit: u64) -> Result<Vec<u8>, Failure> {
    let in_body = |e: JsValue| Failure::Js(e, true);
    let Some(stream) = answer.body() else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|o: js_sys::Object| in_body(o.into()))?;
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(in_body)?;
        let done = Reflect::get(&chunk, &"done".into()).map_err(in_body)?;
        if done.as_bool().unwrap_or(true) {
            return Ok(body);
        }
        let bytes = Uint8Array::new(&Reflect::get(&chunk, &"value".into()).map_err(in_body)?);
        if body.len() as u64 + u64::from(bytes.length()) > limit {
            let _ = reader.cancel();
            return Err(Failure::Own(TransportError::body_too_large(limit)));
        }
        let start = body.len();
        body.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

/// The failure a JS error stands for (see the crate docs); `in_body`: the answer had begun.
fn failed(error: &JsValue, in_body: bool) -> TransportError {
    let text = |v: &JsValue, key: &str| {
        Reflect::get(v, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let (name, message) = (text(error, "name"), text(error, "message"));
    let cause = Reflect::get(error, &"cause".into()).unwrap_or(JsValue::UNDEFINED);
    let code = match cause.is_object() {
        true => text(&cause, "code"),
        false => String::new(),
    };
    let kind = match code.as_str() {
        _ if in_body => FailureKind::Truncated,
        "ECONNREFUSED"
        | "ENOTFOUND"
        | "EAI_AGAIN"
        | "EHOSTUNREACH"
        | "ENETUNREACH"
        | "UND_ERR_CONNECT_TIMEOUT" => FailureKind::Connect,
        c if c.contains("CERT") || c.starts_with("ERR_TLS") || c.starts_with("ERR_SSL") => {
            FailureKind::Tls
        }
        _ => FailureKind::Closed,
    };
    let shown = match code.is_empty() {
        true => format!("fetch failed: {name}: {message}"),
        false => format!("fetch failed: {name}: {message} ({code})"),
    };
    TransportError::new(kind, shown)
}
