//! Golden requests: method, URL, every header and the body, for default and custom base URLs.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use workos_sso_logout::{
    ApiKey, BaseUrl, Config, IdempotencyKey, InvalidInput, LogoutAuthorizeRequest, LogoutToken,
    ProfileId,
};

/// The documented User-Agent: the crate name and version.
const USER_AGENT: &str = concat!("workos-sso-logout-rust/", env!("CARGO_PKG_VERSION"));

fn config(base: Option<&str>) -> Config {
    let config = Config::new(ApiKey::new("sk_test_golden").unwrap());
    match base {
        Some(b) => config.with_base_url(BaseUrl::parse(b).unwrap()),
        None => config,
    }
}

fn headers(req: &http::Request<Vec<u8>>) -> Vec<(String, String)> {
    let mut h: Vec<_> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    h.sort();
    h
}

#[test]
fn authorize_request_default_base() {
    let req = config(None)
        .logout_authorize_request(&LogoutAuthorizeRequest::new(
            ProfileId::new("prof_01E").unwrap(),
        ))
        .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "https://auth.workos.com/sso/logout/authorize");
    assert_eq!(
        headers(&req),
        vec![
            ("accept".into(), "application/json".into()),
            ("authorization".into(), "Bearer sk_test_golden".into()),
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), USER_AGENT.to_owned()),
        ]
    );
    assert!(req.headers()["authorization"].is_sensitive());
    assert_eq!(req.body(), br#"{"profile_id":"prof_01E"}"#);
    assert!(USER_AGENT.starts_with("workos-sso-logout-rust/"));
    assert_eq!(USER_AGENT, Config::without_api_key().user_agent());
}

#[test]
fn authorize_request_custom_base_with_prefix_and_idempotency_key() {
    let req = config(Some("https://proxy.example:8443/workos/"))
        .logout_authorize_request(
            &LogoutAuthorizeRequest::new(ProfileId::new("prof_\"quoted\" é").unwrap())
                .with_idempotency_key(IdempotencyKey::new("idem-1").unwrap()),
        )
        .unwrap();
    assert_eq!(
        req.uri(),
        "https://proxy.example:8443/workos/sso/logout/authorize"
    );
    assert_eq!(req.headers()["idempotency-key"], "idem-1");
    assert_eq!(req.headers().len(), 5);
    assert_eq!(
        req.body(),
        "{\"profile_id\":\"prof_\\\"quoted\\\" é\"}".as_bytes()
    );
}

#[test]
fn prefix_without_trailing_slash_is_kept() {
    let c = config(Some("http://127.0.0.1:4100/api/v1"));
    assert_eq!(
        c.logout_authorize_url().as_str(),
        "http://127.0.0.1:4100/api/v1/sso/logout/authorize"
    );
    let url = c.logout_redirect_url(&LogoutToken::new("t").unwrap());
    assert_eq!(
        url.as_str(),
        "http://127.0.0.1:4100/api/v1/sso/logout?token=t"
    );
}

#[test]
fn redirect_request_is_a_plain_get_without_the_api_key() {
    let c = config(None);
    let req = c
        .logout_redirect_request(&LogoutToken::new("tok/+=&?#").unwrap())
        .unwrap();
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(
        req.uri(),
        "https://auth.workos.com/sso/logout?token=tok%2F%2B%3D%26%3F%23"
    );
    assert_eq!(
        headers(&req),
        vec![
            ("accept".into(), "application/json".into()),
            ("user-agent".into(), USER_AGENT.to_owned()),
        ]
    );
    assert!(req.body().is_empty());
}

#[test]
fn base_url_validation() {
    for (input, fragment) in [
        ("http://auth.workos.com", "loopback"),
        ("ftp://127.0.0.1", "scheme"),
        ("https://auth.workos.com/?a=b", "query"),
        ("https://auth.workos.com/#frag", "fragment"),
        ("https://user:pw@auth.workos.com", "user info"),
        ("not a url", "absolute"),
        ("mailto:someone@example.com", "base"),
    ] {
        let err = BaseUrl::parse(input).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(fragment), "{input}: {msg}");
        assert!(!msg.contains("pw@"), "{msg}");
    }
    for ok in [
        "https://auth.workos.com",
        "https://api.workos.com/",
        "http://localhost:4100",
        "http://127.0.0.2",
        "http://[::1]:9000/prefix/",
    ] {
        assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
    }
}

