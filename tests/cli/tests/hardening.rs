//! What a hostile or broken server, or careless input, must not do to the SDK and the CLI: show a
//! secret, break an error onto several lines, repeat a spent token, panic. Both transports, and
//! the built `workos-logout` binary.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use workos_logout::emulator::{Emulator, Fault, Route, start};
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::{ApiKey, BaseUrl, ClientOptions, Config, ProfileId, RetryPolicy};

fn options() -> ClientOptions {
    let policy = RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(20)).unwrap();
    ClientOptions::default()
        .with_timeout(Duration::from_secs(3))
        .unwrap()
        .with_retry_policy(policy)
}

/// A configuration with a test key, for a server at `base` that is not the emulator.
fn config_at(base: &str) -> Config {
    let key = ApiKey::new("sk_test_0123456789").unwrap();
    Config::new(key).with_base_url(BaseUrl::parse(base).unwrap())
}

fn client(emu: &Emulator, transport: Transport) -> AnyClient {
    let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    AnyClient::new(transport, config, options()).unwrap()
}

/// A status whose body and headers echo `secrets` among newlines, ESC and a bidi override.
fn echo(status: u16, secrets: &[&str]) -> Fault {
    let all = secrets.join(" ");
    let message = format!("bad request for api_key={all}\nerror: forged line\u{1b}[31m\u{202e}");
    Fault::Status {
        status,
        body: Some(
            serde_json::json!({
                "message": message,
                "code": all,
                "error_description": all,
                "errors": [{"field": all, "code": all, "message": message}],
            })
            .to_string(),
        ),
        headers: vec![("content-type".into(), format!("text/{all}"))],
    }
}

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
    assert!(
        !text.contains('\n') && !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{what} is not one plain line: {text:?}"
    );
}

#[test]
fn echoed_secrets_never_show_and_errors_stay_one_line() {
    for transport in Transport::ALL {
        let emu = start().unwrap();
        let c = client(&emu, transport);
        let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();
        let auth = c.authorize_logout(&profile).unwrap();
        let token = auth.logout_token().expose_secret().to_owned();
        let key = emu.api_key().to_owned();

        emu.push_fault(Route::Authorize, echo(400, &[&key]));
        let err = c.authorize_logout(&profile).unwrap_err();
        assert_clean("authorize Display", &err.to_string(), &[&key]);
        assert_clean("authorize Debug", &format!("{err:?}"), &[&key]);

        emu.push_fault(Route::Logout, echo(400, &[&key, &token]));
        let err = c.follow_logout_redirect(auth.logout_url()).unwrap_err();
        assert_clean("follow Display", &err.to_string(), &[&key, &token]);
        assert_clean("follow Debug", &format!("{err:?}"), &[&key, &token]);
        assert!(err.to_string().contains("authorize a new logout"), "{err}");
    }
}

#[test]
fn a_5xx_on_the_logout_get_is_not_retried_and_says_the_token_may_be_spent() {
    for transport in Transport::ALL {
        let emu = start().unwrap();
        let c = client(&emu, transport);
        let auth = c
            .authorize_logout(&ProfileId::new(emu.oidc_profile_id()).unwrap())
            .unwrap();
        emu.push_fault(Route::Logout, Fault::status(502));
        let err = c.follow_logout_redirect(auth.logout_url()).unwrap_err();
        assert_eq!(err.status().unwrap(), 502, "{transport}");
        assert_eq!(
            emu.requests_to(Route::Logout).len(),
            1,
            "{transport}: retried"
        );
        assert!(err.to_string().contains("may have been spent"), "{err}");
        // Authorize, which spends nothing, is still retried on a 502.
        emu.push_fault(Route::Authorize, Fault::status(502));
        c.authorize_logout(&ProfileId::new(emu.oidc_profile_id()).unwrap())
            .unwrap();
    }
}

