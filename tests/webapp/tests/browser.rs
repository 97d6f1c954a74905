//! Single Logout in a real browser (Debian's Chromium, driven through chromedriver): the example
//! app and the emulator with its IdP, both on loopback. Each test takes a screenshot of its final
//! page (under `target/browser-screenshots/`) and checks it is a non-empty PNG.
//!
//! The tests of several instances share one Redis (Debian's `redis-server`, started per test on a
//! free loopback port, as chromedriver is): two instances on two ports of `127.0.0.1` are two
//! origins, and the browser sends both the same cookies (cookies are kept per host, not per
//! port), as it would to one origin in front of a load balancer. Each instance checks `Origin`
//! against its own.
//!
//! Where Chromium, chromedriver or `redis-server` is missing, each test that needs it says so on
//! stderr and passes as skipped, so `cargo test --workspace` passes on a fresh machine; with `CI`
//! set (as `.ci/run` runs) or `WORKOS_BROWSER_TESTS=require`, a missing one fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use tower_sessions_sqlx_store::sqlx::SqlitePool;
use workos_logout_webapp::{AppConfig, SESSION_COOKIE, SessionStorage, live_sessions};
use workos_sso_logout_emulator::{Emulator, Fault, IDP_SESSION_COOKIE, Route};

/// A chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why `programs` cannot run here, if they cannot: one missing or not working (`--version`
/// fails); each comes with its Debian package.
fn missing(programs: &[(&str, &str)]) -> Option<String> {
    for (program, package) in programs {
        let works = Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !works {
            return Some(format!(
                "`{program}` is missing or does not run (Debian package `{package}`)"
            ));
        }
    }
    None
}

const BROWSER: &[(&str, &str)] = &[
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
];
const REDIS: &[(&str, &str)] = &[
    ("redis-server", "redis-server"),
    ("redis-cli", "redis-tools"),
];

/// Whether `test` can run: `true` if `programs` are here; otherwise it is skipped, and says why,
/// unless `CI` is set or `WORKOS_BROWSER_TESTS=require`, where that fails the test.
fn can_run(test: &str, programs: &[(&str, &str)]) -> bool {
    let Some(why) = missing(programs) else {
        return true;
    };
    let required = std::env::var("WORKOS_BROWSER_TESTS").is_ok_and(|v| v == "require")
        || std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !required,
        "{test}: {why}; the browser tests are required here (CI or WORKOS_BROWSER_TESTS=require)"
    );
    // Straight to stderr: the test harness shows what `eprintln!` prints only for failed tests.
    let _ = writeln!(
        std::io::stderr(),
        "skipped browser test {test}: {why}. Install it to run the test (`.ci/run` installs \
         chromium, chromium-driver and redis-server); set WORKOS_BROWSER_TESTS=require to fail \
         instead."
    );
    false
}

/// A chromedriver for `test`, or `None` (the test is skipped, and says why) where the browser is
/// missing — unless `CI` is set or `WORKOS_BROWSER_TESTS=require`, where that fails the test.
fn chromedriver_or_skip(test: &str) -> Option<Driver> {
    can_run(test, BROWSER).then(chromedriver)
}

