//! The SDK's async client (`workos-sso-logout-hyper`) against the official `workos` crate
//! (3.5.0, reqwest), Logout Authorize on one keep-alive loopback server that answers both the same
//! bytes. Ratios from one run (the machine is shared and noisy: compare within a run):
//!
//! - latency: sequential calls, SDK time / `workos` time (must hold: ≤ 0.95);
//! - throughput: 64 tasks, SDK calls/s / `workos` calls/s (must hold: ≥ 1.2).
//!
//! Each round times both sides twice, mirrored (SDK, workos, workos, SDK, then the other way),
//! after an untimed pass; each figure is the median of the per-round ratios. Both clients run
//! with retries off and their defaults otherwise.
//!
//! ```sh
//! cargo run --release --manifest-path tests/official/Cargo.toml [-- ROUNDS]
//! ```

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use workos_sso_logout::{ApiKey, BaseUrl, ClientOptions, Config, ProfileId, RetryPolicy};

const KEY: &str = "sk_test_a1B2c3D4e5F6g7H8i9J0";
const PROFILE: &str = "prof_01HXYZABCDEFGHJKMNPQRSTVW";
const TOKEN: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJwcm9maWxlX2lkIjoicHJvZiJ9.c2lnbmF0dXJl";
const SEQUENTIAL: usize = 200;
const TASKS: usize = 64;
const PER_TASK: usize = 20;

/// One keep-alive HTTP/1.1 server on loopback answering every request with the same answer.
async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let body: Bytes =
        format!(r#"{{"logout_url":"{base}/sso/logout?token={TOKEN}","logout_token":"{TOKEN}"}}"#)
            .into();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                        let body = body.clone();
                        async move {
                            let _ = request.into_body().collect().await;
                            let mut response = Response::new(Full::new(body));
                            response
                                .headers_mut()
                                .insert("content-type", "application/json".parse().unwrap());
                            response
                                .headers_mut()
                                .insert("x-request-id", "req_bench".parse().unwrap());
                            Ok::<_, Infallible>(response)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    base
}

type Sdk = workos_sso_logout_hyper::Client;

async fn sdk_call(sdk: &Sdk, profile: &ProfileId) {
    let auth = sdk.authorize_logout(profile).await.unwrap();
    assert!(!auth.logout_url().is_empty());
}

async fn official_call(official: &workos::Client) {
    let body = workos::SSOLogoutAuthorizeRequest {
        profile_id: PROFILE.to_owned(),
    };
    let auth = official
        .sso()
        .authorize_logout(workos::resources::sso::AuthorizeLogoutParams::new(body))
        .await
        .unwrap();
    assert!(!auth.logout_url.expose().is_empty());
}

/// Time of `n` sequential calls of one side.
async fn sequential(
    sdk: &Sdk,
    official: &workos::Client,
    profile: &ProfileId,
    use_sdk: bool,
) -> Duration {
    let started = Instant::now();
    for _ in 0..SEQUENTIAL {
        match use_sdk {
            true => sdk_call(sdk, profile).await,
            false => official_call(official).await,
        }
    }
    started.elapsed()
}

/// Calls per second of 64 tasks of one side.
async fn throughput(
    sdk: &Arc<Sdk>,
    official: &Arc<workos::Client>,
    profile: &ProfileId,
    use_sdk: bool,
) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (sdk, official, profile) = (sdk.clone(), official.clone(), profile.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..PER_TASK {
                match use_sdk {
                    true => sdk_call(&sdk, &profile).await,
                    false => official_call(&official).await,
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    (TASKS * PER_TASK) as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(21);
    let base = serve().await;
    let config =
        Config::new(ApiKey::new(KEY).unwrap()).with_base_url(BaseUrl::parse(&base).unwrap());
    let options = ClientOptions::default().with_retry_policy(RetryPolicy::none());
    let sdk = Arc::new(Sdk::with_options(config, options).unwrap());
    let official = Arc::new(
        workos::Client::builder()
            .api_key(KEY)
            .base_url(base.clone())
            .max_retries(0)
            .build(),
    );
    let profile = ProfileId::new(PROFILE).unwrap();

    let (mut latency, mut rate) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Untimed pass of both sides, then each side twice, mirrored.
        sequential(&sdk, &official, &profile, true).await;
        sequential(&sdk, &official, &profile, false).await;
        let order = if round % 2 == 0 {
            [true, false, false, true]
        } else {
            [false, true, true, false]
        };
        let (mut sdk_time, mut official_time) = (Duration::ZERO, Duration::ZERO);
        let (mut sdk_rate, mut official_rate) = (0.0, 0.0);
        for use_sdk in order {
            let took = sequential(&sdk, &official, &profile, use_sdk).await;
            let calls = throughput(&sdk, &official, &profile, use_sdk).await;
            match use_sdk {
                true => (sdk_time += took, sdk_rate += calls),
                false => (official_time += took, official_rate += calls),
            };
        }
        latency.push(sdk_time.as_secs_f64() / official_time.as_secs_f64());
        rate.push(sdk_rate / official_rate);
    }
    let (l, lmin, lmax) = median(latency);
    let (r, rmin, rmax) = median(rate);
    println!(
        "workos-sso-logout-hyper against the official `workos` 3.5.0, {rounds} rounds, median of per-round ratios"
    );
    println!();
    println!("| measure | ratio | min | max | must hold |");
    println!("|---|---|---|---|---|");
    println!(
        "| authorize latency, sequential (SDK / workos time) | **{l:.3}** | {lmin:.3} | {lmax:.3} | ≤ 0.95 |"
    );
    println!(
        "| authorize throughput, {TASKS} tasks (SDK / workos calls/s) | **{r:.3}** | {rmin:.3} | {rmax:.3} | ≥ 1.2 |"
    );
}
