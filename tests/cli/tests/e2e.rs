//! End to end: both transports against the emulator over TCP, from one table of cases. What a
//! transport alone must do (redirects, headers, timeouts, early closes, truncated bodies…) is
//! checked by the conformance kit, in `tests/conformance/tests/adapters.rs`.
//!
//! Each case is written once against [`AnyClient`]; the `cases!` table expands it into one test per
//! transport (`ureq::<case>` and `hyper::<case>`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use workos_logout::emulator::{Emulator, Fault, Route, start};
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::UnexpectedReason;
use workos_sso_logout::{
    ApiKey, BaseUrl, ClientOptions, Config, Error, FailureKind, LogoutAuthorization,
    LogoutAuthorizeRequest, LogoutRedirect, ProfileId, RetryPolicy,
};
use workos_sso_logout_hyper::{HyperTransport, TokioEnvironment};

/// Authorize by a plain string id.
trait AuthorizeStr {
    fn authorize_logout_str(&self, profile_id: &str) -> Result<LogoutAuthorization, Error>;
}

impl AuthorizeStr for AnyClient {
    fn authorize_logout_str(&self, profile_id: &str) -> Result<LogoutAuthorization, Error> {
        self.authorize_logout(&ProfileId::new(profile_id)?)
    }
}

/// Fast retries and short timeouts, so the suite stays quick.
fn test_options() -> ClientOptions {
    ClientOptions::default()
        .with_timeout(Duration::from_secs(2))
        .unwrap()
        .with_connect_timeout(Duration::from_secs(2))
        .unwrap()
        .with_retry_policy(
            RetryPolicy::new(3, Duration::from_millis(5), Duration::from_millis(1500)).unwrap(),
        )
}

fn driver_with(
    transport: Transport,
    base_url: &str,
    api_key: &str,
    options: ClientOptions,
) -> AnyClient {
    let config =
        Config::new(ApiKey::new(api_key).unwrap()).with_base_url(BaseUrl::parse(base_url).unwrap());
    AnyClient::new(transport, config, options).unwrap()
}

fn driver(transport: Transport, emu: &Emulator) -> AnyClient {
    driver_with(transport, emu.base_url(), emu.api_key(), test_options())
}

fn transport_kind(e: &Error) -> FailureKind {
    e.as_transport()
        .unwrap_or_else(|| panic!("not a transport error: {e:?}"))
        .kind()
}

// ---- the cases ----

fn success(t: Transport) {
    let emu = start().unwrap();
    let auth = driver(t, &emu)
        .authorize_logout_str(emu.oidc_profile_id())
        .unwrap();
    assert!(
        auth.logout_url()
            .starts_with(&format!("{}/sso/logout?token=", emu.base_url()))
    );
    let token = auth.logout_token().expose_secret();
    let url = workos_sso_logout::url::Url::parse(auth.logout_url()).unwrap();
    assert_eq!(url.query_pairs().next().unwrap().1, token);
    let sent = emu.requests_to(Route::Authorize);
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {}", emu.api_key()).as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(
        r.header("user-agent"),
        Some(concat!(
            "workos-sso-logout-rust/",
            env!("CARGO_PKG_VERSION")
        ))
    );
    assert!(r.header("idempotency-key").is_some());
    assert_eq!(
        r.body,
        format!(r#"{{"profile_id":"{}"}}"#, emu.oidc_profile_id()).as_bytes()
    );
}

fn unknown_profile(t: Transport) {
    let emu = start().unwrap();
    let err = driver(t, &emu)
        .authorize_logout_str("prof_nobody")
        .unwrap_err();
    let api = err.as_api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(api.status, 404);
    assert!(api.message.as_deref().unwrap().contains("prof_nobody"));
    assert!(api.request_id.as_deref().unwrap().starts_with("req_emu_"));
    assert_eq!(
        emu.requests_to(Route::Authorize).len(),
        1,
        "a 404 is not retried"
    );
}

fn saml_profile(t: Transport) {
    let emu = start().unwrap();
    let err = driver(t, &emu)
        .authorize_logout_str(emu.saml_profile_id())
        .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, 400);
    assert_eq!(api.code.as_deref(), Some("connection_invalid"));
    assert_eq!(
        api.message.as_deref(),
        Some("Single Logout is only supported for GenericOIDC connections.")
    );
}

