//! Neither the API key nor the logout token appears in any `Debug` or `Display` output: of the
//! inputs, the configuration, requests and calls, results and errors (one test over hand-picked
//! answers), and — the secret-leak property — whatever a server answers — bodies and headers that embed the API key
//! and a logout token anywhere, as is, percent-encoded or JSON-escaped, among control
//! characters — no `Display` or `Debug` of what a call returns contains a secret the call holds
//! (the key; and the token, for the Logout Redirect that spends it), on both endpoints, for
//! responses and for transport failures alike, and every message stays on one line.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use proptest::prelude::*;
use workos_sso_logout::{
    ApiKey, BaseUrl, Client, ClientOptions, Config, Environment, Error, FailureKind,
    LogoutAuthorizeRequest, LogoutToken, ProfileId, RetryPolicy, parse_logout_authorize_response,
    parse_logout_redirect_response,
};

/// No sleeping: retries are instant.
struct Instant;
impl Environment for Instant {
    fn sleep(&self, _: Duration) {}
}

/// How a secret is written into the answer.
fn embed(secret: &str, form: u8) -> String {
    match form % 3 {
        0 => secret.to_owned(),
        1 => url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        _ => {
            let json = serde_json::Value::from(secret).to_string();
            json.trim_matches('"').to_owned()
        }
    }
}

/// Text around an embedded secret: punctuation that ends words, `=`, spaces, newlines, ESC.
fn around() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        " ",
        "=",
        "api_key=",
        "token:",
        "\n",
        "\u{1b}[2J",
        "\u{202e}",
        "\"",
        "?t=",
        "/",
        "Bearer ",
    ])
    .prop_map(str::to_owned)
}

#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    shape: u8,
    header: u8,
    form: u8,
    before: String,
    after: String,
    which: u8,
}

fn answer() -> impl Strategy<Value = Answer> {
    (
        prop::sample::select(vec![
            200u16, 201, 302, 400, 401, 404, 422, 429, 500, 502, 503,
        ]),
        0u8..6,
        0u8..5,
        0u8..3,
        around(),
        around(),
        0u8..3,
    )
        .prop_map(
            |(status, shape, header, form, before, after, which)| Answer {
                status,
                shape,
                header,
                form,
                before,
                after,
                which,
            },
        )
}

