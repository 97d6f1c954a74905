//! Logout Authorize: `POST {base}/sso/logout/authorize`.

use std::fmt;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Response};
use url::Url;

use crate::config::{Config, IdempotencyKey, ProfileId};
use crate::error::{Error, InvalidInput, UnexpectedReason};
use crate::response::{json_object, require_success, unexpected};
use crate::secret::{LogoutToken, redact_url};

/// The path segments of Logout Authorize, below the base URL.
pub const AUTHORIZE_PATH: &[&str] = &["sso", "logout", "authorize"];

/// A Logout Authorize call: the profile to sign out, and optionally an idempotency key.
///
/// ```
/// use workos_sso_logout::{LogoutAuthorizeRequest, ProfileId};
/// let req = LogoutAuthorizeRequest::new(ProfileId::new("prof_123")?);
/// assert_eq!(req.profile_id().as_str(), "prof_123");
/// # Ok::<(), workos_sso_logout::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutAuthorizeRequest {
    profile_id: ProfileId,
    idempotency_key: Option<IdempotencyKey>,
}

impl LogoutAuthorizeRequest {
    /// A request for `profile_id`, without an idempotency key.
    pub fn new(profile_id: ProfileId) -> Self {
        Self {
            profile_id,
            idempotency_key: None,
        }
    }

    /// Sets the `Idempotency-Key` header.
    pub fn with_idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    /// The profile id.
    pub fn profile_id(&self) -> &ProfileId {
        &self.profile_id
    }

    /// The idempotency key, if set.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
}

impl Config {
    /// The URL of Logout Authorize for this configuration.
    pub fn logout_authorize_url(&self) -> Url {
        self.base_url().endpoint(AUTHORIZE_PATH)
    }

    /// Builds the Logout Authorize request: `POST {base}/sso/logout/authorize` with
    /// `Authorization: Bearer`, `Content-Type` and `Accept: application/json`, `User-Agent`, the
    /// optional `Idempotency-Key`, and the body `{"profile_id": …}`.
    ///
    /// ```
    /// use workos_sso_logout::{ApiKey, Config, LogoutAuthorizeRequest, ProfileId};
    /// let config = Config::new(ApiKey::new("sk_test_123")?);
    /// let req = config.logout_authorize_request(&LogoutAuthorizeRequest::new(ProfileId::new("prof_1")?))?;
    /// assert_eq!(req.method(), "POST");
    /// assert_eq!(req.uri(), "https://auth.workos.com/sso/logout/authorize");
    /// assert_eq!(req.body(), br#"{"profile_id":"prof_1"}"#);
    /// # Ok::<(), workos_sso_logout::Error>(())
    /// ```
    pub fn logout_authorize_request(
        &self,
        request: &LogoutAuthorizeRequest,
    ) -> Result<Request<Vec<u8>>, Error> {
        // `Value`'s `Display` is infallible JSON serialisation.
        let profile_id = serde_json::Value::from(request.profile_id.as_str());
        let body = format!(r#"{{"profile_id":{profile_id}}}"#).into_bytes();
        let mut req = base_request(self, Method::POST, &self.logout_authorize_url(), body)?;
        let headers = req.headers_mut();
        let key = self.api_key().ok_or(InvalidInput::MissingApiKey)?;
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", key.expose_secret())).map_err(|_| {
                InvalidInput::ApiKeyCharacter("a character not allowed in an HTTP header")
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &request.idempotency_key {
            headers.insert("idempotency-key", key.header_value().clone());
        }
        Ok(req)
    }
}

/// A request with the method, URL, `Accept` and `User-Agent` every call shares.
pub(crate) fn base_request(
    config: &Config,
    method: Method,
    url: &Url,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>, Error> {
    let uri = url
        .as_str()
        .parse::<http::Uri>()
        .map_err(|_| InvalidInput::BaseUrl {
            url: None,
            reason: "the request URL is not a valid HTTP request target".into(),
        })?;
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    let headers = req.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(config.user_agent()));
    Ok(req)
}

/// A successful Logout Authorize: where to send the browser, and the token in it.
///
/// Prefer [`logout_url`](Self::logout_url): it is the ready-to-use URL WorkOS built. `Debug`
/// redacts the token, including inside the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct LogoutAuthorization {
    logout_url: Url,
    logout_token: LogoutToken,
}

impl LogoutAuthorization {
    /// The URL to redirect the user's browser to. It carries the token: do not log it.
    pub fn logout_url(&self) -> &Url {
        &self.logout_url
    }

    /// The logout token.
    pub fn logout_token(&self) -> &LogoutToken {
        &self.logout_token
    }

    /// Both parts, by value.
    pub fn into_parts(self) -> (Url, LogoutToken) {
        (self.logout_url, self.logout_token)
    }
}

impl fmt::Debug for LogoutAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutAuthorization")
            .field("logout_url", &redact_url(&self.logout_url))
            .field("logout_token", &self.logout_token)
            .finish()
    }
}

/// Parses a Logout Authorize response. Any 2xx whose JSON body holds a `logout_url` (an absolute
/// `http`/`https` URL) and a `logout_token` is a success; an error status is an
/// [`Error::Api`] (JSON body) or an [`Error::UnexpectedResponse`] (anything else).
///
/// ```
/// use workos_sso_logout::parse_logout_authorize_response;
/// let body = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t0k","logout_token":"t0k"}"#;
/// let auth = parse_logout_authorize_response(&http::Response::new(body)).unwrap();
/// assert_eq!(auth.logout_token().expose_secret(), "t0k");
///
/// let err = parse_logout_authorize_response(
///     &http::Response::builder().status(404).body(r#"{"message":"Profile not found"}"#).unwrap(),
/// ).unwrap_err();
/// assert_eq!(err.as_api().unwrap().message.as_deref(), Some("Profile not found"));
/// ```
pub fn parse_logout_authorize_response<B: AsRef<[u8]>>(
    response: &Response<B>,
) -> Result<LogoutAuthorization, Error> {
    require_success(response)?;
    let unexpected = |reason| unexpected(response, reason);
    let object = json_object(response)?;
    let url = match object.get("logout_url") {
        None | Some(serde_json::Value::Null) => {
            return Err(unexpected(UnexpectedReason::MissingField("logout_url")));
        }
        Some(v) => v
            .as_str()
            .and_then(|s| Url::parse(s).ok())
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.has_host())
            .ok_or_else(|| unexpected(UnexpectedReason::InvalidField("logout_url")))?,
    };
    let token = match object.get("logout_token") {
        None | Some(serde_json::Value::Null) => {
            return Err(unexpected(UnexpectedReason::MissingField("logout_token")));
        }
        Some(v) => v
            .as_str()
            .and_then(|s| LogoutToken::new(s).ok())
            .ok_or_else(|| unexpected(UnexpectedReason::InvalidField("logout_token")))?,
    };
    Ok(LogoutAuthorization {
        logout_url: url,
        logout_token: token,
    })
}
