//! Both transports against the in-process emulator, measured in one run and reported as ratios
//! (the machine is shared and noisy: compare within a run, not across runs).
//!
//! ```sh
//! cargo run --release -p workos-logout --example bench_transports [-- ROUNDS CALLS]
//! ```
//!
//! Each round runs CALLS authorize calls and CALLS authorize + follow flows per transport, in
//! alternating order, and the median round is reported. The pure core's share is measured too:
//! building the request and parsing the response alone.

use std::time::{Duration, Instant};

use workos_logout::emulator::start;
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::{
    ApiKey, BaseUrl, ClientOptions, Config, LogoutAuthorizeRequest, ProfileId,
    parse_logout_authorize_response,
};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    let calls: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(300);
    let emulator = start()?;
    let config = Config::new(ApiKey::new(emulator.api_key())?)
        .with_base_url(BaseUrl::parse(emulator.base_url())?);
    let profile = ProfileId::new(emulator.oidc_profile_id())?;
    let clients: Vec<AnyClient> = Transport::ALL
        .iter()
        .map(|t| AnyClient::new(*t, config.clone(), ClientOptions::default()))
        .collect::<Result<_, _>>()?;

    let mut authorize = vec![Vec::new(); clients.len()];
    let mut flow = vec![Vec::new(); clients.len()];
    for round in 0..rounds {
        for i in 0..clients.len() {
            // Alternate which transport goes first, so warm-up and drift hit both alike.
            let i = if round % 2 == 0 {
                i
            } else {
                clients.len() - 1 - i
            };
            let client = &clients[i];
            let t = Instant::now();
            for _ in 0..calls {
                client.authorize_logout(&profile)?;
            }
            authorize[i].push(t.elapsed());
            let t = Instant::now();
            for _ in 0..calls {
                let auth = client.authorize_logout(&profile)?;
                client.follow_logout_redirect(auth.logout_url())?;
            }
            flow[i].push(t.elapsed());
        }
    }

    // The core alone: build + parse, no IO.
    let body = {
        let r = clients[0].send(
            config.logout_authorize_request(&LogoutAuthorizeRequest::new(profile.clone()))?,
        )?;
        r.into_body()
    };
    let sent_to = config.logout_authorize_url();
    let t = Instant::now();
    for _ in 0..calls * 10 {
        let request =
            config.logout_authorize_request(&LogoutAuthorizeRequest::new(profile.clone()))?;
        std::hint::black_box(request);
        let response = workos_sso_logout::http::Response::new(body.as_slice());
        let parsed = parse_logout_authorize_response(&sent_to, &response)?;
        std::hint::black_box(parsed);
    }
    let core_per_call = t.elapsed() / (calls as u32 * 10);

    let per_call = |d: Duration| d / calls as u32;
    let (ua, ha) = (median(authorize[0].clone()), median(authorize[1].clone()));
    let (uf, hf) = (median(flow[0].clone()), median(flow[1].clone()));
    println!("{rounds} rounds x {calls} calls per transport, median round, loopback emulator");
    println!(
        "authorize       ureq {:>8.1?}/call   hyper {:>8.1?}/call   hyper/ureq = {:.2}",
        per_call(ua),
        per_call(ha),
        ha.as_secs_f64() / ua.as_secs_f64()
    );
    println!(
        "authorize+follow ureq {:>8.1?}/flow   hyper {:>8.1?}/flow   hyper/ureq = {:.2}",
        per_call(uf),
        per_call(hf),
        hf.as_secs_f64() / uf.as_secs_f64()
    );
    println!(
        "core build+parse {:>8.1?}/call = {:.1}% of a ureq authorize call, {:.1}% of a hyper one",
        core_per_call,
        100.0 * core_per_call.as_secs_f64() / per_call(ua).as_secs_f64(),
        100.0 * core_per_call.as_secs_f64() / per_call(ha).as_secs_f64()
    );
    Ok(())
}
