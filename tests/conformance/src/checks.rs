//! The checks: each sends through the transport under test and says, in one line, what is wrong
//! and what to do about it.

use std::io::{BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use workos_sso_logout::http::{Request, Response};
use workos_sso_logout::{
    ApiKey, AttemptTimeout, BaseUrl, Client, ClientOptions, Config, FailureKind,
    LogoutAuthorizeRequest, ProfileId, RetryPolicy, Step, TransportError,
};
use workos_sso_logout_emulator::{Emulator, Fault, Route, start};

use crate::server::{answering, read_request, scripted};
use crate::{Check, Outcome, Sender, Transport};

/// A check: its name, and what it does.
type CheckFn = fn(&Transport) -> Outcome;

/// Every check, in the order they run: the name and the function.
pub const CHECKS: &[&str] = &[
    "redirects_are_handed_back",
    "every_header_comes_back",
    "error_statuses_are_responses",
    "an_oversized_body_is_refused",
    "a_stalled_head_times_out",
    "a_stalled_body_times_out",
    "the_attempt_timeout_is_honoured",
    "a_refused_connection_is_connect",
    "an_early_close_is_retried",
    "a_stale_pooled_connection_is_retried",
    "a_truncated_body_is_retried",
    "informational_answers_are_skipped",
    "chunked_bodies_with_trailers_are_read",
    "close_delimited_bodies_are_read",
    "no_proxy_from_the_environment",
];

const RUN: &[CheckFn] = &[
    redirects_are_handed_back,
    every_header_comes_back,
    error_statuses_are_responses,
    an_oversized_body_is_refused,
    a_stalled_head_times_out,
    a_stalled_body_times_out,
    the_attempt_timeout_is_honoured,
    a_refused_connection_is_connect,
    an_early_close_is_retried,
    a_stale_pooled_connection_is_retried,
    a_truncated_body_is_retried,
    informational_answers_are_skipped,
    chunked_bodies_with_trailers_are_read,
    close_delimited_bodies_are_read,
    no_proxy_from_the_environment,
];

/// Set in the child process the proxy check starts.
const PROXY_CHILD: &str = "WORKOS_CONFORMANCE_PROXY_CHILD";

/// What the child prints when its loopback call went through.
const CHILD_ANSWERED: &str = "workos-conformance-child: answered";

/// The limits every check gives the transport.
const TIMEOUT: Duration = Duration::from_secs(1);
const BODY_LIMIT: u64 = 64 * 1024;

pub(crate) fn run(transport: &Transport) -> Vec<Check> {
    if std::env::var_os(PROXY_CHILD).is_some() {
        return vec![Check {
            name: "no_proxy_from_the_environment",
            outcome: proxy_child(transport),
        }];
    }
    CHECKS
        .iter()
        .zip(RUN)
        .map(|(name, check)| Check {
            name,
            outcome: check(transport),
        })
        .collect()
}

/// The options of every check: short timeouts, a small body limit, fast retries.
fn options() -> ClientOptions {
    let fast = RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(10));
    let options = ClientOptions::default()
        .with_timeout(TIMEOUT)
        .and_then(|o| o.with_connect_timeout(TIMEOUT))
        .and_then(|o| o.with_max_body_bytes(BODY_LIMIT));
    match (options, fast) {
        (Ok(options), Ok(fast)) => options.with_retry_policy(fast),
        _ => ClientOptions::default(),
    }
}

/// The emulator, a configuration for it, and the transport to send through.
struct Setup {
    emu: Emulator,
    config: Config,
    send: Sender,
}

fn setup(transport: &Transport) -> Result<Setup, Outcome> {
    let emu = start().map_err(|e| Outcome::Skipped(format!("no emulator on loopback: {e}")))?;
    let config = config_at(emu.base_url(), emu.api_key())?;
    let send = transport.connect(&options());
    Ok(Setup { emu, config, send })
}

fn config_at(base: &str, key: &str) -> Result<Config, Outcome> {
    let key = ApiKey::new(key).map_err(|e| Outcome::Skipped(e.to_string()))?;
    let base = BaseUrl::parse(base).map_err(|e| Outcome::Skipped(e.to_string()))?;
    Ok(Config::new(key).with_base_url(base))
}

