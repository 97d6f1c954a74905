//! Unit tests of `base_url.rs` (its private items).

use super::*;

#[test]
fn default_base_url() {
    assert_eq!(
        BaseUrl::default().as_url().as_str(),
        "https://auth.workos.com/"
    );
}

#[test]
fn loopback_hosts() {
    for host in [
        "localhost",
        "LocalHost",
        "127.0.0.1",
        "127.1",
        "0x7f.0.0.1",
        "[::1]",
    ] {
        assert!(is_loopback_name(host), "{host}");
    }
    for host in [
        "api.workos.com",
        "localhost.example",
        "10.0.0.1",
        "[::2]",
        "::1",
        "",
    ] {
        assert!(!is_loopback_name(host), "{host}");
    }
}
