//! Feeds arbitrary statuses, headers and bodies to both endpoints' calls (and arbitrary strings to
//! every input validator): nothing may panic, and — the redaction property — whatever the server
//! answers, no `Display` or `Debug` of a call's result shows a secret the call holds, and every
//! message stays on one line.
//!
//! The input places the secrets: in the body and the header value, the byte 0xFE stands for the
//! API key and 0xFF for the logout token, so the fuzzer can put them anywhere (inside JSON strings,
//! next to `=`, between control characters).
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use workos_sso_logout::{
    ApiKey, BaseUrl, Client, ClientOptions, Config, Environment, IdempotencyKey, LogoutToken,
    ProfileId, RetryAfter, RetryPolicy,
};

/// Retries without sleeping.
struct Instant;
impl Environment for Instant {
    fn sleep(&self, _: Duration) {}
}

const TOKEN_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+-";

fn substitute(bytes: &[u8], key: &str, token: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            0xFE => out.extend_from_slice(key.as_bytes()),
            0xFF => out.extend_from_slice(token.as_bytes()),
            b => out.push(b),
        }
    }
    out
}

fn check(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "a secret shows: {shown:?}");
    }
    assert!(
        !shown.contains(['\n', '\r', '\u{1b}', '\u{202e}']),
        "not one plain line: {shown:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let (control, rest) = data.split_at(12);
    let status = 100 + u16::from_le_bytes([control[0], control[1]]) % 900;
    let key: String = format!(
        "sk_test_{}",
        control[4..8].iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let token: String = control[8..12]
        .iter()
        .chain(control[4..8].iter())
        .map(|b| char::from(TOKEN_CHARS[usize::from(*b) % TOKEN_CHARS.len()]))
        .collect();
    let split = usize::from(control[2]).min(rest.len());
    let (header, body) = rest.split_at(split);
    let header = substitute(header, &key, &token);
    let body = substitute(body, &key, &token);
    let header_name = ["location", "retry-after", "x-request-id", "content-type"]
        [usize::from(control[3]) % 4];

    let answer = move || {
        let mut response = http::Response::new(body.clone());
        if let Ok(status) = http::StatusCode::from_u16(status) {
            *response.status_mut() = status;
        }
        if let Ok(value) = http::HeaderValue::from_bytes(&header) {
            response.headers_mut().insert(header_name, value.clone());
            response.headers_mut().insert("x-request-id", value);
        }
        Ok::<_, std::io::Error>(response)
    };
    let (Ok(api_key), Ok(base)) = (ApiKey::new(key.clone()), BaseUrl::parse("https://auth.workos.com"))
    else {
        return;
    };
    let config = Config::new(api_key).with_base_url(base);
    let Ok(policy) = RetryPolicy::new(2, Duration::ZERO, Duration::ZERO) else {
        return;
    };
    let options = ClientOptions::default().with_retry_policy(policy);
    let client = Client::with_transport(config, options, |_request| answer()).with_environment(Instant);

    if let Ok(profile) = ProfileId::new("prof_fuzz") {
        match client.authorize_logout(&profile) {
            Ok(auth) => check(&format!("{auth:?}"), &[&key]),
            Err(e) => {
                check(&e.to_string(), &[&key]);
                check(&format!("{e:?}"), &[&key]);
            }
        }
    }
    if let Ok(t) = LogoutToken::new(token.clone()) {
        let url = client.logout_redirect_url(&t);
        match client.follow_logout_redirect(&url) {
            Ok(outcome) => check(&format!("{outcome:?}"), &[&key, &token]),
            Err(e) => {
                check(&e.to_string(), &[&key, &token]);
                check(&format!("{e:?}"), &[&key, &token]);
            }
        }
    }

    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RetryAfter::parse(text);
        let _ = BaseUrl::parse(text);
        let _ = ApiKey::new(text);
        let _ = ProfileId::new(text);
        let _ = LogoutToken::new(text);
        let _ = IdempotencyKey::new(text);
        let _ = Config::without_api_key().with_app_info(text, text);
    }
});
