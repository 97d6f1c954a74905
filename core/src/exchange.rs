//! What both endpoints share: the request every call starts from, and reading error statuses and
//! JSON bodies.

use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::{ApiError, Error, FieldError, UnexpectedReason, UnexpectedResponse, request_id};
use crate::redact::Secrets;
use crate::retry_after::RetryAfter;

/// A request with the method, target, `Accept` and `User-Agent` every call shares.
pub(crate) fn base_request(
    config: &Config,
    method: Method,
    uri: http::Uri,
    body: Vec<u8>,
) -> Request<Vec<u8>> {
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    let headers = req.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, config.user_agent_header().clone());
    req
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

/// A response being read for one call: every error it turns into is scrubbed of the call's
/// secrets.
pub(crate) struct Reader<'a, B> {
    /// `"logout_authorize"` or `"logout_redirect"`.
    pub(crate) endpoint: &'static str,
    pub(crate) response: &'a Response<B>,
    pub(crate) secrets: &'a Secrets,
}

impl<B: AsRef<[u8]>> Reader<'_, B> {
    /// `Ok(())` for a 2xx; the API or unexpected-response error the response stands for otherwise.
    pub(crate) fn require_success(&self) -> Result<(), Error> {
        if self.response.status().is_success() {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// The error a non-success response stands for: an [`ApiError`] when the body is a JSON
    /// object, an [`UnexpectedResponse`] otherwise (HTML, text, empty…).
    fn error(&self) -> Error {
        let status = self.response.status();
        if !(status.is_client_error() || status.is_server_error()) {
            return self.unexpected(UnexpectedReason::UnexpectedStatus);
        }
        match self.json_object() {
            Ok(object) => self.api_error(status, &object).into(),
            Err(e) => e,
        }
    }

    fn api_error(&self, status: StatusCode, object: &Map<String, Value>) -> ApiError {
        let text = |key: &str, max| {
            let value = object.get(key).and_then(Value::as_str);
            value.map(|s| self.secrets.bounded(s, max))
        };
        let field_error = |item: &Value| {
            let field = |key: &str| {
                let value = item.get(key).and_then(Value::as_str);
                value.map(|s| self.secrets.bounded(s, 256))
            };
            FieldError {
                field: field("field"),
                code: field("code"),
                message: field("message"),
            }
        };
        let errors = object.get("errors").and_then(Value::as_array);
        let headers = self.response.headers();
        ApiError {
            status,
            code: text("code", 1024).or_else(|| text("error", 1024)),
            message: text("message", 1024).or_else(|| text("error_description", 1024)),
            errors: errors.map_or_else(Vec::new, |items| {
                items.iter().take(32).map(field_error).collect()
            }),
            request_id: request_id(headers, self.secrets),
            retry_after: RetryAfter::from_headers(headers),
            endpoint: Some(self.endpoint),
        }
    }

    /// The body as a JSON object, or the unexpected-response error saying why it is not one.
    pub(crate) fn json_object(&self) -> Result<Map<String, Value>, Error> {
        let body = self.response.body().as_ref();
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(self.unexpected(UnexpectedReason::EmptyBody));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(self.unexpected(UnexpectedReason::WrongShape)),
            Err(_) => {
                let content_type = self.response.headers().get(http::header::CONTENT_TYPE);
                let content_type = content_type.and_then(|v| v.to_str().ok());
                let content_type = content_type.map(|s| self.secrets.bounded(s, 128));
                Err(self.unexpected(UnexpectedReason::NotJson { content_type }))
            }
        }
    }

    /// The unexpected-response error for this response.
    pub(crate) fn unexpected(&self, reason: UnexpectedReason) -> Error {
        let response = self.response;
        let body = response.body().as_ref();
        UnexpectedResponse::new(
            response.status(),
            response.headers(),
            body,
            reason,
            self.secrets,
        )
        .into()
    }
}
