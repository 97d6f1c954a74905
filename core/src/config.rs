//! Configuration and validated inputs: the base URL, the client configuration, the profile id and
//! the idempotency key.

use std::fmt;
use std::net::IpAddr;

use http::HeaderValue;
use url::{Host, Url};

use crate::error::InvalidInput;
use crate::secret::ApiKey;

/// The base URL both logout operations are served from, per the WorkOS API reference.
pub const DEFAULT_BASE_URL: &str = "https://auth.workos.com";

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("workos-sso-logout-rust/", env!("CARGO_PKG_VERSION"));

/// Longest profile id accepted, in bytes (WorkOS ids are about 30).
pub const MAX_PROFILE_ID_LEN: usize = 1024;

/// Longest idempotency key accepted, in bytes.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// A validated base URL: `https`, or `http` to a loopback host (`localhost`, `127.0.0.0/8`,
/// `[::1]`) for local emulators; no user info, query or fragment. A path prefix is kept:
/// `https://proxy.example/workos/` serves `https://proxy.example/workos/sso/logout/authorize`.
///
/// ```
/// use workos_sso_logout::BaseUrl;
/// let base = BaseUrl::parse("https://proxy.example/workos/").unwrap();
/// assert_eq!(base.endpoint(&["sso", "logout"]).as_str(), "https://proxy.example/workos/sso/logout");
/// assert!(BaseUrl::parse("http://auth.workos.com").is_err());
/// assert!(BaseUrl::parse("http://127.0.0.1:4100").is_ok());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

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
        let shown = {
            let mut u = url.clone();
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        };
        let fail = |reason: &str| InvalidInput::BaseUrl {
            url: Some(shown.clone()),
            reason: reason.to_owned(),
        };
        if url.cannot_be_a_base() {
            return Err(fail("it cannot be a base URL"));
        }
        check_secure_target(&url).map_err(fail)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(fail("it must not contain user info"));
        }
        if url.query().is_some() {
            return Err(fail("it must not have a query"));
        }
        if url.fragment().is_some() {
            return Err(fail("it must not have a fragment"));
        }
        let base = BaseUrl(url);
        // Every URL we derive must also be a valid `http::Uri`; check once, here.
        let probe = base.endpoint(&["sso", "logout", "authorize"]);
        if probe.as_str().parse::<http::Uri>().is_err() {
            return Err(fail("it cannot be used as an HTTP request target"));
        }
        Ok(base)
    }

    /// The URL itself.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The base URL with `segments` appended to its path, keeping any path prefix.
    pub fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.0.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

impl Default for BaseUrl {
    fn default() -> Self {
        // A constant, valid URL: the fallback is never taken but keeps this free of `unwrap`.
        match Url::parse(DEFAULT_BASE_URL) {
            Ok(url) => BaseUrl(url),
            Err(_) => unreachable!("DEFAULT_BASE_URL is a valid URL"),
        }
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.0)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Checks that a URL may carry a secret: `https`, or `http` to a loopback host.
pub(crate) fn check_secure_target(url: &Url) -> Result<(), &'static str> {
    let host = url.host().ok_or("it has no host")?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => Err(
            "plain http is only allowed to a loopback host (localhost, 127.0.0.1, [::1]); use https",
        ),
        _ => Err("the scheme must be https (or http to a loopback host)"),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// Everything needed to build requests: the API key, the base URL and the `User-Agent`.
///
/// `Debug` shows the base URL and redacts the key.
///
/// ```
/// use workos_sso_logout::{ApiKey, BaseUrl, Config};
/// let config = Config::new(ApiKey::new("sk_test_123")?)
///     .with_base_url(BaseUrl::parse("http://127.0.0.1:4100")?);
/// assert_eq!(config.base_url().to_string(), "http://127.0.0.1:4100/");
/// assert!(!format!("{config:?}").contains("sk_test_123"));
/// # Ok::<(), workos_sso_logout::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct Config {
    api_key: Option<ApiKey>,
    base_url: BaseUrl,
}

impl Config {
    /// A configuration for the default base URL ([`DEFAULT_BASE_URL`]).
    pub fn new(api_key: ApiKey) -> Self {
        Self {
            api_key: Some(api_key),
            base_url: BaseUrl::default(),
        }
    }

    /// A configuration without an API key, for building and following Logout Redirect URLs only
    /// (the browser's side, which never carries the key). Logout Authorize then fails with
    /// [`InvalidInput::MissingApiKey`] before anything is sent.
    pub fn without_api_key() -> Self {
        Self {
            api_key: None,
            base_url: BaseUrl::default(),
        }
    }

    /// Replaces the base URL.
    pub fn with_base_url(mut self, base_url: BaseUrl) -> Self {
        self.base_url = base_url;
        self
    }

    /// The API key, if one is set.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    /// The `User-Agent` sent with every request ([`USER_AGENT`]).
    pub fn user_agent(&self) -> &'static str {
        USER_AGENT
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("user_agent", &USER_AGENT)
            .finish()
    }
}

/// A validated WorkOS SSO profile id (`prof_…`): not empty, at most [`MAX_PROFILE_ID_LEN`]
/// bytes, no control characters. Other Unicode is kept as is.
///
/// ```
/// use workos_sso_logout::ProfileId;
/// assert_eq!(ProfileId::new("prof_01H").unwrap().as_str(), "prof_01H");
/// assert!(ProfileId::new("").is_err());
/// assert!(ProfileId::new("prof\n").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileId(String);

impl ProfileId {
    /// Validates a profile id.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidInput> {
        let id = id.into();
        if id.is_empty() {
            return Err(InvalidInput::EmptyProfileId);
        }
        if id.len() > MAX_PROFILE_ID_LEN {
            return Err(InvalidInput::ProfileIdTooLong {
                len: id.len(),
                max: MAX_PROFILE_ID_LEN,
            });
        }
        if let Some((at, _)) = id.char_indices().find(|(_, c)| c.is_control()) {
            return Err(InvalidInput::ProfileIdControlCharacter(at));
        }
        Ok(Self(id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ProfileId {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// A validated `Idempotency-Key`: 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] visible ASCII characters.
///
/// One key is sent with every attempt of one call, so WorkOS can tell a retry from a new call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(HeaderValue);

impl IdempotencyKey {
    /// Validates a caller-chosen key.
    pub fn new(key: &str) -> Result<Self, InvalidInput> {
        if key.is_empty() {
            return Err(InvalidInput::IdempotencyKey("it is empty"));
        }
        if key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(InvalidInput::IdempotencyKey("it is longer than 255 bytes"));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidInput::IdempotencyKey(
                "only visible ASCII characters are allowed",
            ));
        }
        HeaderValue::from_str(key)
            .map(Self)
            .map_err(|_| InvalidInput::IdempotencyKey("not a valid header value"))
    }

    /// A key made from 128 random bits supplied by the caller (the core has no random source),
    /// formatted as a version-4 UUID.
    ///
    /// ```
    /// use workos_sso_logout::IdempotencyKey;
    /// let key = IdempotencyKey::from_random(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    /// assert_eq!(key.as_str(), "01234567-89ab-4def-8123-456789abcdef");
    /// ```
    pub fn from_random(random: u128) -> Self {
        let v = (random & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
        let hex = format!("{v:032x}");
        let s = format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        );
        Self(HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static("retry")))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }

    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}