fn wrong_key(t: Transport) {
    let emu = start().unwrap();
    let d = driver_with(t, emu.base_url(), "sk_test_wrong", test_options());
    let err = d.authorize_logout_str(emu.oidc_profile_id()).unwrap_err();
    assert_eq!(err.as_api().unwrap().status, 401);
    assert!(!err.to_string().contains("sk_test_wrong"));
    assert!(!format!("{err:?}").contains("sk_test_wrong"));
}

fn rate_limited_then_success(t: Transport) {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::rate_limited_seconds(1));
    let auth = driver(t, &emu).authorize_logout_str(emu.oidc_profile_id());
    assert!(auth.is_ok(), "{auth:?}");
    let sent = emu.requests_to(Route::Authorize);
    assert_eq!(sent.len(), 2, "one 429, one success");
    let keys: Vec<_> = sent
        .iter()
        .map(|r| r.header("idempotency-key").unwrap())
        .collect();
    assert_eq!(keys[0], keys[1], "one idempotency key across the attempts");
    assert!(!keys[0].is_empty());
}

fn unavailable_on_every_attempt(t: Transport) {
    let emu = start().unwrap();
    for _ in 0..5 {
        emu.push_fault(Route::Authorize, Fault::status(503));
    }
    let err = driver(t, &emu)
        .authorize_logout_str(emu.oidc_profile_id())
        .unwrap_err();
    assert_eq!(err.as_api().unwrap().status, 503);
    assert_eq!(
        emu.requests_to(Route::Authorize).len(),
        3,
        "the policy's maximum"
    );
}

fn retries_off(t: Transport) {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::status(503));
    let d = driver_with(
        t,
        emu.base_url(),
        emu.api_key(),
        test_options().with_retry_policy(RetryPolicy::none()),
    );
    assert_eq!(
        d.authorize_logout_str(emu.oidc_profile_id())
            .unwrap_err()
            .status()
            .unwrap(),
        503
    );
    assert_eq!(emu.requests_to(Route::Authorize).len(), 1);
}

fn body_over_the_limit(t: Transport) {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::oversized_body(200_000));
    emu.push_fault(
        Route::Authorize,
        Fault::OversizedBody {
            bytes: 200_000,
            chunked: true,
        },
    );
    let options = test_options().with_max_body_bytes(64 * 1024).unwrap();
    let d = driver_with(t, emu.base_url(), emu.api_key(), options);
    for _ in 0..2 {
        let err = d.authorize_logout_str(emu.oidc_profile_id()).unwrap_err();
        assert_eq!(transport_kind(&err), FailureKind::BodyTooLarge, "{err}");
        assert!(err.to_string().contains("65536"), "{err}");
    }
    // The same body fits under the default 1 MiB bound (it lacks a real token, so it parses to
    // a success carrying the emulator's filler).
    emu.push_fault(Route::Authorize, Fault::oversized_body(200_000));
    assert!(
        driver(t, &emu)
            .authorize_logout_str(emu.oidc_profile_id())
            .is_ok()
    );
}

fn html_error_page(t: Transport) {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::html_error(500));
    let d = driver_with(
        t,
        emu.base_url(),
        emu.api_key(),
        test_options().with_retry_policy(RetryPolicy::none()),
    );
    let err = d.authorize_logout_str(emu.oidc_profile_id()).unwrap_err();
    let unexpected = err.as_unexpected().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(unexpected.status, 500);
    assert!(
        unexpected
            .request_id
            .as_deref()
            .unwrap()
            .starts_with("req_emu_")
    );
    assert!(
        matches!(&unexpected.reason, UnexpectedReason::NotJson { content_type: Some(ct) } if ct.starts_with("text/html"))
    );
    assert!(
        unexpected
            .body_excerpt
            .contains("500 Internal Server Error")
    );
}

