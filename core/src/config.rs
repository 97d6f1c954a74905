//! Configuration and validated inputs: the base URL, the client configuration, the profile id and
//! the idempotency key.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use http::HeaderValue;
use url::{Host, Url};

use crate::error::InvalidInput;
use crate::redact::{Secrets, every_byte};
use crate::secret::ApiKey;
use crate::validate::{check, header_value, printable, visible_ascii};

/// The base URL both logout operations are served from, per the WorkOS API reference.
const DEFAULT_BASE_URL: &str = "https://auth.workos.com";

/// The `User-Agent` every request carries.
const USER_AGENT: &str = concat!("workos-sso-logout-rust/", env!("CARGO_PKG_VERSION"));

/// Longest profile id accepted, in bytes (WorkOS ids are about 30).
const MAX_PROFILE_ID_LEN: usize = 1024;

/// Longest application name or version accepted in the `User-Agent`, in bytes.
const MAX_APP_INFO_LEN: usize = 64;

/// The environment variable holding the API key.
const API_KEY_VAR: &str = "WORKOS_API_KEY";

/// The environment variable holding an optional base URL.
const BASE_URL_VAR: &str = "WORKOS_BASE_URL";

/// Longest idempotency key accepted, in bytes.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

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
        if url.cannot_be_a_base() || !url.has_host() {
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
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.0.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

impl Default for BaseUrl {
    /// `https://auth.workos.com`, where the WorkOS API reference serves both logout operations.
    #[allow(clippy::expect_used)] // a constant, not input: checked by the `default_base_url` test
    fn default() -> Self {
        BaseUrl(Url::parse(DEFAULT_BASE_URL).expect("DEFAULT_BASE_URL is a valid URL"))
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

/// Whether `text` starts with `prefix`, ASCII case aside.
pub(crate) fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Checks, as text and in one pass, that a logout URL may carry its token: an absolute
/// `http(s)` URL of visible ASCII, with a valid host and port and no user info, `https` or
/// `http` to loopback. (A full URL parse of the ~400 bytes WorkOS sends was the larger part of
/// reading an answer.)
pub(crate) fn check_logout_url_text(url: &str) -> Result<(), &'static str> {
    if !every_byte(url, |b| b.is_ascii_graphic()) {
        return Err("it must be visible ASCII, without spaces");
    }
    let (https, rest) = match (
        starts_with_ignore_case(url, "https://"),
        starts_with_ignore_case(url, "http://"),
    ) {
        (true, _) => (true, &url[8..]),
        (_, true) => (false, &url[7..]),
        _ => return Err("it must be an absolute http(s) URL"),
    };
    // Read as bytes: the text is ASCII, and a search for a set of chars decodes each one.
    let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#'));
    let authority = &rest[..end.unwrap_or(rest.len())];
    if authority.bytes().any(|b| b == b'@') {
        return Err("it must not contain user info");
    }
    let (host, port) = host_and_port(authority).ok_or("it has no valid host")?;
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !host_ok || !port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok()) {
        return Err("it has no valid host");
    }
    if !https && !is_loopback_name(host) {
        return Err(
            "plain http is only allowed to a loopback host (localhost, 127.0.0.1, [::1]); use https",
        );
    }
    Ok(())
}

/// An authority's host (an IPv6 literal keeps its brackets, and must be one) and port, if any.
fn host_and_port(authority: &str) -> Option<(&str, Option<&str>)> {
    match authority.strip_prefix('[') {
        Some(v6) => {
            let (ip, after) = v6.split_once(']')?;
            ip.parse::<std::net::Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                after => Some(after.strip_prefix(':')?),
            };
            Some((&authority[..ip.len() + 2], port))
        }
        None => Some(match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }),
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

/// Whether a host name or address (as in a URI: `localhost`, `127.0.0.1`, `[::1]`) is loopback.
///
/// This runs on every request (is a proxy allowed?), so the common forms skip the URL host parse
/// and its IDNA mapping, with the answer it would give: a dotted-quad or bracketed IPv6 address
/// as the standard library reads it, and a plain ASCII name whose last label cannot be read as a
/// number (`api.workos.com`), which that parse only lowercases. Anything else (`127.1`, `0x7f.1`,
/// `xn--…`, non-ASCII) takes the full parse.
pub(crate) fn is_loopback_name(host: &str) -> bool {
    if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
        return ip.is_loopback();
    }
    let v6 = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    if let Some(Ok(ip)) = v6.map(str::parse::<std::net::Ipv6Addr>) {
        return ip.is_loopback();
    }
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    let last = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or_default();
    let numeric = |b: u8| b.is_ascii_hexdigit() || b == b'x' || b == b'X';
    let punycode = host
        .split('.')
        .any(|label| starts_with_ignore_case(label, "xn--"));
    if host.bytes().all(plain) && !last.bytes().all(numeric) && !punycode {
        return host.eq_ignore_ascii_case("localhost");
    }
    loopback_by_parse(host)
}

