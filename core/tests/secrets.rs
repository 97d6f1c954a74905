//! Neither the API key nor the logout token appears in any `Debug` or `Display` output.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use workos_sso_logout::{
    ApiKey, BaseUrl, Config, Error, FailureKind, LogoutAuthorizeRequest, LogoutToken, ProfileId,
    RetryPolicy, parse_logout_authorize_response, parse_logout_redirect_response,
};

const KEY: &str = "sk_test_SECRETKEY0123456789";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.SECRETTOKEN.c2lnbmF0dXJl";

fn assert_clean(what: &str, shown: &str) {
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

fn response(status: u16, body: String) -> http::Response<Vec<u8>> {
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
            &RetryPolicy::default(),
            1,
        )
        .unwrap();
    let url = config.logout_redirect_url(&token);
    let redirect_call = config
        .redirect_call(url.as_str(), &RetryPolicy::default())
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
    let auth = parse_logout_authorize_response(&config.logout_authorize_url(), &response(200, ok))
        .unwrap();
    shown.push(("authorization", format!("{auth:?}")));

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
                &response(status, body.clone()),
            ) {
                errors.push(e);
            }
            let r = parse_logout_redirect_response(&url, &response(status, body.clone()));
            match r {
                Ok(outcome) => shown.push(("redirect outcome", format!("{outcome:?}"))),
                Err(e) => errors.push(e),
            }
        }
    }
    // A Location carrying the call's token is refused rather than passed on to the browser.
    let err = parse_logout_redirect_response(&url, &response(302, String::new())).unwrap_err();
    assert!(err.to_string().contains("carries a secret"), "{err}");
    errors.push(err);
    let mut elsewhere = response(302, String::new());
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
        assert_clean(what, s);
    }
}
