//! Throughput of the pure core: building requests and URLs, parsing responses, and the redaction
//! that error paths pay for.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use workos_sso_logout::{
    ApiKey, Config, LogoutAuthorizeRequest, LogoutToken, ProfileId,
    parse_logout_authorize_response, parse_logout_redirect_response,
};

fn benches(c: &mut Criterion) {
    let config = Config::new(ApiKey::new("sk_test_bench").unwrap());
    let request = LogoutAuthorizeRequest::new(ProfileId::new("prof_01HXYZABCDEF").unwrap());
    let token = LogoutToken::new("eyJhbGciOiJIUzI1NiJ9.eyJwcm9maWxlX2lkIjoicCJ9.c2ln").unwrap();
    let ok = http::Response::new(
        br#"{"logout_url":"https://auth.workos.com/sso/logout?token=eyJhbGciOiJIUzI1NiJ9.eyJwcm9maWxlX2lkIjoicCJ9.c2ln","logout_token":"eyJhbGciOiJIUzI1NiJ9.eyJwcm9maWxlX2lkIjoicCJ9.c2ln"}"#.to_vec(),
    );
    let html = http::Response::builder()
        .status(502)
        .header("content-type", "text/html")
        .body(format!("<html>{}</html>", "Bad gateway. ".repeat(200)).into_bytes())
        .unwrap();
    let redirect_url = config.logout_redirect_url(&token);
    let authorize_url = config.logout_authorize_url();
    let redirect = http::Response::builder()
        .status(302)
        .header("location", "/idp/end_session?state=abc")
        .body(Vec::new())
        .unwrap();

    // The bare baseline: the same request built by hand and the same body parsed into a typed
    // struct, without validation (compare with "build authorize request" + "parse authorize
    // success"; `--bench core_vs_bare` prints the ratio).
    #[derive(serde::Deserialize)]
    struct Bare<'a> {
        #[serde(borrow)]
        logout_url: &'a str,
        #[serde(borrow)]
        logout_token: &'a str,
    }
    c.bench_function("bare: build request + typed parse", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(&serde_json::json!({"profile_id": "prof_01HXYZABCDEF"}))
                .unwrap();
            let request = http::Request::post("https://auth.workos.com/sso/logout/authorize")
                .header("authorization", "Bearer sk_test_bench")
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("user-agent", "workos-sso-logout-rust/0.2.0")
                .body(body)
                .unwrap();
            black_box(request);
            let parsed: Bare<'_> = serde_json::from_slice(black_box(ok.body())).unwrap();
            parsed.logout_url.len() + parsed.logout_token.len()
        })
    });
    c.bench_function("sdk: build request + parse", |b| {
        b.iter(|| {
            black_box(
                config
                    .logout_authorize_request(black_box(&request))
                    .unwrap(),
            );
            let parsed = parse_logout_authorize_response(&authorize_url, black_box(&ok)).unwrap();
            parsed.logout_url().len()
        })
    });
    c.bench_function("build authorize request", |b| {
        b.iter(|| {
            config
                .logout_authorize_request(black_box(&request))
                .unwrap()
        })
    });
    c.bench_function("build redirect url", |b| {
        b.iter(|| config.logout_redirect_url(black_box(&token)))
    });
    c.bench_function("parse authorize success", |b| {
        b.iter(|| parse_logout_authorize_response(&authorize_url, black_box(&ok)).unwrap())
    });
    c.bench_function("parse html error page", |b| {
        b.iter(|| parse_logout_authorize_response(&authorize_url, black_box(&html)).unwrap_err())
    });
    c.bench_function("parse redirect", |b| {
        b.iter(|| parse_logout_redirect_response(&redirect_url, black_box(&redirect)).unwrap())
    });
}

criterion_group!(core, benches);
criterion_main!(core);
