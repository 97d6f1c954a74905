//! An example web application on axum that signs users in through (emulated) WorkOS SSO and
//! signs them out everywhere with the SDK — and the browser tests that prove it. It is the code
//! a user copies, so it does what real sign-in code must, with the crates made for each job:
//!
//! - **Sessions** through axum's session layer, [`tower_sessions`], in a store named by
//!   [`AppConfig::sessions`]: SQLite (embedded, the default: an in-memory database, or a file)
//!   or Redis, which several instances share — a user signed in through one instance is known to
//!   all, and a sign-out through any of them ends the session everywhere. The session cookie
//!   (`app_session`) is private (encrypted and authenticated with [`AppConfig::cookie_key`]),
//!   `HttpOnly`, `SameSite=Lax`, `Secure` when the app's origin is `https`. A session ends after
//!   [`AppConfig::session_idle`] without use and at the latest [`AppConfig::session_lifetime`]
//!   after sign-in: each use sets that end as the store's expiry (and the cookie's). A session store that fails (Redis down, or
//!   refusing writes) gets a `503` page and an `error` in the log: no panic, and no session made.
//! - **Pages** from [`maud`] templates, which escape every value they splice in.
//! - `GET /`: who is signed in, with a "Sign out" button, or a "Sign in" link.
//! - `GET /sign-in` → WorkOS SSO authorize → the IdP → `GET /callback?code&state`. The `state`
//!   is random, kept in a short-lived private cookie ([`axum_extra`]'s `PrivateCookieJar`), and
//!   checked at the callback before the code is exchanged (`POST /sso/token`): a callback this
//!   browser did not start (login CSRF) gets a `400` and no session. A tampered cookie counts as
//!   no cookie.
//! - `POST /sign-out`: the app session ends, then Logout Authorize through the SDK
//!   (`workos-sso-logout-hyper`), and the browser gets the SDK's `browser_redirect()`: a 303 to
//!   the logout URL (`Cache-Control: no-store`, `Referrer-Policy: no-referrer`), which ends the
//!   IdP session and comes back to `GET /signed-out`. A user on a connection WorkOS cannot sign
//!   out (SAML: `400 connection_invalid`) is told that their identity provider session may still
//!   be active. The click waits at most [`AppConfig::sign_out_deadline`] for WorkOS (3 s, retries
//!   included); during an outage (a network failure, a 429 or 5xx, the deadline) the user is told
//!   the same, with the wait WorkOS asked for and its request id.
//! - `POST /sign-out-local`: only the app session ends (what an app without single logout does:
//!   the next "Sign in" is silent, since the IdP still knows the browser).
//! - Both sign-out endpoints refuse a request another site made (`Origin` or `Sec-Fetch-Site` not
//!   this origin): `403`, nothing ended.
//! - `GET /logout`: the logout URI for IdP-initiated logout; it ends the app session, in the
//!   shared store, whichever instance it lands on.
//! - Error pages say what to do and show the WorkOS request id; the full error goes to the log
//!   (`tracing`), never into the page.
#![forbid(unsafe_code)]