/// The Logout Authorize request the core builds for the emulator's OIDC profile.
fn authorize(setup: &Setup) -> Result<Request<Vec<u8>>, Outcome> {
    let profile = ProfileId::new(setup.emu.oidc_profile_id());
    let profile = profile.map_err(|e| Outcome::Skipped(e.to_string()))?;
    let request = setup
        .config
        .logout_authorize_request(&LogoutAuthorizeRequest::new(profile));
    request.map_err(|e| Outcome::Skipped(e.to_string()))
}

/// A `GET` of `{base}/sso/logout?token=…` as the core builds it.
fn logout_get(base: &str) -> Result<Request<Vec<u8>>, Outcome> {
    let config = config_at(base, "sk_test_conformance")?;
    let url = format!("{base}/sso/logout?token=tok_conformance");
    config
        .logout_url_request(&url)
        .map_err(|e| Outcome::Skipped(e.to_string()))
}

/// Runs a check written with `?` for setup problems and failures alike.
fn checked(check: impl FnOnce() -> Result<(), Outcome>) -> Outcome {
    match check() {
        Ok(()) => Outcome::Passed,
        Err(outcome) => outcome,
    }
}

fn fail(why: impl Into<String>) -> Outcome {
    Outcome::Failed(why.into())
}

fn kind(result: &Result<Response<Vec<u8>>, TransportError>) -> Option<FailureKind> {
    result.as_ref().err().map(TransportError::kind)
}

/// What came back, in a few words, for a reason.
fn shown(result: &Result<Response<Vec<u8>>, TransportError>) -> String {
    match result {
        Ok(response) => format!("a response {}", response.status()),
        Err(e) => format!("the error `{e}` ({:?})", e.kind()),
    }
}

fn redirects_are_handed_back(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        let elsewhere = start().map_err(|e| Outcome::Skipped(e.to_string()))?;
        for status in [302u16, 303, 307, 308] {
            setup.emu.clear_requests();
            let location = format!("{}/sso/logout/authorize", elsewhere.base_url());
            setup
                .emu
                .push_fault(Route::Authorize, Fault::redirect(status, location));
            let result = (setup.send)(authorize(&setup)?);
            let handed_back = matches!(&result, Ok(r) if r.status() == status && r.headers().contains_key("location"));
            if !handed_back || !elsewhere.requests().is_empty() || setup.emu.requests().len() != 1 {
                return Err(fail(format!(
                    "a {status} came back as {}, and its Location was requested: hand redirects \
                     back as responses (reqwest: `redirect(Policy::none())`; ureq: \
                     `max_redirects(0)`)",
                    shown(&result)
                )));
            }
        }
        Ok(())
    })
}

fn every_header_comes_back(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        let headers = [
            ("x-conformance", "one"),
            ("x-conformance", "two"),
            ("retry-after", "7"),
        ];
        setup.emu.push_fault(
            Route::Authorize,
            Fault::Status {
                status: 200,
                body: Some("{}".into()),
                headers: headers.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec(),
            },
        );
        let result = (setup.send)(authorize(&setup)?);
        let Ok(response) = &result else {
            return Err(fail(format!("a 200 came back as {}", shown(&result))));
        };
        let repeated: Vec<_> = response.headers().get_all("x-conformance").iter().collect();
        let retry_after = response.headers().get("retry-after");
        let request_id = response.headers().get("x-request-id");
        if repeated != ["one", "two"] || retry_after.is_none() || request_id.is_none() {
            return Err(fail(format!(
                "a header given twice came back as {repeated:?} (Retry-After: {retry_after:?}, \
                 X-Request-ID: {request_id:?}): copy every header with `HeaderMap::append`"
            )));
        }
        Ok(())
    })
}

fn error_statuses_are_responses(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        for (status, text) in [(404u16, "Profile not found"), (503, "busy")] {
            let body = format!(r#"{{"message":"{text}"}}"#);
            let fault = Fault::Status {
                status,
                body: Some(body),
                headers: Vec::new(),
            };
            setup.emu.push_fault(Route::Authorize, fault);
            let result = (setup.send)(authorize(&setup)?);
            let kept = matches!(&result, Ok(r) if r.status() == status
                && String::from_utf8_lossy(r.body()).contains(text));
            if !kept {
                return Err(fail(format!(
                    "a {status} with a body came back as {}: return error statuses as responses, \
                     body included (no `error_for_status`; ureq: `http_status_as_error(false)`)",
                    shown(&result)
                )));
            }
        }
        Ok(())
    })
}

