//! Reading what both endpoints can answer alike: an error status (an [`ApiError`] for a JSON body,
//! an [`UnexpectedResponse`] otherwise), a body that is not the JSON promised, and the request id.
//! Every text kept is scrubbed of the call's secrets.

use http::{HeaderMap, Response};
use serde_json::{Map, Value};
use url::Url;

use crate::error::Error;
use crate::redact::{Secrets, redact_url};
use crate::response_error::{ApiError, FieldError, UnexpectedReason, UnexpectedResponse};
use crate::retry_after::RetryAfter;

/// A response being read for one call.
pub(crate) struct Reader<'a, B> {
    /// `"logout_authorize"` or `"logout_redirect"` (the hints of [`ApiError`] depend on it).
    pub(crate) endpoint: &'static str,
    /// The URL that answered (named in the error, its token redacted).
    pub(crate) url: &'a Url,
    pub(crate) response: &'a Response<B>,
    pub(crate) secrets: &'a Secrets,
}

impl<B: AsRef<[u8]>> Reader<'_, B> {
    /// The error a response that is not a success stands for: an [`ApiError`] when the body is a
    /// JSON object, an [`UnexpectedResponse`] otherwise (HTML, text, empty, a 1xx…).
    pub(crate) fn error(&self) -> Error {
        let status = self.response.status();
        if !(status.is_client_error() || status.is_server_error()) {
            return self.unexpected(UnexpectedReason::UnexpectedStatus);
        }
        let object = serde_json::from_slice::<Map<String, Value>>(self.response.body().as_ref());
        match object {
            Ok(object) => self.api_error(&object).into(),
            Err(error) => self.unreadable(&error),
        }
    }

    fn api_error(&self, object: &Map<String, Value>) -> ApiError {
        let text = |value: Option<&Value>, max| {
            let value = value.and_then(Value::as_str);
            value.map(|s| self.secrets.bounded(s, max))
        };
        let field_error = |item: &Value| FieldError {
            field: text(item.get("field"), 256),
            code: text(item.get("code"), 256),
            message: text(item.get("message"), 256),
        };
        let top = |key| text(object.get(key), 1024);
        let errors = object.get("errors").and_then(Value::as_array);
        let headers = self.response.headers();
        ApiError {
            status: self.response.status(),
            code: top("code").or_else(|| top("error")),
            message: top("message").or_else(|| top("error_description")),
            errors: errors.map_or_else(Vec::new, |items| {
                items.iter().take(32).map(field_error).collect()
            }),
            request_id: request_id(headers, self.secrets),
            retry_after: RetryAfter::from_headers(headers),
            endpoint: Some(self.endpoint),
            url: Some(redact_url(self.url)),
        }
    }

    /// The error for a body `serde_json` could not read as promised: empty, JSON of another
    /// shape (a data error), or not JSON at all.
    pub(crate) fn unreadable(&self, error: &serde_json::Error) -> Error {
        let body = self.response.body().as_ref();
        if body.iter().all(u8::is_ascii_whitespace) {
            return self.unexpected(UnexpectedReason::EmptyBody);
        }
        if error.is_data() {
            return self.unexpected(UnexpectedReason::WrongShape);
        }
        let content_type = self.response.headers().get(http::header::CONTENT_TYPE);
        let content_type = content_type.and_then(|v| v.to_str().ok());
        let content_type = content_type.map(|s| self.secrets.bounded(s, 128));
        self.unexpected(UnexpectedReason::NotJson { content_type })
    }

    /// The unexpected-response error for this response: its status, request id and a bounded,
    /// scrubbed excerpt of its body.
    pub(crate) fn unexpected(&self, reason: UnexpectedReason) -> Error {
        let response = self.response;
        UnexpectedResponse {
            status: response.status(),
            request_id: request_id(response.headers(), self.secrets),
            reason,
            body_excerpt: self.secrets.excerpt(response.body().as_ref()),
            url: Some(redact_url(self.url)),
        }
        .into()
    }
}

/// The `X-Request-ID` header, if present and text, scrubbed like all server text.
pub(crate) fn request_id(headers: &HeaderMap, secrets: &Secrets) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|s| secrets.bounded(s, 256))
}
