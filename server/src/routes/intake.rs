//! Where shippers send logs (docs/product.md §7), for API keys with the `ingest` scope only (the
//! session check enforces it):
//! - `POST /api/v1/logs?source=ID`: NDJSON, a JSON array, one JSON object or CloudTrail's
//!   `{"Records": [...]}`, gzip accepted; `202` with a receipt once committed.
//! - Splunk HEC: `POST /services/collector`, `/services/collector/event` (and `/1.0`), with
//!   `Authorization: Splunk KEY` and envelopes naming the source in `sourcetype`; `200`
//!   `{"text":"Success","code":0}` once committed. `GET /services/collector/health` answers
//!   whether HEC is up.
//!
//! A malformed line refuses the whole body (`400`, naming the line) and nothing is written; a
//! body over the limit, compressed or once decompressed, is `413`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ingest::body::{self, BodyError, Event, Limits};
use ingest::sources::{self, SourceSpec};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::intake::{Intake, Receipt};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/logs", post(logs))
        .route("/services/collector", post(hec))
        .route("/services/collector/event", post(hec))
        .route("/services/collector/event/1.0", post(hec))
        .route("/services/collector/health", get(hec_health))
        .route("/services/collector/health/1.0", get(hec_health))
        // The intake reads its body itself, within its own limit.
        .layer(axum::extract::DefaultBodyLimit::disable())
}

#[derive(Debug, Deserialize)]
struct LogsQuery {
    source: Option<String>,
}

/// Reads the body within the limit, then undoes gzip and reads it with `read` off the async
/// workers (a large body is milliseconds of CPU).
async fn read_body<T: Send + 'static>(
    intake: &Intake,
    headers: &HeaderMap,
    body: Body,
    read: impl FnOnce(&[u8], Limits) -> Result<T, BodyError> + Send + 'static,
) -> Result<T, BodyError> {
    let limits = intake.limits;
    let bytes = axum::body::to_bytes(body, limits.max_body).await.map_err(|_| BodyError::TooLarge { limit: limits.max_body, decompressed: false })?;
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| matches!(e.trim().to_ascii_lowercase().as_str(), "gzip" | "x-gzip")));
    crate::background::run(move || read(&body::decompress(&bytes, gzip, limits)?, limits))
        .await
        .map_err(|e| BodyError::Malformed { line: 0, reason: format!("the body could not be read: {e}") })?
}

fn refusal(error: &BodyError) -> ApiError {
    match error {
        BodyError::TooLarge { .. } => ApiError::TooLarge(error.to_string()),
        _ => ApiError::bad(error.to_string()),
    }
}

fn source_named(name: Option<&str>) -> Result<&'static SourceSpec, ApiError> {
    let name = name.map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| {
        ApiError::bad(format!("source: name the log source, as in /api/v1/logs?source=cloudtrail; the known sources are {}", sources::known_sources()))
    })?;
    sources::source(name).map_err(|e| ApiError::bad(format!("source: {e}")))
}

async fn logs(State(intake): State<Arc<Intake>>, Query(query): Query<LogsQuery>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let source = source_named(query.source.as_deref())?;
    let events = match read_body(&intake, &headers, body, |bytes, limits| body::events(bytes, source.records_key, limits)).await {
        Ok(events) => events,
        Err(error) => {
            intake.refused(source, 1, &error.to_string()).await?;
            return Err(refusal(&error));
        }
    };
    let receipt = intake.ingest(source, events).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)).into_response())
}

#[derive(Debug, Deserialize)]
struct HecQuery {
    /// The source of envelopes without a `sourcetype` (Splunk's query parameter).
    sourcetype: Option<String>,
}

/// A HEC answer: Splunk's `{"text", "code"}` with our `error` beside it.
fn hec_answer(status: StatusCode, text: &str, code: u32) -> Response {
    let body = if status.is_success() { json!({ "text": text, "code": code }) } else { json!({ "text": text, "code": code, "error": text }) };
    (status, Json(body)).into_response()
}

async fn hec(State(intake): State<Arc<Intake>>, Query(query): Query<HecQuery>, headers: HeaderMap, body: Body) -> Response {
    let envelopes = match read_body(&intake, &headers, body, body::envelopes).await {
        Ok(envelopes) => envelopes,
        Err(error @ BodyError::TooLarge { .. }) => return hec_answer(StatusCode::PAYLOAD_TOO_LARGE, &error.to_string(), 27),
        Err(BodyError::Empty) => return hec_answer(StatusCode::BAD_REQUEST, "No data", 5),
        Err(error) => return hec_answer(StatusCode::BAD_REQUEST, &error.to_string(), 6),
    };
    // Every envelope's source is known before anything is written.
    let mut batches: Vec<(&'static SourceSpec, Vec<Event>)> = Vec::new();
    for envelope in envelopes {
        let named = envelope.sourcetype.as_deref().or(query.sourcetype.as_deref()).unwrap_or("json");
        let source = match sources::source(named) {
            Ok(source) => source,
            Err(error) => return hec_answer(StatusCode::BAD_REQUEST, &format!("line {}: sourcetype: {error}", envelope.line), 6),
        };
        let mut event = Event { line: envelope.line, raw: envelope.event };
        // A generic event takes the envelope's time and host when it has none of its own.
        if source.id == "json" && (envelope.time_ms.is_some() || envelope.host.is_some()) {
            let mut value = event.value();
            if let Some(object) = value.as_object_mut() {
                if let Some(time) = envelope.time_ms {
                    object.entry("@timestamp").or_insert_with(|| json!(time));
                }
                if let Some(host) = envelope.host {
                    object.entry("host").or_insert_with(|| json!(host));
                }
            }
            event = Event::from_value(event.line, &value);
        }
        match batches.iter_mut().find(|(s, _)| s.id == source.id) {
            Some((_, events)) => events.push(event),
            None => batches.push((source, vec![event])),
        }
    }
    let mut total = Receipt::default();
    for (source, events) in batches {
        match intake.ingest(source, events).await {
            Ok(receipt) => {
                total.accepted += receipt.accepted;
                total.duplicates += receipt.duplicates;
                total.signals += receipt.signals;
            }
            Err(error) => {
                tracing::error!(%error, source = source.id, "cannot commit a HEC batch");
                return hec_answer(StatusCode::SERVICE_UNAVAILABLE, "Server is busy", 9);
            }
        }
    }
    tracing::debug!(accepted = total.accepted, duplicates = total.duplicates, "HEC batch committed");
    hec_answer(StatusCode::OK, "Success", 0)
}

async fn hec_health() -> Response {
    hec_answer(StatusCode::OK, "HEC is healthy", 17)
}
