//! Unit tests of `redact.rs` (its private items).

use super::*;

#[test]
fn url_tokens_are_found_in_every_form() {
    let url = Url::parse("https://a.example/x?token=a%2Bb%2Fc%3D12&id_TOKEN=eyJ.abc&state=s#f")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut secrets = Secrets::default();
    secrets.add_url_tokens(&url);
    for carrying in ["x a+b/c=12", "a%2Bb%2Fc%3D12", "?h=eyJ.abc"] {
        assert!(secrets.found_in(carrying), "{carrying}");
    }
    assert!(!secrets.found_in("state=s a%2Bb"));
}

#[test]
fn urls_lose_tokens_and_user_info() {
    let url = Url::parse("https://u:p@idp.example/end?id_token_hint=abc&state=s")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        redact_url(&url),
        "https://idp.example/end?id_token_hint=[redacted]&state=s"
    );
}

#[test]
fn text_keeps_words_and_drops_credentials() {
    assert_eq!(
        redact_text("bad key sk_test_123 (invalid_request_parameters)"),
        "bad key [redacted] (invalid_request_parameters)"
    );
    assert_eq!(
        redact_text("bad credentials: api_key=sk_test_123&x=1"),
        "bad credentials: api_key=[redacted]&x=1"
    );
}

#[test]
fn text_that_is_not_json_loses_secret_values() {
    let cut = r#"{"logout_url":"https://a/sso/logout?token=abcd&x=1","logout_token":"abcd"#;
    assert_eq!(
        redact_quoted_secrets(cut),
        r#"{"logout_url":"https://a/sso/logout?token=[redacted]&x=1","logout_token":"[redacted]"#
    );
    assert_eq!(redact_quoted_secrets("a = b \"c\""), "a = b \"c\"");
}

#[test]
fn exact_secrets_go_first_in_every_form_then_controls_are_escaped() {
    let mut secrets = Secrets::default();
    secrets.add("opaque tok&en");
    secrets.add("abc"); // too short to scrub as an exact value
    let shown = secrets.scrub("a=opaque tok&en b=opaque+tok%26en c=opaque%20tok%26en\nerror: forged\u{1b}[2J\u{202e}x abc");
    assert_eq!(
        shown,
        "a=[redacted] b=[redacted] c=[redacted]\\u{a}error: forged\\u{1b}[2J\\u{202e}x abc"
    );
    assert!(!shown.contains('\n'));
    assert_eq!(secrets.bounded("abcdef", 3), "abc");
    assert!(secrets.found_in("xx opaque tok&en"));
}
