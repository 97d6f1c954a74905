//! Feeds arbitrary statuses, headers and bodies to every response parser, and arbitrary strings
//! to every input validator: none may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workos_sso_logout::{
    ApiKey, BaseUrl, IdempotencyKey, LogoutToken, ProfileId, RetryAfter,
    parse_logout_authorize_response, parse_logout_redirect_response,
};

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = http::StatusCode::from_u16(100 + u16::from_le_bytes([data[0], data[1]]) % 900)
        .unwrap_or(http::StatusCode::OK);
    // Byte 2 says how much of the rest is one header value (shared by the headers that matter).
    let split = (usize::from(data[2]) + 3).min(data.len());
    let (header, body) = data[3..].split_at(split - 3);
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = status;
    if let Ok(value) = http::HeaderValue::from_bytes(header) {
        for name in ["location", "retry-after", "x-request-id", "content-type"] {
            response.headers_mut().insert(name, value.clone());
        }
    }
    for sent_to in [
        "https://auth.workos.com/base/sso/logout/authorize",
        "http://127.0.0.1:4100/sso/logout?token=t",
    ] {
        if let Ok(url) = url::Url::parse(sent_to) {
            let _ = parse_logout_authorize_response(&url, &response);
            let _ = parse_logout_redirect_response(&url, &response);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RetryAfter::parse(text);
        let _ = BaseUrl::parse(text);
        let _ = ApiKey::new(text);
        let _ = ProfileId::new(text);
        let _ = LogoutToken::new(text);
        let _ = IdempotencyKey::new(text);
    }
});