/// A chromedriver and a Redis for `test`, or `None` as [`chromedriver_or_skip`].
fn chromedriver_and_redis_or_skip(test: &str) -> Option<(Driver, Redis)> {
    let programs = [BROWSER, REDIS].concat();
    can_run(test, &programs).then(|| (chromedriver(), Redis::start()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on `port` (or is gone, with `up` false).
fn wait_for_port(port: u16, up: bool, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() != up {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not {}",
            if up { "start" } else { "stop" }
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `redis-server` of this test's own on a free loopback port, with nothing saved to disk;
/// killed when dropped.
struct Redis {
    child: Option<Child>,
    port: u16,
}

impl Redis {
    fn start() -> Self {
        let mut redis = Self {
            child: None,
            port: free_port(),
        };
        redis.restart();
        redis
    }

    /// Starts the server (again, on the same port: empty, since nothing is saved).
    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--port", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server; .ci/run installs it)");
        self.child = Some(child);
        wait_for_port(self.port, true, "redis-server");
    }

    /// Kills the server: every connection to it breaks, and new ones are refused.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        wait_for_port(self.port, false, "redis-server");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `redis-cli` with `args` against this server; what it printed.
    fn cli(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        assert!(output.status.success(), "redis-cli {args:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// How many sessions the server holds (the store keeps nothing else there; Redis drops
    /// expired keys itself).
    fn sessions(&self) -> usize {
        self.cli(&["dbsize"]).parse().expect("a number")
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn chromedriver() -> Driver {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
    wait_for_port(port, true, "chromedriver");
    Driver { child, port }
}

async fn browser(driver: &Driver) -> Client {
    let profile = std::env::temp_dir().join(format!(
        "workos-browser-{}-{}",
        std::process::id(),
        driver.port
    ));
    let capabilities = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("an object")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

/// The app and the emulator, wired to each other.
async fn app() -> (String, Emulator) {
    let (app, emulator, _) = app_with(|config| config).await;
    (app, emulator)
}

/// [`app`] with its configuration changed by `configure`, and a handle on its sessions (an
/// in-memory SQLite database, the default store).
async fn app_with(
    configure: impl FnOnce(AppConfig) -> AppConfig,
) -> (String, Emulator, SqlitePool) {
    let (listener, app_base) = listener().await;
    let emulator = Emulator::builder()
        .post_logout_redirect(format!("{app_base}/signed-out"))
        .idp_logout_redirect(format!("{app_base}/logout"))
        .start()
        .unwrap();
    let config = AppConfig::new(
        &app_base,
        emulator.base_url(),
        emulator.api_key(),
        "client_emulator",
    );
    let pool = workos_logout_webapp::sqlite_pool("sqlite::memory:")
        .await
        .unwrap();
    let store = workos_logout_webapp::sqlite_store(pool.clone())
        .await
        .unwrap();
    let options = workos_sso_logout::ClientOptions::default();
    let transport = workos_sso_logout_hyper::HyperTransport::new(&options).unwrap();
    let router =
        workos_logout_webapp::app_with_store(configure(config), options, transport, store).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (app_base, emulator, pool)
}

/// How many live sessions the store holds.
async fn count(sessions: &SqlitePool) -> i64 {
    live_sessions(sessions).await.unwrap()
}

/// A listener on a free loopback port, and the base URL of an app served on it.
async fn listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

/// The secret every instance of a test shares (what an operator gives each instance).
const COOKIE_SECRET: &[u8] = b"a test secret shared by the instances, 32+ bytes";

/// An instance of the app at `base` (served on `listener`) with its sessions in `redis`, as the
/// example starts one (`--sessions redis://…`); the server task, to stop it.
async fn instance(
    listener: tokio::net::TcpListener,
    base: &str,
    emulator: &Emulator,
    redis: &Redis,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    let config = AppConfig {
        sessions: SessionStorage::Redis(redis.url()),
        ..AppConfig::new(
            base,
            emulator.base_url(),
            emulator.api_key(),
            "client_emulator",
        )
    }
    .with_cookie_secret(COOKIE_SECRET)
    .unwrap();
    let router = workos_logout_webapp::app(config).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await })
}

/// Two instances, A and B, on one Redis; the emulator sends the browser to B after a logout
/// (its logout URI and its post-logout page are B's).
async fn two_instances(redis: &Redis) -> (String, String, Emulator) {
    let (listener_a, a) = listener().await;
    let (listener_b, b) = listener().await;
    let emulator = Emulator::builder()
        .post_logout_redirect(format!("{b}/signed-out"))
        .idp_logout_redirect(format!("{b}/logout"))
        .start()
        .unwrap();
    instance(listener_a, &a, &emulator, redis).await;
    instance(listener_b, &b, &emulator, redis).await;
    (a, b, emulator)
}

/// A page on another origin of this host (another port: the same site, so the app's
/// `SameSite=Lax` cookie goes along) whose form posts itself to `action` as soon as it loads.
async fn forged_form(action: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let html = format!(
        "<!DOCTYPE html><html><body><form id=\"forged\" method=\"post\" action=\"{action}\">\
         </form><script>document.getElementById('forged').submit()</script></body></html>"
    );
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(html) }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    origin
}

async fn wait_for(client: &Client, id: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"));
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn cookie_names(client: &Client) -> Vec<String> {
    let cookies = client.get_all_cookies().await.unwrap();
    cookies.iter().map(|c| c.name().to_owned()).collect()
}

/// Signs in through the IdP's form; ends on the app's signed-in page.
async fn sign_in(client: &Client, app: &str) {
    sign_in_as(client, app, "sign-in").await;
}

/// Signs in with the IdP form's button `button` (`sign-in`, or `sign-in-saml` for the user on a
/// SAML connection).
async fn sign_in_as(client: &Client, app: &str, button: &str) {
    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(client, "sign-in").await;
    click(client, "sign-in").await;
    wait_for(client, "idp-sign-in").await;
    click(client, button).await;
    wait_for(client, "signed-in").await;
}

/// The browser is on `app`'s "You are signed out" page.
async fn signed_out_at(client: &Client, app: &str) {
    wait_for(client, "signed-out").await;
    let url = client.current_url().await.unwrap();
    assert_eq!(url.as_str(), format!("{app}/signed-out"));
}

/// A sign-out started at the IdP (WorkOS then sends the browser to the app's logout URI).
async fn sign_out_at_the_idp(client: &Client, emulator: &Emulator) {
    let idp = format!("{}/idp/sign-out", emulator.base_url());
    client.goto(&idp).await.unwrap();
}

/// The browser is on the app's callback, shown an error page, and holds no session.
async fn refused_at_the_callback(client: &Client, app: &str) {
    wait_for(client, "error").await;
    let url = client.current_url().await.unwrap();
    assert!(
        url.as_str().starts_with(&format!("{app}/callback?")),
        "{url}"
    );
    let names = cookie_names(client).await;
    assert!(!names.contains(&SESSION_COOKIE.to_owned()), "{names:?}");
}

async fn text_of(client: &Client, id: &str) -> String {
    let element = client.find(Locator::Id(id)).await.unwrap();
    element.text().await.unwrap()
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(
        png.len() > 1000 && png.starts_with(b"\x89PNG"),
        "{name}: not a PNG"
    );
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_app_and_the_idp_session_and_the_next_sign_in_asks_again() {
    let Some(driver) = chromedriver_or_skip(
        "sign_out_ends_the_app_and_the_idp_session_and_the_next_sign_in_asks_again",
    ) else {
        return;
    };
    let (app, emulator) = app().await;
    let client = browser(&driver).await;

    sign_in(&client, &app).await;
    let names = cookie_names(&client).await;
    assert!(names.contains(&SESSION_COOKIE.to_owned()), "{names:?}");
    assert!(names.contains(&IDP_SESSION_COOKIE.to_owned()), "{names:?}");

    click(&client, "sign-out").await;
    signed_out_at(&client, &app).await;
    let names = cookie_names(&client).await;
    assert!(
        !names.contains(&SESSION_COOKIE.to_owned()),
        "the app session lives: {names:?}"
    );
    assert!(
        !names.contains(&IDP_SESSION_COOKIE.to_owned()),
        "the IdP session lives: {names:?}"
    );
    screenshot(&client, "rp-initiated-signed-out").await;

    // The token was used once, and the API key never reached the browser.
    assert_eq!(emulator.requests_to(Route::Logout).len(), 1);
    let from_browser: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path() != "/sso/logout/authorize" && r.path() != "/sso/token")
        .collect();
    assert!(!from_browser.is_empty());
    for request in &from_browser {
        assert!(
            request.header("authorization").is_none(),
            "{}",
            request.path()
        );
        let shown = format!("{request:?}");
        assert!(!shown.contains(emulator.api_key()), "{}", request.path());
    }
    assert!(!client.source().await.unwrap().contains(emulator.api_key()));

    // Signing in again shows the IdP's sign-in form: the IdP forgot the browser.
    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(&client, "sign-in").await;
    click(&client, "sign-in").await;
    wait_for(&client, "idp-sign-in").await;
    screenshot(&client, "rp-initiated-sign-in-asks-again").await;

    // The logout link, used, shows an error page, not a crash.
    let used = emulator.requests_to(Route::Logout)[0]
        .path_and_query
        .clone();
    client
        .goto(&format!("{}{used}", emulator.base_url()))
        .await
        .unwrap();
    let source = client.source().await.unwrap();
    assert!(source.contains("invalid_logout_token"), "{source}");
    screenshot(&client, "reused-logout-link").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_signing_out_of_the_app_only_lets_the_next_sign_in_through_silently() {
    let Some(driver) = chromedriver_or_skip(
        "control_signing_out_of_the_app_only_lets_the_next_sign_in_through_silently",
    ) else {
        return;
    };
    let (app, _emulator) = app().await;
    let client = browser(&driver).await;

    sign_in(&client, &app).await;
    click(&client, "sign-out-local").await;
    wait_for(&client, "anonymous").await;
    let names = cookie_names(&client).await;
    assert!(!names.contains(&SESSION_COOKIE.to_owned()), "{names:?}");
    assert!(names.contains(&IDP_SESSION_COOKIE.to_owned()), "{names:?}");

    // "Sign in" goes straight back in, without the IdP's form: the problem single logout solves.
    click(&client, "sign-in").await;
    wait_for(&client, "signed-in").await;
    screenshot(&client, "control-silently-signed-in").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_out_started_at_the_idp_ends_the_app_session() {
    let Some(driver) = chromedriver_or_skip("a_sign_out_started_at_the_idp_ends_the_app_session")
    else {
        return;
    };
    let (app, emulator) = app().await;
    let client = browser(&driver).await;

    sign_in(&client, &app).await;
    sign_out_at_the_idp(&client, &emulator).await;
    signed_out_at(&client, &app).await;
    let names = cookie_names(&client).await;
    assert!(!names.contains(&SESSION_COOKIE.to_owned()), "{names:?}");
    assert!(!names.contains(&IDP_SESSION_COOKIE.to_owned()), "{names:?}");
    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(&client, "anonymous").await;
    screenshot(&client, "idp-initiated-signed-out").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_from_workos_is_shown_as_text_and_no_script_runs() {
    let Some(driver) =
        chromedriver_or_skip("markup_from_workos_is_shown_as_text_and_no_script_runs")
    else {
        return;
    };
    let (app, emulator) = app().await;
    let client = browser(&driver).await;
    sign_in(&client, &app).await;

    // A WorkOS answer (or a proxy in between) carrying markup in its message and its request id.
    let markup = r#"<img id="injected" src="x" onerror="document.title='pwned';window.pwned=1">"#;
    emulator.push_fault(
        Route::Authorize,
        Fault::Status {
            status: 400,
            body: Some(serde_json::json!({ "message": markup, "code": "bad_request" }).to_string()),
            headers: vec![("x-request-id".into(), markup.into())],
        },
    );
    click(&client, "sign-out").await;
    wait_for(&client, "error").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.title().await.unwrap(), "Error");
    let ran = client
        .execute("return typeof window.pwned", Vec::new())
        .await
        .unwrap();
    assert_eq!(
        ran,
        serde_json::json!("undefined"),
        "the injected script ran"
    );
    assert!(
        client.find(Locator::Id("injected")).await.is_err(),
        "the markup became an element"
    );
    // The request id is shown to quote to support, as text; WorkOS's message is not shown.
    assert_eq!(text_of(&client, "request-id").await, markup);
    assert!(!text_of(&client, "message").await.contains("img"));
    screenshot(&client, "markup-shown-as-text").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_with_a_forged_or_missing_state_creates_no_session() {
    let Some(driver) =
        chromedriver_or_skip("a_callback_with_a_forged_or_missing_state_creates_no_session")
    else {
        return;
    };
    let (app, emulator, sessions) = app_with(|config| config).await;
    let client = browser(&driver).await;
    let planted = format!(
        "{}/sso/authorize?client_id=client_emulator&response_type=code&state=forged&redirect_uri={}",
        emulator.base_url(),
        form_urlencoded::byte_serialize(format!("{app}/callback").as_bytes()).collect::<String>(),
    );

    // A sign-in started at the app (its state cookie set), finished through a planted link:
    // another state.
    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(&client, "sign-in").await;
    click(&client, "sign-in").await;
    wait_for(&client, "idp-sign-in").await;
    client.goto(&planted).await.unwrap();
    wait_for(&client, "idp-sign-in").await;
    click(&client, "sign-in").await;
    refused_at_the_callback(&client, &app).await;

    // No sign-in started at the app at all (no state cookie): the IdP session is live now, so
    // the planted link comes straight back with a code.
    client.goto(&planted).await.unwrap();
    refused_at_the_callback(&client, &app).await;
    screenshot(&client, "forged-state-refused").await;

    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(&client, "anonymous").await;
    assert_eq!(count(&sessions).await, 0);
    let exchanged = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/sso/token")
        .count();
    assert_eq!(
        exchanged, 0,
        "a code was exchanged for a callback this browser did not start"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_signs_nobody_out() {
    let Some(driver) = chromedriver_or_skip("a_cross_site_post_signs_nobody_out") else {
        return;
    };
    let (app, emulator, sessions) = app_with(|config| config).await;
    let client = browser(&driver).await;
    sign_in(&client, &app).await;

    for path in ["/sign-out", "/sign-out-local"] {
        let forged = forged_form(format!("{app}{path}")).await;
        client.goto(&format!("{forged}/")).await.unwrap();
        wait_for(&client, "forbidden").await;
        client.goto(&format!("{app}/")).await.unwrap();
        wait_for(&client, "signed-in").await;
    }
    screenshot(&client, "cross-site-post-refused").await;
    assert_eq!(count(&sessions).await, 1);
    assert!(emulator.requests_to(Route::Authorize).is_empty());
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saml_users_sign_out_ends_the_app_session_and_says_the_idp_session_may_live() {
    let Some(driver) = chromedriver_or_skip(
        "a_saml_users_sign_out_ends_the_app_session_and_says_the_idp_session_may_live",
    ) else {
        return;
    };
    let (app, emulator, sessions) = app_with(|config| config).await;
    let client = browser(&driver).await;
    sign_in_as(&client, &app, "sign-in-saml").await;
    assert_eq!(
        text_of(&client, "profile").await,
        emulator.saml_profile_id()
    );

    click(&client, "sign-out").await;
    wait_for(&client, "signed-out-app-only").await;
    assert!(
        text_of(&client, "idp-session")
            .await
            .contains("may still be active")
    );
    assert!(
        !cookie_names(&client)
            .await
            .contains(&SESSION_COOKIE.to_owned())
    );
    assert_eq!(count(&sessions).await, 0);
    assert_eq!(emulator.requests_to(Route::Authorize).len(), 1);
    screenshot(&client, "saml-signed-out-of-the-app").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    let Some(driver) = chromedriver_or_skip("an_idle_session_expires") else {
        return;
    };
    let idle = Duration::from_secs(2);
    let (app, _emulator, sessions) = app_with(|config| AppConfig {
        session_idle: idle,
        ..config
    })
    .await;
    let client = browser(&driver).await;
    sign_in(&client, &app).await;
    assert_eq!(count(&sessions).await, 1);
    tokio::time::sleep(idle + Duration::from_millis(500)).await;
    assert_eq!(
        count(&sessions).await,
        0,
        "the expired session is still kept"
    );
    client.refresh().await.unwrap();
    wait_for(&client, "anonymous").await;
    screenshot(&client, "idle-session-expired").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_a_workos_outage_sign_out_ends_the_app_session_within_the_click_deadline() {
    let Some(driver) = chromedriver_or_skip(
        "during_a_workos_outage_sign_out_ends_the_app_session_within_the_click_deadline",
    ) else {
        return;
    };
    let (app, emulator, sessions) = app_with(|config| config).await;
    let client = browser(&driver).await;
    sign_in(&client, &app).await;
    assert_eq!(count(&sessions).await, 1);

    // Every attempt: 503 with Retry-After: 30, far past the click's 3 s deadline.
    for _ in 0..5 {
        emulator.push_fault(
            Route::Authorize,
            Fault::Status {
                status: 503,
                body: None,
                headers: vec![("retry-after".into(), "30".into())],
            },
        );
    }
    let started = std::time::Instant::now();
    click(&client, "sign-out").await;
    wait_for(&client, "signed-out-app-only").await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "the click took {took:?}");
    assert!(
        text_of(&client, "idp-session")
            .await
            .contains("may still be active")
    );
    assert_eq!(text_of(&client, "retry-in").await, "30");
    assert!(text_of(&client, "request-id").await.starts_with("req_emu"));
    assert!(
        !cookie_names(&client)
            .await
            .contains(&SESSION_COOKIE.to_owned())
    );
    assert_eq!(count(&sessions).await, 0);
    assert_eq!(
        emulator.requests_to(Route::Authorize).len(),
        1,
        "no 30 s wait started"
    );
    client.goto(&app).await.unwrap();
    wait_for(&client, "anonymous").await;
    screenshot(&client, "outage-signed-out-of-the-app").await;
    client.close().await.unwrap();
}

/// The browser's session cookie.
async fn session_cookie(client: &Client) -> fantoccini::cookies::Cookie<'static> {
    client
        .get_named_cookie(SESSION_COOKIE)
        .await
        .expect("a session cookie")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_one_store_an_idp_logout_landing_on_b_ends_the_session_made_on_a() {
    let test = "two_instances_one_store_an_idp_logout_landing_on_b_ends_the_session_made_on_a";
    let Some((driver, redis)) = chromedriver_and_redis_or_skip(test) else {
        return;
    };
    let (a, b, emulator) = two_instances(&redis).await;
    let client = browser(&driver).await;

    sign_in(&client, &a).await;
    assert_eq!(redis.sessions(), 1);
    // B knows the user A signed in: the session is in the store they share.
    client.goto(&format!("{b}/")).await.unwrap();
    wait_for(&client, "signed-in").await;
    assert_eq!(
        text_of(&client, "profile").await,
        emulator.oidc_profile_id()
    );
    let cookie = session_cookie(&client).await;

    // A sign-out started at the IdP: WorkOS sends the browser to B's logout URI.
    sign_out_at_the_idp(&client, &emulator).await;
    signed_out_at(&client, &b).await;
    assert_eq!(redis.sessions(), 0, "the session lives on in the store");

    // The next page from A shows the user signed out — even to a browser that kept the cookie:
    // the store, not the cookie, says who is signed in.
    client.add_cookie(cookie).await.unwrap();
    client.goto(&format!("{a}/")).await.unwrap();
    wait_for(&client, "anonymous").await;
    screenshot(&client, "two-instances-idp-logout-on-b").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_one_store_a_sign_out_through_b_of_a_session_made_on_a_ends_the_idp_session()
{
    let test =
        "two_instances_one_store_a_sign_out_through_b_of_a_session_made_on_a_ends_the_idp_session";
    let Some((driver, redis)) = chromedriver_and_redis_or_skip(test) else {
        return;
    };
    let (a, b, emulator) = two_instances(&redis).await;
    let client = browser(&driver).await;

    sign_in(&client, &a).await;
    client.goto(&format!("{b}/")).await.unwrap();
    wait_for(&client, "signed-in").await;
    let cookie = session_cookie(&client).await;
    click(&client, "sign-out").await;
    signed_out_at(&client, &b).await;
    let names = cookie_names(&client).await;
    assert!(!names.contains(&SESSION_COOKIE.to_owned()), "{names:?}");
    assert!(!names.contains(&IDP_SESSION_COOKIE.to_owned()), "{names:?}");
    assert_eq!(redis.sessions(), 0);
    assert_eq!(emulator.requests_to(Route::Authorize).len(), 1);

    // A does not know the session either, and the next sign-in shows the IdP's form.
    client.add_cookie(cookie).await.unwrap();
    client.goto(&format!("{a}/")).await.unwrap();
    wait_for(&client, "anonymous").await;
    click(&client, "sign-in").await;
    wait_for(&client, "idp-sign-in").await;
    screenshot(&client, "two-instances-sign-out-through-b").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_instance_keeps_the_sessions_its_store_holds() {
    let test = "a_restarted_instance_keeps_the_sessions_its_store_holds";
    let Some((driver, redis)) = chromedriver_and_redis_or_skip(test) else {
        return;
    };
    let emulator = Emulator::builder().start().unwrap();
    let (listener_a, a) = listener().await;
    let first = instance(listener_a, &a, &emulator, &redis).await;
    let client = browser(&driver).await;
    sign_in(&client, &a).await;

    // The instance stops (its process would exit: nothing of it is kept) and starts again; here
    // on another port, so that no connection the browser kept reaches the old one.
    first.abort();
    let _ = first.await;
    let (listener_again, again) = listener().await;
    instance(listener_again, &again, &emulator, &redis).await;
    client.goto(&format!("{again}/")).await.unwrap();
    wait_for(&client, "signed-in").await;
    assert_eq!(
        text_of(&client, "profile").await,
        emulator.oidc_profile_id()
    );
    screenshot(&client, "restarted-instance-keeps-the-session").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_refusing_or_down_is_a_503_page_and_no_session() {
    let test = "redis_refusing_or_down_is_a_503_page_and_no_session";
    let Some((driver, mut redis)) = chromedriver_and_redis_or_skip(test) else {
        return;
    };
    let emulator = Emulator::builder().start().unwrap();
    let (listener_a, a) = listener().await;
    instance(listener_a, &a, &emulator, &redis).await;
    let client = browser(&driver).await;

    // Redis refuses writes (out of memory): the sign-in comes back from the IdP to a 503 page,
    // and no session exists, in the store or in the browser.
    assert_eq!(redis.cli(&["config", "set", "maxmemory", "1"]), "OK");
    client.goto(&format!("{a}/")).await.unwrap();
    wait_for(&client, "sign-in").await;
    click(&client, "sign-in").await;
    wait_for(&client, "idp-sign-in").await;
    click(&client, "sign-in").await;
    wait_for(&client, "unavailable").await;
    assert_eq!(client.title().await.unwrap(), "Unavailable");
    assert!(
        !cookie_names(&client)
            .await
            .contains(&SESSION_COOKIE.to_owned())
    );
    assert_eq!(redis.sessions(), 0);
    screenshot(&client, "redis-refusing-writes").await;

    // Redis takes writes again: the sign-in goes through (the IdP still knows the browser).
    assert_eq!(redis.cli(&["config", "set", "maxmemory", "0"]), "OK");
    client.goto(&format!("{a}/sign-in")).await.unwrap();
    wait_for(&client, "signed-in").await;
    assert_eq!(redis.sessions(), 1);

    // Redis down: the next page is a 503, soon, not a hang and not "signed out".
    redis.stop();
    let started = Instant::now();
    client.refresh().await.unwrap();
    wait_for(&client, "unavailable").await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "the page took {took:?}");
    screenshot(&client, "redis-down").await;

    // Redis back (empty: it saved nothing): the app reconnects by itself, and the session it
    // lost is no session.
    redis.restart();
    let started = Instant::now();
    loop {
        client.refresh().await.unwrap();
        if client.find(Locator::Id("anonymous")).await.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the app did not come back with Redis"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_session_cookie_is_no_session_and_ends_none() {
    let Some(driver) =
        chromedriver_or_skip("a_tampered_session_cookie_is_no_session_and_ends_none")
    else {
        return;
    };
    let (app, _emulator, sessions) = app_with(|config| config).await;
    let client = browser(&driver).await;
    sign_in(&client, &app).await;
    let sealed = session_cookie(&client).await;

    // The same cookie with one character of its sealed value changed.
    let mut tampered = sealed.clone();
    let mut value = sealed.value().to_owned().into_bytes();
    let at = value.len() / 2;
    value[at] = if value[at] == b'A' { b'B' } else { b'A' };
    tampered.set_value(String::from_utf8(value).unwrap());
    client.delete_cookie(SESSION_COOKIE).await.unwrap();
    client.add_cookie(tampered).await.unwrap();
    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(&client, "anonymous").await;
    assert_eq!(count(&sessions).await, 1, "the session was ended");

    // The cookie as the app sealed it is the session again.
    client.delete_cookie(SESSION_COOKIE).await.unwrap();
    client.add_cookie(sealed).await.unwrap();
    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(&client, "signed-in").await;
    screenshot(&client, "tampered-session-cookie").await;
    client.close().await.unwrap();
}
