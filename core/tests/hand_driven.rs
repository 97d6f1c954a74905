//! The hand-driven examples (`examples/hand_driven.rs`, blocking; `examples/hand_driven_async.rs`,
//! executor-neutral, which includes the first) sign a user out against the emulator on loopback,
//! each waiting out a retry.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../examples/hand_driven_async.rs"]
#[allow(dead_code)]
mod nonblocking;

use workos_sso_logout::{ApiKey, BaseUrl, Config, LogoutRedirect, ProfileId};
use workos_sso_logout_emulator::{Fault, Route, start};

#[test]
fn both_loops_sign_out_through_a_retry() {
    let emu = start().unwrap();
    let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();
    let end_session = format!("{}/idp/end_session", emu.base_url());
    let blocking = || nonblocking::blocking::sign_out(&config, &profile);
    let nonblocking = || nonblocking::block_on(nonblocking::sign_out(&config, &profile));
    let loops: [&dyn Fn() -> Result<LogoutRedirect, workos_sso_logout::Error>; 2] =
        [&blocking, &nonblocking];
    for hand_driven in loops {
        emu.clear_requests();
        emu.push_fault(Route::Authorize, Fault::status(503));
        let outcome = hand_driven().unwrap();
        let LogoutRedirect::Redirect { location, .. } = outcome else {
            panic!("not a redirect: {outcome:?}")
        };
        assert!(location.as_str().starts_with(&end_session), "{location}");
        assert_eq!(
            emu.requests_to(Route::Authorize).len(),
            2,
            "the 503 was retried"
        );
        let keys: Vec<_> = emu
            .requests_to(Route::Authorize)
            .iter()
            .map(|r| r.header("idempotency-key").map(str::to_owned))
            .collect();
        assert!(
            keys[0].is_some() && keys[0] == keys[1],
            "one key for both attempts"
        );
        assert_eq!(emu.requests_to(Route::Logout).len(), 1);
    }
}
