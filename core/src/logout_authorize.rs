//! Logout Authorize: `POST {base}/sso/logout/authorize`. Never imports Logout Redirect.

use std::fmt;
use std::sync::Arc;

use http::{HeaderValue, Request, Response};
use url::Url;

use crate::config::{
    Config, IdempotencyKey, ProfileId, check_logout_url_text, starts_with_ignore_case,
};
use crate::error::{Error, InvalidInput, UnexpectedReason};
use crate::exchange::{Reader, Recipe};
use crate::redact::{Secrets, redact_url};
use crate::secret::LogoutToken;
use crate::validate::{header_value, not_a_header};

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

    /// The endpoint's URL and request target, built once per configuration. `None` only if the
    /// URL were no valid request target, which `BaseUrl` rules out.
    pub(crate) fn authorize_endpoint(&self) -> Option<&(Arc<str>, http::Uri)> {
        self.endpoints().authorize(|| {
            let url = self.logout_authorize_url();
            let uri = url.as_str().parse().ok()?;
            Some((Arc::from(url.as_str()), uri))
        })
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
        let key = request.idempotency_key.as_ref().map(IdempotencyKey::header);
        let key = key.transpose()?;
        Ok(self
            .authorize_recipe(request.profile_id(), key)?
            .into_request())
    }

    /// What the request for `profile_id` is made of, with this `Idempotency-Key` header value if
    /// any.
    pub(crate) fn authorize_recipe(
        &self,
        profile_id: &ProfileId,
        idempotency_key: Option<HeaderValue>,
    ) -> Result<Recipe, Error> {
        let key = match (self.api_key(), self.bearer_header()) {
            (None, _) => return Err(InvalidInput::MissingApiKey.into()),
            // Visible ASCII by construction (`ApiKey::new`), so the header always exists.
            (Some(_), None) => return Err(not_a_header("API key").into()),
            (Some(_), Some(bearer)) => bearer.clone(),
        };
        let (_, uri) = self
            .authorize_endpoint()
            .ok_or_else(|| InvalidInput::BaseUrl {
                url: None,
                reason: "the request URL is not a valid HTTP request target".into(),
            })?;
        let id = profile_id.as_str();
        let mut body = Vec::with_capacity(id.len() + 18);
        body.extend_from_slice(br#"{"profile_id":"#);
        // Writing a `str` as JSON into a `Vec` cannot fail.
        serde_json::to_writer(&mut body, id).map_err(|_| not_a_header("profile id"))?;
        body.push(b'}');
        let uri = uri.clone();
        Ok(Recipe::post_json(self, uri, key, idempotency_key, body))
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
    logout_token: LogoutToken,
}

impl LogoutAuthorization {
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
    /// `Referer`). Any web framework can return it (map the empty body to its own type).
    ///
    /// ```
    /// # use workos_sso_logout::parse_logout_authorize_response;
    /// # let sent_to = url::Url::parse("https://auth.workos.com/sso/logout/authorize")?;
    /// # let body = r#"{"logout_url":"https://auth.workos.com/sso/logout?token=t0k3n","logout_token":"t0k3n"}"#;
    /// # let logout = parse_logout_authorize_response(&sent_to, &http::Response::new(body))?;
    /// let response = logout.browser_redirect()?;
    /// assert_eq!(response.status(), 303);
    /// assert_eq!(response.headers()["location"], "https://auth.workos.com/sso/logout?token=t0k3n");
    /// assert_eq!(response.headers()["cache-control"], "no-store");
    /// assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn browser_redirect(&self) -> Result<Response<Vec<u8>>, Error> {
        let location = header_value(&self.logout_url, "logout URL")?;
        let mut response = Response::new(Vec::new());
        *response.status_mut() = http::StatusCode::SEE_OTHER;
        let headers = response.headers_mut();
        headers.insert(http::header::LOCATION, location);
        headers.insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
        headers.insert(
            http::header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        Ok(response)
    }

    /// Both parts, by value.
    pub fn into_parts(self) -> (String, LogoutToken) {
        (self.logout_url, self.logout_token)
    }
}

impl fmt::Debug for LogoutAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is redacted wherever it stands in the URL, not only as `?token=`.
        let mut token = Secrets::default();
        token.add(self.logout_token.expose_secret());
        let shown = match Url::parse(&self.logout_url) {
            Ok(url) => redact_url(&url),
            Err(_) => self.logout_url.clone(),
        };
        f.debug_struct("LogoutAuthorization")
            .field("logout_url", &token.scrub(&shown))
            .field("logout_token", &self.logout_token)
            .finish()
    }
}

/// Parses a Logout Authorize response to a request sent to `request_url`.
///
/// Any 2xx whose JSON body holds a `logout_url` and a `logout_token` is a success. The
/// `logout_url` must be an absolute URL the token may travel in: `https`, or `http` to a loopback
/// host, with no user info (the rule [`Config::redirect_call`] applies before following it), no
/// downgrade (when the request went over `https`, so must the browser), and only visible ASCII.
/// It is checked as text, in one pass, and kept as WorkOS wrote it. An error status is an [`Error::Api`]
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
    let request_url = request_url.as_str();
    parse(
        request_url,
        response,
        &Secrets::default().with_url_tokens(request_url),
    )
}

/// [`parse_logout_authorize_response`] for a call that knows its secrets (the API key).
pub(crate) fn parse<B: AsRef<[u8]>>(
    request_url: &str,
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
    let carries_ours = |url: &str| secrets.found_in(url);
    if let Some(done) = fast(request_url, response.body().as_ref(), &carries_ours) {
        return Ok(done);
    }
    // Something is off: read the body again, slowly, to say exactly what.
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
            .filter(|u| acceptable_logout_url(request_url, u) && !carries_ours(u))
            .map(str::to_owned)
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

/// The answer as it should be: both fields, strings, borrowed from the body where they can be.
#[derive(serde::Deserialize)]
struct Answer<'a> {
    #[serde(borrow, default)]
    logout_url: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    logout_token: Option<std::borrow::Cow<'a, str>>,
}

/// The common case in one typed pass: a well-formed answer with an acceptable URL and token.
/// `None` sends the caller to the slow path, which names what is wrong.
fn fast(
    request_url: &str,
    body: &[u8],
    carries_ours: &dyn Fn(&str) -> bool,
) -> Option<LogoutAuthorization> {
    let answer: Answer<'_> = serde_json::from_slice(body).ok()?;
    let url = answer.logout_url?;
    if !acceptable_logout_url(request_url, &url) || carries_ours(&url) {
        return None;
    }
    let token = LogoutToken::new(answer.logout_token?.into_owned()).ok()?;
    Some(LogoutAuthorization {
        logout_url: url.into_owned(),
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

/// The logout URL carries the token: the text rule of [`check_logout_url_text`], and no
/// `https` → `http` downgrade from the URL the request went to.
fn acceptable_logout_url(request_url: &str, url: &str) -> bool {
    let downgrade =
        starts_with_ignore_case(request_url, "https:") && !starts_with_ignore_case(url, "https:");
    !downgrade && check_logout_url_text(url).is_ok()
}
