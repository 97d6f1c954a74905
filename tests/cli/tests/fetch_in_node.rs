//! The fetch transport and the JS environment (`tests/fetch`) in a real JS runtime: the crate built for
//! `wasm32-unknown-unknown`, bound with `wasm-bindgen --target nodejs`, and driven by node's own
//! `fetch` against the emulator on loopback (`node/harness.js` runs one case per process, so
//! every case starts a fresh instance). Skipped with a message where node, the wasm target or
//! `wasm-bindgen` is missing; under CI (`CI` set) that is a failure. `.ci/run` installs them.
//!
//! What the conformance kit checks that runs here: redirects handed back (the sign-out case),
//! error statuses as responses with their body (the 404), an oversized body refused, a stalled
//! head timed out, a refused connection as `Connect`, a truncated answer retried. What cannot run:
//! `every_header_comes_back` (fetch joins repeated headers, by the Fetch standard),
//! `informational_answers_are_skipped` and `chunked_bodies_with_trailers_are_read` (fetch never
//! shows 1xx answers or trailers, so there is nothing to get wrong), the early-close and
//! stale-pool checks (a close before the answer is a `TypeError` with `cause.code` `UND_ERR_SOCKET`
//! in node, read as `Closed` like any unnamed failure — the truncated case covers that mapping),
//! and `no_proxy_from_the_environment` (the kit reruns a Rust test with the variables set; node's
//! `fetch` reads no proxy variables).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use workos_logout::emulator::{Emulator, Fault, Route, start};

/// The bound package, built once per test binary; `Err` says what is missing.
fn package() -> &'static Result<PathBuf, String> {
    static PACKAGE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PACKAGE.get_or_init(build)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(command: &mut Command, what: &str) -> Result<String, String> {
    let out = command
        .output()
        .map_err(|e| format!("{what} could not run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn build() -> Result<PathBuf, String> {
    run(Command::new("node").arg("--version"), "node (Node 20)")?;
    run(
        Command::new("wasm-bindgen").arg("--version"),
        "wasm-bindgen (cargo install wasm-bindgen-cli at the locked version)",
    )?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Its own target directory: the outer `cargo test` holds the workspace's.
    let target = workspace().join("target/wasm");
    run(
        Command::new(&cargo)
            .current_dir(workspace())
            .env("CARGO_TARGET_DIR", &target)
            .args([
                "build",
                "-p",
                "workos-sso-logout-fetch",
                "--features",
                "harness",
            ])
            .args(["--target", "wasm32-unknown-unknown"]),
        "cargo build --target wasm32-unknown-unknown (rustup target add wasm32-unknown-unknown)",
    )?;
    let wasm = target.join("wasm32-unknown-unknown/debug/workos_sso_logout_fetch.wasm");
    let pkg = target.join("pkg");
    run(
        Command::new("wasm-bindgen")
            .args(["--target", "nodejs", "--out-dir"])
            .arg(&pkg)
            .arg(&wasm),
        "wasm-bindgen --target nodejs",
    )?;
    Ok(pkg)
}

/// The package, or `None` after saying why this test is skipped (a failure under CI).
fn package_or_skip(test: &str) -> Option<&'static Path> {
    match package() {
        Ok(pkg) => Some(pkg),
        Err(why) if std::env::var_os("CI").is_some() => panic!("{test}: {why}"),
        Err(why) => {
            eprintln!("skipped JS-runtime test {test}: {why}");
            None
        }
    }
}

/// Runs one case in a fresh node process.
fn node(pkg: &Path, case: &str, args: Value) -> Value {
    let harness = workspace().join("tests/fetch/node/harness.js");
    let out = Command::new("node")
        .arg(harness)
        .arg(pkg)
        .arg(case)
        .arg(args.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|_| panic!("{case}: {stdout} {}", String::from_utf8_lossy(&out.stderr)))
}

fn args(emu: &Emulator) -> Value {
    json!({"base": emu.base_url(), "key": emu.api_key(), "profile": emu.oidc_profile_id()})
}

#[test]
fn a_sign_out_in_node_gets_the_redirect_back_without_following_it() {
    let Some(pkg) =
        package_or_skip("a_sign_out_in_node_gets_the_redirect_back_without_following_it")
    else {
        return;
    };
    let emu = start().unwrap();
    let out = node(pkg, "sign_out", args(&emu));
    assert_eq!(out["ok"], true, "{out}");
    assert_eq!(out["status"], 302, "{out}");
    let location = out["location"].as_str().unwrap();
    assert!(location.contains("/idp/end_session"), "{out}");
    assert_eq!(emu.requests_to(Route::Authorize).len(), 1);
    assert_eq!(emu.requests_to(Route::Logout).len(), 1);
    assert_eq!(
        emu.requests_to(Route::EndSession).len(),
        0,
        "the redirect was followed"
    );
}

#[test]
fn a_503_with_retry_after_is_waited_for_under_one_key() {
    let Some(pkg) = package_or_skip("a_503_with_retry_after_is_waited_for_under_one_key") else {
        return;
    };
    let emu = start().unwrap();
    emu.push_fault(
        Route::Authorize,
        Fault::Status {
            status: 503,
            body: None,
            headers: vec![("retry-after".into(), "1".into())],
        },
    );
    let out = node(pkg, "authorize", args(&emu));
    assert_eq!(out["ok"], true, "{out}");
    assert!(
        out["elapsed_ms"].as_u64().unwrap() >= 1_000,
        "no real wait: {out}"
    );
    let sent = emu.requests_to(Route::Authorize);
    assert_eq!(sent.len(), 2);
    let key = sent[0].header("idempotency-key");
    assert!(key.is_some());
    assert_eq!(key, sent[1].header("idempotency-key"));
}

#[test]
fn an_api_error_keeps_its_status_and_request_id() {
    let Some(pkg) = package_or_skip("an_api_error_keeps_its_status_and_request_id") else {
        return;
    };
    let emu = start().unwrap();
    let mut a = args(&emu);
    a["profile"] = json!("prof_unknown");
    let out = node(pkg, "authorize", a);
    assert_eq!(out["ok"], false, "{out}");
    assert_eq!(out["status"], 404, "{out}");
    assert!(
        out["request_id"].as_str().unwrap().starts_with("req_emu"),
        "{out}"
    );
}

#[test]
fn two_fresh_instances_send_different_idempotency_keys() {
    let Some(pkg) = package_or_skip("two_fresh_instances_send_different_idempotency_keys") else {
        return;
    };
    let emu = start().unwrap();
    for _ in 0..2 {
        assert_eq!(node(pkg, "authorize", args(&emu))["ok"], true);
    }
    let keys: Vec<String> = emu
        .requests_to(Route::Authorize)
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "two instances sent the same key");
    for key in &keys {
        assert_eq!(key.len(), 36, "{key}");
        assert_eq!(&key[14..15], "4", "a version-4 UUID: {key}");
    }
}

