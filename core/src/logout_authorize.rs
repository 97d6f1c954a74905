//! Logout Authorize: `POST {base}/sso/logout/authorize`. Never imports Logout Redirect.

use std::fmt;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response};
use url::Url;

use crate::config::{Config, IdempotencyKey, ProfileId, check_secure_target};
use crate::error::{Error, InvalidInput, UnexpectedReason};
use crate::exchange::{Reader, base_request};
use crate::redact::{Secrets, redact_url};
use crate::secret::LogoutToken;

/// This endpoint, as errors name it.
const ENDPOINT: &str = "logout_authorize";

/// The path segments of Logout Authorize, below the base URL.
const AUTHORIZE_PATH: &[&str] = &["sso", "logout", "authorize"];

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
    /// The URL of Logout Authorize for this configuration (what its responses are parsed
    /// against; see [`parse_logout_authorize_response`]).
    ///
    /// ```
    /// let config = workos_sso_logout::Config::without_api_key();
    /// assert_eq!(config.logout_authorize_url().as_str(), "https://auth.workos.com/sso/logout/authorize");
    /// ```
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
        // Visible ASCII by construction (`ApiKey::new`), so this cannot fail; if it did, say so.
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", key.expose_secret())).map_err(|_| {
                InvalidInput::BadCharacter {
                    field: "API key",
                    what: "a character not allowed in an HTTP header",
                    at: 0,
                }
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &request.idempotency_key {
            // Visible ASCII by construction, so this cannot fail; if it did, say so.
            let value =
                HeaderValue::from_str(key.as_str()).map_err(|_| InvalidInput::BadCharacter {
                    field: "idempotency key",
                    what: "a character not allowed in an HTTP header",
                    at: 0,
                })?;
            headers.insert("idempotency-key", value);
        }
        Ok(req)
    }
}

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
/// assert_eq!(logout.logout_url().as_str(), "https://auth.workos.com/sso/logout?token=secret");
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
        // The token is redacted wherever it stands in the URL, not only as `?token=`.
        let mut token = Secrets::default();
        token.add(self.logout_token.expose_secret());
        f.debug_struct("LogoutAuthorization")
            .field("logout_url", &token.scrub(&redact_url(&self.logout_url)))
            .field("logout_token", &self.logout_token)
            .finish()
    }
}

/// Parses a Logout Authorize response to a request sent to `request_url`.
///
/// Any 2xx whose JSON body holds a `logout_url` and a `logout_token` is a success. The
/// `logout_url` must be an absolute URL the token may travel in: `https`, or `http` to a loopback
/// host, with no user info (the rule [`Config::redirect_call`] applies before following it), and
/// no downgrade: when the request went over `https`, so must the browser. An error status is an [`Error::Api`]
/// (JSON body) or an [`Error::UnexpectedResponse`] (anything else).
///
/// Both parse functions take the same arguments: the URL the request went to, and the response.
///
/// ```
/// use workos_sso_logout::parse_logout_authorize_response;
/// let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
/// let body = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t0k","logout_token":"t0k"}"#;
/// let auth = parse_logout_authorize_response(&sent_to, &http::Response::new(body))?;
/// assert_eq!(auth.logout_token().expose_secret(), "t0k");
///
/// let not_found = http::Response::builder().status(404).body(r#"{"message":"Profile not found"}"#)?;
/// let err = parse_logout_authorize_response(&sent_to, &not_found).unwrap_err();
/// assert_eq!(err.as_api().unwrap().message.as_deref(), Some("Profile not found"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_logout_authorize_response<B: AsRef<[u8]>>(
    request_url: &Url,
    response: &Response<B>,
) -> Result<LogoutAuthorization, Error> {
    parse(request_url, response, &Secrets::of_url(request_url))
}

/// [`parse_logout_authorize_response`] for a call that knows its secrets (the API key).
pub(crate) fn parse<B: AsRef<[u8]>>(
    request_url: &Url,
    response: &Response<B>,
    secrets: &Secrets,
) -> Result<LogoutAuthorization, Error> {
    let reader = Reader {
        endpoint: ENDPOINT,
        response,
        secrets,
    };
    reader.require_success()?;
    // The browser is sent to the logout URL: it must not carry the call's own secrets (the key).
    let carries_ours = |url: &Url| secrets.found_in(url.as_str());
    // A success body carries a fresh token: should it fail to parse, its excerpt must not show it.
    let secrets = &with_body_token(secrets, response.body().as_ref());
    let reader = Reader {
        endpoint: ENDPOINT,
        response,
        secrets,
    };
    let object = reader.json_object()?;
    let url = match object.get("logout_url") {
        None | Some(serde_json::Value::Null) => {
            return Err(reader.unexpected(UnexpectedReason::MissingField("logout_url")));
        }
        Some(v) => v
            .as_str()
            .and_then(|s| Url::parse(s).ok())
            .filter(|u| acceptable_logout_url(request_url, u) && !carries_ours(u))
            .ok_or_else(|| reader.unexpected(UnexpectedReason::InvalidField("logout_url")))?,
    };
    let token = match object.get("logout_token") {
        None | Some(serde_json::Value::Null) => {
            return Err(reader.unexpected(UnexpectedReason::MissingField("logout_token")));
        }
        Some(v) => v
            .as_str()
            .and_then(|s| LogoutToken::new(s).ok())
            .ok_or_else(|| reader.unexpected(UnexpectedReason::InvalidField("logout_token")))?,
    };
    Ok(LogoutAuthorization {
        logout_url: url,
        logout_token: token,
    })
}

/// `secrets` plus the `logout_token` a success body holds, found leniently (the body may be
/// truncated or otherwise not JSON): the string after `"logout_token"`, up to its closing quote.
fn with_body_token(secrets: &Secrets, body: &[u8]) -> Secrets {
    let mut secrets = secrets.clone();
    let text = String::from_utf8_lossy(body);
    let mut rest = text.as_ref();
    while let Some(at) = rest.find("\"logout_token\"") {
        rest = &rest[at + "\"logout_token\"".len()..];
        let value = rest.trim_start().strip_prefix(':').map(str::trim_start);
        if let Some(value) = value.and_then(|v| v.strip_prefix('"')) {
            let end = value.find('"').unwrap_or(value.len());
            secrets.add(&value[..end]);
        }
    }
    secrets
}

/// The logout URL carries the token: a secure target, no user info, no https → http downgrade.
fn acceptable_logout_url(request_url: &Url, url: &Url) -> bool {
    check_secure_target(url).is_ok()
        && url.username().is_empty()
        && url.password().is_none()
        && !(request_url.scheme() == "https" && url.scheme() != "https")
}
