//! The client configuration: the API key, the base URL and the `User-Agent`.

use std::fmt;

use http::HeaderValue;

use crate::base_url::BaseUrl;
use crate::error::InvalidInput;
use crate::inputs::{ApiKey, check, header_value, is_tchar};
use crate::redact::Secrets;

/// The `User-Agent` every request carries.
const USER_AGENT: &str = concat!("workos-sso-logout-rust/", env!("CARGO_PKG_VERSION"));

/// Longest application name or version accepted in the `User-Agent`, in bytes.
const MAX_APP_INFO_LEN: usize = 64;

/// The environment variable holding the API key.
const API_KEY_VAR: &str = "WORKOS_API_KEY";

/// The environment variable holding an optional base URL.
const BASE_URL_VAR: &str = "WORKOS_BASE_URL";

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
    /// The key in every form a response could echo it in, for scrubbing; built once.
    key_secrets: Secrets,
    base_url: BaseUrl,
    /// The `User-Agent`, made once (its text is [`Config::user_agent`]).
    user_agent_header: HeaderValue,
}

impl Config {
    /// A configuration for the default base URL, `https://auth.workos.com`.
    pub fn new(api_key: ApiKey) -> Self {
        let mut key_secrets = Secrets::default();
        key_secrets.add(api_key.expose_secret());
        Self {
            api_key: Some(api_key),
            key_secrets,
            ..Self::without_api_key()
        }
    }

    /// A configuration without an API key, for building and following Logout Redirect URLs only
    /// (the browser's side, which never carries the key). Logout Authorize then fails with
    /// [`InvalidInput::MissingApiKey`] before anything is sent.
    pub fn without_api_key() -> Self {
        Self {
            api_key: None,
            key_secrets: Secrets::default(),
            base_url: BaseUrl::default(),
            user_agent_header: HeaderValue::from_static(USER_AGENT),
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
        // Visible ASCII by construction (the crate's name and version, HTTP token characters).
        self.user_agent_header.to_str().unwrap_or(USER_AGENT)
    }

    /// The `User-Agent` as a header value, built once.
    pub(crate) fn user_agent_header(&self) -> &HeaderValue {
        &self.user_agent_header
    }

    /// The API key's forms to scrub from responses (empty without a key).
    pub(crate) fn key_secrets(&self) -> &Secrets {
        &self.key_secrets
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key)
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent())
            .finish()
    }
}
