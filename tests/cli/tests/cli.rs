//! The built `workos-logout` binary against the in-process emulator: every subcommand, every exit
//! status, `--json`, secrets kept out of stderr, and `demo` end to end.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use workos_logout::emulator::{Emulator, Fault, Route, start};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_workos-logout"));
    c.env_remove("WORKOS_API_KEY")
        .env_remove("WORKOS_BASE_URL")
        .stdin(Stdio::null());
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn authorize(emu: &Emulator, extra: &[&str]) -> Output {
    let mut args = vec![
        "authorize",
        "--base-url",
        emu.base_url(),
        "--api-key",
        emu.api_key(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn assert_no_secrets(o: &Output, secrets: &[&str]) {
    let err = stderr(o);
    for s in secrets {
        assert!(!err.contains(s), "stderr shows a secret: {err}");
    }
}

#[test]
fn authorize_prints_the_logout_url_with_both_transports() {
    let emu = start().unwrap();
    for transport in ["ureq", "hyper"] {
        let o = authorize(
            &emu,
            &[
                "--profile-id",
                emu.oidc_profile_id(),
                "--transport",
                transport,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let url = stdout(&o);
        assert!(
            url.starts_with(&format!("{}/sso/logout?token=", emu.base_url())),
            "{url}"
        );
        assert_eq!(url.lines().count(), 1);
    }
    assert_eq!(emu.requests_to(Route::Authorize).len(), 2);
}

#[test]
fn authorize_json_output() {
    let emu = start().unwrap();
    let o = authorize(&emu, &["--profile-id", emu.oidc_profile_id(), "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let token = v["logout_token"].as_str().unwrap();
    assert_eq!(
        v["logout_url"].as_str().unwrap(),
        format!("{}/sso/logout?token={token}", emu.base_url())
    );
    assert_eq!(v.as_object().unwrap().len(), 2);
}

#[test]
fn environment_variables_are_the_fallbacks() {
    let emu = start().unwrap();
    let o = bin()
        .args(["authorize", "--profile-id", emu.oidc_profile_id()])
        .env("WORKOS_API_KEY", emu.api_key())
        .env("WORKOS_BASE_URL", emu.base_url())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The flag wins over the variable.
    let o = bin()
        .args([
            "authorize",
            "--profile-id",
            emu.oidc_profile_id(),
            "--api-key",
            "sk_test_flag",
        ])
        .env("WORKOS_API_KEY", emu.api_key())
        .env("WORKOS_BASE_URL", emu.base_url())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    // The help text never shows the variable's value.
    let o = bin()
        .args(["authorize", "--help"])
        .env("WORKOS_API_KEY", "sk_test_in_env")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(!stdout(&o).contains("sk_test_in_env"));
    assert!(stdout(&o).contains("WORKOS_API_KEY"));
}

#[test]
fn api_errors_exit_3_with_status_code_message_and_request_id() {
    let emu = start().unwrap();
    let o = authorize(&emu, &["--profile-id", "prof_unknown"]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("404") && err.contains("prof_unknown") && err.contains("req_emu_"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let o = authorize(&emu, &["--profile-id", emu.saml_profile_id()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("connection_invalid"));
    let o = run(&[
        "authorize",
        "--base-url",
        emu.base_url(),
        "--api-key",
        "sk_test_wrong_key",
        "--profile-id",
        "p",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("401"));
    assert_no_secrets(&o, &["sk_test_wrong_key"]);
}

#[test]
fn invalid_input_exits_2_and_sends_nothing() {
    let emu = start().unwrap();
    let base = emu.base_url();
    // `authorize` with a base URL, a key and a profile id, then the flags under test.
    let authorize = |key: &'static str, profile: &'static str, extra: &[&'static str]| {
        let mut args = vec![
            "authorize",
            "--base-url",
            base,
            "--api-key",
            key,
            "--profile-id",
            profile,
        ];
        args.extend_from_slice(extra);
        args
    };
    let cases: Vec<Vec<&str>> = vec![
        vec!["authorize", "--base-url", base, "--profile-id", "p"],
        authorize("sk_test_x", "", &[]),
        authorize("sk bad", "p", &[]),
        authorize("k", "p", &["--timeout", "0"]),
        authorize("k", "p", &["--timeout", "-1"]),
        authorize("k", "p", &["--retries", "99"]),
        authorize("k", "p", &["--transport", "curl"]),
        vec![
            "authorize",
            "--base-url",
            "http://example.com",
            "--api-key",
            "sk_test_x",
            "--profile-id",
            "p",
        ],
        vec!["authorize"],
        vec!["url", "--token", ""],
        vec!["follow", "--token", "", "--base-url", base],
        vec!["nonsense"],
    ];
    for args in cases {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
    assert!(emu.requests().is_empty(), "nothing was sent");
}

#[test]
fn transport_failures_and_unexpected_responses_exit_4() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::html_error(502));
    let o = authorize(
        &emu,
        &["--profile-id", emu.oidc_profile_id(), "--retries", "0"],
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(
        stderr(&o).contains("not JSON") && stderr(&o).contains("502"),
        "{}",
        stderr(&o)
    );

    emu.push_fault(Route::Authorize, Fault::stall_body());
    let o = authorize(
        &emu,
        &[
            "--profile-id",
            emu.oidc_profile_id(),
            "--retries",
            "0",
            "--timeout",
            "0.5",
            "--transport",
            "hyper",
        ],
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("timed out"), "{}", stderr(&o));

    emu.push_fault(Route::Authorize, Fault::oversized_body(3 * 1024 * 1024));
    let o = authorize(&emu, &["--profile-id", emu.oidc_profile_id()]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("too large"), "{}", stderr(&o));

    let port = support::freed_port();
    let o = run(&[
        "authorize",
        "--base-url",
        &format!("http://127.0.0.1:{port}"),
        "--api-key",
        "sk_test_k",
        "--profile-id",
        "p",
        "--retries",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("could not connect"), "{}", stderr(&o));
    assert_no_secrets(&o, &["sk_test_k"]);
}

#[test]
fn retries_flag_bounds_the_attempts() {
    let emu = start().unwrap();
    for _ in 0..5 {
        emu.push_fault(Route::Authorize, Fault::status(503));
    }
    let o = authorize(
        &emu,
        &["--profile-id", emu.oidc_profile_id(), "--retries", "0"],
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(emu.requests_to(Route::Authorize).len(), 1);
    emu.clear_requests();
    let o = authorize(
        &emu,
        &["--profile-id", emu.oidc_profile_id(), "--retries", "1"],
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(emu.requests_to(Route::Authorize).len(), 2);
}

#[test]
fn url_and_follow() {
    let emu = start().unwrap();
    let o = authorize(&emu, &["--profile-id", emu.oidc_profile_id(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let token = v["logout_token"].as_str().unwrap();

    let o = run(&["url", "--token", token, "--base-url", emu.base_url()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).trim(), v["logout_url"].as_str().unwrap());
    let o = run(&["url", "--token", "a b&c"]);
    assert_eq!(
        stdout(&o).trim(),
        "https://auth.workos.com/sso/logout?token=a+b%26c"
    );
    assert!(
        emu.requests_to(Route::Logout).is_empty(),
        "url sends nothing"
    );

    let o = run(&[
        "follow",
        "--token",
        token,
        "--base-url",
        emu.base_url(),
        "--transport",
        "hyper",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .trim()
            .starts_with(&format!("{}/idp/end_session?", emu.base_url()))
    );
    let o = run(&["follow", "--token", token, "--base-url", emu.base_url()]);
    assert_eq!(o.status.code(), Some(3), "a used token");
    assert!(stderr(&o).contains("already been used"));
    assert_no_secrets(&o, &[token]);
}

#[test]
fn emulator_subcommand_serves_until_killed() {
    /// The emulator process, killed however the test ends.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Killed(
        bin()
            .args(["emulator", "--port", "0", "--api-key", "sk_test_standalone"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let rest: Vec<String> = (0..5).map(|_| lines.next().unwrap().unwrap()).collect();
    assert!(rest[0].contains("sk_test_standalone"));
    assert!(rest[1].contains("prof_01EMULATOROIDC"));
    assert!(rest[2].contains("prof_01EMULATORSAML"));
    // The fault line it prints works as printed: the next authorize is a 429.
    let curl = rest.iter().find(|l| l.contains("curl -X POST")).unwrap();
    let payload = curl.split(" -d '").nth(1).unwrap().trim_end_matches('\'');
    let faults = format!("{base}/__emulator/faults");
    let queued = ureq::post(&faults).send(payload).unwrap();
    assert!(queued.status().is_success(), "{curl}");
    let o = run(&[
        "authorize",
        "--base-url",
        &base,
        "--api-key",
        "sk_test_standalone",
        "--profile-id",
        "prof_01EMULATOROIDC0000000000",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("429"),
        "the queued fault answered: {}",
        stderr(&o)
    );
    child.0.kill().unwrap();
    child.0.wait().unwrap();
}

#[test]
fn demo_runs_the_whole_flow_for_both_transports() {
    for args in [&[][..], &["demo"][..]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("[ureq]") && out.contains("[hyper]"), "{out}");
        assert_eq!(out.matches('✓').count(), 8, "{out}");
        assert!(out.contains("summary: 8/8 steps passed"), "{out}");
        assert!(out.contains("signed out"));
        assert!(!out.contains("eyJ"), "no token in the output: {out}");
        assert!(
            !out.contains('\x1b'),
            "no colour when stdout is not a terminal"
        );
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["demo", "authorize", "url", "follow", "emulator"] {
        let o = run(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{sub}");
        assert!(stdout(&o).contains("Usage: workos-logout"), "{sub}");
        // Each variable the subcommand reads is named once.
        for var in ["WORKOS_LOGOUT_TOKEN", "WORKOS_API_KEY", "WORKOS_BASE_URL"] {
            assert!(stdout(&o).matches(var).count() <= 1, "{sub}: {var} twice");
        }
    }
    let o = run(&["--help"]);
    assert!(stdout(&o).contains("Exit status"));
    assert!(run(&["--version"]).status.success());
}

#[test]
fn verbose_shows_each_attempt_on_stderr_without_secrets() {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::rate_limited_seconds(0));
    let o = authorize(
        &emu,
        &["-v", "--json", "--profile-id", emu.oidc_profile_id()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let token = json["logout_token"].as_str().unwrap();
    let err = stderr(&o);
    assert!(
        err.contains("http.request.resend_count=0 http.response.status_code=429"),
        "{err}"
    );
    assert!(err.contains("workos.retry_delay_ms=0"), "{err}");
    assert!(
        err.contains("http.request.resend_count=1 http.response.status_code=200"),
        "{err}"
    );
    assert!(
        !err.contains(token) && !err.contains(emu.api_key()),
        "{err}"
    );
    // Without -v, stderr stays empty on success.
    let quiet = authorize(&emu, &["--profile-id", emu.oidc_profile_id()]);
    assert_eq!(stderr(&quiet), "");
}

#[test]
fn a_503_with_a_long_retry_after_ends_within_the_deadline_on_both_transports() {
    let emu = start().unwrap();
    for transport in ["ureq", "hyper"] {
        for deadline in [None, Some("2")] {
            support::unavailable_for_thirty_seconds(&emu, 3);
            let mut args = vec![
                "--profile-id",
                emu.oidc_profile_id(),
                "--transport",
                transport,
            ];
            if let Some(secs) = deadline {
                args.extend(["--deadline", secs]);
            }
            let started = std::time::Instant::now();
            let o = authorize(&emu, &args);
            let took = started.elapsed();
            // Far from the 30 s the server asked for: the wait is not started at all.
            assert!(
                took < std::time::Duration::from_secs(5),
                "{transport}: {took:?}"
            );
            assert_eq!(o.status.code(), Some(3), "{transport}: {}", stderr(&o));
            let shown = format!(
                "past the call's {} s deadline (try again in 30 s)",
                deadline.unwrap_or("10")
            );
            assert!(stderr(&o).contains(&shown), "{transport}: {}", stderr(&o));
        }
    }
    // In the help, and read from the environment too.
    let o = bin().args(["authorize", "--help"]).output().unwrap();
    assert!(
        stdout(&o).contains("--deadline <SECS|off>"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("WORKOS_LOGOUT_DEADLINE"),
        "{}",
        stdout(&o)
    );
    let o = bin()
        .args([
            "authorize",
            "--base-url",
            emu.base_url(),
            "--api-key",
            emu.api_key(),
        ])
        .args(["--profile-id", emu.oidc_profile_id()])
        .env("WORKOS_LOGOUT_DEADLINE", "0")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the deadline must be more than zero"),
        "{}",
        stderr(&o)
    );
}