/// The repository README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// The migration notes' examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../MIGRATING.md")]
struct MigratingDoctests;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use maud::{DOCTYPE, Markup, html};
use ring::rand::{SecureRandom, SystemRandom};
use tower_sessions::cookie::time::{self, OffsetDateTime};
use tower_sessions::session::Error as SessionError;
use tower_sessions::{ExpiredDeletion, Expiry, Session, SessionManagerLayer, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{
    Builder, ClientLike, Config as RedisConfig, Pool, ReconnectPolicy,
};
use tower_sessions_sqlx_store::SqliteStore;
use tower_sessions_sqlx_store::sqlx::sqlite::{
    SqliteConnectOptions, SqlitePool, SqlitePoolOptions,
};
use workos_sso_logout::{
    ApiKey, AsyncClient, BaseUrl, ClientOptions, Config, Error, LogoutAuthorizeRequest, ProfileId,
    SendTransport,
};
use workos_sso_logout_hyper::{HyperTransport, TokioEnvironment};

/// The app's session cookie.
pub const SESSION_COOKIE: &str = "app_session";

/// The cookie that holds the `state` of a sign-in this browser started.
pub const STATE_COOKIE: &str = "app_sign_in_state";

/// How long a sign-in may take, from "Sign in" to the callback.
const STATE_LIFETIME: Duration = Duration::from_secs(600);

/// The fewest bytes a cookie secret may have ([`AppConfig::with_cookie_secret`]; the key
/// derivation asks for as many).
pub const MIN_COOKIE_SECRET: usize = 32;

/// The session's entry for the signed-in user.
const USER: &str = "user";

/// The most a command to Redis waits, reconnecting included, before the page is a `503`.
const REDIS_COMMAND_TIMEOUT: Duration = Duration::from_secs(1);

/// How often expired sessions are deleted from a SQLite store (Redis expires its keys itself).
const SQLITE_CLEANUP: Duration = Duration::from_secs(60);

/// Where the app keeps its sessions ([`AppConfig::sessions`]); parsed from the URL forms
/// `sqlite::memory:`, `sqlite://PATH` (created if missing) and `redis://HOST:PORT[/DB]`.
///
/// ```
/// use workos_logout_webapp::SessionStorage;
///
/// let shared: SessionStorage = "redis://127.0.0.1:6379".parse()?;
/// assert_eq!(shared, SessionStorage::Redis("redis://127.0.0.1:6379".into()));
/// assert!("memcached://127.0.0.1".parse::<SessionStorage>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum SessionStorage {
    /// SQLite through `sqlx`: embedded, no server. `sqlite::memory:` lives as long as the
    /// process; `sqlite://sessions.db` survives restarts. One instance only.
    Sqlite(String),
    /// Redis: every instance that names the same Redis (and shares [`AppConfig::cookie_key`])
    /// shares the sessions, and a restart keeps them.
    Redis(String),
}

/// The URL, its password (Redis's `AUTH`) shown as `***`.
impl fmt::Debug for SessionStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, url) = match self {
            Self::Sqlite(url) => ("Sqlite", url),
            Self::Redis(url) => ("Redis", url),
        };
        f.debug_tuple(kind).field(&shown_url(url)).finish()
    }
}

/// `url` with its password, if it has one, shown as `***`.
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "[unparsable]".to_owned(),
    }
}

impl Default for SessionStorage {
    /// An in-memory SQLite database.
    fn default() -> Self {
        Self::Sqlite("sqlite::memory:".to_owned())
    }
}

impl FromStr for SessionStorage {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(url.to_owned()))
        } else if url.starts_with("redis://") {
            Ok(Self::Redis(url.to_owned()))
        } else if url.starts_with("rediss://") {
            Err(format!(
                "`{url}`: TLS to Redis is not built into the example (turn on fred's \
                 `enable-rustls-ring` feature and this arm)"
            ))
        } else {
            Err(format!(
                "unknown session store `{url}`: use sqlite::memory:, sqlite://PATH or \
                 redis://HOST:PORT"
            ))
        }
    }
}

/// Where the app runs, which WorkOS (here, the emulator) it talks to, and where its sessions
/// live. Its `Debug` shows neither the API key nor the cookie key.
#[derive(Clone)]
pub struct AppConfig {
    /// The app's own base URL, e.g. `http://127.0.0.1:3000`, without a trailing slash: its
    /// origin, which the cross-site check compares `Origin` with ([`AppConfig::new`] trims it).
    /// Cookies are `Secure` when it is `https`.
    pub app_base: String,
    /// The WorkOS base URL.
    pub workos_base: String,
    /// The WorkOS API key (server side only).
    pub api_key: String,
    /// The SSO client id.
    pub client_id: String,
    /// The session store.
    pub sessions: SessionStorage,
    /// The key that encrypts and authenticates the app's cookies. Instances that share sessions
    /// share it, and a restart keeps sessions only if it is kept ([`AppConfig::with_cookie_secret`]).
    pub cookie_key: Key,
    /// A session unused this long ends (the store's expiry, and the cookie's `Max-Age`).
    pub session_idle: Duration,
    /// A session ends this long after its sign-in, however much it is used.
    pub session_lifetime: Duration,
    /// The most a "Sign out" click waits for WorkOS, retries included (the SDK's deadline for
    /// that one call; the client's default is 10 s).
    pub sign_out_deadline: Duration,
}