/// Builds the server's answer with the secrets embedded as `a` says.
fn respond(a: &Answer, key: &str, token: &str) -> http::Response<Vec<u8>> {
    let secret = match a.which {
        0 => embed(key, a.form),
        1 => embed(token, a.form),
        _ => format!("{} {}", embed(key, a.form), embed(token, a.form)),
    };
    let text = format!("{}{secret}{}", a.before, a.after);
    let json_text = serde_json::Value::from(text.as_str()).to_string();
    let body = match a.shape {
        0 => format!(r#"{{"message":{json_text},"code":{json_text}}}"#),
        1 => format!(r#"{{"error":{json_text},"error_description":{json_text}}}"#),
        2 => format!(
            r#"{{"message":"x","errors":[{{"field":{json_text},"code":{json_text},"message":{json_text}}}]}}"#
        ),
        3 => format!("<html><body>{text}</body></html>"),
        4 => format!(
            r#"{{"logout_url":"https://auth.workos.com/sso/logout?token={secret}","logout_token":{json_text}"#
        ),
        _ => format!(
            r#"{{"logout_url":"https://auth.workos.com/{secret}/x","logout_token":"{secret}"}}"#
        ),
    };
    let mut b = http::Response::builder().status(a.status);
    let header_text = text.replace(['\n', '\u{1b}', '"'], "");
    b = match a.header {
        0 => b.header("x-request-id", header_text),
        1 => b.header("content-type", header_text),
        2 => b.header(
            "location",
            format!("https://idp.example/end?x={header_text}"),
        ),
        3 => b.header("location", format!("/{header_text}")),
        _ => b.header("retry-after", header_text),
    };
    b.body(body.into_bytes()).unwrap_or_else(|_| {
        http::Response::builder()
            .status(a.status)
            .body(Vec::new())
            .unwrap()
    })
}

fn shown(result: &Result<impl std::fmt::Debug, Error>) -> Vec<String> {
    match result {
        Ok(value) => vec![format!("{value:?}")],
        Err(e) => {
            let mut all = vec![e.to_string(), format!("{e:?}")];
            if let Some(api) = e.as_api() {
                all.extend(api.hint().map(str::to_owned));
            }
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                all.push(s.to_string());
                source = s.source();
            }
            all
        }
    }
}

/// No secret of `secrets` (the ones the call holds) shows, and every text is one line.
fn assert_clean(shown: &[String], secrets: &[&str]) -> Result<(), TestCaseError> {
    for text in shown {
        for secret in secrets {
            prop_assert!(!text.contains(secret), "{} shows in {}", secret, text);
        }
        prop_assert!(
            !text.contains('\n') && !text.contains('\u{1b}'),
            "not one line: {}",
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_answer_leaks_the_key_or_the_token(
        key in "sk_test_[A-Za-z0-9]{8,24}",
        token in "[A-Za-z0-9._~+-]{8,40}",
        answers in proptest::collection::vec(answer(), 1..4),
        transport_fails in any::<bool>(),
    ) {
        let config = Config::new(ApiKey::new(key.clone()).unwrap())
            .with_base_url(BaseUrl::parse("https://auth.workos.com").unwrap());
        let options = ClientOptions::default()
            .with_retry_policy(RetryPolicy::new(3, Duration::ZERO, Duration::ZERO).unwrap());
        let queue = std::sync::Mutex::new(answers.clone());
        let (k, t) = (key.clone(), token.clone());
        let transport = move |request: http::Request<Vec<u8>>| {
            let next = queue.lock().unwrap().pop();
            match next {
                Some(a) if !(transport_fails && a.shape == 0) => Ok(respond(&a, &k, &t)),
                // A transport whose error quotes the request and the secrets.
                _ => Err(std::io::Error::other(format!(
                    "connection reset talking to {} (key {k}, token {t})\nforged: line",
                    request.uri()
                ))),
            }
        };
        let client = Client::with_transport(config, options, transport).with_environment(Instant);

        // Logout Authorize holds the key (the token of another call is not its to know).
        let authorized = client.authorize_logout(&ProfileId::new("prof_1").unwrap());
        assert_clean(&shown(&authorized), &[&key])?;
        // Logout Redirect holds its token, and the configured key.
        let url = client.logout_redirect_url(&LogoutToken::new(token.clone()).unwrap());
        let followed = client.follow_logout_redirect(&url);
        assert_clean(&shown(&followed), &[&key, &token])?;
    }
}

// ---- hand-picked: every value a user can print ----

const KEY: &str = "sk_test_SECRETKEY0123456789";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.SECRETTOKEN.c2lnbmF0dXJl";

fn assert_shows_no_secret(what: &str, shown: &str) {
    assert!(!shown.contains(KEY), "{what} shows the API key: {shown}");
    assert!(
        !shown.contains("SECRETKEY"),
        "{what} shows part of the API key: {shown}"
    );
    assert!(!shown.contains(TOKEN), "{what} shows the token: {shown}");
    assert!(
        !shown.contains("SECRETTOKEN"),
        "{what} shows part of the token: {shown}"
    );
}

fn answer_with_token_location(status: u16, body: String) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("x-request-id", "req_1")
        .header("content-type", "text/html")
        .header(
            "location",
            format!("https://idp.example/end?id_token_hint={TOKEN}"),
        )
        .body(body.into_bytes())
        .unwrap()
}

#[test]
fn no_secret_in_any_debug_or_display() {
    let key = ApiKey::new(KEY).unwrap();
    let token = LogoutToken::new(TOKEN).unwrap();
    let config =
        Config::new(key.clone()).with_base_url(BaseUrl::parse("http://127.0.0.1:1").unwrap());
    let req = config
        .logout_authorize_request(&LogoutAuthorizeRequest::new(
            ProfileId::new("prof_1").unwrap(),
        ))
        .unwrap();
    let call = config
        .authorize_call(
            &LogoutAuthorizeRequest::new(ProfileId::new("prof_1").unwrap()),
            &ClientOptions::default(),
            &workos_sso_logout::StdEnvironment,
        )
        .unwrap();
    let url = config.logout_redirect_url(&token);
    let redirect_call = config
        .redirect_call(url.as_str(), &ClientOptions::default())
        .unwrap();
    let mut shown = vec![
        ("key", format!("{key:?}")),
        ("token", format!("{token:?}")),
        ("config", format!("{config:?}")),
        ("request headers", format!("{:?}", req.headers())),
        ("call", format!("{call:?}")),
        ("redirect call", format!("{redirect_call:?}")),
        ("failure", format!("{:?}", FailureKind::Timeout)),
    ];

    let ok = format!(r#"{{"logout_url":"{url}","logout_token":"{TOKEN}"}}"#);
    let auth = parse_logout_authorize_response(
        &config.logout_authorize_url(),
        &answer_with_token_location(200, ok),
    )
    .unwrap();
    shown.push(("authorization", format!("{auth:?}")));
    shown.push(("browser redirect", format!("{:?}", auth.browser_redirect())));
    shown.push(("redirect parts", format!("{:?}", auth.redirect_parts())));

    let bodies = [
        format!(
            r#"{{"message":"bad token {TOKEN} for key {KEY}","code":"{TOKEN}","errors":[{{"field":"{KEY}","message":"{TOKEN}"}}]}}"#
        ),
        format!(r#"{{"error":"{TOKEN}","error_description":"{KEY}"}}"#),
        format!(r#"{{"logout_url":"{url}"}}"#),
        format!(r#"{{"logout_url":"nope","logout_token":"{TOKEN}"}}"#),
        format!("<html>{TOKEN} {KEY}</html>"),
        format!(r#"{{"logout_url":"{url}","logout_token":"{TOKEN}""#),
    ];
    let mut errors: Vec<Error> = Vec::new();
    for status in [200u16, 400, 401, 500] {
        for body in &bodies {
            if let Err(e) = parse_logout_authorize_response(
                &config.logout_authorize_url(),
                &answer_with_token_location(status, body.clone()),
            ) {
                errors.push(e);
            }
            let r = parse_logout_redirect_response(
                &url,
                &answer_with_token_location(status, body.clone()),
            );
            match r {
                Ok(outcome) => shown.push(("redirect outcome", format!("{outcome:?}"))),
                Err(e) => errors.push(e),
            }
        }
    }
    // A Location carrying the call's token is refused rather than passed on to the browser.
    let err = parse_logout_redirect_response(&url, &answer_with_token_location(302, String::new()))
        .unwrap_err();
    assert!(err.to_string().contains("carries a secret"), "{err}");
    errors.push(err);
    let mut elsewhere = answer_with_token_location(302, String::new());
    elsewhere.headers_mut().insert(
        "location",
        "https://idp.example/end?id_token_hint=eyJhbGciOiJIUzI1NiJ9.OTHER.c2ln"
            .parse()
            .unwrap(),
    );
    let redirect = parse_logout_redirect_response(&url, &elsewhere).unwrap();
    shown.push(("redirect", format!("{redirect:?}")));
    errors.push(ApiKey::new(format!("{KEY}\n")).unwrap_err().into());
    errors.push(LogoutToken::new(format!("{TOKEN}\n")).unwrap_err().into());
    assert!(errors.len() > 20);
    for e in &errors {
        shown.push(("error debug", format!("{e:?}")));
        shown.push(("error display", format!("{e}")));
        if let Some(api) = e.as_api() {
            shown.push(("api hint", format!("{:?}", api.hint())));
        }
    }
    for (what, s) in &shown {
        assert_shows_no_secret(what, s);
    }
}
