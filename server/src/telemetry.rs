//! Structured logs, one line per request with method, path, status and latency, and the
//! Prometheus metrics served at `/metrics` (requests by route and status, their latency, and what
//! the engine reports: signals held, write and module latency).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `RUST_LOG` overrides the default filter; calling it twice is
/// harmless (tests start several apps in one process).
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// Axum middleware that logs each request once it has been answered.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // The route's pattern (`/api/v1/signals/{id}`), never the path itself: a label per signal id
    // (or per attacker's made-up path) would grow without bound.
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| unmatched(&path), |m| m.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let latency_ms = (elapsed * 1000.0 * 100.0).round() / 100.0;
    let status = response.status().as_u16();
    metrics::counter!("http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.to_string(), "route" => route).record(elapsed);
    if response.status().is_server_error() {
        tracing::warn!(%method, %path, status, latency_ms, "request");
    } else {
        tracing::info!(%method, %path, status, latency_ms, "request");
    }
    response
}

/// The label of a request no route matched: the static bundle, or anything else.
fn unmatched(path: &str) -> String {
    if path.starts_with("/pkg/") { "/pkg/*" } else { "unmatched" }.to_owned()
}

/// Latency buckets, in seconds: from a cached answer (under a millisecond) to the request
/// timeout.
const LATENCY_BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0];

static PROMETHEUS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's metrics recorder (once; tests start several apps in one process) and
/// answers its handle, or `None` when another recorder was installed first.
pub fn install_metrics() -> Option<&'static PrometheusHandle> {
    PROMETHEUS
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!("http_requests_total", "HTTP requests answered, by method, route pattern and status");
    metrics::describe_histogram!("http_request_duration_seconds", metrics::Unit::Seconds, "Time to answer an HTTP request, by method and route pattern");
    metrics::describe_gauge!("engine_signals_held", "Signals the engine holds in memory");
    metrics::describe_histogram!("engine_write_seconds", metrics::Unit::Seconds, "Time to apply an accepted change to the in-memory data");
    metrics::describe_histogram!("engine_module_seconds", metrics::Unit::Seconds, "Time to compute one overview module, by module (cache misses only)");
}

/// `GET /metrics`: every metric in the Prometheus text format. Behind the sign-in guard like the
/// API: a scraper uses an API key (`Authorization: Bearer sb_…`), of a service account say.
pub(crate) async fn metrics() -> Response {
    match install_metrics() {
        Some(handle) => {
            handle.run_upkeep();
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
        }
        None => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "metrics are not being recorded in this process").into_response(),
    }
}
