//! Property tests of request building, URL construction and parsing (the call machine's are in
//! `call_machine.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use proptest::prelude::*;
use workos_sso_logout::{
    ApiKey, BaseUrl, Config, LogoutAuthorizeRequest, LogoutToken, ProfileId,
    parse_logout_authorize_response, parse_logout_redirect_response,
};

/// The URL an authorize request is sent to (what the parse functions resolve against).
fn sent_to() -> url::Url {
    url::Url::parse("https://auth.workos.com/sso/logout/authorize").unwrap()
}

fn config() -> Config {
    Config::new(ApiKey::new("sk_test_prop").unwrap())
}

/// Any string without control characters, including arbitrary Unicode.
fn no_control(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        any::<char>().prop_filter("no control", |c| !c.is_control()),
        1..max,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// What a profile id may hold: arbitrary Unicode but control and invisible formatting characters
/// (zero-width, bidirectional), and not only whitespace.
fn printable(max: usize) -> impl Strategy<Value = String> {
    let invisible = |c: char| matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}');
    proptest::collection::vec(
        any::<char>().prop_filter("printable", move |c| !c.is_control() && !invisible(*c)),
        1..max,
    )
    .prop_map(|v| v.into_iter().collect::<String>())
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn header_value() -> impl Strategy<Value = http::HeaderValue> {
    proptest::collection::vec(any::<u8>(), 0..40)
        .prop_filter_map("header", |b| http::HeaderValue::from_bytes(&b).ok())
}

fn arbitrary_response() -> impl Strategy<Value = http::Response<Vec<u8>>> {
    let names = prop::sample::select(vec![
        "location",
        "retry-after",
        "x-request-id",
        "content-type",
        "x-other",
    ]);
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        r#"\{"(logout_url|logout_token|message|error|code|errors)":("[^"]{0,30}"|[0-9]+|null|\[\]|\{\})\}"#
            .prop_map(String::into_bytes),
    ];
    (
        100u16..1000,
        proptest::collection::vec((names, header_value()), 0..6),
        body,
    )
        .prop_map(|(status, headers, body)| {
            let mut r = http::Response::new(body);
            *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
            for (k, v) in headers {
                r.headers_mut().append(k, v);
            }
            r
        })
}

proptest! {
    #[test]
    fn profile_id_round_trips_through_the_json_body(id in printable(200)) {
        let req = config()
            .logout_authorize_request(&LogoutAuthorizeRequest::new(ProfileId::new(id.clone()).unwrap()))
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
        let object = body.as_object().unwrap();
        prop_assert_eq!(object.len(), 1);
        prop_assert_eq!(object["profile_id"].as_str(), Some(id.as_str()));
    }

    #[test]
    fn token_round_trips_through_the_redirect_url(token in no_control(300)) {
        let url = config().logout_redirect_url(&LogoutToken::new(token.clone()).unwrap());
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        prop_assert_eq!(pairs, vec![("token".to_owned(), token.clone())]);
        prop_assert_eq!(url.path(), "/sso/logout");
        // The built request targets exactly that URL.
        let req = config().logout_redirect_request(&LogoutToken::new(token).unwrap()).unwrap();
        prop_assert_eq!(req.uri().to_string(), url.to_string());
    }

    #[test]
    fn base_url_path_prefix_is_kept(
        segments in proptest::collection::vec("[a-zA-Z0-9._~-]{1,12}", 0..5),
        trailing in any::<bool>(),
    ) {
        let segments: Vec<String> = segments.into_iter().filter(|s| s != "." && s != "..").collect();
        let mut base = String::from("https://proxy.example");
        for s in &segments {
            base.push('/');
            base.push_str(s);
        }
        if trailing { base.push('/'); }
        let config = config().with_base_url(BaseUrl::parse(&base).unwrap());
        let prefix: String = segments.iter().map(|s| format!("/{s}")).collect::<Vec<_>>().concat();
        let authorize_url = config.logout_authorize_url();
        prop_assert_eq!(authorize_url.path(), format!("{prefix}/sso/logout/authorize"));
        let url = config.logout_redirect_url(&LogoutToken::new("t").unwrap());
        prop_assert_eq!(url.path(), format!("{prefix}/sso/logout"));
        let req = config.logout_authorize_request(&LogoutAuthorizeRequest::new(ProfileId::new("p").unwrap())).unwrap();
        prop_assert_eq!(req.uri().path(), format!("{prefix}/sso/logout/authorize"));
    }

    #[test]
    fn parsing_never_panics(response in arbitrary_response()) {
        let _ = parse_logout_authorize_response(&sent_to(), &response);
        let url: url::Url = url::Url::parse("https://auth.workos.com/sso/logout?token=t").unwrap();
        let _ = parse_logout_redirect_response(&url, &response);
    }

    #[test]
    fn every_truncated_success_body_is_an_error(url_tail in "[a-z0-9]{0,20}", token in "[A-Za-z0-9._-]{1,40}") {
        let body = serde_json::json!({
            "logout_url": format!("https://auth.workos.com/sso/logout?state={url_tail}&token={token}"),
            "logout_token": token,
        })
        .to_string();
        let full = http::Response::new(body.as_bytes().to_vec());
        prop_assert!(parse_logout_authorize_response(&sent_to(), &full).is_ok());
        for cut in 0..body.len() {
            let r = http::Response::new(body.as_bytes()[..cut].to_vec());
            prop_assert!(parse_logout_authorize_response(&sent_to(), &r).is_err(), "prefix {} parsed", cut);
        }
    }
}
