//! A successful Logout Authorize: the logout URL and its token, and the application's redirect of
//! the browser there.

use std::fmt;

use http::{HeaderName, HeaderValue, Response};
use url::Url;

use crate::inputs::LogoutToken;
use crate::redact::{REDACTED, Secrets};

/// A successful Logout Authorize: where to send the browser, and the token in it.
///
/// Prefer [`logout_url`](Self::logout_url): it is the ready-to-use URL WorkOS built. `Debug`
/// redacts the token, including inside the URL.
///
/// ```
/// # use workos_sso_logout::parse_logout_authorize_response;
/// # let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
/// let body = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=secret","logout_token":"secret"}"#;
/// let logout = parse_logout_authorize_response(&sent_to, &http::Response::new(body))?;
/// // Send the browser here (a 303 from your handler):
/// assert_eq!(logout.logout_url(), "https://auth.workos.com/sso/logout?token=secret");
/// assert_eq!(
///     format!("{logout:?}"),
///     r#"LogoutAuthorization { logout_url: "https://auth.workos.com/sso/logout?token=[redacted]", logout_token: LogoutToken([redacted]) }"#
/// );
/// let (url, token) = logout.into_parts();
/// assert_eq!(token.expose_secret(), "secret");
/// # let _ = url;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct LogoutAuthorization {
    logout_url: String,
    /// The same URL as the redirect's `Location`, made when the answer was checked (sensitive).
    location: HeaderValue,
    logout_token: LogoutToken,
}

impl LogoutAuthorization {
    /// The answer's checked parts (see `logout_authorize::parse`): the URL, and the same URL as
    /// a header value.
    pub(crate) fn new(
        logout_url: String,
        mut location: HeaderValue,
        logout_token: LogoutToken,
    ) -> Self {
        location.set_sensitive(true);
        Self {
            logout_url,
            location,
            logout_token,
        }
    }

    /// The URL to redirect the user's browser to, as WorkOS wrote it (checked: an absolute `https`
    /// URL, or `http` to loopback, without user info). It carries the token: do not log it.
    pub fn logout_url(&self) -> &str {
        &self.logout_url
    }

    /// The logout token.
    pub fn logout_token(&self) -> &LogoutToken {
        &self.logout_token
    }

    /// The application's answer to the browser that asked to sign out: `303 See Other` to the
    /// logout URL, with `Cache-Control: no-store` (the URL holds a single-use token: no cache may
    /// keep it) and `Referrer-Policy: no-referrer` (the pages that follow must not receive it in a
    /// `Referer`). Any web framework on `http` 1 can return it (map the empty body to its own
    /// type); for one on another `http` version, see [`redirect_parts`](Self::redirect_parts).
    /// The `Location` header is marked sensitive, so `Debug` of the response does not show it.
    ///
    /// ```
    /// # use workos_sso_logout::parse_logout_authorize_response;
    /// # let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
    /// # let body = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t0k3n","logout_token":"t0k3n"}"#;
    /// # let logout = parse_logout_authorize_response(&sent_to, &http::Response::new(body))?;
    /// let response = logout.browser_redirect();
    /// assert_eq!(response.status(), 303);
    /// assert_eq!(response.headers()["location"], "https://auth.workos.com/sso/logout?token=t0k3n");
    /// assert_eq!(response.headers()["cache-control"], "no-store");
    /// assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    /// assert!(!format!("{response:?}").contains("t0k3n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn browser_redirect(&self) -> Response<Vec<u8>> {
        let mut response = Response::new(Vec::new());
        *response.status_mut() = http::StatusCode::SEE_OTHER;
        let headers = response.headers_mut();
        headers.insert(http::header::LOCATION, self.location.clone());
        for (name, value) in REDIRECT_HEADERS {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        response
    }

    /// [`browser_redirect`](Self::browser_redirect) as plain values — a status and header pairs —
    /// for any web framework, whatever `http` version it is built on (actix-web 4 is on `http`
    /// 0.2). `Debug` does not show the token.
    ///
    /// ```
    /// # use workos_sso_logout::parse_logout_authorize_response;
    /// # let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
    /// # let body = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t0k3n","logout_token":"t0k3n"}"#;
    /// # let logout = parse_logout_authorize_response(&sent_to, &http::Response::new(body))?;
    /// let redirect = logout.redirect_parts();
    /// assert_eq!(redirect.status(), 303);
    /// assert_eq!(redirect.headers()[0], ("location", "https://auth.workos.com/sso/logout?token=t0k3n"));
    /// assert!(!format!("{redirect:?}").contains("t0k3n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn redirect_parts(&self) -> RedirectParts<'_> {
        RedirectParts {
            location: &self.logout_url,
        }
    }

    /// Both parts, by value.
    pub fn into_parts(self) -> (String, LogoutToken) {
        (self.logout_url, self.logout_token)
    }
}

/// What the redirect carries besides its `Location`: not cached, and no `Referer` to the IdP.
const REDIRECT_HEADERS: [(&str, &str); 2] = [
    ("cache-control", "no-store"),
    ("referrer-policy", "no-referrer"),
];

/// The browser's redirect to a logout URL as plain values
/// ([`LogoutAuthorization::redirect_parts`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RedirectParts<'a> {
    location: &'a str,
}

impl<'a> RedirectParts<'a> {
    /// `303` (See Other: the browser follows with a `GET`).
    pub fn status(&self) -> u16 {
        303
    }

    /// The headers, lowercase name and value: `location` (the logout URL, which carries the token:
    /// do not log it), `cache-control: no-store` and `referrer-policy: no-referrer`.
    pub fn headers(&self) -> [(&'static str, &'a str); 3] {
        let [cache, referrer] = REDIRECT_HEADERS;
        [("location", self.location), cache, referrer]
    }
}

impl fmt::Debug for RedirectParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectParts")
            .field("status", &self.status())
            .field("location", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for LogoutAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is redacted wherever it stands in the URL, not only as `?token=`.
        let mut token = Secrets::default();
        token.add(self.logout_token.expose_secret());
        let shown = match Url::parse(&self.logout_url) {
            Ok(url) => token.shown_url(&url),
            Err(_) => token.scrub(&self.logout_url),
        };
        f.debug_struct("LogoutAuthorization")
            .field("logout_url", &shown)
            .field("logout_token", &self.logout_token)
            .finish()
    }
}
