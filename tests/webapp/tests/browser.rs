//! Single Logout in a real browser (Debian's Chromium, driven through chromedriver): the example
//! app and the emulator with its IdP, both on loopback. Each test takes a screenshot of its final
//! page (under `target/browser-screenshots/`) and checks it is a non-empty PNG.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use workos_logout_webapp::{AppConfig, SESSION_COOKIE, serve};
use workos_sso_logout_emulator::{Emulator, IDP_SESSION_COOKIE, Route};

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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_base = format!("http://{}", listener.local_addr().unwrap());
    let emulator = Emulator::builder()
        .post_logout_redirect(format!("{app_base}/signed-out"))
        .idp_logout_redirect(format!("{app_base}/logout"))
        .start()
        .unwrap();
    let config = AppConfig {
        app_base: app_base.clone(),
        workos_base: emulator.base_url().to_owned(),
        api_key: emulator.api_key().to_owned(),
        client_id: "client_emulator".into(),
    };
    tokio::spawn(serve(listener, config));
    (app_base, emulator)
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
    client.goto(&format!("{app}/")).await.unwrap();
    wait_for(client, "sign-in").await;
    click(client, "sign-in").await;
    wait_for(client, "idp-sign-in").await;
    click(client, "sign-in").await;
    wait_for(client, "signed-in").await;
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
    let driver = chromedriver();
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
    let driver = chromedriver();
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
    let driver = chromedriver();
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
