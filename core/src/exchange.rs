//! What both endpoints share: what every call's request is made of, and reading error statuses and
//! JSON bodies.

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::{ApiError, Error, FieldError, UnexpectedReason, UnexpectedResponse, request_id};
use crate::redact::Secrets;
use crate::retry_after::RetryAfter;

/// What a call's request is made of. A call keeps its recipe and makes each attempt's request
/// from it, so no copy is made in advance for a retry that seldom comes: the first attempt (most
/// often the only one) costs one request built, the last one takes the recipe's own parts.
pub(crate) struct Recipe {
    method: Method,
    uri: Uri,
    user_agent: HeaderValue,
    /// `Authorization` (Logout Authorize only; the browser's `GET` never carries the key).
    authorization: Option<HeaderValue>,
    idempotency_key: Option<HeaderValue>,
    /// A JSON body, sent with `Content-Type: application/json`; none for a `GET`.
    json: Option<Vec<u8>>,
}

impl Recipe {
    /// A `GET` with the `Accept` and `User-Agent` every call sends.
    pub(crate) fn get(config: &Config, uri: Uri) -> Self {
        Self {
            method: Method::GET,
            uri,
            user_agent: config.user_agent_header().clone(),
            authorization: None,
            idempotency_key: None,
            json: None,
        }
    }

    /// A `POST` of a JSON body, authorized, optionally with an `Idempotency-Key`.
    pub(crate) fn post_json(
        config: &Config,
        uri: Uri,
        authorization: HeaderValue,
        idempotency_key: Option<HeaderValue>,
        json: Vec<u8>,
    ) -> Self {
        Self {
            method: Method::POST,
            authorization: Some(authorization),
            idempotency_key,
            json: Some(json),
            ..Self::get(config, uri)
        }
    }

    /// The method.
    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    /// One attempt's request; the `last` one takes the recipe's parts instead of copying them.
    pub(crate) fn request(&mut self, last: bool) -> Request<Vec<u8>> {
        fn part<T: Clone + Default>(part: &mut T, last: bool) -> T {
            match last {
                true => std::mem::take(part),
                false => part.clone(),
            }
        }
        let json = part(&mut self.json, last);
        let authorization = part(&mut self.authorization, last);
        let idempotency_key = part(&mut self.idempotency_key, last);
        // Ours, and room for the `Host` header every transport adds (else the map, full to the
        // brim, would grow and rehash inside the transport).
        let count =
            3 + usize::from(authorization.is_some()) * 2 + usize::from(idempotency_key.is_some());
        let mut headers = HeaderMap::with_capacity(count);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.user_agent.clone());
        if let Some(authorization) = authorization {
            headers.insert(AUTHORIZATION, authorization);
        }
        if json.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(key) = idempotency_key {
            headers.insert(HeaderName::from_static("idempotency-key"), key);
        }
        let mut request = Request::new(json.unwrap_or_default());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = part(&mut self.uri, last);
        *request.headers_mut() = headers;
        request
    }

    /// The request, for a caller who sends it once.
    pub(crate) fn into_request(mut self) -> Request<Vec<u8>> {
        self.request(true)
    }
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
    pub(crate) fn error(&self) -> Error {
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