/// Whether a host is loopback, read by the URL host parse (the answer the shortcuts above give).
fn loopback_by_parse(host: &str) -> bool {
    match Host::parse(host) {
        Ok(Host::Domain(d)) => is_loopback(&Host::Domain(d.as_str())),
        Ok(Host::Ipv4(ip)) => is_loopback(&Host::<&str>::Ipv4(ip)),
        Ok(Host::Ipv6(ip)) => is_loopback(&Host::<&str>::Ipv6(ip)),
        Err(_) => false,
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
/// `Debug` shows the base URL and redacts the key. The `User-Agent` header is built once, here.
///
/// ```
/// use workos_sso_logout::{ApiKey, BaseUrl, Config};
/// let config = Config::new(ApiKey::new("sk_test_123")?)
///     .with_base_url(BaseUrl::parse("http://127.0.0.1:4100")?)
///     .with_app_info("acme-portal", "2.4.1")?;
/// assert_eq!(config.base_url().to_string(), "http://127.0.0.1:4100/");
/// assert!(config.user_agent().ends_with(" acme-portal/2.4.1"));
/// assert!(!format!("{config:?}").contains("sk_test_123"));
/// # Ok::<(), workos_sso_logout::InvalidInput>(())
/// ```
#[derive(Clone)]
pub struct Config {
    api_key: Option<ApiKey>,
    /// `Bearer <key>`, built once (sensitive: never shown by `http`'s `Debug`).
    bearer: Option<HeaderValue>,
    /// The key in every form a response could echo it in, for scrubbing; built once, shared.
    key_secrets: Arc<Secrets>,
    base_url: BaseUrl,
    user_agent: String,
    user_agent_header: HeaderValue,
    /// Endpoint URLs as the endpoint modules first build them, kept for every later request.
    endpoints: EndpointCache,
}

/// A lazily filled cache of an endpoint's URL and request target. Emptied whenever the base URL
/// changes. (Its own type so `Config`'s fields stay plain.)
#[derive(Clone, Default)]
pub(crate) struct EndpointCache {
    authorize: std::sync::OnceLock<Option<(Arc<str>, http::Uri)>>,
}

impl EndpointCache {
    /// The Logout Authorize URL and target, built by `build` the first time.
    pub(crate) fn authorize(
        &self,
        build: impl FnOnce() -> Option<(Arc<str>, http::Uri)>,
    ) -> Option<&(Arc<str>, http::Uri)> {
        self.authorize.get_or_init(build).as_ref()
    }
}

impl Config {
    /// A configuration for the default base URL, `https://auth.workos.com`.
    pub fn new(api_key: ApiKey) -> Self {
        // Visible ASCII by construction (`ApiKey::new`), so the header is always valid; were it
        // not, Logout Authorize would report the key's bad character before sending anything.
        let bearer = HeaderValue::from_str(&format!("Bearer {}", api_key.expose_secret()));
        let bearer = bearer.ok().map(|mut value| {
            value.set_sensitive(true);
            value
        });
        let mut key_secrets = Secrets::default();
        key_secrets.add(api_key.expose_secret());
        Self {
            api_key: Some(api_key),
            bearer,
            key_secrets: Arc::new(key_secrets),
            ..Self::without_api_key()
        }
    }

    /// A configuration without an API key, for building and following Logout Redirect URLs only
    /// (the browser's side, which never carries the key). Logout Authorize then fails with
    /// [`InvalidInput::MissingApiKey`] before anything is sent.
    pub fn without_api_key() -> Self {
        Self {
            api_key: None,
            bearer: None,
            key_secrets: Arc::default(),
            base_url: BaseUrl::default(),
            user_agent: USER_AGENT.to_owned(),
            user_agent_header: HeaderValue::from_static(USER_AGENT),
            endpoints: EndpointCache::default(),
        }
    }

    /// The configuration the process environment gives: the API key from `WORKOS_API_KEY` and,
    /// when set and not empty, the base URL from `WORKOS_BASE_URL`. Validated as
    /// [`ApiKey::new`] and [`BaseUrl::parse`] validate. Without `WORKOS_API_KEY` the configuration
    /// has no key (Logout Redirect works; Logout Authorize fails with
    /// [`InvalidInput::MissingApiKey`] before anything is sent); the adapters' `Client::from_env`
    /// requires it.
    pub fn from_env() -> Result<Self, InvalidInput> {
        Self::from_env_with(|name| {
            std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
        })
    }

    /// [`from_env`](Self::from_env) over any lookup of `WORKOS_API_KEY` and `WORKOS_BASE_URL`:
    /// the same rules and messages for a CLI's flags or a test's map.
    ///
    /// ```
    /// use workos_sso_logout::Config;
    /// let config = Config::from_env_with(|name| match name {
    ///     "WORKOS_API_KEY" => Some("sk_test_123".to_owned()),
    ///     "WORKOS_BASE_URL" => Some("http://127.0.0.1:4100".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.base_url().as_url().port(), Some(4100));
    /// let err = Config::from_env_with(|name| (name == "WORKOS_API_KEY").then(|| "sk test".into()))
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "the API key contains a space at character 2");
    /// # Ok::<(), workos_sso_logout::InvalidInput>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, InvalidInput> {
        let set = |name| lookup(name).filter(|value| !value.trim().is_empty());
        let config = match set(API_KEY_VAR) {
            Some(key) => Self::new(ApiKey::new(key)?),
            None => Self::without_api_key(),
        };
        match set(BASE_URL_VAR) {
            Some(url) => Ok(config.with_base_url(BaseUrl::parse(&url)?)),
            None => Ok(config),
        }
    }

    /// Replaces the base URL.
    pub fn with_base_url(mut self, base_url: BaseUrl) -> Self {
        self.base_url = base_url;
        self.endpoints = EndpointCache::default();
        self
    }

    /// Tags the `User-Agent` with your application: `workos-sso-logout-rust/<version> name/version`,
    /// so WorkOS support can tell your calls apart. Both parts are 1 to 64 HTTP token characters
    /// (letters, digits and ``!#$%&'*+-.^_`|~``).
    pub fn with_app_info(mut self, name: &str, version: &str) -> Result<Self, InvalidInput> {
        check("application name", name, MAX_APP_INFO_LEN, is_tchar)?;
        check("application version", version, MAX_APP_INFO_LEN, is_tchar)?;
        let user_agent = format!("{USER_AGENT} {name}/{version}");
        self.user_agent_header = header_value(&user_agent, "application name")?;
        self.user_agent = user_agent;
        Ok(self)
    }

    /// The API key, if one is set.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    /// The `User-Agent` sent with every request: `workos-sso-logout-rust/<version>`, then the
    /// application tag of [`with_app_info`](Self::with_app_info) if any.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The `User-Agent` as a header value, built once.
    pub(crate) fn user_agent_header(&self) -> &HeaderValue {
        &self.user_agent_header
    }

    /// `Authorization: Bearer <key>`, built once; `None` without a key.
    pub(crate) fn bearer_header(&self) -> Option<&HeaderValue> {
        self.bearer.as_ref()
    }

    /// The API key's forms to scrub from responses (empty without a key).
    pub(crate) fn key_secrets(&self) -> &Arc<Secrets> {
        &self.key_secrets
    }

    /// The endpoint URLs built so far.
    pub(crate) fn endpoints(&self) -> &EndpointCache {
        &self.endpoints
    }
}

