//! Logout Redirect: `GET {base}/sso/logout?token=…`, where the browser is sent. Never imports
//! Logout Authorize.

use std::fmt;

use http::{Request, Response, StatusCode};
use url::Url;

use crate::config::{Config, check_logout_url_text};
use crate::error::{Error, InvalidInput, UnexpectedReason};
use crate::exchange::{Reader, Recipe};
use crate::redact::{Secrets, redact_url};
use crate::secret::LogoutToken;

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
        Ok(Recipe::get(self, self.logout_url_target(url)?).into_request())
    }

    /// A logout URL checked as [`logout_url_request`](Self::logout_url_request) checks it, as a
    /// request target.
    pub(crate) fn logout_url_target(&self, url: &str) -> Result<http::Uri, Error> {
        check_logout_url_text(url).map_err(InvalidInput::LogoutUrl)?;
        let target = http::Uri::try_from(url)
            .map_err(|_| InvalidInput::LogoutUrl("it is not a valid request target"))?;
        Ok(target)
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
                .field("location", &redact_url(location))
                .finish(),
            LogoutRedirect::Completed { status } => {
                f.debug_struct("Completed").field("status", status).finish()
            }
        }
    }
}

/// Parses the answer to a Logout Redirect request sent to `request_url`: a 3xx with a `Location`
/// (resolved against `request_url`; missing, empty, pointing back at `request_url` or carrying
/// the token is an [`Error::UnexpectedResponse`]) is a redirect, a 2xx a completed logout, an error status an
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
    let request_url = request_url.as_str();
    parse(request_url, response, &Secrets::default())
}

/// [`parse_logout_redirect_response`] for a call that knows its secrets (the token, the key).
pub(crate) fn parse<B: AsRef<[u8]>>(
    request_url: &str,
    response: &Response<B>,
    secrets: &Secrets,
) -> Result<LogoutRedirect, Error> {
    // Whatever is kept from an error is scrubbed of the request URL's token too, collected then.
    let error = |make: &dyn Fn(&Reader<'_, B>) -> Error| {
        let secrets = &secrets.with_url_tokens(request_url);
        make(&Reader {
            endpoint: ENDPOINT,
            response,
            secrets,
        })
    };
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| match Url::parse(s) {
                // The usual answer is absolute: the request URL is parsed only for a relative one.
                Err(url::ParseError::RelativeUrlWithoutBase) => {
                    Url::parse(request_url).ok()?.join(s).ok()
                }
                parsed => parsed.ok(),
            })
            // A redirect back to the request itself (which still holds the token) is no answer.
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.as_str() != request_url)
            .ok_or_else(|| error(&|r| r.unexpected(UnexpectedReason::MissingLocation)))?;
        // The browser would carry a secret of ours to wherever this points: refuse it.
        let carried =
            |text: &str| secrets.found_in(text) || Secrets::url_token_found_in(request_url, text);
        if carried(location.as_str()) {
            return Err(error(&|r| r.unexpected(UnexpectedReason::SecretInLocation)));
        }
        return Ok(LogoutRedirect::Redirect { status, location });
    }
    if !status.is_success() {
        return Err(error(&|r| r.error()));
    }
    Ok(LogoutRedirect::Completed { status })
}