impl fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppConfig")
            .field("app_base", &self.app_base)
            .field("workos_base", &self.workos_base)
            .field("api_key", &"[redacted]")
            .field("client_id", &self.client_id)
            .field("sessions", &self.sessions)
            .field("cookie_key", &"[redacted]")
            .field("session_idle", &self.session_idle)
            .field("session_lifetime", &self.session_lifetime)
            .field("sign_out_deadline", &self.sign_out_deadline)
            .finish()
    }
}

impl AppConfig {
    /// A configuration with sessions in an in-memory SQLite database under a cookie key made
    /// for this process, that end after 30 idle minutes or 12 hours, and a sign-out that waits
    /// at most 3 s for WorkOS.
    pub fn new(app_base: &str, workos_base: &str, api_key: &str, client_id: &str) -> Self {
        Self {
            app_base: app_base.trim_end_matches('/').to_owned(),
            workos_base: workos_base.to_owned(),
            api_key: api_key.to_owned(),
            client_id: client_id.to_owned(),
            sessions: SessionStorage::default(),
            cookie_key: Key::generate(),
            session_idle: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 60 * 60),
            sign_out_deadline: Duration::from_secs(3),
        }
    }

    /// The cookie key derived from `secret` (at least [`MIN_COOKIE_SECRET`] bytes; HKDF), so that every instance
    /// given the same secret reads the others' cookies, and a restart keeps them readable.
    ///
    /// ```
    /// use workos_logout_webapp::{AppConfig, MIN_COOKIE_SECRET};
    ///
    /// let config = AppConfig::new("http://127.0.0.1:3000", "http://127.0.0.1:4100", "sk_test", "client");
    /// assert!(config.clone().with_cookie_secret(b"too short").is_err());
    /// let a = config.clone().with_cookie_secret(&[7; MIN_COOKIE_SECRET])?;
    /// let b = config.with_cookie_secret(&[7; MIN_COOKIE_SECRET])?;
    /// assert_eq!(a.cookie_key.master(), b.cookie_key.master());
    /// # Ok::<(), String>(())
    /// ```
    pub fn with_cookie_secret(self, secret: &[u8]) -> Result<Self, String> {
        if secret.len() < MIN_COOKIE_SECRET {
            return Err(format!(
                "the cookie secret is {} bytes; it must be at least {MIN_COOKIE_SECRET}",
                secret.len()
            ));
        }
        Ok(Self {
            cookie_key: Key::derive_from(secret),
            ..self
        })
    }

    fn secure_cookies(&self) -> bool {
        self.app_base.starts_with("https://")
    }
}

/// Why the app could not start: its configuration, or a session store it could not open.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Opens the SQLite database at `url` (`sqlite::memory:`, or `sqlite://PATH`, created if
/// missing) for [`sqlite_store`].
pub async fn sqlite_pool(url: &str) -> Result<SqlitePool, StartError> {
    let failed = |e: tower_sessions_sqlx_store::sqlx::Error| {
        format!(
            "could not open the SQLite session store {}: {e}",
            shown_url(url)
        )
    };
    let options = SqliteConnectOptions::from_str(url)
        .map_err(failed)?
        .create_if_missing(true);
    // An in-memory database lives as long as a connection to it: one is kept open.
    let pool = SqlitePoolOptions::new()
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .map_err(failed)?;
    Ok(pool)
}

/// A session store in the SQLite database `pool` opens: its table created, its expired
/// sessions deleted every minute by a tokio task (which logs an `error` if it has to stop).
pub async fn sqlite_store(pool: SqlitePool) -> Result<SqliteStore, StartError> {
    let store = SqliteStore::new(pool);
    store.migrate().await?;
    let cleanup = store.clone().continuously_delete_expired(SQLITE_CLEANUP);
    tokio::spawn(async move {
        if let Err(error) = cleanup.await {
            tracing::error!(%error, "expired sessions are no longer deleted");
        }
    });
    Ok(store)
}

