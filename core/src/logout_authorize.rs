//! Logout Authorize: `POST {base}/sso/logout/authorize`, and the one parse of its answer. Never
//! imports Logout Redirect.

use std::fmt;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Method, Request, Response};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use url::Url;

use crate::base_url::check_logout_url;
use crate::config::Config;
use crate::error::{Error, InvalidInput};
use crate::inputs::{IdempotencyKey, LogoutToken, ProfileId, header_value};
use crate::logout_authorization::LogoutAuthorization;
use crate::redact::Secrets;
use crate::request::base_request;
use crate::response::Reader;
use crate::response_error::UnexpectedReason;

/// This endpoint, as errors name it.
const ENDPOINT: &str = "logout_authorize";

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
        self.base_url().authorize().0.clone()
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
        let key = self.api_key().ok_or(InvalidInput::MissingApiKey)?;
        let uri = self.base_url().authorize().1.clone();
        let body = AuthorizeBody {
            profile_id: request.profile_id.as_str(),
        };
        // Serialising a string field cannot fail; were it to, the profile id is what it names.
        let body = serde_json::to_vec(&body).map_err(|_| InvalidInput::BadCharacter {
            field: "profile id",
            what: "a character JSON cannot hold",
            at: 0,
        })?;
        let mut built = base_request(self, Method::POST, uri, body);
        let headers = built.headers_mut();
        headers.insert(AUTHORIZATION, key.bearer().clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = &request.idempotency_key {
            let value = header_value(key.as_str(), "idempotency key")?;
            headers.insert(HeaderName::from_static("idempotency-key"), value);
        }
        Ok(built)
    }
}

/// The request's body.
#[derive(serde::Serialize)]
struct AuthorizeBody<'a> {
    profile_id: &'a str,
}

/// Parses a Logout Authorize response to a request sent to `request_url`.
///
/// Any 2xx whose JSON body holds a `logout_url` and a `logout_token` is a success. The
/// `logout_url` must be an absolute URL the token may travel in: `https`, or `http` to a loopback
/// host, with no user info (the rule [`Config::redirect_call`] applies before following it), no
/// downgrade (when the request went over `https`, so must the browser), only visible ASCII, and
/// its `token` must be the `logout_token`; it is kept as WorkOS wrote it. A field given twice is
/// refused. An error status is an [`Error::Api`] (JSON body) or an [`Error::UnexpectedResponse`]
/// (anything else).
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
    parse(request_url, response, &Secrets::default())
}

/// [`parse_logout_authorize_response`] for a call that knows its secrets (the API key).
pub(crate) fn parse<B: AsRef<[u8]>>(
    request_url: &Url,
    response: &Response<B>,
    secrets: &Secrets,
) -> Result<LogoutAuthorization, Error> {
    let reader = Reader {
        endpoint: ENDPOINT,
        url: request_url,
        response,
        secrets,
    };
    if !response.status().is_success() {
        return Err(reader.error());
    }
    let answer: Answer = serde_json::from_slice(response.body().as_ref())
        .map_err(|error| reader.unreadable(&error))?;
    // A success body carries a fresh token: an error about it must not show it.
    let fail = |reason, token: &str| {
        let mut with_token = secrets.clone();
        with_token.add(token);
        let reader = Reader {
            secrets: &with_token,
            ..reader
        };
        reader.unexpected(reason)
    };
    let token = answer.logout_token.text("logout_token");
    let url = answer.logout_url.text("logout_url");
    let url = url.map_err(|reason| fail(reason, token.as_deref().unwrap_or_default()))?;
    let token = token.map_err(|reason| fail(reason, ""))?;
    // (An invalid token is not added: the excerpt of a JSON body hides every token already.)
    let token = LogoutToken::new(token)
        .map_err(|_| fail(UnexpectedReason::InvalidField("logout_token"), ""))?;
    let fail = |reason| fail(reason, token.expose_secret());
    // The browser is sent there: the rule for a URL that carries a token, and not our API key.
    let parsed = check_logout_url(&url, request_url.scheme() == "https")
        .ok()
        .filter(|_| !secrets.found_in(&url))
        .ok_or_else(|| fail(UnexpectedReason::InvalidField("logout_url")))?
        .0;
    // Both fields name one token: an answer whose URL carries another is not trusted.
    let mut tokens = parsed.query_pairs().filter(|(name, _)| name == "token");
    let first = tokens.next();
    let agree = |(_, value): (_, std::borrow::Cow<'_, str>)| value == token.expose_secret();
    if !(first.is_some_and(agree) && tokens.all(agree)) {
        return Err(fail(UnexpectedReason::TokenMismatch));
    }
    // The redirect's `Location`, made here so that `browser_redirect` cannot fail.
    let location = HeaderValue::from_str(&url)
        .map_err(|_| fail(UnexpectedReason::InvalidField("logout_url")))?;
    Ok(LogoutAuthorization::new(url, location, token))
}

/// The answer, read in one pass by `serde_json`: each field as it was found.
struct Answer {
    logout_url: Field,
    logout_token: Field,
}

/// One field of the answer.
enum Field {
    /// Absent, or `null`.
    Missing,
    Text(String),
    /// Not a string.
    WrongType,
    /// Given more than once.
    Twice,
}

impl Field {
    /// The text, or why there is none.
    fn text(self, name: &'static str) -> Result<String, UnexpectedReason> {
        match self {
            Field::Text(text) => Ok(text),
            Field::Missing => Err(UnexpectedReason::MissingField(name)),
            Field::WrongType => Err(UnexpectedReason::InvalidField(name)),
            Field::Twice => Err(UnexpectedReason::DuplicateField(name)),
        }
    }
}

/// The answer's keys (a key written with JSON escapes is the same key: `serde_json` decodes it).
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Key {
    LogoutUrl,
    LogoutToken,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AnswerVisitor)
    }
}

/// Reads the answer's object, keeping every field's fate (a derived `Deserialize` would stop at
/// the first problem without naming the field of a wrong type).
struct AnswerVisitor;

impl<'de> Visitor<'de> for AnswerVisitor {
    type Value = Answer;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
        let (mut url, mut token) = (None, None);
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::LogoutUrl => &mut url,
                Key::LogoutToken => &mut token,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let field = match map.next_value::<serde_json::Value>()? {
                _ if slot.is_some() => Field::Twice,
                serde_json::Value::String(text) => Field::Text(text),
                serde_json::Value::Null => Field::Missing,
                _ => Field::WrongType,
            };
            *slot = Some(field);
        }
        Ok(Answer {
            logout_url: url.unwrap_or(Field::Missing),
            logout_token: token.unwrap_or(Field::Missing),
        })
    }
}