fn an_oversized_body_is_refused(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        for chunked in [false, true] {
            let bytes = BODY_LIMIT * 4;
            setup
                .emu
                .push_fault(Route::Authorize, Fault::OversizedBody { bytes, chunked });
            let result = (setup.send)(authorize(&setup)?);
            if kind(&result) != Some(FailureKind::BodyTooLarge) {
                let framing = if chunked {
                    "chunked"
                } else {
                    "with a Content-Length"
                };
                return Err(fail(format!(
                    "a {bytes}-byte body ({framing}) under a {BODY_LIMIT}-byte limit came back as \
                     {}: read at most `ClientOptions::max_body_bytes` and return \
                     `TransportError::body_too_large`",
                    shown(&result)
                )));
            }
        }
        Ok(())
    })
}

/// Sends what `fault` makes the emulator do, and requires a timeout within twice the timeout.
fn times_out(transport: &Transport, fault: Fault, what: &str) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        setup.emu.push_fault(Route::Authorize, fault);
        let request = authorize(&setup)?;
        let started = Instant::now();
        let result = (setup.send)(request);
        let took = started.elapsed();
        if kind(&result) != Some(FailureKind::Timeout) || took > TIMEOUT * 2 {
            return Err(fail(format!(
                "{what} ended after {} ms as {}, with a {} ms timeout: bound the whole exchange, \
                 body included, and report `FailureKind::Timeout`",
                took.as_millis(),
                shown(&result),
                TIMEOUT.as_millis()
            )));
        }
        Ok(())
    })
}

fn a_stalled_head_times_out(transport: &Transport) -> Outcome {
    times_out(
        transport,
        Fault::delay(TIMEOUT * 4),
        "a head that never came",
    )
}

fn a_stalled_body_times_out(transport: &Transport) -> Outcome {
    times_out(transport, Fault::stall_body(), "a body that stalled")
}

fn a_refused_connection_is_connect(transport: &Transport) -> Outcome {
    checked(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| Outcome::Skipped(e.to_string()))?
            .port();
        let send = transport.connect(&options());
        let result = send(logout_get(&format!("http://127.0.0.1:{port}"))?);
        if kind(&result) != Some(FailureKind::Connect) {
            return Err(fail(format!(
                "a refused connection came back as {}: report it as `FailureKind::Connect` \
                 (`TransportError::from_error` does for an `io::Error` of kind ConnectionRefused)",
                shown(&result)
            )));
        }
        Ok(())
    })
}

/// How to classify an early close, for a failure's reason.
const EARLY_CLOSE_HINT: &str = "classify a connection closed before any answer as \
    `FailureKind::Closed` (`TransportError::from_error` does for an `io::Error` of kind \
    UnexpectedEof, ConnectionReset or BrokenPipe; a reqwest error that `is_request()`, a hyper \
    error that `is_incomplete_message()`)";

fn an_early_close_is_retried(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        setup
            .emu
            .push_fault(Route::Authorize, Fault::CloseConnection);
        let result = (setup.send)(authorize(&setup)?);
        if !matches!(
            kind(&result),
            Some(FailureKind::Closed | FailureKind::Connect)
        ) {
            return Err(fail(format!(
                "a connection closed before any answer came back as {}, which is not retried: \
                 {EARLY_CLOSE_HINT}",
                shown(&result)
            )));
        }
        setup.emu.clear_requests();
        setup
            .emu
            .push_fault(Route::Authorize, Fault::CloseConnection);
        let client = Client::with_transport(setup.config.clone(), options(), setup.send);
        let profile = ProfileId::new(setup.emu.oidc_profile_id());
        let profile = profile.map_err(|e| Outcome::Skipped(e.to_string()))?;
        if let Err(e) = client.authorize_logout(&profile) {
            return Err(fail(format!(
                "a call through `Client` after an early close failed (`{e}`): {EARLY_CLOSE_HINT}"
            )));
        }
        Ok(())
    })
}

