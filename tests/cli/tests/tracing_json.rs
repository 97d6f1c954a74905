//! What a service exporting to an OpenTelemetry backend sees of one call (feature `tracing`):
//! JSON with the semantic-convention names, and no secret. A test binary of its own: `tracing`
//! caches per call site whether anyone listens, and subscribers set by tests running at once on
//! other threads of one process race on that cache.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use support::Captured;
use workos_logout::Transport;
use workos_logout::emulator::start;
use workos_sso_logout::{ApiKey, BaseUrl, ClientOptions, Config, ProfileId};

/// What a service exporting to an OpenTelemetry backend sees: JSON with the semantic-convention
/// names, and no secret.
#[test]
fn a_json_subscriber_sees_the_semantic_convention_names_and_no_secret() {
    let emu = start().unwrap();
    let key = emu.api_key().to_owned();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let mut token = String::new();
    tracing::subscriber::with_default(subscriber, || {
        let config = Config::new(ApiKey::new(key.as_str()).unwrap())
            .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
        let client =
            workos_logout::AnyClient::new(Transport::Hyper, config, ClientOptions::default())
                .unwrap();
        let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();
        let auth = client.authorize_logout(&profile).unwrap();
        token = auth.logout_token().expose_secret().to_owned();
        client.follow_logout_redirect(auth.logout_url()).unwrap();
    });
    let text = captured.text();
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    for field in [
        r#""http.request.method":"POST""#,
        r#""http.request.method":"GET""#,
        r#""server.address":"127.0.0.1""#,
        r#""http.response.status_code":200"#,
        r#""http.response.status_code":302"#,
        r#""name":"POST /sso/logout/authorize""#,
    ] {
        assert!(text.contains(field), "no {field}: {text}");
    }
    assert!(!text.contains(&token) && !text.contains(&key), "{text}");
}
