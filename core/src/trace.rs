//! What a call tells `tracing` (feature `tracing`), in OpenTelemetry's HTTP-client words: one
//! span per call, named `{method} {url.template}` (`POST /sso/logout/authorize`,
//! `GET /sso/logout`), with `http.request.method`, `url.template`, `server.address`,
//! `server.port`, and, as the call goes, `http.response.status_code`,
//! `http.request.resend_count`, `error.type` and `workos.request_id`; and one event per attempt.
//! Never a URL's query, a header value or a body: those carry the key or the token.

use std::time::Duration;

use http::Response;
use tracing::field::Empty;
use url::Url;

use crate::error::{Error, TransportError};
use crate::redact::Secrets;
use crate::response::request_id;

/// Where retry events go, so a program can show only those (the CLI does without `-v`).
const RETRY_TARGET: &str = "workos_sso_logout::retry";

/// The span of one call to `url`; `redirect`: the Logout Redirect `GET`, else Logout Authorize.
pub(crate) fn call_span(redirect: bool, url: &Url) -> tracing::Span {
    let address = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default();
    macro_rules! span {
        ($name:literal, $method:literal, $template:literal) => {
            tracing::info_span!(
                $name,
                otel.kind = "client",
                http.request.method = $method,
                url.template = $template,
                server.address = address,
                server.port = port,
                http.response.status_code = Empty,
                http.request.resend_count = Empty,
                error.type = Empty,
                otel.status_code = Empty,
                workos.request_id = Empty,
            )
        };
    }
    match redirect {
        true => span!("GET /sso/logout", "GET", "/sso/logout"),
        false => span!(
            "POST /sso/logout/authorize",
            "POST",
            "/sso/logout/authorize"
        ),
    }
}

/// Attempt number `attempt` (1 for the first) ended in `result`; `retry` is the delay before
/// the next, if one is due. Records the status and request id on the call's span, and the event.
pub(crate) fn attempt(
    attempt: u32,
    result: &Result<Response<Vec<u8>>, TransportError>,
    secrets: &Secrets,
    retry: Option<Duration>,
) {
    let span = tracing::Span::current();
    let resend_count = attempt.saturating_sub(1);
    let retry_ms = retry.map(|delay| u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
    let retry_ms = retry_ms.map(tracing::field::display);
    match result {
        Ok(response) => {
            let wanted = match retry {
                Some(_) => tracing::enabled!(target: RETRY_TARGET, tracing::Level::INFO),
                None => tracing::enabled!(tracing::Level::INFO),
            };
            // The request id is scrubbed like any text from a response: only when it is kept.
            if !wanted && span.is_disabled() {
                return;
            }
            let status = response.status().as_u16();
            let request_id = request_id(response.headers(), secrets);
            let request_id = request_id.as_deref().unwrap_or("-");
            span.record("http.response.status_code", status);
            span.record("workos.request_id", request_id);
            match retry_ms {
                Some(retry_ms) => tracing::event!(
                    target: RETRY_TARGET,
                    tracing::Level::INFO,
                    {
                        "http.request.resend_count" = resend_count,
                        "http.response.status_code" = status,
                        "workos.request_id" = request_id,
                        "workos.retry_delay_ms" = retry_ms,
                    },
                    "attempt answered; retrying"
                ),
                None => tracing::event!(
                    tracing::Level::INFO,
                    {
                        "http.request.resend_count" = resend_count,
                        "http.response.status_code" = status,
                        "workos.request_id" = request_id,
                    },
                    "attempt answered"
                ),
            }
        }
        Err(error) => {
            let kind = tracing::field::debug(error.kind());
            match retry_ms {
                Some(retry_ms) => tracing::event!(
                    target: RETRY_TARGET,
                    tracing::Level::WARN,
                    {
                        "http.request.resend_count" = resend_count,
                        "error.type" = kind,
                        "workos.retry_delay_ms" = retry_ms,
                    },
                    "attempt failed; retrying"
                ),
                None => tracing::event!(
                    tracing::Level::WARN,
                    {
                        "http.request.resend_count" = resend_count,
                        "error.type" = kind,
                    },
                    "attempt failed"
                ),
            }
        }
    }
}

/// The call ended after `attempts` attempts, with `error` if it failed: recorded on its span
/// (`error.type` is the failure kind, or the status of an error answer).
pub(crate) fn outcome(attempts: u32, error: Option<&Error>) {
    let span = tracing::Span::current();
    if attempts > 1 {
        span.record("http.request.resend_count", attempts - 1);
    }
    if let Some(error) = error {
        match (error.as_transport(), error.status()) {
            (Some(failure), _) => span.record("error.type", tracing::field::debug(failure.kind())),
            (None, Some(status)) => span.record("error.type", status.as_u16()),
            (None, None) => span.record("error.type", "invalid_input"),
        };
        span.record("otel.status_code", "ERROR");
    }
}