/// Opens a Redis session store at `url`: fails now if Redis cannot be reached; afterwards a
/// command waits at most a second (reconnecting included), so an outage is a `503`, not a hang.
pub async fn redis_store(url: &str) -> Result<RedisStore<Pool>, StartError> {
    let failed = |e: tower_sessions_redis_store::fred::error::Error| {
        format!(
            "could not reach the Redis session store {}: {e}",
            shown_url(url)
        )
    };
    let pool = Builder::from_config(RedisConfig::from_url(url).map_err(failed)?)
        .with_connection_config(|connection| {
            connection.connection_timeout = REDIS_COMMAND_TIMEOUT;
            connection.internal_command_timeout = REDIS_COMMAND_TIMEOUT;
        })
        .with_performance_config(|performance| {
            performance.default_command_timeout = REDIS_COMMAND_TIMEOUT;
        })
        // Reconnect for ever, every quarter second, while the commands fail on their timeout.
        .set_policy(ReconnectPolicy::new_constant(0, 250))
        .build_pool(2)
        .map_err(failed)?;
    pool.init().await.map_err(failed)?;
    Ok(RedisStore::new(pool))
}

/// One signed-in browser: the session's entry.
#[derive(serde::Serialize, serde::Deserialize)]
struct SignedIn {
    profile: String,
    /// When the user signed in, in seconds since the Unix epoch.
    signed_in_at: i64,
}

/// How long a session lives, as the session layer counts time.
#[derive(Clone, Copy)]
struct Lifetimes {
    /// Unused this long, it ends.
    idle: time::Duration,
    /// This long after its sign-in, it ends however much it is used.
    whole: time::Duration,
}

impl Lifetimes {
    /// When `user`'s session ends if it is not used again after `now`: `idle` from now, but no
    /// later than `whole` after the sign-in; `None` once that has passed.
    fn ends_at(self, user: &SignedIn, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let signed_in = OffsetDateTime::from_unix_timestamp(user.signed_in_at).ok()?;
        let last = signed_in.saturating_add(self.whole);
        (now < last).then(|| now.saturating_add(self.idle).min(last))
    }
}

struct AppState {
    config: AppConfig,
    lifetimes: Lifetimes,
    http: HttpClient<HttpConnector, Full<Bytes>>,
    random: SystemRandom,
}

/// The app's WorkOS client, over any transport that is `Send` (the hyper adapter in production,
/// `MockTransport` in the handler tests).
pub type Workos<T> = AsyncClient<T, TokioEnvironment>;

/// The router's state: what the handlers share, and the WorkOS client, which only the sign-out
/// handler (generic over its transport) takes.
struct Shared<T> {
    app: Arc<AppState>,
    workos: Arc<Workos<T>>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self {
            app: self.app.clone(),
            workos: self.workos.clone(),
        }
    }
}

impl<T> FromRef<Shared<T>> for Arc<AppState> {
    fn from_ref(shared: &Shared<T>) -> Self {
        shared.app.clone()
    }
}

impl<T> FromRef<Shared<T>> for Arc<Workos<T>> {
    fn from_ref(shared: &Shared<T>) -> Self {
        shared.workos.clone()
    }
}

/// The key of the `state` cookie's jar.
impl<T> FromRef<Shared<T>> for Key {
    fn from_ref(shared: &Shared<T>) -> Self {
        shared.app.config.cookie_key.clone()
    }
}

/// The application's routes, ready to serve: WorkOS through the hyper adapter, sessions in the
/// store [`AppConfig::sessions`] names (opened here).
pub async fn app(config: AppConfig) -> Result<Router, StartError> {
    let options = ClientOptions::default();
    let transport = HyperTransport::new(&options)?;
    app_with_transport(config, options, transport).await
}

/// [`app`] over any `Send` transport (the handler tests use `MockTransport`).
pub async fn app_with_transport<T: SendTransport + 'static>(
    config: AppConfig,
    options: ClientOptions,
    transport: T,
) -> Result<Router, StartError> {
    // Bad configuration is an error before any store is opened.
    let checked = Checked::new(&config)?;
    Ok(match &config.sessions {
        SessionStorage::Sqlite(url) => {
            let store = sqlite_store(sqlite_pool(url).await?).await?;
            routes(config, checked, options, transport, store)
        }
        SessionStorage::Redis(url) => {
            let store = redis_store(url).await?;
            routes(config, checked, options, transport, store)
        }
    })
}

