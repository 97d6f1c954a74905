//! The core against a bare baseline, as ratios measured in one run: building the Logout
//! Authorize request and parsing its answer, versus a hand-rolled `http::Request` with the same
//! headers and a typed `serde_json` parse of the same body. Interleaved rounds; the median of the
//! per-round ratios. Also the heap allocations (count and bytes) of one exchange, counted by
//! dhat's allocator (it counts only while its profiler runs, after the timing rounds).
//!
//! `cargo bench -p workos-sso-logout --bench core_vs_bare`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use workos_sso_logout::{
    ApiKey, Config, LogoutAuthorizeRequest, ProfileId, parse_logout_authorize_response,
};

/// Counts heap allocations (dhat's allocator); only when the `DHAT` variable is set, so the
/// timing rounds run on the system allocator.
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTU1ODA5MjQsImlhdCI6MTc5NTU4MDg5NCwianRpIjoibHRfX0ozNlhxSHpfMSIsInByb2ZpbGVfaWQiOiJwcm9mXzAxRU1VTEFUT1JPSURDMDAwMDAwMDAwMCJ9.BEwLqUbZ595c9XNDfpxYTA1YN1QpBNxK1lVE7gsm03A";

#[derive(serde::Serialize)]
struct BareRequest<'a> {
    profile_id: &'a str,
}

#[derive(serde::Deserialize)]
struct BareAnswer<'a> {
    #[serde(borrow)]
    logout_url: &'a str,
    #[serde(borrow)]
    logout_token: &'a str,
}

fn bare(profile: &str, key: &str, answer: &http::Response<Vec<u8>>) -> usize {
    let body = serde_json::to_vec(&BareRequest {
        profile_id: profile,
    })
    .unwrap();
    let request = http::Request::post("https://auth.workos.com/sso/logout/authorize")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", "workos-sso-logout-rust/0.2.0")
        .body(body)
        .unwrap();
    black_box(&request);
    let parsed: BareAnswer<'_> = serde_json::from_slice(answer.body()).unwrap();
    parsed.logout_url.len() + parsed.logout_token.len()
}

fn sdk(
    config: &Config,
    request: &LogoutAuthorizeRequest,
    sent_to: &url::Url,
    answer: &http::Response<Vec<u8>>,
) -> usize {
    let built = config.logout_authorize_request(request).unwrap();
    black_box(&built);
    let parsed = parse_logout_authorize_response(sent_to, answer).unwrap();
    parsed.logout_url().len() + parsed.logout_token().expose_secret().len()
}

fn time(iterations: u32, mut f: impl FnMut() -> usize) -> f64 {
    let started = Instant::now();
    let mut sink = 0;
    for _ in 0..iterations {
        sink += f();
    }
    black_box(sink);
    started.elapsed().as_nanos() as f64 / f64::from(iterations)
}

/// Heap blocks and bytes allocated by `f` (dhat counts only while its profiler lives).
fn allocations(f: impl FnOnce() -> usize) -> (u64, u64) {
    let before = dhat::HeapStats::get();
    black_box(f());
    let after = dhat::HeapStats::get();
    (
        after.total_blocks - before.total_blocks,
        after.total_bytes - before.total_bytes,
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let key = "sk_test_a1B2c3D4e5F6g7H8i9J0";
    let profile = "prof_01HXYZABCDEFGHJKMNPQRSTVW";
    let config = Config::new(ApiKey::new(key).unwrap());
    let request = LogoutAuthorizeRequest::new(ProfileId::new(profile).unwrap());
    let sent_to = config.logout_authorize_url();
    let body = format!(
        r#"{{"logout_url":"https://auth.workos.com/sso/logout?token={TOKEN}","logout_token":"{TOKEN}"}}"#
    );
    let answer = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("x-request-id", "req_01HXYZ")
        .body(body.into_bytes())
        .unwrap();

    // Warm up, then interleave rounds.
    let _ = time(20_000, || sdk(&config, &request, &sent_to, &answer));
    let _ = time(20_000, || bare(profile, key, &answer));
    let mut ratios = Vec::new();
    let (mut sdk_ns, mut bare_ns) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        let s = time(20_000, || sdk(&config, &request, &sent_to, &answer));
        let b = time(20_000, || bare(profile, key, &answer));
        ratios.push(s / b);
        sdk_ns.push(s);
        bare_ns.push(b);
    }
    // A whole call through the blocking client, over a transport that answers at once (its
    // response, one body `Vec`, is counted too), with the default policy (3 attempts allowed).
    let body = answer.body().clone();
    let transport = move |_request: http::Request<Vec<u8>>| {
        http::Response::builder().status(200).body(body.clone())
    };
    let client = workos_sso_logout::Client::with_transport(
        config.clone(),
        workos_sso_logout::ClientOptions::default(),
        transport,
    );
    let profile_id = ProfileId::new(profile).unwrap();
    let call = || {
        let auth = client.authorize_logout(&profile_id).unwrap();
        auth.logout_url().len()
    };
    let client_ns = median((0..5).map(|_| time(20_000, call)).collect());
    // The logout GET through the same client kind, the transport answering a 302 at once.
    let redirect = |_request: http::Request<Vec<u8>>| {
        http::Response::builder()
            .status(302)
            .header("location", "https://idp.example/end_session?state=s")
            .body(Vec::new())
    };
    let follower = workos_sso_logout::Client::with_transport(
        config.clone(),
        workos_sso_logout::ClientOptions::default(),
        redirect,
    );
    let logout_url = format!("https://auth.workos.com/sso/logout?token={TOKEN}");
    let follow = || {
        let outcome = follower.follow_logout_redirect(&logout_url).unwrap();
        usize::from(outcome.status().as_u16())
    };
    let follow_ns = median((0..5).map(|_| time(20_000, follow)).collect());

    let profiler = dhat::Profiler::builder().testing().build();
    let (sa, sb) = allocations(|| sdk(&config, &request, &sent_to, &answer));
    let (ba, bb) = allocations(|| bare(profile, key, &answer));
    let (ca, cb) = allocations(call);
    let (fa, fb) = allocations(follow);
    drop(profiler);
    println!("core build + parse of one Logout Authorize exchange, 15 interleaved rounds of 20000");
    println!("| | median ns | allocations | bytes allocated |");
    println!("|---|---|---|---|");
    println!("| SDK core | {:.0} | {sa} | {sb} |", median(sdk_ns));
    println!(
        "| bare serde + http::Request | {:.0} | {ba} | {bb} |",
        median(bare_ns)
    );
    println!(
        "| **SDK / bare** (median of per-round ratios) | **{:.2}** | | |",
        median(ratios)
    );
    println!(
        "| one `Client::authorize_logout`, over a transport answering at once | {client_ns:.0} | {ca} | {cb} |"
    );
    println!(
        "| one `Client::follow_logout_redirect`, over a transport answering a 302 at once | {follow_ns:.0} | {fa} | {fb} |"
    );
}
