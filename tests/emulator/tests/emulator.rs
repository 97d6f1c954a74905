//! The emulator driven by a plain HTTP client (ureq used directly, redirects off), not by the SDK.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use workos_sso_logout_emulator::{ConnectionKind, Emulator, Fault, Route, start};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

fn reply(r: Result<http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("request failed");
    Reply {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.body_mut().read_to_string().unwrap(),
    }
}

fn authorize_with(emu: &Emulator, key: Option<&str>, body: &str) -> Reply {
    let mut req = agent()
        .post(format!("{}/sso/logout/authorize", emu.base_url()))
        .header("content-type", "application/json");
    if let Some(key) = key {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    reply(req.send(body))
}

fn authorize(emu: &Emulator, profile: &str) -> Reply {
    authorize_with(
        emu,
        Some(emu.api_key()),
        &format!(r#"{{"profile_id":"{profile}"}}"#),
    )
}

fn get(url: &str) -> Reply {
    reply(agent().get(url).call())
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let mut b64 = payload.replace('-', "+").replace('_', "/");
    while b64.len() % 4 != 0 {
        b64.push('=');
    }
    // A tiny standard-base64 decoder, independent of the emulator's.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in b64.chars().filter(|c| *c != '=') {
        bits = (bits << 6) | alphabet.find(c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn authorize_success_mints_a_signed_short_lived_token() {
    let emu = start().unwrap();
    let r = authorize(&emu, emu.oidc_profile_id());
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("x-request-id").unwrap().starts_with("req_emu_"));
    let body = r.json();
    let token = body["logout_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert_eq!(
        body["logout_url"].as_str().unwrap(),
        format!("{}/sso/logout?token={token}", emu.base_url())
    );
    let c = claims(token);
    assert_eq!(c["profile_id"], emu.oidc_profile_id());
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 60);
    assert!(c["jti"].is_string());
    let other = authorize(&emu, emu.oidc_profile_id()).json();
    assert_ne!(
        claims(other["logout_token"].as_str().unwrap())["jti"],
        c["jti"]
    );
}

#[test]
fn authorize_errors() {
    let emu = start().unwrap();
    for key in [None, Some("sk_test_wrong")] {
        let r = authorize_with(
            &emu,
            key,
            &format!(r#"{{"profile_id":"{}"}}"#, emu.oidc_profile_id()),
        );
        assert_eq!(r.status, 401);
        assert!(r.json()["message"].is_string());
    }
    let r = authorize_with(&emu, Some(emu.api_key()), "not json");
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].is_string());
    let r = authorize_with(&emu, Some(emu.api_key()), r#"{"other":1}"#);
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["field"], "profile_id");
    let r = authorize(&emu, "prof_unknown");
    assert_eq!(r.status, 404);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("prof_unknown")
    );
    let r = authorize(&emu, emu.saml_profile_id());
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!({"error":"connection_invalid","error_description":"Single Logout is only supported for GenericOIDC connections."})
    );
    let r = reply(
        agent()
            .get(format!("{}/sso/logout/authorize", emu.base_url()))
            .call(),
    );
    assert_eq!(r.status, 405);
}

#[test]
fn custom_key_and_added_profiles() {
    let emu = Emulator::builder()
        .api_key("sk_test_custom")
        .start()
        .unwrap();
    assert_eq!(emu.api_key(), "sk_test_custom");
    emu.add_profile("prof_added_oidc", ConnectionKind::Oidc);
    emu.add_profile("prof_added_saml", ConnectionKind::Saml);
    assert_eq!(authorize(&emu, "prof_added_oidc").status, 200);
    assert_eq!(authorize(&emu, "prof_added_saml").status, 400);
    assert_eq!(emu.profiles().len(), 4);
}

#[test]
fn logout_redirect_chain_ends_on_the_signed_out_page() {
    let emu = start().unwrap();
    let url = authorize(&emu, emu.oidc_profile_id()).json()["logout_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = get(&url);
    assert_eq!(r.status, 302);
    let idp = r.header("location").unwrap().to_owned();
    assert!(
        idp.starts_with(&format!("{}/idp/end_session?", emu.base_url())),
        "{idp}"
    );
    let r = get(&idp);
    assert_eq!(r.status, 302);
    let page = r.header("location").unwrap().to_owned();
    assert_eq!(page, format!("{}/signed-out", emu.base_url()));
    let r = get(&page);
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("signed out"));
    // The token is single-use.
    let r = get(&url);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "invalid_logout_token");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("already been used")
    );
}

