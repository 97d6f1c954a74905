//! A transport with one defect fails exactly the checks about that defect: the kit refutes what
//! it should, and says so. Each defect wraps the (conforming) ureq adapter. One transport per
//! test: the proxy check reruns the calling test.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeSet;

use workos_sso_logout::http::{HeaderMap, Request, Response};
use workos_sso_logout::{ClientOptions, FailureKind, SyncTransport, TransportError};
use workos_sso_logout_conformance::{Outcome, Transport, check};
use workos_sso_logout_ureq::UreqTransport;

type Answer = Result<Response<Vec<u8>>, TransportError>;

/// The ureq adapter with `defect` applied to each request and answer.
fn broken(
    name: &str,
    defect: impl Fn(&UreqTransport, Request<Vec<u8>>) -> Answer + Clone + 'static,
) -> Transport {
    Transport::blocking(name, move |options: &ClientOptions| {
        let inner = UreqTransport::new(options).unwrap();
        let defect = defect.clone();
        move |request| defect(&inner, request)
    })
}

/// The names of the checks that failed; every failure's reason names what to fix.
fn failed(transport: &Transport) -> BTreeSet<&'static str> {
    let report = check(transport);
    for c in &report.checks {
        if let Outcome::Failed(why) = &c.outcome {
            assert!(why.len() > 40, "a reason too short to act on: {why}");
        }
    }
    report.failures().map(|c| c.name).collect()
}

#[test]
fn a_transport_that_follows_redirects_fails_the_redirect_check() {
    let follows = broken("follows redirects", |inner, request| {
        let answer = inner.send(request)?;
        let location = answer
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok());
        match (answer.status().is_redirection(), location) {
            (true, Some(location)) => inner.send(Request::get(location).body(Vec::new()).unwrap()),
            _ => Ok(answer),
        }
    });
    assert_eq!(
        failed(&follows),
        BTreeSet::from(["redirects_are_handed_back"])
    );
}

#[test]
fn a_transport_that_drops_repeated_headers_fails_the_header_check() {
    let drops = broken("drops repeated headers", |inner, request| {
        let mut answer = inner.send(request)?;
        let mut first = HeaderMap::new();
        for (name, value) in answer.headers() {
            if !first.contains_key(name) {
                first.insert(name, value.clone());
            }
        }
        *answer.headers_mut() = first;
        Ok(answer)
    });
    assert_eq!(failed(&drops), BTreeSet::from(["every_header_comes_back"]));
}

#[test]
fn a_transport_that_calls_an_early_close_other_fails_the_early_close_checks() {
    let other = broken("early close is Other", |inner, request| {
        inner.send(request).map_err(|e| match e.kind() {
            FailureKind::Closed => TransportError::new(FailureKind::Other, e.to_string()),
            _ => e,
        })
    });
    assert_eq!(
        failed(&other),
        BTreeSet::from([
            "an_early_close_is_retried",
            "a_stale_pooled_connection_is_retried"
        ])
    );
}

#[test]
fn a_transport_that_ignores_the_attempt_timeout_fails_that_check() {
    // It rebuilds the request without its extensions: only the options' timeout is left.
    let ignores = broken("ignores the attempt timeout", |inner, request| {
        let (parts, body) = request.into_parts();
        let mut bare = Request::new(body);
        *bare.method_mut() = parts.method;
        *bare.uri_mut() = parts.uri;
        *bare.headers_mut() = parts.headers;
        inner.send(bare)
    });
    assert_eq!(
        failed(&ignores),
        BTreeSet::from(["the_attempt_timeout_is_honoured"])
    );
}

#[test]
fn a_transport_that_calls_a_truncated_answer_other_fails_the_truncation_check() {
    let other = broken("truncation is Other", |inner, request| {
        inner.send(request).map_err(|e| match e.kind() {
            FailureKind::Truncated => TransportError::new(FailureKind::Other, e.to_string()),
            _ => e,
        })
    });
    assert_eq!(
        failed(&other),
        BTreeSet::from(["a_truncated_body_is_retried"])
    );
}