#[test]
fn input_validation() {
    assert_eq!(
        ApiKey::new("").unwrap_err(),
        InvalidInput::Empty { field: "API key" }
    );
    assert!(
        ApiKey::new("sk_test\r\nX-Evil: 1")
            .unwrap_err()
            .to_string()
            .contains("carriage return")
    );
    assert!(ApiKey::new("sk test").is_err());
    assert!(ApiKey::new("sk_tést").is_err());
    assert!(ApiKey::new("k".repeat(1025)).is_err());
    assert_eq!(
        ProfileId::new("").unwrap_err(),
        InvalidInput::Empty {
            field: "profile id"
        }
    );
    assert_eq!(
        ProfileId::new("ab\u{7}").unwrap_err(),
        InvalidInput::BadCharacter {
            field: "profile id",
            what: "a control character",
            at: 2
        }
    );
    assert!(matches!(
        ProfileId::new("p".repeat(1025)),
        Err(InvalidInput::TooLong {
            field: "profile id",
            len: 1025,
            max: 1024
        })
    ));
    assert_eq!(
        LogoutToken::new("").unwrap_err(),
        InvalidInput::Empty {
            field: "logout token"
        }
    );
    assert!(LogoutToken::new("a\nb").is_err());
    assert!(LogoutToken::new("t".repeat(8 * 1024 + 1)).is_err());
    assert!(IdempotencyKey::new("").is_err());
    assert!(IdempotencyKey::new("a b").is_err());
    assert!(IdempotencyKey::new("k".repeat(256)).is_err());
    for blank in [" ", "\u{3000}", "\t"] {
        assert!(ProfileId::new(blank).is_err(), "{blank:?}");
    }
    for invisible in [
        "prof_\u{200B}1",
        "prof_\u{202E}1",
        "\u{2066}prof",
        "\u{FEFF}prof",
    ] {
        let err = ProfileId::new(invisible).unwrap_err();
        assert!(err.to_string().contains("invisible"), "{err}");
    }
    assert!(ProfileId::new("prof_é_漢字").is_ok());
}

#[test]
fn random_idempotency_keys_are_uuid_shaped_and_differ() {
    let a = IdempotencyKey::random(&workos_sso_logout::StdEnvironment);
    let b = IdempotencyKey::random(&workos_sso_logout::StdEnvironment);
    assert_ne!(a, b);
    for k in [a, b] {
        let s = k.as_str();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert!(IdempotencyKey::new(s).is_ok());
    }
}

#[test]
fn redirects_need_no_api_key_but_authorize_does() {
    let config =
        Config::without_api_key().with_base_url(BaseUrl::parse("http://localhost:4100").unwrap());
    let url = config.logout_redirect_url(&LogoutToken::new("t").unwrap());
    assert_eq!(url.as_str(), "http://localhost:4100/sso/logout?token=t");
    assert!(
        config
            .redirect_call(url.as_str(), &workos_sso_logout::ClientOptions::default())
            .is_ok()
    );
    let err = config
        .logout_authorize_request(&LogoutAuthorizeRequest::new(ProfileId::new("p").unwrap()))
        .unwrap_err();
    assert!(matches!(
        err,
        workos_sso_logout::Error::InvalidInput(InvalidInput::MissingApiKey)
    ));
}

#[test]
fn the_app_tag_is_appended_to_the_user_agent_and_validated() {
    let config = Config::new(ApiKey::new("sk_test_123").unwrap())
        .with_app_info("acme-portal", "2.4.1+build.7")
        .unwrap();
    let req = config
        .logout_authorize_request(&LogoutAuthorizeRequest::new(ProfileId::new("p").unwrap()))
        .unwrap();
    assert_eq!(
        req.headers()["user-agent"],
        format!("{USER_AGENT} acme-portal/2.4.1+build.7").as_str()
    );
    let token = LogoutToken::new("t").unwrap();
    let get = config.logout_redirect_request(&token).unwrap();
    assert_eq!(get.headers()["user-agent"], req.headers()["user-agent"]);
    for (name, version) in [
        ("", "1"),
        ("acme portal", "1"),
        ("acme", "1\r\nX-Evil: 1"),
        ("acme/portal", "1"),
        ("acmé", "1"),
    ] {
        let err = Config::without_api_key()
            .with_app_info(name, version)
            .unwrap_err();
        assert!(err.to_string().contains("application"), "{err}");
    }
    let long = "a".repeat(65);
    assert!(Config::without_api_key().with_app_info(&long, "1").is_err());
}

#[test]
fn configuration_from_the_environment() {
    let vars = |key: Option<&'static str>, url: Option<&'static str>| {
        move |name: &str| match name {
            "WORKOS_API_KEY" => key.map(str::to_owned),
            "WORKOS_BASE_URL" => url.map(str::to_owned),
            _ => None,
        }
    };
    let config = Config::from_env_with(vars(Some("sk_test_env"), None)).unwrap();
    assert_eq!(config.api_key().unwrap().expose_secret(), "sk_test_env");
    assert_eq!(
        config.base_url().as_url().as_str(),
        "https://auth.workos.com/"
    );
    let config = Config::from_env_with(vars(Some("sk_test_env"), Some(""))).unwrap();
    assert_eq!(
        config.base_url().as_url().as_str(),
        "https://auth.workos.com/"
    );
    let config =
        Config::from_env_with(vars(Some("sk_test_env"), Some("http://localhost:4100"))).unwrap();
    assert_eq!(config.base_url().as_url().port(), Some(4100));
    assert!(
        Config::from_env_with(vars(None, None))
            .unwrap()
            .api_key()
            .is_none()
    );
    let err = Config::from_env_with(vars(Some("sk_test\n"), None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the API key contains a line feed (LF) at character 7"
    );
    let err = Config::from_env_with(vars(Some("sk"), Some("http://example.com"))).unwrap_err();
    assert!(err.to_string().starts_with("invalid base URL"), "{err}");
    // Without a key, Logout Authorize says what to set, before anything is sent.
    let err = Config::from_env_with(vars(None, None))
        .unwrap()
        .logout_authorize_request(&LogoutAuthorizeRequest::new(ProfileId::new("p").unwrap()))
        .unwrap_err();
    assert!(err.to_string().contains("WORKOS_API_KEY"), "{err}");
}