fn follow_logout_redirect(t: Transport) {
    let emu = start().unwrap();
    let d = driver(t, &emu);
    let auth = d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    let outcome = d.follow_logout_redirect(auth.logout_url()).unwrap();
    assert_eq!(outcome.status(), 302);
    let location = outcome.location().unwrap();
    assert!(
        location
            .as_str()
            .starts_with(&format!("{}/idp/end_session?", emu.base_url())),
        "{location}"
    );
    let followed = emu.requests_to(Route::Logout);
    assert_eq!(followed.len(), 1);
    assert!(
        followed[0].header("authorization").is_none(),
        "the API key is not sent to the browser endpoint"
    );
    assert!(
        emu.requests_to(Route::EndSession).is_empty(),
        "followed once, not further"
    );
    // The URL built from the token alone is the one the server returned.
    assert_eq!(
        d.logout_redirect_url(auth.logout_token()).as_str(),
        auth.logout_url()
    );
}

fn expired_and_reused_tokens(t: Transport) {
    let emu = start().unwrap();
    let d = driver(t, &emu);
    let first = d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    d.follow_logout_redirect(first.logout_url()).unwrap();
    let err = d.follow_logout_redirect(first.logout_url()).unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(
        (api.status.as_u16(), api.code.as_deref()),
        (400, Some("invalid_logout_token"))
    );
    assert!(
        api.message
            .as_deref()
            .unwrap()
            .contains("already been used")
    );

    let second = d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    emu.advance_clock(Duration::from_secs(120));
    let err = d
        .follow_logout_redirect(d.logout_redirect_url(second.logout_token()).as_str())
        .unwrap_err();
    assert!(
        err.as_api()
            .unwrap()
            .message
            .as_deref()
            .unwrap()
            .contains("expired")
    );
    assert!(
        !err.to_string()
            .contains(second.logout_token().expose_secret())
    );
}

fn send_any_core_request(t: Transport) {
    let emu = start().unwrap();
    let d = driver(t, &emu);
    let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    let request = config
        .logout_authorize_request(&LogoutAuthorizeRequest::new(
            ProfileId::new("prof_missing").unwrap(),
        ))
        .unwrap();
    let response = d.send(request).unwrap();
    assert_eq!(
        response.status(),
        404,
        "an error status comes back as a response"
    );
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(String::from_utf8_lossy(response.body()).contains("prof_missing"));
}

fn slow_head_within_the_timeout(t: Transport) {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::delay(Duration::from_millis(200)));
    assert!(
        driver(t, &emu)
            .authorize_logout_str(emu.oidc_profile_id())
            .is_ok()
    );
    assert_eq!(emu.requests_to(Route::Authorize).len(), 1);
}

/// An answer of 200 with this JSON body, from the emulator's fault queue.
fn answer_200(body: String) -> Fault {
    Fault::Status {
        status: 200,
        body: Some(body),
        headers: Vec::new(),
    }
}

/// A field given twice could hide a second destination: refused, naming the field, showing
/// neither value.
fn duplicated_field_in_the_answer(t: Transport) {
    let emu = start().unwrap();
    let real = format!("{}/sso/logout?token=tok_real", emu.base_url());
    emu.push_fault(
        Route::Authorize,
        answer_200(format!(
            r#"{{"logout_url":"https://evil.example/sso/logout?token=tok_real","logout_url":"{real}","logout_token":"tok_real"}}"#
        )),
    );
    let err = driver(t, &emu)
        .authorize_logout_str(emu.oidc_profile_id())
        .unwrap_err();
    let unexpected = err.as_unexpected().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(
        unexpected.reason,
        UnexpectedReason::DuplicateField("logout_url")
    );
    assert!(!format!("{err} {err:?}").contains("tok_real"), "{err:?}");
}

/// The two fields of one answer must name one token.
fn logout_url_and_token_disagree(t: Transport) {
    let emu = start().unwrap();
    let url = format!("{}/sso/logout?token=tok_other", emu.base_url());
    emu.push_fault(
        Route::Authorize,
        answer_200(format!(
            r#"{{"logout_url":"{url}","logout_token":"tok_real"}}"#
        )),
    );
    let err = driver(t, &emu)
        .authorize_logout_str(emu.oidc_profile_id())
        .unwrap_err();
    let unexpected = err.as_unexpected().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(unexpected.reason, UnexpectedReason::TokenMismatch);
    assert!(!format!("{err} {err:?}").contains("tok_real"), "{err:?}");
}

