//! Logout Redirect: `GET {base}/sso/logout?token=…`, where the browser is sent, and the parse of
//! its answer. Never imports Logout Authorize.

use std::fmt;

use http::{Method, Request, Response, StatusCode};
use url::Url;

use crate::base_url::check_logout_url;
use crate::config::Config;
use crate::error::{Error, InvalidInput};
use crate::inputs::LogoutToken;
use crate::redact::Secrets;
use crate::request::base_request;
use crate::response::Reader;
use crate::response_error::UnexpectedReason;

/// This endpoint, as errors name it.
const ENDPOINT: &str = "logout_redirect";

/// The path segments of Logout Redirect, below the base URL.
const REDIRECT_PATH: &[&str] = &["sso", "logout"];

impl Config {
    /// The Logout Redirect URL for a token: `{base}/sso/logout?token=<token>`, the token
    /// percent-encoded and the only query parameter.
    ///
    /// Prefer the `logout_url` Logout Authorize returned; this is for when only the token is at
    /// hand. The URL carries the token: do not log it.
    ///
    /// ```
    /// use workos_sso_logout::{ApiKey, Config, LogoutToken};
    /// let config = Config::new(ApiKey::new("sk_test_123")?);
    /// let url = config.logout_redirect_url(&LogoutToken::new("a b&c")?);
    /// assert_eq!(url.as_str(), "https://auth.workos.com/sso/logout?token=a+b%26c");
    /// # Ok::<(), workos_sso_logout::InvalidInput>(())
    /// ```
    pub fn logout_redirect_url(&self, token: &LogoutToken) -> Url {
        let mut url = self.base_url().endpoint(REDIRECT_PATH);
        url.query_pairs_mut()
            .clear()
            .append_pair("token", token.expose_secret());
        url
    }

    /// Builds the Logout Redirect request for a token (`GET`, with `Accept` and `User-Agent`, no
    /// API key: this is the request a browser makes).
    pub fn logout_redirect_request(&self, token: &LogoutToken) -> Result<Request<Vec<u8>>, Error> {
        self.logout_url_request(self.logout_redirect_url(token).as_str())
    }

    /// Builds the browser's `GET` of a logout URL (the `logout_url` Logout Authorize returned, or
    /// [`logout_redirect_url`](Self::logout_redirect_url)), without the API key. The URL carries
    /// the token, so it must be `https` (or `http` to a loopback host) and have no user info.
    ///
    /// ```
    /// use workos_sso_logout::Config;
    /// let config = Config::without_api_key();
    /// let request = config.logout_url_request("https://auth.workos.com/sso/logout?token=t")?;
    /// assert_eq!(request.method(), "GET");
    /// assert!(request.headers().get("authorization").is_none());
    /// assert!(config.logout_url_request("http://evil.example/?token=t").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logout_url_request(&self, url: &str) -> Result<Request<Vec<u8>>, Error> {
        Ok(self.checked_logout_url_request(url)?.0)
    }

    /// [`logout_url_request`](Self::logout_url_request), and the URL as parsed.
    pub(crate) fn checked_logout_url_request(
        &self,
        url: &str,
    ) -> Result<(Request<Vec<u8>>, Url), Error> {
        let (parsed, target) = check_logout_url(url, false).map_err(InvalidInput::LogoutUrl)?;
        Ok((base_request(self, Method::GET, target, Vec::new()), parsed))
    }
}

/// What the Logout Redirect endpoint answered. `Debug` redacts tokens in the location.
///
/// ```
/// use workos_sso_logout::{LogoutRedirect, parse_logout_redirect_response};
/// let sent_to = url::Url::parse("https://auth.workos.com/sso/logout?token=t")?;
/// let answer = http::Response::builder()
///     .status(302)
///     .header("location", "https://idp.example/end_session?id_token_hint=secret")
///     .body(Vec::new())?;
/// match parse_logout_redirect_response(&sent_to, &answer)? {
///     LogoutRedirect::Redirect { status, location } => {
///         assert_eq!(status, 302);
///         assert_eq!(location.host_str(), Some("idp.example"));
///     }
///     LogoutRedirect::Completed { .. } => unreachable!("a 302 is a redirect"),
///     _ => unreachable!("no other outcome yet"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutRedirect {
    /// A 3xx: send the browser to `location` (the identity provider's sign-out).
    Redirect {
        /// The redirect status.
        status: StatusCode,
        /// The `Location`, resolved against the request URL.
        location: Url,
    },
    /// A 2xx: the logout completed without a further redirect.
    Completed {
        /// The status.
        status: StatusCode,
    },
}

