//! With the `tracing` feature on, every call has a span, and every attempt a span named and
//! described in OpenTelemetry's HTTP-client words and an event, on both transports, and neither the API key nor
//! the logout token appears in what is recorded — even when the server echoes both back in bodies
//! and headers.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::Duration;

use support::Captured;
use workos_logout::emulator::{Emulator, Fault, Route, start};
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::{ApiKey, BaseUrl, ClientOptions, Config, ProfileId, RetryPolicy};

/// Runs `f` with every event and span (at any level) written to the returned text.
fn capture(f: impl FnOnce()) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    captured.text()
}

fn client(emu: &Emulator, transport: Transport, key: &str) -> AnyClient {
    let config = Config::new(ApiKey::new(key).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    let policy = RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(20)).unwrap();
    let options = ClientOptions::default().with_retry_policy(policy);
    AnyClient::new(transport, config, options).unwrap()
}

/// A 503 whose body and headers echo the secrets back.
fn echo(key: &str, token: &str) -> Fault {
    Fault::Status {
        status: 503,
        body: Some(format!(
            r#"{{"message":"key={key} token={token}","code":"{token}","errors":[{{"field":"{key}"}}]}}"#
        )),
        headers: vec![
            ("x-request-id".into(), token.to_owned()),
            ("retry-after".into(), "0".into()),
        ],
    }
}

#[test]
fn spans_and_events_name_every_attempt_and_never_a_secret() {
    for transport in Transport::ALL {
        let emu = start().unwrap();
        let key = emu.api_key().to_owned();
        let good = client(&emu, transport, &key);
        let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();

        // Success, after a retried 503 that echoes the key and a token.
        let first = good.authorize_logout(&profile).unwrap();
        let token = first.logout_token().expose_secret().to_owned();
        emu.push_fault(Route::Authorize, echo(&key, &token));
        let mut tokens = vec![token.clone()];
        let success = capture(|| {
            let auth = good.authorize_logout(&profile).unwrap();
            tokens.push(auth.logout_token().expose_secret().to_owned());
            good.follow_logout_redirect(auth.logout_url()).unwrap();
        });
        // Failures: a wrong key (401), a spent token (400), and 503s until the attempts run out.
        let failure = capture(|| {
            let wrong = client(&emu, transport, "sk_test_WRONGKEY0123456789");
            wrong.authorize_logout(&profile).unwrap_err();
            good.follow_logout_redirect(first.logout_url()).unwrap();
            good.follow_logout_redirect(first.logout_url()).unwrap_err();
            for _ in 0..3 {
                emu.push_fault(Route::Authorize, echo(&key, &token));
            }
            good.authorize_logout(&profile).unwrap_err();
        });

        for (what, text) in [("success", &success), ("failure", &failure)] {
            assert!(
                text.contains("workos_sso_logout"),
                "{transport} {what}: {text}"
            );
            for secret in tokens
                .iter()
                .map(String::as_str)
                .chain([key.as_str(), "WRONGKEY"])
            {
                assert!(
                    !text.contains(secret),
                    "{transport} {what} shows a secret: {text}"
                );
            }
        }
        // A span per call, and one per attempt named and described in OpenTelemetry's
        // HTTP-client words (the exported data is checked field by field in `otel.rs`).
        for name in [
            "workos.logout_authorize",
            "workos.logout_redirect",
            "POST /sso/logout/authorize",
            "GET /sso/logout",
        ] {
            assert!(success.contains(name), "{success}");
        }
        for field in [
            "http.request.method=\"POST\"",
            "http.request.method=\"GET\"",
            "url.template=\"/sso/logout/authorize\"",
            "url.template=\"/sso/logout\"",
            "server.address=\"127.0.0.1\"",
            "otel.kind=\"client\"",
            "http.response.status_code=503",
            "workos.retry_delay_ms=0",
            "http.response.status_code=200",
            "http.response.status_code=302",
            "workos.request_id=\"req_",
            // The resent attempt's span has its resend count.
            "http.request.resend_count=1",
            "url.full=\"http://127.0.0.1:",
            "token=[redacted]",
        ] {
            assert!(
                success.contains(field),
                "{transport}: no {field}: {success}"
            );
        }
        assert!(success.contains(&format!(
            "server.port={}",
            emu.base_url().rsplit(':').next().unwrap()
        )));
        for field in [
            "http.response.status_code=401",
            "http.response.status_code=400",
            "http.request.resend_count=2",
            "error.type=\"401\"",
            "error.type=\"400\"",
            "error.type=\"503\"",
            "otel.status_code=\"ERROR\"",
        ] {
            assert!(
                failure.contains(field),
                "{transport}: no {field}: {failure}"
            );
        }
        // Our own words are gone.
        for old in ["endpoint=", " attempt=", " status=", "failure="] {
            assert!(!success.contains(old) && !failure.contains(old), "{old}");
        }
    }
}

#[test]
fn transport_failures_are_events_with_their_kind() {
    // A port that was just free: connection refused on every attempt.
    let port = support::freed_port();
    for transport in Transport::ALL {
        let config = Config::new(ApiKey::new("sk_test_SECRETKEY0123456789").unwrap())
            .with_base_url(BaseUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap());
        let policy =
            RetryPolicy::new(2, Duration::from_millis(1), Duration::from_millis(5)).unwrap();
        let options = ClientOptions::default().with_retry_policy(policy);
        let client = AnyClient::new(transport, config, options).unwrap();
        let text = capture(|| {
            client
                .authorize_logout(&ProfileId::new("prof_1").unwrap())
                .unwrap_err();
        });
        assert!(
            text.contains("error.type=\"Connect\""),
            "{transport}: {text}"
        );
        assert!(text.contains("attempt failed"), "{transport}: {text}");
        assert!(
            text.contains("retrying after a wait"),
            "{transport}: {text}"
        );
        assert!(!text.contains("SECRETKEY"), "{transport}: {text}");
    }
}
