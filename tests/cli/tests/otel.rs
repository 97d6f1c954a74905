//! What an OpenTelemetry backend receives: the guide's setup (GUIDE.md; below, between the markers; a test
//! keeps the guide's copy the same) with `opentelemetry_sdk`'s in-memory exporters, both
//! transports against the emulator, and the exported spans and metrics checked field by field
//! against a table: names, kinds, parentage (`.instrument()` and `join!` included), one span per
//! attempt, integer types, status, `traceparent` on every attempt naming that attempt's span,
//! `http.client.request.duration` once per attempt — and neither the API key nor any logout token
//! anywhere in what is exported.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, Temporality};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use tracing::Instrument as _;
use workos_logout::emulator::{Emulator, Fault, Route, start};
use workos_logout::{AnyClient, Transport};
use workos_sso_logout::{ApiKey, BaseUrl, ClientOptions, Config, ProfileId, RetryPolicy};

// README begin
use std::collections::HashMap;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{Aggregation, Instrument, SdkMeterProvider, Stream};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use tracing_opentelemetry::{MetricsLayer, OpenTelemetrySpanExt as _};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use workos_sso_logout::{DURATION_BUCKETS, ExtraHeaders};

/// Spans and metrics to OpenTelemetry (in production, `opentelemetry-otlp`'s exporters, and
/// `with_batch_exporter`), logs to stdout. Returns the providers, to shut down at exit.
pub fn init_telemetry(
    spans: impl SpanExporter + 'static,
    metrics: impl PushMetricExporter,
) -> (SdkTracerProvider, SdkMeterProvider) {
    let tracer = SdkTracerProvider::builder()
        .with_simple_exporter(spans)
        .build();
    // The buckets the HTTP client conventions advise for the SDK's request durations.
    let buckets = |instrument: &Instrument| {
        let histogram = Aggregation::ExplicitBucketHistogram {
            boundaries: DURATION_BUCKETS.to_vec(),
            record_min_max: true,
        };
        (instrument.name() == "http.client.request.duration")
            .then(|| {
                Stream::builder()
                    .with_unit("s")
                    .with_aggregation(histogram)
                    .build()
                    .ok()
            })
            .flatten()
    };
    let meter = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .with_view(buckets)
        .build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    // INFO and up, and ureq only from WARN: at DEBUG ureq logs whole URLs (a logout URL carries
    // its token) and at TRACE the raw exchange, which the `log` bridge would export as events.
    let filter = Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("ureq", LevelFilter::WARN)
        .with_target("ureq_proto", LevelFilter::WARN);
    // The duration metric's events are for the metrics layer, not for the log.
    let logs = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("workos_sso_logout::metrics", LevelFilter::OFF);
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer.tracer("my-service")))
        .with(MetricsLayer::new(meter.clone()))
        .with(tracing_subscriber::fmt::layer().with_filter(logs))
        .with(filter)
        .init();
    (tracer, meter)
}

/// The request hook that sends `traceparent` (and any other header the global propagator
/// writes) from the attempt's span: `client.with_request_hook(propagate_trace_context)`.
pub fn propagate_trace_context(headers: &mut ExtraHeaders<'_>) {
    let context = tracing::Span::current().context();
    let mut carrier = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&context, &mut carrier));
    for (name, value) in carrier {
        // Never refused: the propagator's headers are not the SDK's own.
        let _ = headers.insert(&name, &value);
    }
}
// README end

#[test]
fn the_readme_shows_this_setup() {
    let this = include_str!("otel.rs");
    let readme = include_str!("../../../GUIDE.md");
    let setup = this
        .split("// README begin\n")
        .nth(1)
        .and_then(|rest| rest.split("// README end").next())
        .unwrap();
    assert!(
        readme.contains(setup),
        "GUIDE.md's OpenTelemetry example differs from tests/cli/tests/otel.rs"
    );
}

/// The exporters behind the guide's setup, installed once for this test binary, and the lock
/// that lets one scenario at a time read them.
struct Telemetry {
    spans: InMemorySpanExporter,
    metrics: InMemoryMetricExporter,
    meter: SdkMeterProvider,
    one_at_a_time: Mutex<()>,
}