fn a_stale_pooled_connection_is_retried(transport: &Transport) -> Outcome {
    checked(|| {
        // Connection 0 answers once and keeps the connection, then closes it when the next
        // request comes (a server that dropped an idle connection); later ones answer and close.
        let (base, accepted) = scripted(|n, stream| {
            let Ok(mut writer) = stream.try_clone() else { return };
            let port = stream.local_addr().map(|a| a.port()).unwrap_or_default();
            let body = format!(
                r#"{{"logout_url":"http://127.0.0.1:{port}/sso/logout?token=tok_conformance","logout_token":"tok_conformance"}}"#
            );
            let close = if n == 0 { "" } else { "connection: close\r\n" };
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{close}content-length: {}\r\n\r\n{body}",
                body.len()
            );
            let mut reader = BufReader::new(stream);
            if read_request(&mut reader) && writer.write_all(answer.as_bytes()).is_ok() && n == 0 {
                read_request(&mut reader);
            }
        })
        .map_err(|e| Outcome::Skipped(e.to_string()))?;
        let config = config_at(&base, "sk_test_conformance")?;
        let client = Client::with_transport(config, options(), transport.connect(&options()));
        let profile =
            ProfileId::new("prof_conformance").map_err(|e| Outcome::Skipped(e.to_string()))?;
        for call in ["first", "second"] {
            if let Err(e) = client.authorize_logout(&profile) {
                return Err(fail(format!(
                    "the {call} call on a kept-alive connection the server then closed failed \
                     (`{e}`, {} connections): {EARLY_CLOSE_HINT}",
                    accepted.load(std::sync::atomic::Ordering::SeqCst)
                )));
            }
        }
        Ok(())
    })
}

fn a_truncated_body_is_retried(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        setup
            .emu
            .push_fault(Route::Authorize, Fault::truncated_body());
        let result = (setup.send)(authorize(&setup)?);
        if kind(&result) != Some(FailureKind::Truncated) {
            return Err(fail(format!(
                "a body cut short of its Content-Length came back as {}: report an answer whose \
                 body ends early as `FailureKind::Truncated` (never a success), so Logout \
                 Authorize is retried and the logout `GET` is not",
                shown(&result)
            )));
        }
        setup
            .emu
            .push_fault(Route::Authorize, Fault::truncated_body());
        let client = Client::with_transport(setup.config.clone(), options(), setup.send);
        let profile = ProfileId::new(setup.emu.oidc_profile_id());
        let profile = profile.map_err(|e| Outcome::Skipped(e.to_string()))?;
        if let Err(e) = client.authorize_logout(&profile) {
            return Err(fail(format!(
                "a call through `Client` after a truncated answer failed (`{e}`): report it as \
                 `FailureKind::Truncated`"
            )));
        }
        Ok(())
    })
}

/// The attempt timeout the check gives, shorter than the options' [`TIMEOUT`].
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);

fn the_attempt_timeout_is_honoured(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        setup
            .emu
            .push_fault(Route::Logout, Fault::delay(TIMEOUT * 4));
        // The request of a call whose deadline leaves less than the options' timeout: its
        // `AttemptTimeout` (the token-spending `GET` gets the whole deadline).
        let options = options().with_deadline(ATTEMPT_TIMEOUT);
        let options = options.map_err(|e| Outcome::Skipped(e.to_string()))?;
        let url = format!("{}/sso/logout?token=tok_conformance", setup.emu.base_url());
        let call = setup.config.redirect_call(&url, &options);
        let call = call.map_err(|e| Outcome::Skipped(e.to_string()))?;
        let Step::Send { request, .. } = call.start(SystemTime::now()) else {
            return Err(Outcome::Skipped("the call asked for no request".into()));
        };
        if AttemptTimeout::of(&request) != Some(ATTEMPT_TIMEOUT) {
            return Err(Outcome::Skipped(
                "the core gave another attempt timeout".into(),
            ));
        }
        let started = Instant::now();
        let result = (setup.send)(request);
        let took = started.elapsed();
        if kind(&result) != Some(FailureKind::Timeout) || took > ATTEMPT_TIMEOUT * 2 {
            return Err(fail(format!(
                "a request whose `AttemptTimeout` was {} ms (the options' timeout {} ms) ended \
                 after {} ms as {}: bound the whole exchange by `AttemptTimeout::of(&request)` \
                 when it is there, and report `FailureKind::Timeout`",
                ATTEMPT_TIMEOUT.as_millis(),
                TIMEOUT.as_millis(),
                took.as_millis(),
                shown(&result)
            )));
        }
        Ok(())
    })
}

