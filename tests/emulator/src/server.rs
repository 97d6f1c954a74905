//! The HTTP side: accept loop, routing, WorkOS behaviour, faults and the admin endpoints.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::body::{EmuBody, Then};
use super::fault::{Fault, MAX_OVERSIZED_BODY, Route};
use super::jwt::TokenError;
use super::{ADMIN_PREFIX, ConnectionKind, MAX_CLOCK_OFFSET, RecordedRequest, Shared};

/// Largest request body read (and recorded).
const MAX_REQUEST_BODY: usize = 64 * 1024;

/// How long the accept loop waits after a failed accept.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The most of a recorded body `GET /__emulator/requests` shows.
const MAX_SHOWN_BODY: usize = 4 * 1024;

/// The most requests one page of `GET /__emulator/requests` holds.
const MAX_PAGE: usize = 1000;

pub(crate) type Reply = Response<EmuBody>;

pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let mut connections = JoinSet::new();
    // After a failed accept (no file descriptor left, say), wait before the next: no busy loop.
    let mut backoff = Duration::ZERO;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(backoff), if !backoff.is_zero() => backoff = Duration::ZERO,
            accepted = listener.accept(), if backoff.is_zero() => {
                let Ok((stream, _)) = accepted else {
                    backoff = ACCEPT_BACKOFF;
                    continue;
                };
                let shared = shared.clone();
                connections.spawn(async move {
                    let idle = shared.idle_timeout;
                    let service = service_fn(move |req| handle(shared.clone(), req));
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(idle)
                        .serve_connection(TokioIo::new(stream), service);
                    let _ = connection.await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Serves one request. An `Err` makes hyper close the connection without a response, which is how
/// [`Fault::CloseConnection`] is played.
async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Reply, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            let message = json!({"message": "Request body too large"});
            return Ok(finish(
                &shared,
                json_reply(StatusCode::PAYLOAD_TOO_LARGE, message),
            ));
        }
        // A malformed body (a broken chunked encoding, a connection closed mid-body).
        Err(_) => {
            let message = json!({"message": "Malformed request body"});
            return Ok(finish(
                &shared,
                json_reply(StatusCode::BAD_REQUEST, message),
            ));
        }
    };
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().to_owned();

    if let Some(admin) = path.strip_prefix(ADMIN_PREFIX) {
        let given = parts.headers.get("x-emulator-admin-token");
        let allowed = match &shared.admin_token {
            None => true,
            Some(token) => given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())),
        };
        let reply = match allowed {
            true => admin_endpoint(&shared, &parts.method, admin, &query, &body),
            false => json_reply(
                StatusCode::UNAUTHORIZED,
                json!({"message": "the admin endpoints need X-Emulator-Admin-Token"}),
            ),
        };
        return Ok(finish(&shared, reply));
    }

    shared.record(RecordedRequest {
        method: parts.method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| path.clone()),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    });

    let route = Route::of(&path);
    let fault = route.and_then(|r| shared.lock().faults.get_mut(&r).and_then(|q| q.pop_front()));
    let reply = match fault {
        Some(Fault::CloseConnection) => {
            return Err(std::io::Error::other("emulated connection close"));
        }
        Some(Fault::Silent) => std::future::pending().await,
        Some(Fault::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            route_request(&shared, &parts.method, &path, &parts.headers, &query, &body)
        }
        Some(fault) => play(fault),
        None => route_request(&shared, &parts.method, &path, &parts.headers, &query, &body),
    };
    Ok(finish(&shared, reply))
}

/// Adds the `X-Request-ID` every response carries (unless a fault set one).
fn finish(shared: &Shared, mut reply: Reply) -> Reply {
    let id = {
        let mut state = shared.lock();
        state.next_request_id += 1;
        format!(
            "req_emu_{}_{:06}",
            shared.request_id_prefix, state.next_request_id
        )
    };
    // A fault that names its own request id keeps it (a proxy in between can rewrite it too).
    if let (Ok(v), false) = (
        HeaderValue::from_str(&id),
        reply.headers().contains_key("x-request-id"),
    ) {
        reply.headers_mut().insert("x-request-id", v);
    }
    reply
}