/// An HTTP token character (RFC 9110 `tchar`).
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// A validated WorkOS SSO profile id (`prof_…`): not empty or blank, at most 1024 bytes, no
/// control characters and no invisible ones (zero-width, bidirectional overrides). Other Unicode
/// is kept as is.
///
/// ```
/// use workos_sso_logout::ProfileId;
/// assert_eq!(ProfileId::new("prof_01H").unwrap().as_str(), "prof_01H");
/// assert!(ProfileId::new("").is_err());
/// assert!(ProfileId::new("   ").is_err());
/// assert!(ProfileId::new("prof\n").is_err());
/// assert!(ProfileId::new("prof_\u{202E}1").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileId(String);

impl ProfileId {
    /// Validates a profile id.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidInput> {
        let id = id.into();
        check("profile id", &id, MAX_PROFILE_ID_LEN, printable)?;
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

/// A validated `Idempotency-Key`: 1 to 255 visible ASCII characters.
///
/// One key is sent with every attempt of one call, so WorkOS can tell a retry from a new call.
///
/// ```
/// use workos_sso_logout::IdempotencyKey;
/// assert_eq!(IdempotencyKey::new("order-42")?.as_str(), "order-42");
/// assert!(IdempotencyKey::new("two words").is_err());
/// # Ok::<(), workos_sso_logout::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Validates a caller-chosen key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidInput> {
        let key = key.into();
        check(
            "idempotency key",
            &key,
            MAX_IDEMPOTENCY_KEY_LEN,
            visible_ascii,
        )?;
        Ok(Self(key))
    }

    /// A key made from 128 random bits supplied by the caller (the core has no random source),
    /// formatted as a version-4 UUID. Distinct random values give distinct keys.
    ///
    /// ```
    /// use workos_sso_logout::IdempotencyKey;
    /// let key = IdempotencyKey::from_random(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    /// assert_eq!(key.as_str(), "01234567-89ab-4def-8123-456789abcdef");
    /// ```
    pub fn from_random(random: u128) -> Self {
        Self(uuid_of(random).hyphenated().to_string())
    }

    /// The key. Visible ASCII by construction, so it is always a valid header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an `Idempotency-Key` header value.
    pub(crate) fn header(&self) -> Result<HeaderValue, InvalidInput> {
        header_value(&self.0, "idempotency key")
    }

    /// The header value [`from_random`](Self::from_random) would give, written straight into the
    /// header (no `String` in between).
    pub(crate) fn random_header(random: u128) -> Result<HeaderValue, InvalidInput> {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        header_value(
            uuid_of(random).hyphenated().encode_lower(&mut text),
            "idempotency key",
        )
    }
}

