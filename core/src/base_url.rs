//! Where a secret may be sent: the base URL of the API, and the rule every URL that carries the
//! key or a logout token must pass ([`check_secure_target`]): `https`, or `http` to a loopback
//! host, a host name or IP address, no user info. A logout URL passes it too
//! ([`check_logout_url`]), and is kept as written only when the browser's URL parser and the HTTP
//! stack's read the same host from it.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

use crate::error::InvalidInput;
use crate::redact::without_user_info;

/// The base URL both logout operations are served from, per the WorkOS API reference.
const DEFAULT_BASE_URL: &str = "https://auth.workos.com";

/// The path segments of Logout Authorize, below the base URL.
const AUTHORIZE_PATH: &[&str] = &["sso", "logout", "authorize"];

/// A validated base URL: `https`, or `http` to a loopback host (`localhost`, `127.0.0.0/8`,
/// `[::1]`) for local emulators; no user info, query or fragment. A path prefix is kept:
/// `https://proxy.example/workos/` serves `https://proxy.example/workos/sso/logout/authorize`.
///
/// ```
/// use workos_sso_logout::BaseUrl;
/// let base = BaseUrl::parse("https://proxy.example/workos/").unwrap();
/// let config = workos_sso_logout::Config::without_api_key().with_base_url(base);
/// assert_eq!(config.logout_authorize_url().as_str(), "https://proxy.example/workos/sso/logout/authorize");
/// assert!(BaseUrl::parse("http://auth.workos.com").is_err());
/// assert!(BaseUrl::parse("http://127.0.0.1:4100").is_ok());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: Url,
    /// The Logout Authorize URL below it, and the same as a request target: made once, here.
    authorize: (Url, http::Uri),
}

impl BaseUrl {
    /// Parses and validates a base URL.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let url = Url::parse(input.trim()).map_err(|e| InvalidInput::BaseUrl {
            url: None,
            reason: format!("not an absolute URL ({e})"),
        })?;
        Self::from_url(url)
    }

    /// Validates an already parsed URL.
    pub fn from_url(url: Url) -> Result<Self, InvalidInput> {
        let mut shown = without_user_info(&url);
        shown.set_query(None);
        shown.set_fragment(None);
        let fail = |reason: &str| InvalidInput::BaseUrl {
            url: Some(shown.to_string()),
            reason: reason.to_owned(),
        };
        if url.cannot_be_a_base() {
            return Err(fail("it cannot be a base URL"));
        }
        check_secure_target(&url).map_err(fail)?;
        if url.query().is_some() {
            return Err(fail("it must not have a query"));
        }
        if url.fragment().is_some() {
            return Err(fail("it must not have a fragment"));
        }
        // Every URL derived from it must also be a valid `http::Uri`; checked once, here.
        let authorize_url = endpoint(&url, AUTHORIZE_PATH);
        let Ok(authorize_uri) = authorize_url.as_str().parse() else {
            return Err(fail("it cannot be used as an HTTP request target"));
        };
        Ok(BaseUrl {
            url,
            authorize: (authorize_url, authorize_uri),
        })
    }

    /// The URL itself.
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The base URL with `segments` appended to its path, keeping any path prefix.
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Url {
        endpoint(&self.url, segments)
    }

    /// The Logout Authorize URL, and the same as a request target.
    pub(crate) fn authorize(&self) -> &(Url, http::Uri) {
        &self.authorize
    }
}

/// `base` with `segments` appended to its path, keeping any path prefix.
fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

impl Default for BaseUrl {
    /// `https://auth.workos.com`, where the WorkOS API reference serves both logout operations.
    #[allow(clippy::expect_used)] // a constant, not input: checked by the `default_base_url` test
    fn default() -> Self {
        Self::parse(DEFAULT_BASE_URL).expect("DEFAULT_BASE_URL is a valid base URL")
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.url)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.url.fmt(f)
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The one rule for a URL that carries a secret: `https`, or `http` to a loopback host; a host
/// that is an IP address or a DNS name (letters, digits, `-` and `.`); no user info.
pub(crate) fn check_secure_target(url: &Url) -> Result<(), &'static str> {
    let host = url.host().ok_or("it has no host")?;
    if let Host::Domain(name) = host {
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return Err("its host is not a valid host name");
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it must not contain user info");
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => Err(
            "plain http is only allowed to a loopback host (localhost, 127.0.0.1, [::1]); use https",
        ),
        _ => Err("the scheme must be https (or http to a loopback host)"),
    }
}

/// Checks a logout URL as written (it carries the token, and is sent to a browser as a `Location`
/// and to WorkOS as a request target): [`check_secure_target`], no `https` → `http` downgrade
/// from a request sent over `https`, and fit to be used as written — a valid header value and
/// `http::Uri` whose host and port are the ones the URL parse reads. Returns both parses.
pub(crate) fn check_logout_url(
    text: &str,
    after_https: bool,
) -> Result<(Url, http::Uri), &'static str> {
    let url = Url::parse(text).map_err(|_| "it is not an absolute URL")?;
    check_secure_target(&url)?;
    if after_https && url.scheme() != "https" {
        return Err("it must be https, as the request that returned it was");
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("it must be visible ASCII, without spaces");
    }
    let uri: http::Uri = text
        .parse()
        .map_err(|_| "it is not a valid request target")?;
    // The authority as written is the host both parsers read, then the port as written, if any.
    let host = url.host_str().unwrap_or_default();
    let written = uri.authority().map_or(0, |a| a.as_str().len());
    let port = uri.port().map_or(0, |p| p.as_str().len() + 1);
    if !uri.host().is_some_and(|h| h.eq_ignore_ascii_case(host)) || written != host.len() + port {
        return Err("its host is not read the same way by every URL parser");
    }
    Ok((url, uri))
}

/// Whether a host name or address, as a URI writes it (`localhost`, `127.0.0.1`, `[::1]`), is
/// loopback.
pub(crate) fn is_loopback_name(host: &str) -> bool {
    Host::parse(host).is_ok_and(|host| is_loopback(&host))
}

/// Whether a host is loopback: `localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback<S: AsRef<str>>(host: &Host<S>) -> bool {
    match host {
        Host::Domain(name) => name.as_ref().eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests;
