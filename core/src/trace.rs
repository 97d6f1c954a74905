//! What a call tells `tracing` (feature `tracing`), in OpenTelemetry's words.
//!
//! - **One span per call**, the logical operation (`workos.logout_authorize` or
//!   `workos.logout_redirect`, `otel.kind = "internal"`): its outcome (`error.type`,
//!   `otel.status_code`), the last answer's `workos.request_id`, `workos.attempts`, and one event
//!   per retry wait
//!   (`workos.retry_delay_ms`, target `workos_sso_logout::retry`).
//! - **One span per attempt** under it, made by the client loops when the attempt is sent (after
//!   its wait, so it measures one HTTP exchange): the stable HTTP client conventions' CLIENT span,
//!   `{method} {url.template}`, with `http.request.method`, `server.address`, `server.port`,
//!   `url.full` (the token redacted), `url.template`, `http.request.resend_count` on resends, and
//!   as it ends `http.response.status_code`, `workos.request_id`, `network.protocol.version`,
//!   `error.type` and
//!   `otel.status_code = "ERROR"` on a 4xx, a 5xx or a failure; and one event.
//! - With feature `metrics`, **`http.client.request.duration`** per attempt, in seconds, as the
//!   OpenTelemetry layer's metric field (`histogram.http.client.request.duration`) on an event of
//!   target `workos_sso_logout::metrics`, its attributes the conventions'.
//!
//! Numbers are recorded as `i64`, which OpenTelemetry exports as integers. Never a header value,
//! a body or a URL's token: those carry the key or the token.

use std::time::Duration;

use http::{Response, Version};
use tracing::field::Empty;
use url::Url;

use crate::error::{Error, TransportError};
use crate::redact::{Secrets, redact_url};
use crate::response::request_id;

/// Where retry events go, so a program can show only those (the CLI does without `-v`).
const RETRY_TARGET: &str = "workos_sso_logout::retry";

/// Where the duration metric's events go (feature `metrics`).
#[cfg(feature = "metrics")]
const METRICS_TARGET: &str = "workos_sso_logout::metrics";

/// The spans of one call: the call's, and the attempt in flight, if a client loop opened one;
/// and what every attempt's span and metric say of the server.
#[derive(Debug)]
pub(crate) struct Spans {
    call: tracing::Span,
    attempt: Option<tracing::Span>,
    redirect: bool,
    address: String,
    port: Option<i64>,
    /// `url.full`: the call's URL, its token redacted, rendered once for all its attempts.
    url_full: String,
    /// The `X-Request-ID` of the last answer, for the call's span when it ends.
    request_id: Option<String>,
}

impl Default for Spans {
    fn default() -> Self {
        Self {
            call: tracing::Span::none(),
            attempt: None,
            redirect: false,
            address: String::new(),
            port: None,
            url_full: String::new(),
            request_id: None,
        }
    }
}

/// An integer as OpenTelemetry exports one.
fn int(n: impl Into<i64>) -> i64 {
    n.into()
}

impl Spans {
    /// The spans of a call to `url` starting now, as a child of the current span; `redirect`:
    /// the Logout Redirect `GET`, else Logout Authorize.
    pub(crate) fn start(redirect: bool, url: &Url) -> Self {
        macro_rules! span {
            ($name:literal) => {
                tracing::info_span!(
                    $name,
                    otel.kind = "internal",
                    workos.attempts = Empty,
                    workos.request_id = Empty,
                    error.type = Empty,
                    otel.status_code = Empty,
                )
            };
        }
        let call = match redirect {
            true => span!("workos.logout_redirect"),
            false => span!("workos.logout_authorize"),
        };
        Self {
            call,
            attempt: None,
            redirect,
            address: url.host_str().unwrap_or_default().to_owned(),
            port: url.port_or_known_default().map(int),
            url_full: redact_url(url),
            request_id: None,
        }
    }

    /// The call's span (the client loops run the call in it).
    pub(crate) fn call(&self) -> &tracing::Span {
        &self.call
    }

    /// Opens the span of attempt number `attempt` (1 for the first), under the call's.
    pub(crate) fn open_attempt(&mut self, attempt: u32) -> tracing::Span {
        let (address, port, full) = (self.address.as_str(), self.port, &self.url_full);
        macro_rules! span {
            ($name:literal, $method:literal, $template:literal) => {
                tracing::info_span!(
                    parent: &self.call,
                    $name,
                    otel.kind = "client",
                    http.request.method = $method,
                    server.address = address,
                    server.port = port,
                    url.full = full.as_str(),
                    url.template = $template,
                    http.request.resend_count = Empty,
                    workos.request_id = Empty,
                    http.response.status_code = Empty,
                    network.protocol.version = Empty,
                    error.type = Empty,
                    otel.status_code = Empty,
                )
            };
        }
        let span = match self.redirect {
            true => span!("GET /sso/logout", "GET", "/sso/logout"),
            false => span!(
                "POST /sso/logout/authorize",
                "POST",
                "/sso/logout/authorize"
            ),
        };
        if attempt > 1 {
            span.record("http.request.resend_count", int(attempt - 1));
        }
        self.attempt = Some(span.clone());
        span
    }