fn telemetry() -> &'static Telemetry {
    static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();
    TELEMETRY.get_or_init(|| {
        let spans = InMemorySpanExporter::default();
        let metrics = opentelemetry_sdk::metrics::InMemoryMetricExporterBuilder::new()
            .with_temporality(Temporality::Delta)
            .build();
        let (_tracer, meter) = init_telemetry(spans.clone(), metrics.clone());
        Telemetry {
            spans,
            metrics,
            meter,
            one_at_a_time: Mutex::new(()),
        }
    })
}

/// What `run` exported: its spans in the order they started, and the duration histogram's data
/// points (attributes, count).
struct Exported {
    spans: Vec<SpanData>,
    durations: Vec<(Vec<opentelemetry::KeyValue>, u64, Vec<f64>)>,
}

fn exported(run: impl FnOnce()) -> Exported {
    let t = telemetry();
    let _one: MutexGuard<'_, ()> = t.one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
    t.meter.force_flush().unwrap();
    t.spans.reset();
    t.metrics.reset();
    run();
    t.meter.force_flush().unwrap();
    let mut spans = t.spans.get_finished_spans().unwrap();
    spans.sort_by_key(|s| s.start_time);
    let mut durations = Vec::new();
    for resource in t.metrics.get_finished_metrics().unwrap() {
        for scope in resource.scope_metrics() {
            for metric in scope.metrics() {
                if metric.name() != "http.client.request.duration" {
                    continue;
                }
                assert_eq!(metric.unit(), "s");
                if let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() {
                    for point in h.data_points() {
                        durations.push((
                            point.attributes().cloned().collect(),
                            point.count(),
                            point.bounds().collect(),
                        ));
                    }
                }
            }
        }
    }
    Exported { spans, durations }
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// One expected span: its name, kind, the index of its parent in the table (`None`: a root, or
/// the span given as the scenario's parent), whether its status is Error, the attributes it
/// must have (with their types) and those it must not.
struct Expect {
    name: &'static str,
    kind: SpanKind,
    parent: Option<usize>,
    error: bool,
    has: Vec<(&'static str, Value)>,
    lacks: &'static [&'static str],
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into().into())
}

/// Checks `spans` against `table`, row by row; `root`: the span id the table's roots must have
/// as parent (invalid for real roots).
fn check(what: &str, spans: &[SpanData], table: &[Expect], root: opentelemetry::trace::SpanId) {
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    let wanted: Vec<&str> = table.iter().map(|e| e.name).collect();
    assert_eq!(names, wanted, "{what}: the spans");
    for (i, (span, e)) in spans.iter().zip(table).enumerate() {
        let row = format!("{what}, span {i} `{}`", e.name);
        assert_eq!(span.span_kind, e.kind, "{row}: kind");
        let parent = match e.parent {
            Some(p) => spans[p].span_context.span_id(),
            None => root,
        };
        assert_eq!(span.parent_span_id, parent, "{row}: parent");
        match e.error {
            true => assert!(
                matches!(span.status, Status::Error { .. }),
                "{row}: status {:?}",
                span.status
            ),
            false => assert_eq!(span.status, Status::Unset, "{row}: status"),
        }
        for (key, value) in &e.has {
            assert_eq!(
                attr(span, key),
                Some(value),
                "{row}: {key} in {:?}",
                span.attributes
            );
        }
        for key in e.lacks {
            assert_eq!(attr(span, key), None, "{row}: {key} should be absent");
        }
    }
}

/// The attempt span's attributes every attempt has, for `method` and its URL.
fn client_span(
    name: &'static str,
    parent: usize,
    port: i64,
    url_full: &str,
    status: Option<i64>,
    resend: Option<i64>,
    error: Option<&str>,
) -> Expect {
    let (method, template) = name.split_once(' ').unwrap();
    let mut has = vec![
        ("http.request.method", s(method)),
        ("server.address", s("127.0.0.1")),
        ("server.port", Value::I64(port)),
        ("url.full", s(url_full)),
        ("url.template", s(template)),
    ];
    let mut lacks: Vec<&'static str> = Vec::new();
    match status {
        Some(status) => {
            has.push(("http.response.status_code", Value::I64(status)));
            has.push(("network.protocol.version", s("1.1")));
        }
        None => lacks.push("http.response.status_code"),
    }
    match resend {
        Some(n) => has.push(("http.request.resend_count", Value::I64(n))),
        None => lacks.push("http.request.resend_count"),
    }
    match error {
        Some(e) => has.push(("error.type", s(e))),
        None => lacks.push("error.type"),
    }
    Expect {
        name,
        kind: SpanKind::Client,
        parent: Some(parent),
        error: error.is_some(),
        has,
        lacks: lacks.leak(),
    }
}