pub(crate) fn json_reply(status: StatusCode, body: Value) -> Reply {
    let mut r = Response::new(EmuBody::full(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub(crate) fn html_reply(status: StatusCode, html: String) -> Reply {
    let mut r = Response::new(EmuBody::full(html));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

pub(crate) fn redirect_reply(status: StatusCode, location: &str) -> Reply {
    let mut r = Response::new(EmuBody::empty());
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

fn status_or_500(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn play(fault: Fault) -> Reply {
    match fault {
        Fault::Status {
            status,
            body,
            headers,
        } => {
            let status = status_or_500(status);
            let body = body.unwrap_or_else(|| {
                json!({"message": status.canonical_reason().unwrap_or("Error"), "code": "emulated_fault"}).to_string()
            });
            let mut r = Response::new(EmuBody::full(body));
            *r.status_mut() = status;
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            for (k, v) in headers {
                if let (Ok(k), Ok(v)) = (
                    hyper::header::HeaderName::try_from(k),
                    HeaderValue::try_from(v),
                ) {
                    r.headers_mut().append(k, v);
                }
            }
            r
        }
        Fault::StallBody {
            declared_length,
            body_prefix,
        } => partial(declared_length, body_prefix, Then::Stall),
        Fault::TruncatedBody {
            declared_length,
            body,
        } => partial(
            declared_length,
            body,
            Then::Abort(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
        ),
        Fault::OversizedBody { bytes, chunked } => {
            let bytes = bytes.min(MAX_OVERSIZED_BODY) as usize;
            let head = br#"{"logout_url":"http://127.0.0.1/sso/logout?token=x","logout_token":"x","padding":""#;
            let mut body = Vec::with_capacity(bytes.max(head.len() + 2));
            body.extend_from_slice(head);
            body.resize(bytes.saturating_sub(2).max(head.len()), b'x');
            body.extend_from_slice(b"\"}");
            let mut r = if chunked {
                let chunks = body.chunks(16 * 1024).map(Bytes::copy_from_slice).collect();
                Response::new(EmuBody::Chunks(chunks))
            } else {
                Response::new(EmuBody::full(body))
            };
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Fault::HtmlError { status } => {
            let status = status_or_500(status);
            let reason = status.canonical_reason().unwrap_or("Error");
            html_reply(
                status,
                format!(
                    "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\
                     <body><h1>{code} {reason}</h1><p>emulated proxy error page</p></body></html>\n",
                    code = status.as_u16()
                ),
            )
        }
        Fault::Redirect { status, location } => redirect_reply(status_or_500(status), &location),
        // Played before the route runs; listed for completeness.
        Fault::CloseConnection | Fault::Silent | Fault::Delay { .. } => {
            json_reply(StatusCode::INTERNAL_SERVER_ERROR, json!({}))
        }
    }
}

/// A head declaring `declared_length` bytes, then `prefix`, then an abort or a stall.
fn partial(declared_length: u64, prefix: String, then: Then) -> Reply {
    let declared_length = declared_length.max(prefix.len() as u64 + 1);
    let mut r = Response::new(EmuBody::Partial(Some(Bytes::from(prefix)), then));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(declared_length));
    r
}

fn route_request(
    shared: &Shared,
    method: &Method,
    path: &str,
    headers: &hyper::HeaderMap,
    query: &str,
    body: &[u8],
) -> Reply {
    match (Route::of(path), method) {
        (Some(Route::Authorize), &Method::POST) => authorize(shared, headers, body),
        (Some(Route::Logout), &Method::GET) => logout(shared, query),
        (Some(Route::EndSession), &Method::GET) => {
            super::idp::end_session(shared, headers, &shared.post_logout_redirect)
        }
        (Some(_), _) => json_reply(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"message": "Method not allowed"}),
        ),
        (None, _) => match super::idp::route(shared, method, path, headers, query, body) {
            Some(reply) => reply,
            None => other_path(method, path),
        },
    }
}

/// Paths outside the WorkOS routes: the built-in "signed out" page, or a 404.
fn other_path(method: &Method, path: &str) -> Reply {
    if method == Method::GET && path == "/signed-out" {
        return html_reply(
            StatusCode::OK,
            "<!DOCTYPE html>\n<html><head><title>Signed out</title></head>\
             <body><h1>You have been signed out</h1><p>WorkOS SSO Logout emulator</p></body></html>\n"
                .into(),
        );
    }
    json_reply(StatusCode::NOT_FOUND, json!({"message": "Not found"}))
}

/// `POST /sso/logout/authorize`.
fn authorize(shared: &Shared, headers: &hyper::HeaderMap, body: &[u8]) -> Reply {
    let expected = format!("Bearer {}", shared.api_key);
    let authorized = headers
        .get(hyper::header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == expected.as_bytes());
    if !authorized {
        return json_reply(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}));
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return json_reply(
            StatusCode::BAD_REQUEST,
            json!({"message": "The request body must be a JSON object.", "code": "invalid_request"}),
        );
    };
    let Some(profile_id) = body
        .get("profile_id")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
    else {
        return json_reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "message": "Validation failed",
                "code": "invalid_request_parameters",
                "errors": [{"field": "profile_id", "code": "profile_id_required", "message": "profile_id must be a non-empty string"}],
            }),
        );
    };
    let (kind, jti) = {
        let mut state = shared.lock();
        let kind = state.profiles.get(profile_id).copied();
        state.next_token_id += 1;
        (
            kind,
            format!("lt_{}_{}", shared.request_id_prefix, state.next_token_id),
        )
    };
    match kind {
        None => json_reply(
            StatusCode::NOT_FOUND,
            json!({"message": format!("Profile not found: '{profile_id}'."), "code": "entity_not_found", "entity_id": profile_id}),
        ),
        Some(ConnectionKind::Saml) => json_reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "connection_invalid", "error_description": "Single Logout is only supported for GenericOIDC connections."}),
        ),
        Some(ConnectionKind::Oidc) => {
            let now = unix_seconds(shared.now());
            let exp = now.saturating_add(shared.token_lifetime.as_secs().max(1));
            let token = shared
                .signer
                .sign(&json!({"profile_id": profile_id, "iat": now, "exp": exp, "jti": jti}));
            json_reply(
                StatusCode::OK,
                json!({
                    "logout_url": format!("{}/sso/logout?token={token}", shared.base_url),
                    "logout_token": token,
                }),
            )
        }
    }
}

fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn invalid_token(description: &str) -> Reply {
    json_reply(
        StatusCode::BAD_REQUEST,
        json!({"code": "invalid_logout_token", "message": description}),
    )
}

/// `GET /sso/logout?token=…`.
fn logout(shared: &Shared, query: &str) -> Reply {
    let tokens: Vec<String> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .collect();
    let token = match tokens.as_slice() {
        [] => return invalid_token("The token parameter is required."),
        [t] if t.is_empty() => return invalid_token("The token parameter is required."),
        [t] => t,
        _ => return invalid_token("Exactly one token parameter is allowed."),
    };
    let claims = match shared.signer.verify(token) {
        Ok(c) => c,
        Err(TokenError::Malformed) => return invalid_token("The logout token is malformed."),
        Err(TokenError::BadSignature) => {
            return invalid_token("The logout token signature is invalid.");
        }
    };
    let (Some(exp), Some(jti)) = (
        claims.get("exp").and_then(Value::as_u64),
        claims.get("jti").and_then(Value::as_str),
    ) else {
        return invalid_token("The logout token is malformed.");
    };
    let now = unix_seconds(shared.now());
    if now >= exp {
        return invalid_token("The logout token has expired.");
    }
    if !shared.use_token(jti, exp, now) {
        return invalid_token("The logout token has already been used.");
    }
    // The IdP is told which session ended; where it sends the browser next is its own setting.
    let location = format!("{}/idp/end_session?state={jti}", shared.base_url);
    redirect_reply(StatusCode::FOUND, &location)
}

