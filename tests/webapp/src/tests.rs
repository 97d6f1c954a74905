//! The handlers driven as a service: WorkOS answered by `MockTransport`, sessions in a real
//! SQLite store (in memory), cookies made with the `cookie` crate under the app's key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use tower::ServiceExt as _;
use tower_sessions::cookie::CookieJar;
use tower_sessions::session::{Id, Record};
use workos_sso_logout::test_util::MockTransport;

const LOGOUT: &str =
    r#"{"logout_url":"https://auth.workos.com/sso/logout?token=tok_1","logout_token":"tok_1"}"#;

fn config() -> AppConfig {
    AppConfig::new(
        "http://app.test",
        "https://auth.workos.com",
        "sk_test_123",
        "client_1",
    )
}

/// The app over `mock` with `config`, its store, and the `Cookie` header of a browser signed in
/// as `profile` at `signed_in_at`.
async fn signed_in_with(
    mock: &MockTransport,
    config: AppConfig,
    profile: &str,
    signed_in_at: i64,
) -> (Router, SqliteStore, SqlitePool, String) {
    let pool = sqlite_pool("sqlite::memory:").await.unwrap();
    let store = sqlite_store(pool.clone()).await.unwrap();
    let key = config.cookie_key.clone();
    let router = app_with_store(
        config,
        ClientOptions::default(),
        mock.clone(),
        store.clone(),
    )
    .expect("the app");
    let user = serde_json::json!({ "profile": profile, "signed_in_at": signed_in_at });
    let mut record = Record {
        id: Id::default(),
        data: [(USER.to_owned(), user)].into_iter().collect(),
        expiry_date: OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.unwrap();
    let mut jar = CookieJar::new();
    jar.private_mut(&key)
        .add(Cookie::new(SESSION_COOKIE, record.id.to_string()));
    let sealed = jar.get(SESSION_COOKIE).unwrap().stripped().to_string();
    (router, store, pool, sealed)
}

async fn signed_in(mock: &MockTransport) -> (Router, SqliteStore, SqlitePool, String) {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    signed_in_with(mock, config(), "prof_1", now).await
}

/// A same-origin "Sign out" click from the browser holding `cookie`.
fn click(cookie: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::post("/sign-out")
        .header("origin", "http://app.test")
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .unwrap()
}

fn get(path: &str, cookie: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::get(path)
        .header("cookie", cookie)
        .body(axum::body::Body::empty())
        .unwrap()
}

async fn text(response: Response) -> String {
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test]
async fn sign_out_sends_the_browser_to_the_logout_url() {
    let mock = MockTransport::new();
    mock.push_json(200, LOGOUT);
    let (router, _store, pool, cookie) = signed_in(&mock).await;
    assert_eq!(live_sessions(&pool).await.unwrap(), 1);
    let response = router.oneshot(click(&cookie)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "https://auth.workos.com/sso/logout?token=tok_1"
    );
    let sent = mock.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].uri(),
        "https://auth.workos.com/sso/logout/authorize"
    );
    assert_eq!(sent[0].body(), br#"{"profile_id":"prof_1"}"#);
    assert_eq!(live_sessions(&pool).await.unwrap(), 0, "the session ended");
    let cleared = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with(&format!("{SESSION_COOKIE}=")) && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

#[tokio::test]
async fn during_an_outage_sign_out_ends_the_session_and_says_the_idp_may_not_have() {
    let mock = MockTransport::new();
    let busy = axum::http::Response::builder()
        .status(503)
        .header("retry-after", "30")
        .header("x-request-id", "req_busy")
        .body(br#"{"message":"Service Unavailable"}"#.to_vec())
        .unwrap();
    mock.push_response(busy);
    let (router, _store, pool, cookie) = signed_in(&mock).await;
    let response = router.oneshot(click(&cookie)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = text(response).await;
    assert!(page.contains("may still be active"), "{page}");
    assert!(page.contains("<span id=\"retry-in\">30</span>"), "{page}");
    assert!(page.contains("req_busy"), "{page}");
    assert_eq!(mock.requests().len(), 1, "no 30 s wait was started");
    assert_eq!(live_sessions(&pool).await.unwrap(), 0);
}

#[tokio::test]
async fn a_cross_site_click_signs_nobody_out_and_calls_nothing() {
    let mock = MockTransport::new();
    let (router, _store, pool, cookie) = signed_in(&mock).await;
    let mut forged = click(&cookie);
    forged
        .headers_mut()
        .insert("origin", HeaderValue::from_static("https://evil.example"));
    let response = router.oneshot(forged).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(mock.requests().is_empty());
    assert_eq!(live_sessions(&pool).await.unwrap(), 1);
}

#[tokio::test]
async fn markup_in_what_a_page_shows_is_text() {
    let mock = MockTransport::new();
    let markup = r#"<img src=x onerror="alert('1')">&"#;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let (router, _store, _pool, cookie) = signed_in_with(&mock, config(), markup, now).await;
    let response = router.oneshot(get("/", &cookie)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = text(response).await;
    assert!(
        page.contains("&lt;img src=x onerror=&quot;alert('1')&quot;&gt;&amp;"),
        "{page}"
    );
    assert!(!page.contains("<img"), "{page}");
}

#[tokio::test]
async fn a_tampered_session_cookie_is_no_session() {
    let mock = MockTransport::new();
    let (router, _store, pool, cookie) = signed_in(&mock).await;
    // One character of the encrypted value changed: it no longer authenticates.
    let mut tampered = cookie.into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let response = router.clone().oneshot(get("/", &tampered)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(text(response).await.contains("id=\"anonymous\""));
    // A session id sent in the clear (not under the key) is no session either.
    let records: Vec<(String,)> =
        tower_sessions_sqlx_store::sqlx::query_as("select id from tower_sessions")
            .fetch_all(&pool)
            .await
            .unwrap();
    let plain = Cookie::new(SESSION_COOKIE, records[0].0.clone()).to_string();
    let response = router.oneshot(get("/", &plain)).await.unwrap();
    assert!(text(response).await.contains("id=\"anonymous\""));
    assert_eq!(live_sessions(&pool).await.unwrap(), 1, "nothing ended");
}

#[tokio::test]
async fn a_tampered_or_planted_state_cookie_is_no_state() {
    let mock = MockTransport::new();
    let (router, _store, pool, _) = signed_in(&mock).await;
    let response = router
        .clone()
        .oneshot(get("/sign-in", "other=1"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    let query = location.split_once('?').unwrap().1;
    let (_, state) = form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "state")
        .unwrap();
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    let sealed = Cookie::parse(set_cookie).unwrap();
    assert_eq!(sealed.name(), STATE_COOKIE);
    assert_ne!(sealed.value(), state, "the state cookie is in the clear");
    assert_eq!(sealed.http_only(), Some(true));

    let mut tampered = sealed.value().as_bytes().to_vec();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    // Sealed but changed, and the right value in the clear: neither is this browser's sign-in.
    for cookie in [tampered.as_str(), &*state] {
        let callback = format!("/callback?code=code_1&state={state}");
        let request = get(&callback, &Cookie::new(STATE_COOKIE, cookie).to_string());
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let cleared = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(
            cleared.starts_with(&format!("{STATE_COOKIE}=")),
            "{cleared}"
        );
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        assert!(text(response).await.contains("id=\"error\""));
    }
    assert_eq!(live_sessions(&pool).await.unwrap(), 1, "a session was made");
}

#[tokio::test]
async fn cookies_are_secure_on_an_https_origin_and_only_there() {
    for (origin, secure) in [("https://app.test", true), ("http://app.test", false)] {
        let mock = MockTransport::new();
        let config = AppConfig {
            app_base: origin.to_owned(),
            ..config()
        };
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let (router, _store, _pool, cookie) = signed_in_with(&mock, config, "prof_1", now).await;
        for path in ["/sign-in", "/"] {
            let response = router.clone().oneshot(get(path, &cookie)).await.unwrap();
            let set = response.headers()[header::SET_COOKIE].to_str().unwrap();
            let set = Cookie::parse(set.to_owned()).unwrap();
            assert_eq!(
                set.secure(),
                secure.then_some(true),
                "{origin}{path}: {set}"
            );
            assert_eq!(set.http_only(), Some(true), "{origin}{path}: {set}");
            assert_eq!(
                set.same_site(),
                Some(SameSite::Lax),
                "{origin}{path}: {set}"
            );
        }
    }
}

#[test]
fn a_session_ends_idle_after_its_last_use_and_at_its_lifetime_at_the_latest() {
    let lifetimes = Lifetimes {
        idle: time::Duration::minutes(30),
        whole: time::Duration::hours(12),
    };
    let signed_in = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let user = SignedIn {
        profile: "prof_1".into(),
        signed_in_at: signed_in.unix_timestamp(),
    };
    let used = |after: time::Duration| lifetimes.ends_at(&user, signed_in + after);
    assert_eq!(used(time::Duration::ZERO), Some(signed_in + lifetimes.idle));
    let late = time::Duration::hours(11) + time::Duration::minutes(50);
    assert_eq!(
        used(late),
        Some(signed_in + lifetimes.whole),
        "past the lifetime"
    );
    assert_eq!(used(lifetimes.whole), None);
    assert_eq!(used(time::Duration::days(400)), None);
}

#[tokio::test]
async fn each_use_moves_the_end_in_the_store_and_the_cookie() {
    let mock = MockTransport::new();
    let (router, _store, pool, cookie) = signed_in(&mock).await;
    let response = router.oneshot(get("/", &cookie)).await.unwrap();
    let set = response.headers()[header::SET_COOKIE].to_str().unwrap();
    let set = Cookie::parse(set.to_owned()).unwrap();
    let from_now = set.max_age().expect("a Max-Age");
    let idle = time::Duration::try_from(config().session_idle).unwrap();
    assert!(
        from_now > idle - time::Duration::minutes(1) && from_now <= idle,
        "{set}"
    );
    // The store's record ends then too (the planted one ended in an hour).
    let query = "select count(*) from tower_sessions where expiry_date < ?";
    let ends_sooner: i64 = tower_sessions_sqlx_store::sqlx::query_scalar(query)
        .bind(OffsetDateTime::now_utc() + time::Duration::minutes(31))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(ends_sooner, 1);
}

#[tokio::test]
async fn a_session_ends_at_its_lifetime_however_much_it_is_used() {
    let mock = MockTransport::new();
    let config = AppConfig {
        session_lifetime: Duration::from_secs(60),
        ..config()
    };
    let long_ago = OffsetDateTime::now_utc().unix_timestamp() - 61;
    let (router, _store, pool, cookie) = signed_in_with(&mock, config, "prof_1", long_ago).await;
    let response = router.oneshot(get("/", &cookie)).await.unwrap();
    assert!(text(response).await.contains("id=\"anonymous\""));
    assert_eq!(live_sessions(&pool).await.unwrap(), 0);
}

/// What the app logs, kept to be read.
#[derive(Clone, Default)]
struct Log(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_store_is_a_503_page_and_nothing_else() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // This test's thread only (the runtime of `#[tokio::test]` runs on it).
    let _logging = tracing::subscriber::set_default(subscriber);
    let mock = MockTransport::new();
    mock.push_json(200, LOGOUT);
    let (router, _store, pool, cookie) = signed_in(&mock).await;
    pool.close().await;
    for request in [get("/", &cookie), click(&cookie), get("/logout", &cookie)] {
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        assert!(text(response).await.contains("id=\"unavailable\""));
    }
    assert!(mock.requests().is_empty(), "WorkOS was called");
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let ours = log.lines().filter(|line| {
        line.contains(" ERROR ") && line.contains("workos_logout_webapp: the session store failed")
    });
    assert_eq!(ours.count(), 3, "one error logged per request: {log}");
    let sealed = Cookie::parse(cookie.as_str()).unwrap();
    assert!(
        !log.contains("sk_test_123") && !log.contains(sealed.value()),
        "{log}"
    );
}

#[test]
fn the_config_shows_no_secret_and_the_store_is_named_by_a_url() {
    let config = config()
        .with_cookie_secret(&[1; MIN_COOKIE_SECRET])
        .unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("sk_test_123"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    assert_eq!(config.sessions, SessionStorage::default());
    assert_eq!(
        "sqlite://sessions.db".parse(),
        Ok(SessionStorage::Sqlite("sqlite://sessions.db".into()))
    );
    assert!("redis.example:6379".parse::<SessionStorage>().is_err());
    let tls = "rediss://redis.example:6380".parse::<SessionStorage>();
    assert!(tls.is_err_and(|e| e.contains("TLS")));
    let redis: SessionStorage = "redis://:hunter2hunter2@127.0.0.1:6379/0".parse().unwrap();
    let shown = format!(
        "{:?}",
        AppConfig {
            sessions: redis,
            ..config
        }
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("127.0.0.1:6379"), "{shown}");
}

#[tokio::test]
async fn a_bad_configuration_is_an_error_before_any_store_is_opened() {
    // A Redis nobody listens on: opening it first would be a connection error instead.
    let nowhere = SessionStorage::Redis("redis://127.0.0.1:9".into());
    let no_key = AppConfig {
        api_key: String::new(),
        sessions: nowhere.clone(),
        ..config()
    };
    let options = ClientOptions::default();
    let error = app_with_transport(no_key, options, MockTransport::new())
        .await
        .expect_err("an error");
    let error = error.to_string();
    assert!(error.to_lowercase().contains("api key"), "{error}");
    let no_lifetime = AppConfig {
        session_lifetime: Duration::ZERO,
        sessions: nowhere,
        ..config()
    };
    let error = app_with_transport(no_lifetime, ClientOptions::default(), MockTransport::new())
        .await
        .expect_err("an error");
    assert!(error.to_string().contains("session_lifetime"), "{error}");
}

#[test]
fn secrets_compare_whole() {
    assert!(same_secret("abc", "abc"));
    assert!(!same_secret("abc", "abd"));
    assert!(!same_secret("abc", "ab"));
}
