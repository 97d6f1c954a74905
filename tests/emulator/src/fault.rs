//! Faults a test can queue for the next requests to a route.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The routes of the emulator a fault can be queued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// `POST /sso/logout/authorize`.
    Authorize,
    /// `GET /sso/logout`.
    Logout,
    /// `GET /idp/end_session`, the emulated identity provider's end-session endpoint.
    EndSession,
}

impl Route {
    /// The route a path belongs to.
    pub(crate) fn of(path: &str) -> Option<Self> {
        match path {
            "/sso/logout/authorize" => Some(Route::Authorize),
            "/sso/logout" => Some(Route::Logout),
            "/idp/end_session" => Some(Route::EndSession),
            _ => None,
        }
    }
}

/// Largest body [`Fault::OversizedBody`] will send (256 MiB), so a typo cannot exhaust memory.
pub const MAX_OVERSIZED_BODY: u64 = 256 * 1024 * 1024;

/// One injected misbehaviour, consumed by the next request to its route.
///
/// In JSON (for the admin endpoint) a fault is an object tagged by `kind`, for example
/// `{"kind":"status","status":429,"headers":[["retry-after","1"]]}` or
/// `{"kind":"stall_body","declared_length":100}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status, headers and body (a JSON `{"message": …}` body by default).
    Status {
        /// The status.
        status: u16,
        /// The body; `None` gives `{"message":"<reason phrase>","code":"emulated_fault"}`.
        #[serde(default)]
        body: Option<String>,
        /// Extra headers, such as `Retry-After` (an `X-Request-ID` here replaces the emulator's).
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
    /// Wait this long before the response head, then answer normally.
    Delay {
        /// The delay in milliseconds.
        millis: u64,
    },
    /// Send a 200 head declaring `declared_length` bytes, then `body_prefix`, then nothing more:
    /// the body stalls until the client gives up.
    StallBody {
        /// The declared `Content-Length`.
        declared_length: u64,
        /// The bytes sent before the stall.
        #[serde(default)]
        body_prefix: String,
    },
    /// Close the connection without any response.
    CloseConnection,
    /// Read the request and never answer, keeping the connection open (its task ends when the
    /// emulator stops): a pooled connection the network dropped silently, such as an expired NAT
    /// entry. Only this request's connection goes silent; the next request is answered.
    Silent,
    /// Send a 200 head declaring `declared_length` bytes, then `body`, then close: a truncated
    /// body.
    TruncatedBody {
        /// The declared `Content-Length`, larger than `body`.
        declared_length: u64,
        /// The bytes actually sent.
        body: String,
    },
    /// Answer 200 with a JSON body of `bytes` bytes (at most [`MAX_OVERSIZED_BODY`]), with a
    /// `Content-Length` or, when `chunked`, with chunked transfer encoding.
    OversizedBody {
        /// The body size in bytes.
        bytes: u64,
        /// Send it chunked, without a `Content-Length`.
        #[serde(default)]
        chunked: bool,
    },
    /// An HTML error page with `Content-Type: text/html`, as a proxy or load balancer sends.
    HtmlError {
        /// The status.
        status: u16,
    },
    /// A redirect to `location`.
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u16,
        /// The `Location` header.
        location: String,
    },
}

impl Fault {
    /// A status with the default JSON body.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// A 429 with `Retry-After` in seconds.
    pub fn rate_limited_seconds(seconds: u64) -> Self {
        Self::rate_limited(seconds.to_string())
    }

    /// A 429 with `Retry-After` as an HTTP-date.
    pub fn rate_limited_until(at: SystemTime) -> Self {
        Self::rate_limited(httpdate::fmt_http_date(at))
    }

    /// A 429 with this `Retry-After` value.
    fn rate_limited(retry_after: String) -> Self {
        Fault::Status {
            status: 429,
            body: Some(r#"{"message":"Too many requests","code":"rate_limit_exceeded"}"#.into()),
            headers: vec![("retry-after".into(), retry_after)],
        }
    }

    /// A delay before the response head.
    pub fn delay(delay: Duration) -> Self {
        Fault::Delay {
            millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// A head and then a stalled body.
    pub fn stall_body() -> Self {
        Fault::StallBody {
            declared_length: 1024,
            body_prefix: r#"{"logout_url":"#.into(),
        }
    }

    /// A truncated JSON body.
    pub fn truncated_body() -> Self {
        Fault::TruncatedBody {
            declared_length: 1024,
            body: r#"{"logout_url":"http://127.0.0.1/sso/logout?token=x","logout_to"#.into(),
        }
    }

    /// A body of `bytes` bytes with a `Content-Length`.
    pub fn oversized_body(bytes: u64) -> Self {
        Fault::OversizedBody {
            bytes,
            chunked: false,
        }
    }

    /// An HTML error page.
    pub fn html_error(status: u16) -> Self {
        Fault::HtmlError { status }
    }

    /// A redirect.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Fault::Redirect {
            status,
            location: location.into(),
        }
    }
}