fn call_span(name: &'static str, attempts: i64, error: Option<&str>) -> Expect {
    let mut has = vec![("workos.attempts", Value::I64(attempts))];
    if let Some(e) = error {
        has.push(("error.type", s(e)));
    }
    Expect {
        name,
        kind: SpanKind::Internal,
        parent: None,
        error: error.is_some(),
        has,
        lacks: if error.is_some() {
            &[]
        } else {
            &["error.type"]
        },
    }
}

const AUTHORIZE: &str = "workos.logout_authorize";
const REDIRECT: &str = "workos.logout_redirect";
const POST: &str = "POST /sso/logout/authorize";
const GET: &str = "GET /sso/logout";

fn client(base: &str, key: &str, transport: Transport) -> AnyClient {
    let config =
        Config::new(ApiKey::new(key).unwrap()).with_base_url(BaseUrl::parse(base).unwrap());
    let policy = RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(20)).unwrap();
    let options = ClientOptions::default().with_retry_policy(policy);
    AnyClient::new(transport, config, options)
        .unwrap()
        .with_request_hook(propagate_trace_context)
}

/// Every client span of `spans` named by the `traceparent` of exactly one request the emulator
/// received, and every such request naming one of them.
fn traceparents_name_the_attempts(what: &str, emu: &Emulator, spans: &[SpanData]) {
    let attempts: Vec<String> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Client)
        .map(|s| s.span_context.span_id().to_string())
        .collect();
    let sent: Vec<String> = emu
        .requests()
        .iter()
        .filter_map(|r| r.header("traceparent").map(str::to_owned))
        .collect();
    assert_eq!(
        sent.len(),
        attempts.len(),
        "{what}: a traceparent per attempt: {sent:?}"
    );
    for (traceparent, span_id) in sent.iter().zip(&attempts) {
        let parts: Vec<&str> = traceparent.split('-').collect();
        assert_eq!(parts.len(), 4, "{what}: {traceparent}");
        assert_eq!(
            parts[2], span_id,
            "{what}: the traceparent names the attempt's span"
        );
    }
}

/// Neither the key nor a token in any exported name, attribute, event or status.
fn no_secret(what: &str, exported: &Exported, secrets: &[&str]) {
    let mut text = String::new();
    for span in &exported.spans {
        text += &format!("{} {:?} {:?}", span.name, span.attributes, span.status);
        for event in span.events.iter() {
            text += &format!(" {} {:?}", event.name, event.attributes);
        }
    }
    text += &format!("{:?}", exported.durations);
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what}: a secret is exported: {text}"
        );
    }
    // ureq's own log records (its DEBUG lines carry whole URLs) are filtered out.
    let from_ureq = exported
        .spans
        .iter()
        .flat_map(|s| s.events.iter())
        .any(|e| {
            e.attributes
                .iter()
                .any(|kv| kv.key.as_str() == "target" && kv.value.as_str().starts_with("ureq"))
        });
    assert!(
        !from_ureq,
        "{what}: ureq's log records were exported: {text}"
    );
}

/// The duration metric: one data point count per attempt, with the conventions' attributes.
fn durations_match(what: &str, exported: &Exported) {
    let attempts = exported
        .spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Client)
        .count() as u64;
    let recorded: u64 = exported.durations.iter().map(|(_, count, _)| count).sum();
    assert_eq!(recorded, attempts, "{what}: one duration per attempt");
    for (attributes, _, bounds) in &exported.durations {
        assert_eq!(
            bounds,
            &DURATION_BUCKETS.to_vec(),
            "{what}: the advised buckets"
        );
        let get = |key: &str| {
            attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.clone())
        };
        assert!(
            matches!(get("http.request.method"), Some(Value::String(_))),
            "{what}: {attributes:?}"
        );
        assert!(matches!(get("server.address"), Some(Value::String(_))));
        assert!(
            matches!(get("server.port"), Some(Value::I64(_))),
            "{what}: {attributes:?}"
        );
        assert!(matches!(get("url.template"), Some(Value::String(_))));
        match get("http.response.status_code") {
            Some(Value::I64(status)) if status >= 400 => {
                assert_eq!(get("error.type"), Some(s(status.to_string())), "{what}")
            }
            Some(Value::I64(_)) => assert_eq!(get("error.type"), None, "{what}"),
            Some(other) => panic!("{what}: a status that is not an integer: {other:?}"),
            None => assert!(
                get("error.type").is_some(),
                "{what}: a failure without error.type"
            ),
        }
    }
}