#[test]
fn configurable_post_logout_redirect() {
    let emu = Emulator::builder()
        .post_logout_redirect("https://app.example/bye")
        .start()
        .unwrap();
    let url = authorize(&emu, emu.oidc_profile_id()).json()["logout_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let idp = get(&url).header("location").unwrap().to_owned();
    assert_eq!(
        get(&idp).header("location"),
        Some("https://app.example/bye")
    );
}

#[test]
fn bad_tokens_are_refused() {
    let emu = Emulator::builder()
        .token_lifetime(Duration::from_secs(30))
        .start()
        .unwrap();
    let token = authorize(&emu, emu.oidc_profile_id()).json()["logout_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = format!("{}/sso/logout", emu.base_url());
    // Another first character of the signature: still canonical base64url, a wrong signature.
    let (head, sig) = token.rsplit_once('.').unwrap();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{head}.{first}{}", &sig[1..]);
    for (query, why) in [
        (String::new(), "required"),
        ("?token=".to_owned(), "required"),
        ("?token=abc".to_owned(), "malformed"),
        (format!("?token={tampered}"), "signature"),
        (format!("?token={token}&token={token}"), "one token"),
    ] {
        let r = get(&format!("{base}{query}"));
        assert_eq!(r.status, 400, "{query}");
        assert!(
            r.json()["message"].as_str().unwrap().contains(why),
            "{query}: {}",
            r.body
        );
    }
    // Expiry without waiting: move the clock past the 30 s lifetime.
    emu.advance_clock(Duration::from_secs(31));
    let r = get(&format!("{base}?token={token}"));
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap().contains("expired"));
}

#[test]
fn request_ids_are_unique_and_requests_are_recorded() {
    let emu = start().unwrap();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..5 {
        ids.insert(
            authorize(&emu, "prof_x")
                .header("x-request-id")
                .unwrap()
                .to_owned(),
        );
        ids.insert(
            get(&format!("{}/nowhere", emu.base_url()))
                .header("x-request-id")
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(ids.len(), 10);
    let recorded = emu.requests_to(Route::Authorize);
    assert_eq!(recorded.len(), 5);
    let r = &recorded[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path_and_query, "/sso/logout/authorize");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {}", emu.api_key()).as_str())
    );
    assert_eq!(r.body, br#"{"profile_id":"prof_x"}"#);
    assert_eq!(emu.requests().len(), 10);
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

#[test]
fn status_faults_then_normal_service() {
    let emu = start().unwrap();
    let at = SystemTime::now() + Duration::from_secs(3600);
    emu.push_fault(Route::Authorize, Fault::rate_limited_seconds(7));
    emu.push_fault(Route::Authorize, Fault::rate_limited_until(at));
    for s in [500, 502, 503, 504] {
        emu.push_fault(Route::Authorize, Fault::status(s));
    }
    let r = authorize(&emu, emu.oidc_profile_id());
    assert_eq!((r.status, r.header("retry-after")), (429, Some("7")));
    let r = authorize(&emu, emu.oidc_profile_id());
    assert_eq!(r.status, 429);
    assert_eq!(
        httpdate::parse_http_date(r.header("retry-after").unwrap()).unwrap(),
        httpdate::parse_http_date(&httpdate::fmt_http_date(at)).unwrap()
    );
    for s in [500, 502, 503, 504] {
        let r = authorize(&emu, emu.oidc_profile_id());
        assert_eq!(r.status, s);
        assert!(r.json()["message"].is_string());
        assert!(r.header("x-request-id").is_some());
    }
    assert_eq!(authorize(&emu, emu.oidc_profile_id()).status, 200);
    // Faults are per route.
    emu.push_fault(Route::Logout, Fault::status(503));
    assert_eq!(authorize(&emu, emu.oidc_profile_id()).status, 200);
    assert_eq!(
        get(&format!("{}/sso/logout?token=x", emu.base_url())).status,
        503
    );
}

#[test]
fn delay_fault_holds_the_head() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::delay(Duration::from_millis(300)));
    let t = Instant::now();
    let r = authorize(&emu, emu.oidc_profile_id());
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
}

#[test]
fn stalled_body_sends_the_head_then_nothing() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::stall_body());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_recv_body(Some(Duration::from_millis(300)))
        .build()
        .into();
    let mut r = agent
        .post(format!("{}/sso/logout/authorize", emu.base_url()))
        .send("{}")
        .expect("the head arrives");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], "1024");
    let err = r.body_mut().read_to_string().unwrap_err();
    assert!(matches!(err, ureq::Error::Timeout(_)), "{err:?}");
    // The emulator still shuts down promptly with the stalled connection open.
    emu.shutdown();
}