/// The version-4 UUID 128 random bits make.
fn uuid_of(random: u128) -> uuid::Uuid {
    uuid::Builder::from_random_bytes(random.to_be_bytes()).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_shortcuts_agree_with_the_url_host_parse() {
        let hosts = [
            "localhost",
            "LocalHost",
            "localhost.",
            "api.workos.com",
            "127.0.0.1",
            "127.1",
            "127.0.0.01",
            "0x7f.0.0.1",
            "2130706433",
            "[::1]",
            "[0:0::1]",
            "[::ffff:127.0.0.1]",
            "[::2]",
            "::1",
            "cafe",
            "a.cafe",
            "0x",
            "xn--localhost",
            "XN--ls8h",
            "lоcalhost",
            "",
            ".",
            "..",
            "-",
            "local-host",
            "localhost..",
            "127.0.0.1.",
            "[::1",
            "10.0.0.1",
        ];
        for host in hosts {
            assert_eq!(is_loopback_name(host), loopback_by_parse(host), "{host:?}");
        }
        proptest::proptest!(|(host in "[a-fA-FxX0-9lochst.:\\[\\]\\-]{0,16}|\\PC{0,8}")| {
            proptest::prop_assert_eq!(is_loopback_name(&host), loopback_by_parse(&host), "{:?}", host);
        });
    }

    #[test]
    fn default_base_url() {
        assert_eq!(
            BaseUrl::default().as_url().as_str(),
            "https://auth.workos.com/"
        );
    }

    #[test]
    fn random_keys_differ_when_the_randomness_does() {
        assert_ne!(
            IdempotencyKey::from_random(1),
            IdempotencyKey::from_random(2)
        );
    }
}