/// What an [`AppConfig`] gives once checked: the SDK's configuration, and the sessions'
/// lifetimes as the session layer counts time.
struct Checked {
    sdk_config: Config,
    lifetimes: Lifetimes,
}

impl Checked {
    /// Checks `config`, or says why it is wrong.
    fn new(config: &AppConfig) -> Result<Self, StartError> {
        let sdk_config = Config::new(ApiKey::new(config.api_key.clone())?)
            .with_base_url(BaseUrl::parse(&config.workos_base)?);
        if config.session_idle.is_zero() || config.session_lifetime.is_zero() {
            return Err("session_idle and session_lifetime must be more than zero".into());
        }
        let lifetimes = Lifetimes {
            idle: time::Duration::try_from(config.session_idle)?,
            whole: time::Duration::try_from(config.session_lifetime)?,
        };
        Ok(Self {
            sdk_config,
            lifetimes,
        })
    }
}

/// The application's routes over a session store the caller opened ([`AppConfig::sessions`]
/// is not read): the tests keep a handle on theirs to look inside.
pub fn app_with_store<T: SendTransport + 'static, S: SessionStore + Clone>(
    config: AppConfig,
    options: ClientOptions,
    transport: T,
    store: S,
) -> Result<Router, StartError> {
    let checked = Checked::new(&config)?;
    Ok(routes(config, checked, options, transport, store))
}

/// The routes and the session layer, from a configuration already checked.
fn routes<T: SendTransport + 'static, S: SessionStore + Clone>(
    config: AppConfig,
    checked: Checked,
    options: ClientOptions,
    transport: T,
    store: S,
) -> Router {
    let Checked {
        sdk_config,
        lifetimes,
    } = checked;
    let workos = Workos::with_transport_in(sdk_config, options, transport, TokioEnvironment);
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        // Each use of a signed-in session sets when it ends (`Lifetimes::ends_at`).
        .with_expiry(Expiry::OnInactivity(lifetimes.idle))
        .with_private(config.cookie_key.clone());
    let app = Arc::new(AppState {
        lifetimes,
        http: HttpClient::builder(TokioExecutor::new()).build(HttpConnector::new()),
        random: SystemRandom::new(),
        config,
    });
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in))
        .route("/callback", get(callback))
        .route("/sign-out", post(sign_out::<T>))
        .route("/sign-out-local", post(sign_out_local))
        .route("/signed-out", get(signed_out))
        .route("/logout", get(idp_logout))
        .with_state(Shared {
            app,
            workos: Arc::new(workos),
        })
        .layer(sessions)
}

/// Serves the app on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, config: AppConfig) -> std::io::Result<()> {
    let app = app(config).await.map_err(std::io::Error::other)?;
    axum::serve(listener, app).await
}

/// How many sessions the SQLite database `pool` holds that have not expired (for tests and
/// operators).
pub async fn live_sessions(pool: &SqlitePool) -> Result<i64, StartError> {
    // The store's own table and its own encoding of the expiry date (what its `load` compares).
    let query = "select count(*) from tower_sessions where expiry_date > ?";
    let count = tower_sessions_sqlx_store::sqlx::query_scalar(query)
        .bind(OffsetDateTime::now_utc())
        .fetch_one(pool)
        .await?;
    Ok(count)
}

/// A page: the app's markup in a document whose policy runs no script, whatever text ends up in
/// it, and lets no other site frame it (a "Sign out" button under someone else's page).
fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let html = html! {
        (DOCTYPE)
        html {
            head { meta charset="utf-8"; title { (title) } }
            body { (body) }
        }
    };
    let mut response = (status, html).into_response();
    let policy = HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy);
    response
}

/// "Reference: <the WorkOS request id>", to quote to support, when there is one.
fn reference(request_id: Option<&str>) -> Markup {
    html! {
        @if let Some(id) = request_id {
            p { "Reference: " code id="request-id" { (id) } }
        }
    }
}

/// An error page: what happened and what to do, in the app's words, and the WorkOS request id
/// when there is one. The error itself goes to the log.
fn error_page(
    status: StatusCode,
    message: &str,
    error: &dyn fmt::Display,
    request_id: Option<&str>,
) -> Response {
    tracing::warn!(%error, "{message}");
    let body = html! {
        h1 id="error" { "Something went wrong" }
        p id="message" { (message) }
        (reference(request_id))
        p { a href="/" { "Home" } }
    };
    page(status, "Error", body)
}