fn scenarios(transport: Transport) {
    let emu = start().unwrap();
    let key = emu.api_key().to_owned();
    let port: i64 = emu.base_url().rsplit(':').next().unwrap().parse().unwrap();
    let base = emu.base_url().to_owned();
    let authorize_url = format!("{base}/sso/logout/authorize");
    let redirect_url = format!("{base}/sso/logout?token=[redacted]");
    let good = client(&base, &key, transport);
    let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();
    let none = opentelemetry::trace::SpanId::INVALID;
    let mut tokens = Vec::new();

    // Success: Logout Authorize, then the logout GET.
    emu.clear_requests();
    let success = exported(|| {
        let auth = good.authorize_logout(&profile).unwrap();
        tokens.push(auth.logout_token().expose_secret().to_owned());
        good.follow_logout_redirect(auth.logout_url()).unwrap();
    });
    let what = format!("{transport} success");
    check(
        &what,
        &success.spans,
        &[
            call_span(AUTHORIZE, 1, None),
            client_span(POST, 0, port, &authorize_url, Some(200), None, None),
            call_span(REDIRECT, 1, None),
            client_span(GET, 2, port, &redirect_url, Some(302), None, None),
        ],
        none,
    );
    traceparents_name_the_attempts(&what, &emu, &success.spans);
    durations_match(&what, &success);

    // An error answer: an unknown profile.
    emu.clear_requests();
    let unknown = ProfileId::new("prof_unknown").unwrap();
    let error = exported(|| {
        good.authorize_logout(&unknown).unwrap_err();
    });
    let what = format!("{transport} 404");
    check(
        &what,
        &error.spans,
        &[
            call_span(AUTHORIZE, 1, Some("404")),
            client_span(POST, 0, port, &authorize_url, Some(404), None, Some("404")),
        ],
        none,
    );
    traceparents_name_the_attempts(&what, &emu, &error.spans);
    durations_match(&what, &error);

    // A 503 (echoing the key and a token) retried once.
    emu.clear_requests();
    let token = tokens[0].clone();
    emu.push_fault(
        Route::Authorize,
        Fault::Status {
            status: 503,
            body: Some(format!(r#"{{"message":"key={key} token={token}"}}"#)),
            headers: vec![
                ("x-request-id".into(), token.clone()),
                ("retry-after".into(), "0".into()),
            ],
        },
    );
    let retried = exported(|| {
        let auth = good.authorize_logout(&profile).unwrap();
        tokens.push(auth.logout_token().expose_secret().to_owned());
    });
    let what = format!("{transport} retried 503");
    check(
        &what,
        &retried.spans,
        &[
            call_span(AUTHORIZE, 2, None),
            client_span(POST, 0, port, &authorize_url, Some(503), None, Some("503")),
            client_span(POST, 0, port, &authorize_url, Some(200), Some(1), None),
        ],
        none,
    );
    // The wait is an event of the call's span, not of an attempt's.
    let waits: Vec<_> = retried.spans[0]
        .events
        .iter()
        .filter(|e| e.name == "retrying after a wait")
        .collect();
    assert_eq!(waits.len(), 1, "{what}");
    assert!(
        waits[0]
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "workos.retry_delay_ms"
                && matches!(kv.value, Value::I64(0))),
        "{what}: {:?}",
        waits[0].attributes
    );
    assert!(
        matches!(attr(&retried.spans[0], "workos.request_id"), Some(Value::String(id)) if id.as_str().starts_with("req_emu"))
    );
    traceparents_name_the_attempts(&what, &emu, &retried.spans);
    durations_match(&what, &retried);

    // A connection failure on every attempt.
    let port_refused = support::freed_port();
    let refused_base = format!("http://127.0.0.1:{port_refused}");
    let refused = client(&refused_base, &key, transport);
    let failure = exported(|| {
        refused.authorize_logout(&profile).unwrap_err();
    });
    let what = format!("{transport} refused");
    let refused_url = format!("{refused_base}/sso/logout/authorize");
    let p = i64::from(port_refused);
    check(
        &what,
        &failure.spans,
        &[
            call_span(AUTHORIZE, 3, Some("Connect")),
            client_span(POST, 0, p, &refused_url, None, None, Some("Connect")),
            client_span(POST, 0, p, &refused_url, None, Some(1), Some("Connect")),
            client_span(POST, 0, p, &refused_url, None, Some(2), Some("Connect")),
        ],
        none,
    );
    durations_match(&what, &failure);

    // A spent token: the logout GET answered with an error.
    let spent = exported(|| {
        let auth = good.authorize_logout(&profile).unwrap();
        tokens.push(auth.logout_token().expose_secret().to_owned());
        good.follow_logout_redirect(auth.logout_url()).unwrap();
        good.follow_logout_redirect(auth.logout_url()).unwrap_err();
    });

    for (what, data) in [
        ("success", &success),
        ("404", &error),
        ("retried", &retried),
        ("refused", &failure),
        ("spent", &spent),
    ] {
        let secrets: Vec<&str> = tokens
            .iter()
            .map(String::as_str)
            .chain([key.as_str()])
            .collect();
        no_secret(&format!("{transport} {what}"), data, &secrets);
    }
}

#[test]
fn ureq_exports_one_client_span_per_attempt_and_no_secret() {
    scenarios(Transport::Ureq);
}

#[test]
fn hyper_exports_one_client_span_per_attempt_and_no_secret() {
    scenarios(Transport::Hyper);
}

/// A parent span the caller opens: the call's span is its child, however the future is driven.
#[test]
fn calls_are_children_of_the_span_current_when_they_run() {
    let emu = start().unwrap();
    let config = Config::new(ApiKey::new(emu.api_key()).unwrap())
        .with_base_url(BaseUrl::parse(emu.base_url()).unwrap());
    let profile = ProfileId::new(emu.oidc_profile_id()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hyper = {
        let _inside = runtime.enter();
        workos_sso_logout_hyper::Client::new(config.clone()).unwrap()
    };
    let ureq = workos_sso_logout_ureq::Client::new(config).unwrap();

    let mut parents = Vec::new();
    let data = exported(|| {
        // `.instrument()` on a future made outside any span.
        let handler = tracing::info_span!("handler");
        parents.push(handler.id());
        let future = hyper.authorize_logout(&profile);
        runtime.block_on(future.instrument(handler)).unwrap();
        // `join!` of futures made outside the span, polled inside it.
        let both = tracing::info_span!("both");
        let (a, b) = (
            hyper.authorize_logout(&profile),
            hyper.authorize_logout(&profile),
        );
        let (a, b) = runtime.block_on(async { tokio::join!(a, b) }.instrument(both));
        a.unwrap();
        b.unwrap();
        // Blocking, in the caller's span.
        tracing::info_span!("blocking").in_scope(|| ureq.authorize_logout(&profile).unwrap());
    });
    let by_name =
        |name: &str| -> Vec<&SpanData> { data.spans.iter().filter(|s| s.name == name).collect() };
    for (parent, calls) in [("handler", 1), ("both", 2), ("blocking", 1)] {
        let parent = by_name(parent);
        assert_eq!(parent.len(), 1);
        let id = parent[0].span_context.span_id();
        let children: Vec<_> = by_name(AUTHORIZE)
            .into_iter()
            .filter(|s| s.parent_span_id == id)
            .collect();
        assert_eq!(children.len(), calls, "calls under `{}`", parent[0].name);
        for call in children {
            let attempts: Vec<_> = by_name(POST)
                .into_iter()
                .filter(|s| s.parent_span_id == call.span_context.span_id())
                .collect();
            assert_eq!(attempts.len(), 1, "one attempt span under each call");
            assert_eq!(
                attempts[0].span_context.trace_id(),
                parent[0].span_context.trace_id()
            );
        }
    }
    assert_eq!(by_name(AUTHORIZE).len(), 4, "no orphaned call span");
}