#[test]
fn fetch_failures_are_classified_as_the_core_needs() {
    let Some(pkg) = package_or_skip("fetch_failures_are_classified_as_the_core_needs") else {
        return;
    };
    let emu = start().unwrap();
    // An oversized body is refused.
    emu.push_fault(Route::Authorize, Fault::oversized_body(3 * 1024 * 1024));
    let mut a = args(&emu);
    a["retries"] = json!(0);
    let out = node(pkg, "authorize", a);
    assert_eq!(out["kind"], "BodyTooLarge", "{out}");
    // A head that never comes times out within the attempt's timeout.
    emu.push_fault(
        Route::Authorize,
        Fault::delay(std::time::Duration::from_secs(4)),
    );
    let mut a = args(&emu);
    a["retries"] = json!(0);
    a["timeout_ms"] = json!(500);
    let out = node(pkg, "authorize", a);
    assert_eq!(out["kind"], "Timeout", "{out}");
    assert!(out["elapsed_ms"].as_u64().unwrap() < 2_500, "{out}");
    // A refused connection is `Connect`.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut a = args(&emu);
    a["base"] = json!(format!("http://127.0.0.1:{port}"));
    a["retries"] = json!(0);
    let out = node(pkg, "authorize", a);
    assert_eq!(out["kind"], "Connect", "{out}");
    // An answer cut off mid-body is retried under the same key.
    emu.clear_requests();
    emu.push_fault(Route::Authorize, Fault::truncated_body());
    let out = node(pkg, "authorize", args(&emu));
    assert_eq!(out["ok"], true, "{out}");
    let sent = emu.requests_to(Route::Authorize);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].header("idempotency-key"),
        sent[1].header("idempotency-key")
    );
}

#[test]
fn without_an_environment_a_client_does_not_compile_for_wasm() {
    let Some(_) = package_or_skip("without_an_environment_a_client_does_not_compile_for_wasm")
    else {
        return;
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", workspace().join("target/wasm"))
        .args([
            "build",
            "-p",
            "workos-sso-logout-fetch",
            "--example",
            "no_environment",
        ])
        .args([
            "--features",
            "no-environment-check",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a client without an environment compiled for wasm"
    );
    assert!(stderr.contains("with_transport"), "{stderr}");
}