/// The session store failed (Redis down or refusing, a broken database): `503`, nothing
/// signed in or out here, and the error in the log.
fn sessions_unavailable(error: &SessionError) -> Response {
    tracing::error!(%error, "the session store failed");
    let body = html! {
        h1 id="unavailable" { "Temporarily unavailable" }
        p id="message" {
            "We cannot reach our session store right now. Please try again in a moment."
        }
        p { a href="/" { "Home" } }
    };
    let mut response = page(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", body);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// 128 bits from the system's secure random source, as hex.
fn random_hex(random: &SystemRandom) -> Option<String> {
    let mut bytes = [0u8; 16];
    random.fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

/// The user this session is signed in as, if it is and its lifetime has not run out (an
/// expired one ends here). The use counts: the session's end moves to the idle time from now,
/// no later than its lifetime — in the store (its expiry) and the cookie, which the session
/// layer writes. An entry that cannot be read counts as none; only the store's failure is an
/// error.
async fn signed_in(state: &AppState, session: &Session) -> Result<Option<SignedIn>, SessionError> {
    let user = match session.get::<SignedIn>(USER).await {
        Ok(user) => user,
        Err(SessionError::Store(e)) => return Err(SessionError::Store(e)),
        Err(error) => {
            tracing::warn!(%error, "an unreadable session, ended");
            None
        }
    };
    let Some(user) = user else {
        return Ok(None);
    };
    match state.lifetimes.ends_at(&user, OffsetDateTime::now_utc()) {
        Some(ends_at) => {
            session.set_expiry(Some(Expiry::AtDateTime(ends_at)));
            Ok(Some(user))
        }
        None => {
            session.flush().await?;
            Ok(None)
        }
    }
}

/// Starts a session for `profile` under a new id (no id from before the sign-in survives it:
/// session fixation), written now so that a store that fails is an error page, not a session
/// the browser thinks it has.
async fn start_session(
    state: &AppState,
    session: &Session,
    profile: String,
) -> Result<(), SessionError> {
    session.cycle_id().await?;
    let now = OffsetDateTime::now_utc();
    let user = SignedIn {
        profile,
        signed_in_at: now.unix_timestamp(),
    };
    let ends_at = state.lifetimes.ends_at(&user, now);
    session.set_expiry(ends_at.map(Expiry::AtDateTime));
    session.insert(USER, user).await?;
    session.save().await
}

/// Whether a state-changing request comes from the app's own pages. Browsers say where a request
/// comes from (`Sec-Fetch-Site`, `Origin`); a page on another origin — another port of the same
/// host included, which `SameSite=Lax` cookies do not stop — is refused. A client that sends
/// neither header is not a browser a forged page could drive.
fn from_this_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site");
    let origin = headers.get(header::ORIGIN);
    site.is_none_or(|site| site == "same-origin")
        && origin.is_none_or(|origin| origin.as_bytes() == state.config.app_base.as_bytes())
}

fn forbidden() -> Response {
    let body = html! {
        h1 id="forbidden" { "Not allowed" }
        p { "This request did not come from this site's own pages, so nothing was done." }
        p { a href="/" { "Home" } }
    };
    page(StatusCode::FORBIDDEN, "Not allowed", body)
}

async fn home(State(state): State<Arc<AppState>>, session: Session) -> Response {
    let user = match signed_in(&state, &session).await {
        Ok(user) => user,
        Err(e) => return sessions_unavailable(&e),
    };
    let Some(user) = user else {
        let body = html! {
            h1 id="anonymous" { "Not signed in" }
            p { a id="sign-in" href="/sign-in" { "Sign in" } }
        };
        return page(StatusCode::OK, "Welcome", body);
    };
    // The use, written now: a store that refuses writes is the error page (the session layer
    // writes it again, with the cookie's new expiry).
    if let Err(e) = session.save().await {
        return sessions_unavailable(&e);
    }
    let body = html! {
        h1 id="signed-in" { "Signed in as " span id="profile" { (user.profile) } }
        form method="post" action="/sign-out" { button id="sign-out" { "Sign out" } }
        form method="post" action="/sign-out-local" {
            button id="sign-out-local" { "Sign out of this app only" }
        }
    };
    page(StatusCode::OK, "Signed in", body)
}

/// The `state` cookie: private, for the callback only, for as long as a sign-in may take.
fn state_cookie(config: &AppConfig, value: String) -> Cookie<'static> {
    Cookie::build((STATE_COOKIE, value))
        .path("/callback")
        .max_age(time::Duration::seconds(STATE_LIFETIME.as_secs() as i64))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .build()
}

async fn sign_in(State(state): State<Arc<AppState>>, jar: PrivateCookieJar) -> Response {
    let config = &state.config;
    let Some(sign_in_state) = random_hex(&state.random) else {
        let error = "the system's random source failed";
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Please try again.",
            &error,
            None,
        );
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &format!("{}/callback", config.app_base))
        .append_pair("response_type", "code")
        .append_pair("state", &sign_in_state)
        .finish();
    let authorize = format!("{}/sso/authorize?{query}", config.workos_base);
    let jar = jar.add(state_cookie(config, sign_in_state));
    (jar, Redirect::to(&authorize)).into_response()
}