    /// Attempt number `attempt` ended in `result` after `took` (when known); `retry` is the wait
    /// before the next, if one is due. Records it on the attempt's span, which ends here, and the
    /// wait on the call's.
    pub(crate) fn attempt(
        &mut self,
        attempt: u32,
        result: &Result<Response<Vec<u8>>, TransportError>,
        secrets: &Secrets,
        took: Option<Duration>,
        retry: Option<Duration>,
    ) {
        let span = self.attempt.take().unwrap_or_else(tracing::Span::none);
        let resend_count = int(attempt.saturating_sub(1));
        let _in_attempt = span.enter();
        match result {
            Ok(response) => {
                let status = int(response.status().as_u16());
                let version = protocol_version(response.version());
                span.record("http.response.status_code", status);
                span.record("network.protocol.version", version);
                if response.status().is_client_error() || response.status().is_server_error() {
                    span.record("error.type", status.to_string().as_str());
                    span.record("otel.status_code", "ERROR");
                }
                // The request id is scrubbed like any text from a response: only when it is kept.
                if tracing::enabled!(tracing::Level::INFO) || !self.call.is_disabled() {
                    self.request_id = request_id(response.headers(), secrets);
                    let request_id = self.request_id.as_deref().unwrap_or("-");
                    span.record("workos.request_id", request_id);
                    tracing::info!(
                        { http.request.resend_count = resend_count, http.response.status_code = status, workos.request_id = request_id },
                        "attempt answered"
                    );
                }
                #[cfg(feature = "metrics")]
                self.duration(took, Some(status), None, Some(version));
            }
            Err(error) => {
                let kind = failure_type(error);
                span.record("error.type", kind);
                span.record("otel.status_code", "ERROR");
                tracing::warn!(
                    { http.request.resend_count = resend_count, error.type = kind },
                    "attempt failed"
                );
                #[cfg(feature = "metrics")]
                self.duration(took, None, Some(kind), None);
            }
        }
        #[cfg(not(feature = "metrics"))]
        let _ = took;
        drop(_in_attempt);
        if let Some(delay) = retry {
            let delay_ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
            // Why: the attempt's status, or its failure's kind.
            let status = result.as_ref().ok().map(|r| int(r.status().as_u16()));
            let failure = result.as_ref().err().map(failure_type);
            tracing::info!(
                target: RETRY_TARGET,
                parent: &self.call,
                {
                    http.request.resend_count = resend_count,
                    http.response.status_code = status,
                    error.type = failure,
                    workos.retry_delay_ms = delay_ms,
                },
                "retrying after a wait"
            );
        }
    }

    /// `http.client.request.duration` of an attempt that took `took`, in seconds, with the
    /// conventions' attributes, for the OpenTelemetry layer's metrics (a field named
    /// `histogram.<name>`). A root event (`parent: None`), so no span records it as an event.
    #[cfg(feature = "metrics")]
    fn duration(
        &self,
        took: Option<Duration>,
        status: Option<i64>,
        error: Option<&'static str>,
        version: Option<&'static str>,
    ) {
        let Some(took) = took else { return };
        let (method, template) = match self.redirect {
            true => ("GET", "/sso/logout"),
            false => ("POST", "/sso/logout/authorize"),
        };
        // As on the span: the status of an error answer, or the failure's kind.
        let error_status = status.filter(|s| *s >= 400).map(|s| s.to_string());
        let error = error.or(error_status.as_deref());
        tracing::info!(
            target: METRICS_TARGET,
            parent: None,
            {
                histogram.http.client.request.duration = took.as_secs_f64(),
                http.request.method = method,
                server.address = self.address.as_str(),
                server.port = self.port,
                url.template = template,
                http.response.status_code = status,
                error.type = error,
                network.protocol.version = version,
            },
            "http.client.request.duration"
        );
    }

    /// The call ended after `attempts` attempts, with `error` if it failed: recorded on its span
    /// (`error.type` is the failure kind, or the status of an error answer).
    pub(crate) fn outcome(&self, attempts: u32, error: Option<&Error>) {
        self.call.record("workos.attempts", int(attempts));
        if let Some(request_id) = &self.request_id {
            self.call.record("workos.request_id", request_id.as_str());
        }
        if let Some(error) = error {
            let kind = match (error.as_transport(), error.status()) {
                (Some(failure), _) => failure_type(failure).to_owned(),
                (None, Some(status)) => status.as_u16().to_string(),
                (None, None) => "invalid_input".to_owned(),
            };
            self.call.record("error.type", kind.as_str());
            self.call.record("otel.status_code", "ERROR");
        }
    }
}

/// `error.type` of a failure: the [`FailureKind`](crate::FailureKind)'s name.
fn failure_type(error: &TransportError) -> &'static str {
    use crate::error::FailureKind;
    match error.kind() {
        FailureKind::Connect => "Connect",
        FailureKind::Timeout => "Timeout",
        FailureKind::Closed => "Closed",
        FailureKind::Truncated => "Truncated",
        FailureKind::Tls => "Tls",
        FailureKind::BodyTooLarge => "BodyTooLarge",
        _ => "Other",
    }
}

/// `network.protocol.version` as the conventions write it.
fn protocol_version(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => "1.1",
    }
}
