//! Both shipped adapters pass the kit, every check run (none skipped).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use workos_sso_logout_conformance::{Outcome, Report, Transport, check};
use workos_sso_logout_hyper::HyperTransport;
use workos_sso_logout_ureq::UreqTransport;

fn assert_all_passed(report: &Report) {
    let passed = report.checks.iter().all(|c| c.outcome == Outcome::Passed);
    assert!(passed, "{report}");
}

#[test]
fn the_ureq_adapter_conforms() {
    assert_all_passed(&check(&Transport::blocking(
        "workos-sso-logout-ureq",
        |options| UreqTransport::new(options).expect("a ureq agent"),
    )));
}

#[test]
fn the_hyper_adapter_conforms() {
    assert_all_passed(&check(&Transport::on_tokio(
        "workos-sso-logout-hyper",
        |options| HyperTransport::new(options).expect("a hyper client"),
    )));
}