#[derive(serde::Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
}

#[derive(serde::Deserialize)]
struct Profile {
    id: String,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    profile: Profile,
}

/// The code, exchanged for the profile (the SDK's scope is logout; this is the app's own call).
/// The error is for the log, never for a page.
async fn exchange(state: &AppState, code: &str) -> Result<String, String> {
    let config = &state.config;
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &config.client_id)
        .append_pair("client_secret", &config.api_key)
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .finish();
    let request = axum::http::Request::post(format!("{}/sso/token", config.workos_base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form)))
        .map_err(|e| e.to_string())?;
    let response = state
        .http
        .request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = http_body_util::Limited::new(response.into_body(), 64 * 1024)
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("the code exchange answered HTTP {status}"));
    }
    let answer: TokenAnswer =
        serde_json::from_slice(&body.to_bytes()).map_err(|e| e.to_string())?;
    Ok(answer.profile.id)
}

async fn callback(
    State(state): State<Arc<AppState>>,
    session: Session,
    jar: PrivateCookieJar,
    Query(callback): Query<Callback>,
) -> Response {
    // The sign-in this browser started, once: the state cookie is cleared whatever happens (the
    // jar's `remove` clears only a cookie that decrypted). A cookie that does not decrypt under
    // the key is no cookie.
    let expected = jar.get(STATE_COOKIE);
    let mut clear = Cookie::build(STATE_COOKIE).path("/callback").build();
    clear.make_removal();
    let jar = jar.add(clear);
    let started_here = match (&expected, &callback.state) {
        (Some(expected), Some(given)) => same_secret(expected.value(), given),
        _ => false,
    };
    let response = match (started_here, &callback.code) {
        (false, _) => {
            let error = "a callback whose state is missing or not the one this browser holds";
            let message = "This sign-in did not start in this browser, or took too long. Please sign in again.";
            error_page(StatusCode::BAD_REQUEST, message, &error, None)
        }
        (true, None) => {
            let error = "a callback without a code";
            error_page(
                StatusCode::BAD_REQUEST,
                "The sign-in was not completed. Please sign in again.",
                &error,
                None,
            )
        }
        (true, Some(code)) => match exchange(&state, code).await {
            Ok(profile) => match start_session(&state, &session, profile).await {
                Ok(()) => Redirect::to("/").into_response(),
                Err(e) => sessions_unavailable(&e),
            },
            Err(error) => error_page(
                StatusCode::BAD_GATEWAY,
                "We could not complete your sign-in. Please try again.",
                &error,
                None,
            ),
        },
    };
    (jar, response).into_response()
}