/// The admin endpoints under [`ADMIN_PREFIX`].
/// Compares in constant time (the admin token is a secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A page of the record, shown safely: `Authorization` redacted, bodies as bounded text. Copied
/// under the lock, serialised after it.
fn requests_page(shared: &Shared, query: &str) -> Reply {
    let param = |name: &str| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let offset = param("offset").unwrap_or(0);
    let limit = param("limit").unwrap_or(100).min(MAX_PAGE);
    let (total, page): (usize, Vec<RecordedRequest>) = {
        let state = shared.lock();
        let page = state
            .requests
            .iter()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect();
        (state.requests.len(), page)
    };
    let shown: Vec<Value> = page
        .iter()
        .map(|r| {
            let headers: Vec<(&str, &str)> = r
                .headers
                .iter()
                .map(|(k, v)| match k.eq_ignore_ascii_case("authorization") {
                    true => (k.as_str(), "[redacted]"),
                    false => (k.as_str(), v.as_str()),
                })
                .collect();
            let cut = r.body.len().min(MAX_SHOWN_BODY);
            json!({
                "method": r.method,
                "path_and_query": r.path_and_query,
                "headers": headers,
                "body": String::from_utf8_lossy(&r.body[..cut]),
                "body_truncated": cut < r.body.len(),
            })
        })
        .collect();
    let body = json!({"total": total, "offset": offset, "requests": shown});
    json_reply(StatusCode::OK, body)
}

fn admin_endpoint(shared: &Shared, method: &Method, path: &str, query: &str, body: &[u8]) -> Reply {
    let bad = |m: String| json_reply(StatusCode::BAD_REQUEST, json!({"message": m}));
    match (method, path) {
        (&Method::GET, "info") => {
            let profiles: Vec<Value> = shared
                .lock()
                .profiles
                .iter()
                .map(|(id, kind)| json!({"id": id, "connection": kind}))
                .collect();
            json_reply(
                StatusCode::OK,
                json!({"base_url": shared.base_url, "profiles": profiles}),
            )
        }
        (&Method::POST, "faults") => {
            #[derive(serde::Deserialize)]
            struct Queue {
                route: Route,
                fault: Fault,
            }
            match serde_json::from_slice::<Queue>(body) {
                Ok(q) => {
                    shared.push_fault(q.route, q.fault);
                    json_reply(StatusCode::CREATED, json!({"queued": true}))
                }
                Err(e) => bad(format!(
                    "expected {{\"route\": …, \"fault\": {{\"kind\": …}}}}: {e}"
                )),
            }
        }
        (&Method::DELETE, "faults") => {
            shared.lock().faults.clear();
            json_reply(StatusCode::OK, json!({"cleared": true}))
        }
        (&Method::GET, "requests") => requests_page(shared, query),
        (&Method::DELETE, "requests") => {
            shared.clear_requests();
            json_reply(StatusCode::OK, json!({"cleared": true}))
        }
        (&Method::POST, "profiles") => {
            #[derive(serde::Deserialize)]
            struct Profile {
                id: String,
                connection: ConnectionKind,
            }
            match serde_json::from_slice::<Profile>(body) {
                Ok(p) if !p.id.is_empty() => {
                    shared.add_profile(p.id, p.connection);
                    json_reply(StatusCode::CREATED, json!({"added": true}))
                }
                Ok(_) => bad("the profile id is empty".into()),
                Err(e) => bad(format!(
                    "expected {{\"id\": …, \"connection\": \"oidc\"|\"saml\"}}: {e}"
                )),
            }
        }
        (&Method::POST, "clock") => match serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("advance_secs")?.as_u64())
        {
            Some(secs) if Duration::from_secs(secs) <= MAX_CLOCK_OFFSET => {
                let offset = shared.advance_clock(Duration::from_secs(secs));
                json_reply(StatusCode::OK, json!({"offset_secs": offset.as_secs()}))
            }
            Some(_) => bad("advance_secs must be at most a hundred years".into()),
            None => bad("expected {\"advance_secs\": <seconds>}".into()),
        },
        _ => json_reply(
            StatusCode::NOT_FOUND,
            json!({"message": "unknown admin endpoint"}),
        ),
    }
}
