//! The SDK against the raw HTTP clients it wraps, as ratios measured in one run (the machine is
//! shared and noisy: compare within a run, never across runs).
//!
//! ```sh
//! cargo bench -p workos-logout --bench transports [-- ROUNDS]
//! cargo bench -p workos-logout --bench transports -- --only sdk-follow 1000   # for a profiler
//! ```
//!
//! One minimal keep-alive server on loopback answers the same bytes to both sides (a Logout
//! Authorize answer of ~500 bytes, a 302 for the logout `GET`) and counts the connections it
//! accepts. The raw side sends the same headers and body with the same timeouts and parses the
//! same JSON (typed `serde`); raw hyper-util runs on the same hyper-rustls connector the adapter
//! builds; the SDK runs with retries off. Each round runs the measures in a new order, each
//! after an untimed pass of both sides, and times every measure twice on each side, mirrored
//! (raw, SDK, SDK, raw, then the other way round), so what ran before and a drift of the shared
//! machine favour neither side; each figure is the median of per-round ratios:
//! - latency: sequential calls, SDK time / raw time (target ≤ 1.05), to `127.0.0.1` and, on
//!   ureq, to `localhost` (a name, which raw ureq looks up in a new thread on every call), and
//!   against raw ureq set up like the SDK's agent (same pool and timeouts, no resolver thread);
//! - throughput: 16 threads on ureq, 64 tasks on hyper, SDK calls/s / raw calls/s (target ≥ 0.95);
//! - reqwest: the SDK over the conformance kit's reqwest transport against raw reqwest set up the
//!   same way (no redirects, no proxy, the same timeouts), latency;
//! - the logout `GET` (follow), latency; the raw side reads the `Location` into a `url::Url`, as
//!   the SDK hands it back (as the JSON is parsed on both sides of Logout Authorize);
//! - new connections per 1000 calls in steady state, each side;
//! - the bytes one hyper call's future holds, each side (what a task in flight keeps, and what
//!   is copied whenever the future is moved);
//! - a control: raw hyper-util against a second raw client, timed the same way. Its distance
//!   from 1 is what the method itself cannot tell apart on the shared machine.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use workos_sso_logout::{ApiKey, BaseUrl, ClientOptions, Config, ProfileId, RetryPolicy};

const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTU1ODA5MjQsImlhdCI6MTc5NTU4MDg5NCwianRpIjoibHRfX0ozNlhxSHpfMSIsInByb2ZpbGVfaWQiOiJwcm9mXzAxRU1VTEFUT1JPSURDMDAwMDAwMDAwMCJ9.BEwLqUbZ595c9XNDfpxYTA1YN1QpBNxK1lVE7gsm03A";
const KEY: &str = "sk_test_a1B2c3D4e5F6g7H8i9J0";
const PROFILE: &str = "prof_01HXYZABCDEFGHJKMNPQRSTVW";
const TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const LIMIT: usize = 1024 * 1024;
const USER_AGENT: &str = "workos-sso-logout-rust/0.2.0";

/// The answer both sides parse.
#[derive(serde::Deserialize)]
struct Answer<'a> {
    #[serde(borrow)]
    logout_url: &'a str,
    #[serde(borrow)]
    logout_token: &'a str,
}

fn parse(body: &[u8]) -> usize {
    let answer: Answer<'_> = serde_json::from_slice(body).unwrap();
    answer.logout_url.len() + answer.logout_token.len()
}

/// Where a redirect points, read into a URL as the SDK hands it back (resolved against the request
/// URL when relative; the bench's answer is absolute).
fn location(headers: &http::HeaderMap) -> usize {
    let text = headers["location"].to_str().unwrap();
    workos_sso_logout::url::Url::parse(text)
        .unwrap()
        .as_str()
        .len()
}