#[test]
fn closed_connection_and_truncated_body() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::CloseConnection);
    let r = agent()
        .post(format!("{}/sso/logout/authorize", emu.base_url()))
        .send("{}");
    assert!(r.is_err(), "a closed connection gives no response");
    emu.push_fault(Route::Authorize, Fault::truncated_body());
    let mut r = agent()
        .post(format!("{}/sso/logout/authorize", emu.base_url()))
        .send("{}")
        .unwrap();
    assert_eq!(r.headers()["content-length"], "1024");
    assert!(r.body_mut().read_to_string().is_err());
}

#[test]
fn oversized_bodies_with_and_without_length() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::oversized_body(2 * 1024 * 1024));
    emu.push_fault(
        Route::Authorize,
        Fault::OversizedBody {
            bytes: 300_000,
            chunked: true,
        },
    );
    let mut r = agent()
        .post(format!("{}/sso/logout/authorize", emu.base_url()))
        .send("{}")
        .unwrap();
    assert_eq!(r.headers()["content-length"], "2097152");
    assert_eq!(
        r.body_mut()
            .with_config()
            .limit(4 << 20)
            .read_to_vec()
            .unwrap()
            .len(),
        2 * 1024 * 1024
    );
    let mut r = agent()
        .post(format!("{}/sso/logout/authorize", emu.base_url()))
        .send("{}")
        .unwrap();
    assert!(r.headers().get("content-length").is_none());
    assert_eq!(r.headers()["transfer-encoding"], "chunked");
    let body = r.body_mut().read_to_vec().unwrap();
    assert_eq!(body.len(), 300_000);
    assert!(serde_json::from_slice::<Value>(&body).is_ok());
}

#[test]
fn html_error_page() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::html_error(502));
    let r = authorize(&emu, emu.oidc_profile_id());
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("502 Bad Gateway"));
    assert!(r.header("x-request-id").is_some());
}

#[test]
fn redirect_fault_to_a_second_listener_which_records_what_arrives() {
    let emu = start().unwrap();
    let elsewhere = start().unwrap();
    for status in [301, 302, 307, 308] {
        emu.push_fault(
            Route::Authorize,
            Fault::redirect(
                status,
                format!("{}/sso/logout/authorize", elsewhere.base_url()),
            ),
        );
        let r = authorize(&emu, emu.oidc_profile_id());
        assert_eq!(r.status, status);
        assert_eq!(
            r.header("location").unwrap(),
            format!("{}/sso/logout/authorize", elsewhere.base_url())
        );
    }
    assert!(
        elsewhere.requests().is_empty(),
        "this client did not follow"
    );
    // When a client does follow, the second listener records it, headers included.
    emu.push_fault(
        Route::Logout,
        Fault::redirect(302, format!("{}/signed-out", elsewhere.base_url())),
    );
    let following: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = following
        .get(format!("{}/sso/logout?token=x", emu.base_url()))
        .header("x-marker", "followed")
        .call();
    assert_eq!(r.unwrap().status(), 200);
    let seen = elsewhere.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path(), "/signed-out");
    assert_eq!(seen[0].header("x-marker"), Some("followed"));
}

