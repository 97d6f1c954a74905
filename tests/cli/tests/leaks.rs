//! The secret-leak property end to end: a real server on loopback (the emulator, with faults)
//! answers bodies and headers that embed the API key and the logout token anywhere; on both
//! transports and both endpoints, no `Display` or `Debug` of the result, and nothing the CLI
//! prints on stdout or stderr, contains a secret the call holds.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Stdio};
use std::sync::OnceLock;

use proptest::prelude::*;
use workos_logout::emulator::{Emulator, Fault, Route, start};
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::{ApiKey, BaseUrl, ClientOptions, Config, ProfileId, RetryPolicy};

fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(|| start().unwrap())
}

fn form(secret: &str, how: u8) -> String {
    match how % 3 {
        0 => secret.to_owned(),
        1 => workos_sso_logout::url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        _ => serde_json::Value::from(secret)
            .to_string()
            .trim_matches('"')
            .to_owned(),
    }
}

fn echo(status: u16, shape: u8, how: u8, key: &str, token: &str) -> Fault {
    let (k, t) = (form(key, how), form(token, how));
    let text = format!("api_key={k}\ttoken={t}\nerror: forged\u{1b}[0m");
    let json = serde_json::Value::from(text.as_str()).to_string();
    let body = match shape % 4 {
        0 => format!(r#"{{"message":{json},"code":"{t}","errors":[{{"field":"{k}"}}]}}"#),
        1 => format!(r#"{{"error":"{k}","error_description":{json}}}"#),
        2 => format!("<html>{text}</html>"),
        _ => format!(r#"{{"logout_url":"https://x.example/{k}?token={t}","logout_token":"{t}"}}"#),
    };
    Fault::Status {
        status,
        body: Some(body),
        headers: vec![
            ("content-type".into(), format!("text/{k}")),
            (
                "location".into(),
                format!("https://idp.example/end?hint={t}&k={k}"),
            ),
        ],
    }
}

fn clean(what: &str, text: &str, secrets: &[&str]) -> Result<(), TestCaseError> {
    for secret in secrets {
        prop_assert!(
            !text.contains(secret),
            "{} shows {}: {}",
            what,
            secret,
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn no_answer_leaks_a_secret_on_either_transport_or_through_the_cli(
        status in prop::sample::select(vec![200u16, 302, 400, 401, 404, 429, 500, 503]),
        shape in 0u8..4,
        how in 0u8..3,
    ) {
        let emu = emulator();
        let key = emu.api_key();
        let config = Config::new(ApiKey::new(key).unwrap())
            .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
        let options = ClientOptions::default().with_retry_policy(RetryPolicy::none());
        let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();
        for transport in Transport::ALL {
            let c = AnyClient::new(transport, config.clone(), options.clone()).unwrap();
            let auth = c.authorize_logout(&profile).unwrap();
            let token = auth.logout_token().expose_secret().to_owned();
            emu.push_fault(Route::Authorize, echo(status, shape, how, key, &token));
            let shown = match c.authorize_logout(&profile) {
                Ok(a) => format!("{a:?}"),
                Err(e) => format!("{e} {e:?}"),
            };
            clean("authorize", &shown, &[key])?;
            emu.push_fault(Route::Logout, echo(status, shape, how, key, &token));
            let shown = match c.follow_logout_redirect(auth.logout_url()) {
                Ok(r) => format!("{r:?}"),
                Err(e) => format!("{e} {e:?}"),
            };
            clean("follow", &shown, &[key, &token])?;
        }
        // The CLI, on the spent-or-echoed path: nothing on stdout or stderr shows either secret.
        let auth = AnyClient::new(Transport::Ureq, config, options).unwrap().authorize_logout(&profile).unwrap();
        let token = auth.logout_token().expose_secret().to_owned();
        emu.push_fault(Route::Logout, echo(status, shape, how, key, &token));
        let out = Command::new(env!("CARGO_BIN_EXE_workos-logout"))
            .args(["follow", "--url", auth.logout_url(), "--retries", "0"])
            .env_remove("WORKOS_API_KEY")
            .env("WORKOS_API_KEY", key)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        clean("stdout", &String::from_utf8_lossy(&out.stdout), &[key, &token])?;
        clean("stderr", &String::from_utf8_lossy(&out.stderr), &[key, &token])?;
    }
}