#[test]
fn transport_errors_show_their_cause_once() {
    let port = support::freed_port();
    for transport in Transport::ALL {
        let config = config_at(&format!("http://127.0.0.1:{port}"));
        let policy = RetryPolicy::none();
        let c = AnyClient::new(transport, config, options().with_retry_policy(policy)).unwrap();
        let err = c
            .authorize_logout(&ProfileId::new("prof_1").unwrap())
            .unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with("could not connect to WorkOS: "),
            "{transport}: {shown}"
        );
        assert!(
            shown.to_lowercase().contains("refused"),
            "{transport} names no cause: {shown}"
        );
        assert!(std::error::Error::source(&err).is_none(), "{transport}");
    }
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_workos-logout"));
    c.env_remove("WORKOS_API_KEY")
        .env_remove("WORKOS_BASE_URL")
        .env_remove("WORKOS_LOGOUT_TOKEN")
        .stdin(Stdio::null());
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn authorize_json(emu: &Emulator) -> serde_json::Value {
    let o = bin()
        .args(["authorize", "--json", "--profile-id", emu.oidc_profile_id()])
        .args(["--base-url", emu.base_url(), "--api-key", emu.api_key()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn cli_follows_the_logout_url_and_reads_the_token_without_an_argument() {
    let emu = start().unwrap();
    // --url: the logout_url authorize printed, as is.
    let v = authorize_json(&emu);
    let o = bin()
        .args(["follow", "--url", v["logout_url"].as_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("/idp/end_session?"));
    // The token from the environment.
    let v = authorize_json(&emu);
    let o = bin()
        .args(["follow", "--base-url", emu.base_url()])
        .env("WORKOS_LOGOUT_TOKEN", v["logout_token"].as_str().unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The token from stdin.
    let v = authorize_json(&emu);
    let mut child = bin()
        .args(["follow", "--token", "-", "--base-url", emu.base_url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let token = v["logout_token"].as_str().unwrap();
    writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
    let o: Output = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // Nothing at all: a usage error that says where a token may come from.
    let o = bin()
        .args(["follow", "--base-url", emu.base_url()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("WORKOS_LOGOUT_TOKEN"));
    // A logout URL that would send the token in clear text is refused before anything is sent.
    let o = bin()
        .args([
            "follow",
            "--url",
            "http://auth.example.com/sso/logout?token=abcdef",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("abcdef"));
}

#[test]
fn cli_prints_one_line_per_retry_and_one_line_per_error_without_secrets() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::status(503));
    emu.push_fault(Route::Authorize, Fault::rate_limited_seconds(0));
    let o = bin()
        .args(["authorize", "--profile-id", emu.oidc_profile_id()])
        .args(["--base-url", emu.base_url(), "--api-key", emu.api_key()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    let attempt = |n: u32, status: u16| {
        format!(
            "http.request.resend_count={} http.response.status_code={status}",
            n - 1
        )
    };
    assert!(lines[0].contains(&attempt(1, 503)) && lines[0].contains("workos.retry_delay_ms="));
    assert!(lines[1].contains(&attempt(2, 429)) && lines[1].contains("workos.retry_delay_ms=0"));

    let v = authorize_json(&emu);
    let token = v["logout_token"].as_str().unwrap();
    emu.push_fault(Route::Logout, echo(400, &[emu.api_key(), token]));
    let o = bin()
        .args(["follow", "--url", v["logout_url"].as_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_clean("stderr", err.trim_end(), &[emu.api_key(), token]);
    assert_clean("stdout", &text(&o.stdout), &[emu.api_key(), token]);
}

#[test]
fn cli_rejects_absurd_timeouts_instead_of_panicking() {
    for timeout in ["1e19", "1e300", "100000", "0", "-1", "nan"] {
        let o = bin()
            .args([
                "authorize",
                "--profile-id",
                "prof_1",
                "--api-key",
                "sk_test_1",
            ])
            .args([
                "--base-url",
                "http://127.0.0.1:9",
                &format!("--timeout={timeout}"),
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{timeout}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("timeout"), "{timeout}");
        assert!(!text(&o.stderr).contains("panicked"), "{timeout}");
    }
}

/// CPU time (user + system) of a process, in clock ticks, from `/proc`.
#[test]
fn proxy_variables_in_the_environment_are_not_followed() {
    // A "proxy" that records whoever connects to it.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let emu = start().unwrap();
    for transport in ["ureq", "hyper"] {
        let o = bin()
            .args([
                "authorize",
                "--profile-id",
                emu.oidc_profile_id(),
                "--transport",
                transport,
            ])
            .args(["--base-url", emu.base_url(), "--api-key", emu.api_key()])
            .envs([
                ("HTTP_PROXY", proxy_url.as_str()),
                ("http_proxy", proxy_url.as_str()),
                ("HTTPS_PROXY", proxy_url.as_str()),
                ("ALL_PROXY", proxy_url.as_str()),
                ("all_proxy", proxy_url.as_str()),
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{transport}: {}", text(&o.stderr));
        assert!(
            proxy.accept().is_err(),
            "{transport} sent the Bearer key through the proxy"
        );
    }
}

/// A TLS server on loopback with a self-signed certificate for `localhost` (which no client root
/// store trusts). Completes handshakes if it can, answers nothing; counts connections.
fn untrusted_tls_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let cert =
        rustls::pki_types::CertificateDer::from(include_bytes!("data/localhost.cert.der").to_vec());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
        include_bytes!("data/localhost.key.der").to_vec().into(),
    );
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let config = std::sync::Arc::new(config);
    let (port, connections) = support::scripted_server(move |_, mut stream| {
        let Ok(mut tls) = rustls::ServerConnection::new(config.clone()) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        while tls.is_handshaking() {
            if tls.complete_io(&mut stream).is_err() {
                break;
            }
        }
    });
    (format!("https://localhost:{port}"), connections)
}

#[test]
fn a_certificate_failure_is_one_kind_on_both_transports_and_not_retried() {
    for transport in Transport::ALL {
        let (base, connections) = untrusted_tls_server();
        let config = config_at(&base);
        let c = AnyClient::new(transport, config, options()).unwrap();
        let err = c
            .authorize_logout(&ProfileId::new("prof_1").unwrap())
            .unwrap_err();
        let kind = err.as_transport().map(|t| t.kind());
        eprintln!("{transport}: {kind:?} {err}");
        assert_eq!(
            kind,
            Some(workos_sso_logout::FailureKind::Tls),
            "{transport}: {err}"
        );
        assert_eq!(
            connections.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{transport}: a certificate failure was retried"
        );
        assert!(
            err.to_string().to_lowercase().contains("certificate"),
            "{err}"
        );
    }
}

#[test]
fn a_name_that_does_not_resolve_is_a_connect_failure_on_both_transports() {
    // A label longer than DNS allows: the resolver fails at once, without sending a packet.
    let base = format!("https://{}.example", "a".repeat(70));
    for transport in Transport::ALL {
        let config = config_at(&base);
        let c = AnyClient::new(transport, config, options()).unwrap();
        let err = c
            .authorize_logout(&ProfileId::new("prof_1").unwrap())
            .unwrap_err();
        let kind = err.as_transport().map(|t| t.kind());
        assert_eq!(
            kind,
            Some(workos_sso_logout::FailureKind::Connect),
            "{transport}: {err}"
        );
    }
}

/// A proxy on loopback that records each request head it gets, then refuses with a 502.
fn recording_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader};
    let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = heads.clone();
    let (port, _) = support::scripted_server(move |_, mut stream| {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        seen.lock().unwrap().push(head);
        let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
    });
    (format!("http://127.0.0.1:{port}"), heads)
}

#[test]
fn a_configured_proxy_carries_only_https_to_remote_hosts_and_never_sees_the_key() {
    let (proxy, heads) = recording_proxy();
    let emu = start().unwrap();
    for transport in Transport::ALL {
        let options = options().with_proxy(&proxy).unwrap();
        // A remote https target: tunnelled with CONNECT; the proxy sees the host, not the key.
        let config = Config::new(ApiKey::new("sk_test_SECRETKEY0123456789").unwrap())
            .with_base_url(BaseUrl::parse("https://auth.workos.test").unwrap());
        let c = AnyClient::new(transport, config, options.clone()).unwrap();
        let err = c
            .authorize_logout(&ProfileId::new("prof_1").unwrap())
            .unwrap_err();
        let seen = std::mem::take(&mut *heads.lock().unwrap());
        assert!(!seen.is_empty(), "{transport} did not use the proxy: {err}");
        assert!(
            seen[0].starts_with("CONNECT auth.workos.test:443 HTTP/1.1"),
            "{transport}: {seen:?}"
        );
        assert!(
            seen.iter().all(|h| !h.contains("SECRETKEY")),
            "{transport}: {seen:?}"
        );
        // A loopback target: direct, even with the proxy configured.
        let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
            .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
        let c = AnyClient::new(transport, config, options).unwrap();
        c.authorize_logout(&ProfileId::new(emu.oidc_profile_id()).unwrap())
            .unwrap();
        assert!(
            heads.lock().unwrap().is_empty(),
            "{transport} proxied loopback"
        );
    }
}