/// A minimal keep-alive HTTP/1.1 server on its own runtime: the base URL, and the count of
/// connections it accepted.
fn server() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let body = Bytes::from(format!(
        r#"{{"logout_url":"{base}/sso/logout?token={TOKEN}","logout_token":"{TOKEN}"}}"#
    ));
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                counted.fetch_add(1, Ordering::Relaxed);
                let body = body.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<_>| {
                        let body = body.clone();
                        async move { Ok::<_, Infallible>(answer(req, body).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    (base, connections)
}

async fn answer(req: Request<hyper::body::Incoming>, body: Bytes) -> Response<Full<Bytes>> {
    let get = req.method() == hyper::Method::GET;
    let _ = req.into_body().collect().await;
    let builder = Response::builder().header("x-request-id", "req_bench");
    let response = match get {
        true => builder
            .status(302)
            .header("location", "https://idp.example/end_session?state=s")
            .body(Full::new(Bytes::new())),
        false => builder
            .status(200)
            .header("content-type", "application/json")
            .body(Full::new(body)),
    };
    response.unwrap()
}

fn config(base: &str) -> Config {
    Config::new(ApiKey::new(KEY).unwrap()).with_base_url(BaseUrl::parse(base).unwrap())
}

fn options() -> ClientOptions {
    ClientOptions::default().with_retry_policy(RetryPolicy::none())
}

// ---- ureq: raw and SDK ----

fn raw_ureq_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .max_idle_connections_per_host(64)
        .max_idle_connections(256)
        .build()
        .new_agent()
}

/// Resolves on the calling thread. ureq's default resolver looks a name up in a new thread on
/// every call when a timeout is set, an IP address included; the SDK's agent keeps a host's
/// addresses instead. Raw ureq set up like the SDK's agent resolves without that thread.
#[derive(Debug, Default)]
struct SameThreadResolver(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for SameThreadResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        _: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let no_deadline = ureq::unversioned::transport::NextTimeout::default();
        self.0.resolve(uri, config, no_deadline)
    }
}

/// Raw ureq set up like the SDK's agent: the same pool, no proxy, no resolver thread.
fn raw_ureq_agent_like_sdk() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .proxy(None)
        .max_idle_connections_per_host(64)
        .max_idle_connections(256)
        .build();
    let connector = ureq::unversioned::transport::DefaultConnector::default();
    ureq::Agent::with_parts(config, connector, SameThreadResolver::default())
}