/// Sign out everywhere: end the app session, Logout Authorize, send the browser to WorkOS.
async fn sign_out<T: SendTransport>(
    State(state): State<Arc<AppState>>,
    State(workos): State<Arc<Workos<T>>>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    if !from_this_origin(&state, &headers) {
        return forbidden();
    }
    let user = match signed_in(&state, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(e) => return sessions_unavailable(&e),
    };
    // The app session ends first, in the store every instance reads, whatever WorkOS answers:
    // the user asked to leave. A store that fails ends nothing here, and says so.
    if let Err(e) = session.flush().await {
        return sessions_unavailable(&e);
    }
    // A click: the call gets a deadline of its own, shorter than the client's.
    let call = ProfileId::new(user.profile)
        .map_err(Error::from)
        .and_then(|profile| workos.authorize_call(&LogoutAuthorizeRequest::new(profile)))
        .and_then(|call| Ok(call.with_deadline(state.config.sign_out_deadline)?));
    let authorized = match call {
        Ok(call) => workos.run(call).await,
        Err(e) => Err(e),
    };
    match authorized {
        Ok(logout) => logout
            .browser_redirect()
            .map(axum::body::Body::from)
            .into_response(),
        // A connection WorkOS cannot sign out (SAML): signed out of the app, and told so.
        Err(e) if e.as_api().and_then(|api| api.code.as_deref()) == Some("connection_invalid") => {
            tracing::info!(error = %e, "single logout is not supported for this user's connection");
            Redirect::to("/signed-out?single_logout=unsupported").into_response()
        }
        // WorkOS is down, overloaded or unreachable within the click's deadline: signed out of
        // the app at once, and told the IdP session may live on.
        Err(e) if is_outage(&e) => outage_page(&e),
        Err(e) => error_page(
            StatusCode::BAD_GATEWAY,
            "You are signed out of this app, but we could not sign you out of your identity \
             provider. Close your browser to end that session.",
            &e,
            e.request_id(),
        ),
    }
}

/// Whether `error` means WorkOS could not be reached or could not answer in time (a failure of
/// the network, a 429 or a 5xx, or the deadline), rather than a request it refused.
fn is_outage(error: &Error) -> bool {
    match error {
        Error::InvalidInput(_) => false,
        e => e.status().is_none_or(|status| {
            status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
        }),
    }
}

/// Signed out of the app during a WorkOS outage: the IdP session may still be active.
fn outage_page(error: &Error) -> Response {
    tracing::warn!(%error, "single logout failed: WorkOS unavailable");
    let body = html! {
        h1 id="signed-out-app-only" { "You are signed out of this app" }
        p id="idp-session" {
            "We could not reach WorkOS to sign you out of your identity provider, so your \
             session there may still be active."
            @if let Some(wait) = error.retry_in() {
                " WorkOS asked to wait " span id="retry-in" { (wait.as_secs()) }
                " s: sign in and out again after that, or"
            } @else {
                " Try signing in and out again in a moment, or"
            }
            " close your browser."
        }
        (reference(error.request_id()))
        p { a id="home" href="/" { "Home" } }
    };
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Signed out of this app",
        body,
    )
}

/// Sign out of this app only (the control case: the IdP session lives on).
async fn sign_out_local(
    State(state): State<Arc<AppState>>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    if !from_this_origin(&state, &headers) {
        return forbidden();
    }
    end_session(&session, "/").await
}

/// Ends the session (in the store, and its cookie) and sends the browser to `to`.
async fn end_session(session: &Session, to: &str) -> Response {
    match session.flush().await {
        Ok(()) => Redirect::to(to).into_response(),
        Err(e) => sessions_unavailable(&e),
    }
}

#[derive(serde::Deserialize)]
struct SignedOut {
    single_logout: Option<String>,
}

async fn signed_out(Query(query): Query<SignedOut>) -> Response {
    let body = match query.single_logout.as_deref() {
        Some("unsupported") => html! {
            h1 id="signed-out-app-only" { "You are signed out of this app" }
            p id="idp-session" {
                "Your identity provider does not support signing out from here, so your session \
                 there may still be active: sign out there too, or close your browser."
            }
            p { a id="home" href="/" { "Home" } }
        },
        _ => html! {
            h1 id="signed-out" { "You are signed out" }
            p { a id="home" href="/" { "Home" } }
        },
    };
    page(StatusCode::OK, "Signed out", body)
}

/// The logout URI WorkOS sends the browser to after a sign-out started at the IdP: the session
/// ends in the store, so every instance sees it end.
async fn idp_logout(session: Session) -> Response {
    end_session(&session, "/signed-out").await
}

#[cfg(test)]
mod tests;
