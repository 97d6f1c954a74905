//! What both endpoints share: the request every call starts from, and reading error statuses and
//! JSON bodies.

use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::config::Config;
use crate::error::{
    ApiError, Error, FieldError, InvalidInput, UnexpectedReason, UnexpectedResponse, request_id,
};
use crate::redact::bounded_text;
use crate::retry_after::RetryAfter;

/// A request with the method, URL, `Accept` and `User-Agent` every call shares.
pub(crate) fn base_request(
    config: &Config,
    method: Method,
    url: &Url,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>, Error> {
    let uri = url
        .as_str()
        .parse::<http::Uri>()
        .map_err(|_| InvalidInput::BaseUrl {
            url: None,
            reason: "the request URL is not a valid HTTP request target".into(),
        })?;
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    let headers = req.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, config.user_agent_header().clone());
    Ok(req)
}

/// A copy of a request (`http::Request` is not `Clone` because of its extensions, which the core
/// never sets).
pub(crate) fn copy_request(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// `Ok(())` for a 2xx; the API or unexpected-response error the response stands for otherwise.
pub(crate) fn require_success<B: AsRef<[u8]>>(response: &Response<B>) -> Result<(), Error> {
    if response.status().is_success() {
        Ok(())
    } else {
        Err(error_from_response(response))
    }
}

/// The error a non-success response stands for: an [`ApiError`] when the body is a JSON object,
/// an [`UnexpectedResponse`] otherwise (HTML, text, empty…).
pub(crate) fn error_from_response<B: AsRef<[u8]>>(response: &Response<B>) -> Error {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return unexpected(response, UnexpectedReason::UnexpectedStatus);
    }
    match json_object(response) {
        Ok(object) => api_error(status, response.headers(), &object).into(),
        Err(e) => e,
    }
}

fn api_error(
    status: StatusCode,
    headers: &http::HeaderMap,
    object: &Map<String, Value>,
) -> ApiError {
    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .map(|s| bounded_text(s, 1024))
    };
    let errors = object
        .get("errors")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .take(32)
                .map(|item| {
                    let field = |key: &str| {
                        item.get(key)
                            .and_then(Value::as_str)
                            .map(|s| bounded_text(s, 256))
                    };
                    FieldError {
                        field: field("field"),
                        code: field("code"),
                        message: field("message"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    ApiError {
        status,
        code: text("code").or_else(|| text("error")),
        message: text("message").or_else(|| text("error_description")),
        errors,
        request_id: request_id(headers),
        retry_after: RetryAfter::from_headers(headers),
    }
}

/// The body as a JSON object, or the unexpected-response error saying why it is not one.
pub(crate) fn json_object<B: AsRef<[u8]>>(
    response: &Response<B>,
) -> Result<Map<String, Value>, Error> {
    let body = response.body().as_ref();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(unexpected(response, UnexpectedReason::EmptyBody));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(unexpected(response, UnexpectedReason::WrongShape)),
        Err(_) => {
            let content_type = response
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|s| bounded_text(s, 128));
            Err(unexpected(
                response,
                UnexpectedReason::NotJson { content_type },
            ))
        }
    }
}

pub(crate) fn unexpected<B: AsRef<[u8]>>(
    response: &Response<B>,
    reason: UnexpectedReason,
) -> Error {
    UnexpectedResponse::new(
        response.status(),
        response.headers(),
        response.body().as_ref(),
        reason,
    )
    .into()
}