fn raw_ureq_authorize(agent: &ureq::Agent, base: &str) -> usize {
    let body = format!(r#"{{"profile_id":"{PROFILE}"}}"#);
    let request = http::Request::post(format!("{base}/sso/logout/authorize"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", USER_AGENT)
        .body(body.into_bytes())
        .unwrap();
    let request = agent
        .configure_request(request)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(TIMEOUT))
        .build();
    let response = agent.run(request).unwrap();
    let bytes = response
        .into_body()
        .with_config()
        .limit(LIMIT as u64)
        .read_to_vec()
        .unwrap();
    parse(&bytes)
}

fn raw_ureq_follow(agent: &ureq::Agent, base: &str) -> usize {
    let request = http::Request::get(format!("{base}/sso/logout?token={TOKEN}"))
        .header("accept", "application/json")
        .header("user-agent", USER_AGENT)
        .body(Vec::new())
        .unwrap();
    let request = agent
        .configure_request(request)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(TIMEOUT))
        .build();
    let response = agent.run(request).unwrap();
    let location = location(response.headers());
    let _ = response.into_body().read_to_vec();
    location
}

// ---- hyper: raw and SDK ----

type Raw = HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The connector the adapter builds (rustls, `https` or `http`), on its own pool.
fn raw_hyper_client() -> Raw {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    http.set_nodelay(true);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .unwrap()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    HyperClient::builder(TokioExecutor::new()).build(connector)
}

async fn raw_hyper_authorize(client: &Raw, base: &str) -> usize {
    let body = format!(r#"{{"profile_id":"{PROFILE}"}}"#);
    let request = http::Request::post(format!("{base}/sso/logout/authorize"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", USER_AGENT)
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let exchange = async {
        let response = client.request(request).await.unwrap();
        let collected = Limited::new(response.into_body(), LIMIT)
            .collect()
            .await
            .unwrap();
        parse(&collected.to_bytes())
    };
    tokio::time::timeout(TIMEOUT, exchange).await.unwrap()
}

async fn raw_hyper_follow(client: &Raw, base: &str) -> usize {
    let request = http::Request::get(format!("{base}/sso/logout?token={TOKEN}"))
        .header("accept", "application/json")
        .header("user-agent", USER_AGENT)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let exchange = async {
        let response = client.request(request).await.unwrap();
        let location = location(response.headers());
        let _ = Limited::new(response.into_body(), LIMIT).collect().await;
        location
    };
    tokio::time::timeout(TIMEOUT, exchange).await.unwrap()
}

// ---- reqwest: raw and SDK (over the kit's reqwest transport) ----

#[path = "../../conformance/tests/reqwest_transport.rs"]
mod reqwest_transport;

/// Raw reqwest set up as the kit's transport sets it up: no redirects, no proxy, the timeouts.
fn raw_reqwest_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

async fn raw_reqwest_authorize(client: &reqwest::Client, base: &str) -> usize {
    let response = client
        .post(format!("{base}/sso/logout/authorize"))
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", USER_AGENT)
        .body(format!(r#"{{"profile_id":"{PROFILE}"}}"#))
        .send()
        .await
        .unwrap();
    parse(&response.bytes().await.unwrap())
}

// ---- measuring ----

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `calls` calls made one after the other on the runtime, each awaiting the future `call` makes.
fn on_hyper<F: std::future::Future<Output = usize>>(
    runtime: &tokio::runtime::Runtime,
    calls: usize,
    call: impl Fn() -> F,
) {
    runtime.block_on(async {
        for _ in 0..calls {
            std::hint::black_box(call().await);
        }
    })
}

/// Seconds taken by `f`.
fn secs(f: impl FnOnce()) -> f64 {
    let started = Instant::now();
    f();
    started.elapsed().as_secs_f64()
}

/// `calls` calls split over `threads` threads, each running `f`; seconds for all.
fn threaded(threads: usize, calls: usize, f: impl Fn() -> usize + Sync) -> f64 {
    secs(|| {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..calls / threads {
                        std::hint::black_box(f());
                    }
                });
            }
        });
    })
}

/// One figure: how to time each side once (seconds), and whether it is a latency (SDK / raw
/// time) or a throughput (raw / SDK time, i.e. SDK calls/s over raw calls/s).
struct Measure<'a> {
    what: &'static str,
    calls: usize,
    latency: bool,
    raw: Box<dyn FnMut() -> f64 + 'a>,
    sdk: Box<dyn FnMut() -> f64 + 'a>,
    ratios: Vec<f64>,
    /// Microseconds per call, each round: raw, SDK.
    micros: [Vec<f64>; 2],
}