/// Two `Location` headers that differ: no destination is trusted, or shown.
fn conflicting_locations(t: Transport) {
    let emu = start().unwrap();
    let d = driver(t, &emu);
    let auth = d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    emu.push_fault(
        Route::Logout,
        Fault::Status {
            status: 302,
            body: Some(String::new()),
            headers: vec![
                ("location".into(), "https://idp.example/end".into()),
                ("location".into(), "https://evil.example/end".into()),
            ],
        },
    );
    let err = d.follow_logout_redirect(auth.logout_url()).unwrap_err();
    let unexpected = err.as_unexpected().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(unexpected.reason, UnexpectedReason::ConflictingLocations);
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("idp.example") && !shown.contains("evil.example"),
        "{shown}"
    );
    assert_eq!(emu.requests_to(Route::Logout).len(), 1, "not retried");
}

fn a_long_retry_after_ends_the_call_within_the_default_deadline(t: Transport) {
    let emu = start().unwrap();
    support::unavailable_for_thirty_seconds(&emu, 5);
    let started = Instant::now();
    // The default options: a 10 s deadline, and a policy that waits up to 30 s.
    let err = driver_with(t, emu.base_url(), emu.api_key(), ClientOptions::default())
        .authorize_logout_str(emu.oidc_profile_id())
        .unwrap_err();
    // The default deadline is 10 s; the call ends at once, far before the 30 s wait.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.retry_in(), Some(Duration::from_secs(30)));
    assert!(err.request_id().is_some_and(|id| id.starts_with("req_emu")));
    let text = err.to_string();
    assert!(
        text.contains("the server asked to wait 30 s, past the call's 10 s deadline"),
        "{text}"
    );
    assert_eq!(
        emu.requests_to(Route::Authorize).len(),
        1,
        "no wait was started"
    );
}

fn a_short_deadline_ends_the_call_before_the_first_wait(t: Transport) {
    let emu = start().unwrap();
    support::unavailable_for_thirty_seconds(&emu, 5);
    let options = ClientOptions::default()
        .with_deadline(Duration::from_secs(2))
        .unwrap();
    let started = Instant::now();
    let err = driver_with(t, emu.base_url(), emu.api_key(), options)
        .authorize_logout_str(emu.oidc_profile_id())
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.to_string()
            .contains("past the call's 2 s deadline (try again in 30 s)"),
        "{err}"
    );
}

/// Options for the silent-connection cases: a 4 s deadline and the default 30 s attempt
/// timeout, so only the deadline can end a silent attempt early.
fn four_second_deadline() -> ClientOptions {
    let fast = RetryPolicy::new(3, Duration::from_millis(5), Duration::from_millis(50)).unwrap();
    ClientOptions::default()
        .with_retry_policy(fast)
        .with_deadline(Duration::from_secs(4))
        .unwrap()
}

fn a_silent_pooled_connection_is_retried_on_a_new_one(t: Transport) {
    let emu = start().unwrap();
    let d = driver_with(t, emu.base_url(), emu.api_key(), four_second_deadline());
    d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    // The pooled connection now goes silent: the request reaches the server, nothing comes back.
    emu.push_fault(Route::Authorize, Fault::Silent);
    let started = Instant::now();
    d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    let took = started.elapsed();
    // The silent attempt had half the deadline; the retry answered on a new connection.
    assert!(took >= Duration::from_millis(1_900), "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    let sent = emu.requests_to(Route::Authorize);
    assert_eq!(sent.len(), 3);
    let key = |n: usize| sent[n].header("idempotency-key").map(str::to_owned);
    assert!(key(1).is_some());
    assert_eq!(
        key(1),
        key(2),
        "the retry is sent under the same Idempotency-Key"
    );
}

fn a_silent_logout_get_is_not_repeated(t: Transport) {
    let emu = start().unwrap();
    let d = driver_with(t, emu.base_url(), emu.api_key(), four_second_deadline());
    let auth = d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    emu.push_fault(Route::Logout, Fault::Silent);
    let started = Instant::now();
    let err = d.follow_logout_redirect(auth.logout_url()).unwrap_err();
    let took = started.elapsed();
    assert_eq!(transport_kind(&err), FailureKind::Timeout, "{err}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(
        emu.requests_to(Route::Logout).len(),
        1,
        "the token may be spent: not resent"
    );
}

fn an_answer_cut_off_mid_body_is_retried_under_the_same_key(t: Transport) {
    let emu = start().unwrap();
    emu.push_fault(Route::Authorize, Fault::truncated_body());
    driver(t, &emu)
        .authorize_logout_str(emu.oidc_profile_id())
        .unwrap();
    let sent = emu.requests_to(Route::Authorize);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].header("idempotency-key"),
        sent[1].header("idempotency-key")
    );
}