#[test]
fn admin_endpoints() {
    let emu = start().unwrap();
    let admin = |method: &str, path: &str, body: &str| {
        let url = format!("{}/__emulator/{path}", emu.base_url());
        reply(match method {
            "GET" => agent().get(url).call(),
            "DELETE" => agent().delete(url).call(),
            _ => agent().post(url).send(body),
        })
    };
    let r = admin(
        "POST",
        "faults",
        r#"{"route":"authorize","fault":{"kind":"status","status":503,"headers":[["retry-after","2"]]}}"#,
    );
    assert_eq!(r.status, 201);
    let r = authorize(&emu, emu.oidc_profile_id());
    assert_eq!((r.status, r.header("retry-after")), (503, Some("2")));
    assert_eq!(
        admin(
            "POST",
            "faults",
            r#"{"route":"nowhere","fault":{"kind":"close_connection"}}"#
        )
        .status,
        400
    );
    assert_eq!(
        admin(
            "POST",
            "profiles",
            r#"{"id":"prof_admin","connection":"saml"}"#
        )
        .status,
        201
    );
    assert_eq!(authorize(&emu, "prof_admin").status, 400);
    let info = admin("GET", "info", "").json();
    assert_eq!(info["base_url"], emu.base_url());
    assert_eq!(info["profiles"].as_array().unwrap().len(), 3);
    let recorded = admin("GET", "requests", "").json();
    assert_eq!(recorded["total"], 2, "admin requests are not recorded");
    let requests = recorded["requests"].as_array().unwrap();
    assert_eq!(requests[0]["path_and_query"], "/sso/logout/authorize");
    // The key clients sent is not handed out; bodies are text.
    let auth_header = requests[0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap();
    assert_eq!(auth_header[1], "[redacted]");
    assert!(!recorded.to_string().contains(emu.api_key()));
    assert!(requests[0]["body"].as_str().unwrap().contains("profile_id"));
    let page = admin("GET", "requests?offset=1&limit=1", "").json();
    assert_eq!(page["requests"].as_array().unwrap().len(), 1);
    assert_eq!(page["offset"], 1);
    assert_eq!(admin("DELETE", "requests", "").status, 200);
    assert!(emu.requests().is_empty());
    let token = authorize(&emu, emu.oidc_profile_id()).json()["logout_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        admin("POST", "clock", r#"{"advance_secs":3600}"#).status,
        200
    );
    let r = get(&format!("{}/sso/logout?token={token}", emu.base_url()));
    assert!(r.body.contains("expired"));
    assert_eq!(admin("GET", "nope", "").status, 404);
}

#[test]
fn shutdown_stops_the_listener() {
    let emu = start().unwrap();
    let addr = emu.addr();
    assert_eq!(authorize(&emu, emu.oidc_profile_id()).status, 200);
    emu.shutdown();
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    // Dropping works the same way.
    let emu = start().unwrap();
    let addr = emu.addr();
    drop(emu);
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

#[test]
fn the_record_is_paged_and_bounded() {
    let emu = start().unwrap();
    let big = "x".repeat(60 * 1024);
    for _ in 0..30 {
        let _ = agent()
            .post(format!("{}/sso/logout/authorize", emu.base_url()))
            .header("authorization", format!("Bearer {}", emu.api_key()))
            .send(big.as_str());
    }
    let r = reply(
        agent()
            .get(format!("{}/__emulator/requests?limit=5000", emu.base_url()))
            .call(),
    );
    let v = r.json();
    assert_eq!(v["total"], 30);
    let requests = v["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 30);
    assert!(requests.iter().all(|r| r["body_truncated"] == true));
    // 30 bodies of 60 KiB come back as at most 4 KiB of text each, not as arrays of numbers.
    assert!(r.body.len() < 30 * 5 * 1024, "{} bytes", r.body.len());
}

#[test]
fn a_huge_clock_advance_is_refused_and_service_goes_on() {
    let emu = start().unwrap();
    let r = reply(
        agent()
            .post(format!("{}/__emulator/clock", emu.base_url()))
            .send(r#"{"advance_secs":18446744073709551615}"#),
    );
    assert_eq!(r.status, 400);
    // Even the in-process handle, asked for too much, clamps instead of panicking later.
    emu.advance_clock(Duration::MAX);
    let r = authorize(&emu, emu.oidc_profile_id());
    assert_eq!(r.status, 200);
    let token = r.json()["logout_token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&format!("{}/sso/logout?token={token}", emu.base_url())).status,
        302
    );
}

#[test]
fn an_admin_token_guards_the_admin_endpoints() {
    let emu = Emulator::builder()
        .admin_token("let-me-in")
        .start()
        .unwrap();
    assert_eq!(emu.admin_token(), Some("let-me-in"));
    let url = format!("{}/__emulator/requests", emu.base_url());
    assert_eq!(reply(agent().get(&url).call()).status, 401);
    let wrong = agent()
        .get(&url)
        .header("x-emulator-admin-token", "let-me-out")
        .call();
    assert_eq!(reply(wrong).status, 401);
    let right = agent()
        .get(&url)
        .header("x-emulator-admin-token", "let-me-in")
        .call();
    assert_eq!(reply(right).status, 200);
    // On loopback, without a token, they are open.
    assert_eq!(start().unwrap().admin_token(), None);
}

#[test]
fn idle_and_slow_connections_are_closed() {
    use std::io::{Read, Write};
    let emu = Emulator::builder()
        .idle_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    // Connects and says nothing.
    let mut silent = std::net::TcpStream::connect(emu.addr()).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let n = silent.read(&mut buf).unwrap_or(0);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the idle connection was kept"
    );
    assert!(n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408"));
    // Starts a head and stalls.
    let mut slow = std::net::TcpStream::connect(emu.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    slow.write_all(b"GET /signed-out HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let _ = slow.read(&mut buf);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the slow head was waited for"
    );
}

#[test]
fn a_malformed_chunked_body_is_a_bad_request() {
    use std::io::{Read, Write};
    let emu = start().unwrap();
    let mut s = std::net::TcpStream::connect(emu.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(
        b"POST /sso/logout/authorize HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

#[test]
fn a_non_canonical_signature_is_refused() {
    let emu = start().unwrap();
    let token = authorize(&emu, emu.oidc_profile_id()).json()["logout_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // HS256 signatures are 32 bytes: 43 base64url characters whose last one carries 2 spare
    // bits. Setting them gives another spelling of the same bytes, which must not verify.
    let (head, sig) = token.rsplit_once('.').unwrap();
    let last = sig.chars().last().unwrap();
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = ALPHABET.find(last).unwrap();
    let respelled = ALPHABET.chars().nth(index | 1).unwrap();
    assert_ne!(respelled, last);
    let forged = format!("{head}.{}{respelled}", &sig[..sig.len() - 1]);
    let r = get(&format!("{}/sso/logout?token={forged}", emu.base_url()));
    assert_eq!(r.status, 400, "{}", r.body);
    // The original still works.
    assert_eq!(
        get(&format!("{}/sso/logout?token={token}", emu.base_url())).status,
        302
    );
}

/// A browser's cookie jar, by hand: the `emu_idp_session` cookie from a `Set-Cookie`, if any.
fn idp_cookie(r: &Reply) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("emu_idp_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

fn get_with_cookie(url: &str, cookie: Option<&str>) -> Reply {
    let mut request = agent().get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    reply(request.call())
}

fn code_of(location: &str) -> String {
    let query = location.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix("code="))
        .unwrap()
        .to_owned()
}

fn exchange(emu: &Emulator, code: &str) -> Reply {
    reply(
        agent()
            .post(format!("{}/sso/token", emu.base_url()))
            .content_type("application/x-www-form-urlencoded")
            .send(format!(
                "client_id=client_emu&client_secret={}&grant_type=authorization_code&code={code}",
                emu.api_key()
            )),
    )
}

#[test]
fn sign_in_then_logout_ends_the_idp_session_so_the_next_sign_in_asks_again() {
    let emu = start().unwrap();
    let base = emu.base_url();
    let app = "http://127.0.0.1:9/callback";
    let authorize_url =
        format!("{base}/sso/authorize?client_id=client_emu&redirect_uri={app}&state=s1");
    // No IdP session: the sign-in form.
    let r = get_with_cookie(&authorize_url, None);
    assert_eq!(r.status, 302);
    let form_url = format!("{base}{}", r.header("location").unwrap());
    let form = get_with_cookie(&form_url, None);
    assert!(form.body.contains(r#"id="sign-in""#), "{}", form.body);
    // Signing in sets the IdP session and returns to the app with a code and the state.
    let r = reply(
        agent()
            .post(format!("{base}/idp/sign-in"))
            .content_type("application/x-www-form-urlencoded")
            .send(format!("redirect_uri={app}&state=s1")),
    );
    assert_eq!(r.status, 302);
    let cookie = idp_cookie(&r).unwrap();
    let location = r.header("location").unwrap().to_owned();
    assert!(
        location.starts_with(app) && location.ends_with("&state=s1"),
        "{location}"
    );
    // The code is exchanged once for the profile.
    let code = code_of(&location);
    let token = exchange(&emu, &code);
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.json()["profile"]["id"], emu.oidc_profile_id());
    assert_eq!(exchange(&emu, &code).status, 400, "a code is single-use");
    // While the IdP session lives, a new sign-in is silent.
    let r = get_with_cookie(&authorize_url, Some(&cookie));
    assert!(
        r.header("location").unwrap().starts_with(app),
        "silent sign-in"
    );
    // Logout ends it: the end-session endpoint clears the cookie…
    let logout_token = authorize(&emu, emu.oidc_profile_id()).json()["logout_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = get_with_cookie(
        &format!("{base}/sso/logout?token={logout_token}"),
        Some(&cookie),
    );
    let end_session = r.header("location").unwrap().to_owned();
    let r = get_with_cookie(&end_session, Some(&cookie));
    assert_eq!(r.status, 302);
    assert!(
        idp_cookie(&r).unwrap().ends_with('='),
        "the cookie is cleared"
    );
    // …and even a browser that kept it is asked to sign in again.
    let r = get_with_cookie(&authorize_url, Some(&cookie));
    assert!(r.header("location").unwrap().starts_with("/idp/sign-in"));
}

#[test]
fn idp_initiated_logout_ends_the_session_and_reaches_the_app_logout_uri() {
    let emu = Emulator::builder()
        .idp_logout_redirect("http://127.0.0.1:9/logout")
        .start()
        .unwrap();
    let base = emu.base_url();
    let r = reply(
        agent()
            .post(format!("{base}/idp/sign-in"))
            .content_type("application/x-www-form-urlencoded")
            .send("redirect_uri=http://127.0.0.1:9/callback"),
    );
    let cookie = idp_cookie(&r).unwrap();
    let r = get_with_cookie(&format!("{base}/idp/sign-out"), Some(&cookie));
    assert_eq!(r.header("location"), Some("/sso/oidc/idp-logout/emulator"));
    assert!(idp_cookie(&r).unwrap().ends_with('='));
    let r = get_with_cookie(&format!("{base}/sso/oidc/idp-logout/emulator"), None);
    assert_eq!(r.header("location"), Some("http://127.0.0.1:9/logout"));
    // The session is gone: sign-in asks again.
    let authorize_url = format!("{base}/sso/authorize?redirect_uri=http://127.0.0.1:9/callback");
    let r = get_with_cookie(&authorize_url, Some(&cookie));
    assert!(r.header("location").unwrap().starts_with("/idp/sign-in"));
    // A bad client secret or a missing redirect_uri are refused.
    let r = reply(
        agent()
            .post(format!("{base}/sso/token"))
            .content_type("application/x-www-form-urlencoded")
            .send("client_secret=sk_wrong&code=x"),
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        get_with_cookie(&format!("{base}/sso/authorize"), None).status,
        400
    );
}

#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Set in the child process the test below starts: there it serves an emulator and waits.
const FD_CHILD: &str = "WORKOS_EMULATOR_FD_CHILD";

#[cfg(target_os = "linux")]
#[test]
fn the_emulator_does_not_spin_when_it_runs_out_of_file_descriptors() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    if std::env::var_os(FD_CHILD).is_some() {
        let emu = start().unwrap();
        println!("serving {}", emu.base_url());
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    // This test binary again, running only this test as the child, allowed few file descriptors.
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 24 && exec '{}' --exact the_emulator_does_not_spin_when_it_runs_out_of_file_descriptors --nocapture --test-threads 1",
            exe.display()
        ))
        .env(FD_CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let serving = lines
        .map_while(Result::ok)
        .find(|line| line.contains("serving http://"))
        .unwrap();
    let addr = serving.rsplit("http://").next().unwrap().to_owned();
    // More connections than it has descriptors for: accept() starts failing with EMFILE.
    let held: Vec<_> = (0..48)
        .filter_map(|_| std::net::TcpStream::connect(&addr).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(child.id()) - before;
    let _ = child.kill();
    let _ = child.wait();
    drop(held);
    // A busy accept loop burns the whole second (about 100 ticks); backing off, a few.
    assert!(
        used < 30,
        "the emulator used {used} ticks of CPU in one second"
    );
}