impl<'a> Measure<'a> {
    fn new(
        what: &'static str,
        calls: usize,
        latency: bool,
        raw: impl FnMut() -> f64 + 'a,
        sdk: impl FnMut() -> f64 + 'a,
    ) -> Self {
        Measure {
            what,
            calls,
            latency,
            raw: Box::new(raw),
            sdk: Box::new(sdk),
            ratios: Vec::new(),
            micros: [Vec::new(), Vec::new()],
        }
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(31);
    let (base, connections) = server();
    let named = base.replace("127.0.0.1", "localhost");
    let profile = ProfileId::new(PROFILE).unwrap();
    let sequential = 200;
    let parallel = 1600;

    // ureq
    let raw_agent = raw_ureq_agent();
    let raw_agent_like_sdk = raw_ureq_agent_like_sdk();
    let sdk_ureq = workos_sso_logout_ureq::Client::with_options(config(&base), options()).unwrap();
    let sdk_ureq_named =
        workos_sso_logout_ureq::Client::with_options(config(&named), options()).unwrap();
    // hyper, on a two-worker runtime
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let raw_hyper = raw_hyper_client();
    let raw_hyper_b = raw_hyper_client(); // the control's second raw client
    let sdk_hyper = {
        let _guard = runtime.enter();
        Arc::new(workos_sso_logout_hyper::Client::with_options(config(&base), options()).unwrap())
    };
    let logout_url = format!("{base}/sso/logout?token={TOKEN}");
    // reqwest, on the same runtime
    let raw_reqwest = raw_reqwest_client();
    let sdk_reqwest = {
        let transport = reqwest_transport::ReqwestTransport::new(&options()).unwrap();
        workos_sso_logout::AsyncClient::with_transport(config(&base), options(), transport)
    };

    let sdk_ureq_authorize = |client: &workos_sso_logout_ureq::Client| {
        let auth = client.authorize_logout(&profile).unwrap();
        auth.logout_url().len()
    };
    let sdk_ureq_follow = || {
        let r = sdk_ureq.follow_logout_redirect(&logout_url).unwrap();
        r.status().as_u16() as usize
    };
    // Each side and endpoint runs its own loop (its own async block): one block shared by both
    // sides, branching inside, made the raw calls ~3% slower than in a block of their own.
    let raw_hyper_sequential =
        |client: &Raw| on_hyper(&runtime, sequential, || raw_hyper_authorize(client, &base));
    let raw_hyper_follows =
        || on_hyper(&runtime, sequential, || raw_hyper_follow(&raw_hyper, &base));
    let sdk_hyper_sequential = || {
        on_hyper(&runtime, sequential, || async {
            let auth = sdk_hyper.authorize_logout(&profile).await.unwrap();
            auth.logout_url().len()
        })
    };
    let raw_reqwest_sequential = || {
        on_hyper(&runtime, sequential, || {
            raw_reqwest_authorize(&raw_reqwest, &base)
        })
    };
    let sdk_reqwest_sequential = || {
        on_hyper(&runtime, sequential, || async {
            let auth = sdk_reqwest.authorize_logout(&profile).await.unwrap();
            auth.logout_url().len()
        })
    };
    let sdk_hyper_follows = || {
        on_hyper(&runtime, sequential, || async {
            let r = sdk_hyper.follow_logout_redirect(&logout_url).await.unwrap();
            r.status().as_u16() as usize
        })
    };
    // `--only SIDE N`: N hyper calls of one side and nothing else, for a profiler, e.g.
    // `valgrind --tool=callgrind <this bench's binary> --only sdk-follow 1000`.
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--only") {
        let side = args.get(at + 1).map(String::as_str).unwrap_or_default();
        let calls: usize = args
            .get(at + 2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000);
        let sdk_authorize = || async { sdk_hyper.authorize_logout(&profile).await.unwrap() };
        let sdk_follow = || async { sdk_hyper.follow_logout_redirect(&logout_url).await.unwrap() };
        let run = |calls| match side {
            "raw-authorize" => on_hyper(&runtime, calls, || raw_hyper_authorize(&raw_hyper, &base)),
            "raw-follow" => on_hyper(&runtime, calls, || raw_hyper_follow(&raw_hyper, &base)),
            "sdk-authorize" => on_hyper(&runtime, calls, || async {
                sdk_authorize().await.logout_url().len()
            }),
            "sdk-follow" => on_hyper(&runtime, calls, || async {
                sdk_follow().await.status().as_u16().into()
            }),
            _ => panic!("--only raw-authorize | raw-follow | sdk-authorize | sdk-follow [CALLS]"),
        };
        run(1); // the pool's connection
        run(calls);
        return;
    }
    let raw_hyper_parallel = || {
        runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..64 {
                let (client, base) = (raw_hyper.clone(), base.clone());
                tasks.spawn(async move {
                    for _ in 0..parallel / 64 {
                        std::hint::black_box(raw_hyper_authorize(&client, &base).await);
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        })
    };
    let sdk_hyper_parallel = || {
        runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..64 {
                let (client, profile) = (sdk_hyper.clone(), profile.clone());
                tasks.spawn(async move {
                    for _ in 0..parallel / 64 {
                        let auth = client.authorize_logout(&profile).await.unwrap();
                        std::hint::black_box(auth.logout_url().len());
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        })
    };
    let repeat = |f: &dyn Fn() -> usize| {
        secs(|| {
            for _ in 0..sequential {
                std::hint::black_box(f());
            }
        })
    };

    // Warm both pools up (and fill them for the parallel runs).
    let _ = threaded(16, 320, || raw_ureq_authorize(&raw_agent, &base));
    let _ = threaded(16, 320, || raw_ureq_authorize(&raw_agent_like_sdk, &base));
    let _ = threaded(16, 320, || sdk_ureq_authorize(&sdk_ureq));
    let _ = sdk_ureq_authorize(&sdk_ureq_named);
    let _ = secs(raw_hyper_parallel);
    let _ = secs(sdk_hyper_parallel);
    let _ = secs(|| raw_hyper_sequential(&raw_hyper_b));
    let _ = secs(raw_reqwest_sequential);
    let _ = secs(sdk_reqwest_sequential);

    let mut measures = vec![
        Measure::new(
            "control: raw hyper / a second raw hyper client (the method's own spread)",
            sequential,
            true,
            || secs(|| raw_hyper_sequential(&raw_hyper)),
            || secs(|| raw_hyper_sequential(&raw_hyper_b)),
        ),
        Measure::new(
            "ureq, authorize latency (SDK / raw time)",
            sequential,
            true,
            || repeat(&|| raw_ureq_authorize(&raw_agent, &base)),
            || repeat(&|| sdk_ureq_authorize(&sdk_ureq)),
        ),
        Measure::new(
            "ureq, authorize latency, raw set up like the SDK's agent (SDK / raw time)",
            sequential,
            true,
            || repeat(&|| raw_ureq_authorize(&raw_agent_like_sdk, &base)),
            || repeat(&|| sdk_ureq_authorize(&sdk_ureq)),
        ),
        Measure::new(
            "ureq, follow latency, raw set up like the SDK's agent (SDK / raw time)",
            sequential,
            true,
            || repeat(&|| raw_ureq_follow(&raw_agent_like_sdk, &base)),
            || repeat(&sdk_ureq_follow),
        ),
        Measure::new(
            "ureq, authorize latency to `localhost`, a name (SDK / raw time)",
            sequential,
            true,
            || repeat(&|| raw_ureq_authorize(&raw_agent, &named)),
            || repeat(&|| sdk_ureq_authorize(&sdk_ureq_named)),
        ),
        Measure::new(
            "ureq, follow latency (SDK / raw time)",
            sequential,
            true,
            || repeat(&|| raw_ureq_follow(&raw_agent, &base)),
            || repeat(&sdk_ureq_follow),
        ),
        Measure::new(
            "ureq, 16 threads, authorize throughput (SDK / raw calls/s)",
            parallel,
            false,
            || threaded(16, parallel, || raw_ureq_authorize(&raw_agent, &base)),
            || threaded(16, parallel, || sdk_ureq_authorize(&sdk_ureq)),
        ),
        Measure::new(
            "hyper, authorize latency (SDK / raw time)",
            sequential,
            true,
            || secs(|| raw_hyper_sequential(&raw_hyper)),
            || secs(sdk_hyper_sequential),
        ),
        Measure::new(
            "reqwest (the kit's transport), authorize latency (SDK / raw time)",
            sequential,
            true,
            || secs(raw_reqwest_sequential),
            || secs(sdk_reqwest_sequential),
        ),
        Measure::new(
            "hyper, follow latency (SDK / raw time)",
            sequential,
            true,
            || secs(raw_hyper_follows),
            || secs(sdk_hyper_follows),
        ),
        Measure::new(
            "hyper, 64 tasks, authorize throughput (SDK / raw calls/s)",
            parallel,
            false,
            || secs(raw_hyper_parallel),
            || secs(sdk_hyper_parallel),
        ),
    ];
    let mut fresh = [0usize; 2]; // new connections: raw, SDK
    let mut calls = [0usize; 2];
    let count = measures.len();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..rounds {
        // The measures run in a new order each round (so none always follows the same one), each
        // after an untimed pass of both sides (so what ran before settles first), and each side
        // is timed twice, mirrored (raw, SDK, SDK, raw; then SDK, raw, raw, SDK), so a steady
        // drift of the machine during a measure weighs on both sides alike.
        let mut order: Vec<usize> = (0..count).collect();
        for i in (1..count).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for index in order {
            let measure = &mut measures[index];
            let _ = ((measure.raw)(), (measure.sdk)());
            let mut time = |side: usize, f: &mut dyn FnMut() -> f64| {
                let before = connections.load(Ordering::Relaxed);
                let t = f();
                fresh[side] += connections.load(Ordering::Relaxed) - before;
                calls[side] += measure.calls;
                t
            };
            let (mut raw, mut sdk) = (0.0, 0.0);
            for side in match round % 2 {
                0 => [0, 1, 1, 0],
                _ => [1, 0, 0, 1],
            } {
                match side {
                    0 => raw += time(0, &mut measure.raw),
                    _ => sdk += time(1, &mut measure.sdk),
                }
            }
            let (raw, sdk) = (raw / 2.0, sdk / 2.0);
            measure.micros[0].push(raw * 1e6 / measure.calls as f64);
            measure.micros[1].push(sdk * 1e6 / measure.calls as f64);
            measure.ratios.push(match measure.latency {
                true => sdk / raw,
                false => raw / sdk,
            });
        }
    }

    println!(
        "SDK against the raw client it wraps, {rounds} rounds (each side timed twice per round, \
         mirrored), median of per-round ratios"
    );
    println!(
        "(latency: lower is better, target <= 1.05; throughput: higher is better, target >= 0.95)"
    );
    println!();
    println!("| measure | ratio | min | max | µs per call, raw / SDK |");
    println!("|---|---|---|---|---|");
    for measure in &measures {
        let min = measure.ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let max = measure.ratios.iter().copied().fold(0.0, f64::max);
        println!(
            "| {} | **{:.3}** | {min:.3} | {max:.3} | {:.1} / {:.1} |",
            measure.what,
            median(measure.ratios.clone()),
            median(measure.micros[0].clone()),
            median(measure.micros[1].clone()),
        );
    }
    let per_thousand = |side: usize| fresh[side] as f64 * 1000.0 / calls[side] as f64;
    println!(
        "| new connections per 1000 calls in steady state: raw / SDK | {:.2} / {:.2} | | | |",
        per_thousand(0),
        per_thousand(1)
    );
    // What one call in flight holds (a task's state, moved as a whole): the futures' sizes.
    use std::mem::size_of_val as size;
    let (raw_authorize, raw_follow) = (
        size(&raw_hyper_authorize(&raw_hyper, &base)),
        size(&raw_hyper_follow(&raw_hyper, &base)),
    );
    let sdk_authorize = size(&sdk_hyper.authorize_logout(&profile));
    let sdk_follow = size(&sdk_hyper.follow_logout_redirect(&logout_url));
    println!(
        "\nbytes one hyper call's future holds, raw / SDK: authorize {raw_authorize} / \
         {sdk_authorize}, follow {raw_follow} / {sdk_follow}"
    );
}