impl LogoutRedirect {
    /// The status of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            LogoutRedirect::Redirect { status, .. } | LogoutRedirect::Completed { status } => {
                *status
            }
        }
    }

    /// The redirect target, if this is a redirect.
    pub fn location(&self) -> Option<&Url> {
        match self {
            LogoutRedirect::Redirect { location, .. } => Some(location),
            LogoutRedirect::Completed { .. } => None,
        }
    }
}

impl fmt::Debug for LogoutRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogoutRedirect::Redirect { status, location } => f
                .debug_struct("Redirect")
                .field("status", status)
                .field("location", &Secrets::default().shown_url(location))
                .finish(),
            LogoutRedirect::Completed { status } => {
                f.debug_struct("Completed").field("status", status).finish()
            }
        }
    }
}

/// Parses the answer to a Logout Redirect request sent to `request_url`: a 3xx with a `Location`
/// is a redirect (resolved against `request_url`; a `Location` that is missing, empty, not
/// `http(s)`, pointing back at `request_url`, carrying the token, or given twice with different
/// values is an [`Error::UnexpectedResponse`]), a 2xx a completed logout, an error status an
/// [`Error::Api`] or [`Error::UnexpectedResponse`].
///
/// ```
/// use workos_sso_logout::{LogoutRedirect, parse_logout_redirect_response};
/// let sent_to = url::Url::parse("https://auth.workos.com/sso/logout?token=t")?;
/// let response = http::Response::builder()
///     .status(302)
///     .header("location", "/idp/end_session")
///     .body(Vec::new())?;
/// let outcome = parse_logout_redirect_response(&sent_to, &response)?;
/// assert_eq!(outcome.location().unwrap().as_str(), "https://auth.workos.com/idp/end_session");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_logout_redirect_response<B: AsRef<[u8]>>(
    request_url: &Url,
    response: &Response<B>,
) -> Result<LogoutRedirect, Error> {
    let mut secrets = Secrets::default();
    secrets.add_url_tokens(request_url);
    parse(request_url, response, &secrets)
}

/// [`parse_logout_redirect_response`] for a call that knows its secrets (the token, the key).
pub(crate) fn parse<B: AsRef<[u8]>>(
    request_url: &Url,
    response: &Response<B>,
    secrets: &Secrets,
) -> Result<LogoutRedirect, Error> {
    let reader = Reader {
        endpoint: ENDPOINT,
        url: request_url,
        response,
        secrets,
    };
    let status = response.status();
    if status.is_success() {
        return Ok(LogoutRedirect::Completed { status });
    }
    if !status.is_redirection() {
        return Err(reader.error());
    }
    let mut locations = response.headers().get_all(http::header::LOCATION).iter();
    let first = locations.next();
    if locations.any(|other| Some(other) != first) {
        return Err(reader.unexpected(UnexpectedReason::ConflictingLocations));
    }
    let location = first
        .and_then(|value| value.to_str().ok())
        .filter(|text| !text.trim().is_empty())
        .and_then(|text| request_url.join(text.trim()).ok())
        // A redirect back to the request itself (which still holds the token) is no answer.
        .filter(|url| matches!(url.scheme(), "http" | "https") && url != request_url)
        .ok_or_else(|| reader.unexpected(UnexpectedReason::MissingLocation))?;
    // The browser would carry a secret of ours to wherever this points: refuse it.
    if secrets.found_in(location.as_str()) {
        return Err(reader.unexpected(UnexpectedReason::SecretInLocation));
    }
    Ok(LogoutRedirect::Redirect { status, location })
}