/// Requires `answer`, from a scripted server, to read as a 200 whose body is `hello`.
fn reads_hello(transport: &Transport, answer: &'static [u8], close: bool, what: &str) -> Outcome {
    checked(|| {
        let base = answering(answer, close).map_err(|e| Outcome::Skipped(e.to_string()))?;
        let send = transport.connect(&options());
        let result = send(logout_get(&base)?);
        if !matches!(&result, Ok(r) if r.status() == 200 && r.body() == b"hello") {
            let body = result
                .as_ref()
                .map(|r| String::from_utf8_lossy(r.body()).into_owned());
            return Err(fail(format!(
                "{what} came back as {} (body {body:?}); expected a 200 with the body `hello`",
                shown(&result)
            )));
        }
        Ok(())
    })
}

fn informational_answers_are_skipped(transport: &Transport) -> Outcome {
    let answer = b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n\
        HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello";
    reads_hello(transport, answer, false, "a 103 before a 200")
}

fn chunked_bodies_with_trailers_are_read(transport: &Transport) -> Outcome {
    let answer =
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n\
        2\r\nhe\r\n3\r\nllo\r\n0\r\nx-trailer: yes\r\n\r\n";
    reads_hello(transport, answer, false, "a chunked body with a trailer")
}

fn close_delimited_bodies_are_read(transport: &Transport) -> Outcome {
    let answer = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nhello";
    reads_hello(
        transport,
        answer,
        true,
        "a body that ends with the connection",
    )
}

/// Runs the calling test again in a child process with the proxy variables pointing at a
/// listener that records connections; the child sends one loopback request.
fn no_proxy_from_the_environment(_: &Transport) -> Outcome {
    let current = std::thread::current();
    let Some(test) = current.name().filter(|name| *name != "main") else {
        return Outcome::Skipped(
            "not run from a `#[test]` (or with one test thread): the check reruns the test".into(),
        );
    };
    checked(|| {
        let skipped = |e: std::io::Error| Outcome::Skipped(e.to_string());
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").map_err(skipped)?;
        proxy.set_nonblocking(true).map_err(skipped)?;
        let proxy_url = format!("http://{}", proxy.local_addr().map_err(skipped)?);
        let exe = std::env::current_exe().map_err(skipped)?;
        let mut child = Command::new(exe);
        child.args(["--exact", test, "--nocapture", "--test-threads", "1"]);
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            child.env(var, &proxy_url);
        }
        let output = child
            .env(PROXY_CHILD, "1")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .stdin(Stdio::null())
            .output()
            .map_err(skipped)?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if proxy.accept().is_ok() {
            return Err(fail(format!(
                "with HTTP_PROXY set to {proxy_url}, a loopback request went through that proxy: \
                 use only the proxy the options name (`ClientOptions::proxy`), and never for \
                 loopback (`ClientOptions::proxy_allowed`); reqwest: `no_proxy()`"
            )));
        }
        if !stdout.contains(CHILD_ANSWERED) {
            let tail: String = stdout.lines().rev().take(5).collect::<Vec<_>>().join(" / ");
            return Err(fail(format!(
                "the rerun of `{test}` with proxy variables set got no answer from loopback: {tail}"
            )));
        }
        Ok(())
    })
}

/// In the child the proxy check starts: one loopback request, and a line saying it was answered.
fn proxy_child(transport: &Transport) -> Outcome {
    checked(|| {
        let setup = setup(transport)?;
        let result = (setup.send)(authorize(&setup)?);
        match result {
            Ok(response) => {
                println!("{CHILD_ANSWERED} {}", response.status());
                Ok(())
            }
            Err(e) => Err(fail(format!(
                "a loopback request with proxy variables set failed: {e}"
            ))),
        }
    })
}