fn a_logout_get_cut_off_mid_body_is_not_repeated(t: Transport) {
    let emu = start().unwrap();
    let d = driver(t, &emu);
    let auth = d.authorize_logout_str(emu.oidc_profile_id()).unwrap();
    emu.push_fault(Route::Logout, Fault::truncated_body());
    let err = d.follow_logout_redirect(auth.logout_url()).unwrap_err();
    assert_eq!(transport_kind(&err), FailureKind::Truncated, "{err}");
    assert_eq!(emu.requests_to(Route::Logout).len(), 1);
}

macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        mod ureq {
            $(#[test] fn $case() { super::$case(super::Transport::Ureq) })*
        }
        mod hyper {
            $(#[test] fn $case() { super::$case(super::Transport::Hyper) })*
        }
    };
}

cases! {
    success,
    unknown_profile,
    saml_profile,
    wrong_key,
    rate_limited_then_success,
    unavailable_on_every_attempt,
    retries_off,
    body_over_the_limit,
    html_error_page,
    follow_logout_redirect,
    expired_and_reused_tokens,
    send_any_core_request,
    slow_head_within_the_timeout,
    duplicated_field_in_the_answer,
    logout_url_and_token_disagree,
    conflicting_locations,
    a_long_retry_after_ends_the_call_within_the_default_deadline,
    a_short_deadline_ends_the_call_before_the_first_wait,
    a_silent_pooled_connection_is_retried_on_a_new_one,
    a_silent_logout_get_is_not_repeated,
    an_answer_cut_off_mid_body_is_retried_under_the_same_key,
    a_logout_get_cut_off_mid_body_is_not_repeated,
}

// ---- adapter-specific: caller-supplied clients ----

#[test]
fn ureq_caller_agent_cannot_turn_on_redirects_or_status_errors() {
    let emu = start().unwrap();
    let elsewhere = start().unwrap();
    let agent: ::ureq::Agent = ::ureq::Agent::config_builder()
        .max_redirects(10)
        .http_status_as_error(true)
        .build()
        .into();
    let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    let transport = workos_sso_logout_ureq::UreqTransport::with_agent(agent, &test_options());
    let client = workos_sso_logout_ureq::Client::with_transport(config, test_options(), transport);
    emu.push_fault(
        Route::Authorize,
        Fault::redirect(
            308,
            format!("{}/sso/logout/authorize", elsewhere.base_url()),
        ),
    );
    let err = client
        .authorize_logout(&ProfileId::new(emu.oidc_profile_id()).unwrap())
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 308);
    assert!(elsewhere.requests().is_empty());
    let err = client
        .authorize_logout(&ProfileId::new("prof_none").unwrap())
        .unwrap_err();
    assert_eq!(
        err.as_api().unwrap().status,
        404,
        "the body of an error status is kept"
    );
}

#[test]
fn hyper_caller_connector_plain_http() {
    let emu = start().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let transport = HyperTransport::with_connector(connector, &test_options());
    let client = workos_sso_logout::AsyncClient::with_transport(config, test_options(), transport)
        .with_environment(TokioEnvironment);
    let auth = rt
        .block_on(client.authorize_logout(&ProfileId::new(emu.oidc_profile_id()).unwrap()))
        .unwrap();
    let outcome = rt
        .block_on(client.follow_logout_redirect(auth.logout_url()))
        .unwrap();
    assert!(matches!(outcome, LogoutRedirect::Redirect { .. }));
}
