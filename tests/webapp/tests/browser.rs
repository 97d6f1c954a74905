//! Single Logout in a real browser (Debian's Chromium, driven through chromedriver): the example
//! app and the emulator with its IdP, both on loopback. Each test takes a screenshot of its final
//! page (under `target/browser-screenshots/`) and checks it is a non-empty PNG.
//!
//! Where Chromium or chromedriver is missing, each test says so on stderr and passes as skipped,
//! so `cargo test --workspace` passes on a fresh machine; with `CI` set (as `.ci/run` runs) or
//! `WORKOS_BROWSER_TESTS=require`, a missing browser fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use workos_logout_webapp::{AppConfig, SESSION_COOKIE, Sessions};
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

/// Why the browser tests cannot run here, if they cannot: Chromium or chromedriver missing, or
/// not working (`--version` fails).
fn browser_missing() -> Option<String> {
    for (program, package) in [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
    ] {
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

/// A chromedriver for `test`, or `None` (the test is skipped, and says why) where the browser is
/// missing — unless `CI` is set or `WORKOS_BROWSER_TESTS=require`, where that fails the test.
fn chromedriver_or_skip(test: &str) -> Option<Driver> {
    let Some(why) = browser_missing() else {
        return Some(chromedriver());
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
        "skipped browser test {test}: {why}. Install Debian's `chromium` and `chromium-driver` \
         to run it (`.ci/run` installs them); set WORKOS_BROWSER_TESTS=require to fail instead."
    );
    None
}

fn chromedriver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
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

/// [`app`] with its configuration changed by `configure`, and a handle on its sessions.
async fn app_with(configure: impl FnOnce(AppConfig) -> AppConfig) -> (String, Emulator, Sessions) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_base = format!("http://{}", listener.local_addr().unwrap());
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
    let (router, sessions) = workos_logout_webapp::app(configure(config)).unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (app_base, emulator, sessions)
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
    wait_for(&client, "signed-out").await;
    assert_eq!(
        client.current_url().await.unwrap().as_str(),
        format!("{app}/signed-out")
    );
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
    client
        .goto(&format!("{}/idp/sign-out", emulator.base_url()))
        .await
        .unwrap();
    wait_for(&client, "signed-out").await;
    assert_eq!(
        client.current_url().await.unwrap().as_str(),
        format!("{app}/signed-out")
    );
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
    assert_eq!(sessions.len(), 0);
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
    assert_eq!(sessions.len(), 1);
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
    assert_eq!(sessions.len(), 0);
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
    assert_eq!(sessions.len(), 1);
    tokio::time::sleep(idle + Duration::from_millis(500)).await;
    assert_eq!(sessions.len(), 0, "the expired session is still kept");
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
    assert_eq!(sessions.len(), 1);

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
    assert_eq!(sessions.len(), 0);
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
