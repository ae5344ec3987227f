//! Signals: the list matching an explorer query (paged JSON, or every match streamed as NDJSON
//! or CSV), one signal with its history, and how the API shows a signal.

use std::sync::Arc;

use analytics::dataset::Dataset;
use analytics::query::Query;
use analytics::time::{now_ms, rfc3339};
use axum::body::Body;
use axum::extract::{Path, Query as QueryParams, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::overview::{resolve_window, WindowParams};
use app::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/signals", get(signals))
        .route("/api/v1/signals/{id}", get(signal))
}

#[derive(Debug, Deserialize)]
struct SignalParams {
    #[serde(flatten)]
    window: WindowParams,
    query: Option<String>,
    format: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    sort: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Json,
    Ndjson,
    Csv,
}

const MAX_PAGE: usize = 1_000;

/// Signals rendered per chunk of an export (a few hundred kilobytes).
const EXPORT_CHUNK: usize = 500;

const CSV_HEADER: &str = "id,detected_at,first_seen,severity,rule_id,rule_name,source,title,ip,country,region,isp,state,archive_reason,assignee,case_id";

/// Signals matching an explorer query in the window. `json` pages them (newest first by
/// default, `sort=oldest` for the other way; `cursor` continues after the last signal of the
/// previous page); `ndjson` and `csv` stream every match.
async fn signals(State(engine): State<Arc<Engine>>, QueryParams(params): QueryParams<SignalParams>) -> ApiResult<Response> {
    let now = now_ms();
    let span = resolve_window(&params.window, now)?;
    let text = params.query.clone().unwrap_or_default();
    let query = Query::parse(&text).map_err(|e| ApiError::bad(format!("parameter 'query': {e}")))?;
    let format = match params.format.as_deref().unwrap_or("json") {
        "json" => Format::Json,
        "ndjson" => Format::Ndjson,
        "csv" => Format::Csv,
        other => return Err(ApiError::bad(format!("parameter 'format': '{other}' is not one of json, ndjson, csv"))),
    };
    let limit = match params.limit.as_deref() {
        None => 50,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => return Err(ApiError::bad(format!("parameter 'limit': '{text}' is not a whole number from 1 to {MAX_PAGE}"))),
        },
    };
    let sort = match params.sort.as_deref() {
        None => analytics::query::Sort::Newest,
        Some(text) => analytics::query::Sort::parse(text)
            .ok_or_else(|| ApiError::bad(format!("parameter 'sort': '{text}' is not one of newest, oldest, severity, state")))?,
    };
    let cursor = match params.cursor.as_deref() {
        None => None,
        Some(text) => Some(
            analytics::query::parse_cursor(text)
                .ok_or_else(|| ApiError::bad(format!("parameter 'cursor': '{text}' is not a cursor this API returned")))?,
        ),
    };

    let data = engine.snapshot();
    let matches = app::service::heavy::run({
        let data = data.clone();
        move |stop| analytics::query::search_until(&data, &query, span.from, span.to, sort, stop)
    })
    .await?
    .map_err(|stopped| ApiError::Unavailable(stopped.to_string()))?;

    match format {
        Format::Json => {
            let (range, next_cursor) = analytics::query::page(&data, &matches, cursor, limit, sort);
            let signals: Vec<Value> = matches[range].iter().map(|&i| signal_json(&data, i, true)).collect();
            Ok(Json(json!({
                "from": rfc3339(span.from),
                "to": rfc3339(span.to),
                "query": text,
                "total": matches.len(),
                "signals": signals,
                "next_cursor": next_cursor,
            }))
            .into_response())
        }
        Format::Ndjson | Format::Csv => {
            // The export names its signals by id and renders them a chunk at a time from the
            // engine's current data, letting go of it between chunks: a slow reader never pins
            // a snapshot (which every write would then have to copy).
            let ids: Vec<i64> = matches.iter().map(|&i| data.signals.id[i]).collect();
            drop(data);
            Ok(export(engine, ids, format == Format::Csv))
        }
    }
}

/// Streams the signals `ids` as CSV or NDJSON.
fn export(engine: Arc<Engine>, ids: Vec<i64>, csv: bool) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    tokio::spawn(async move {
        if csv && tx.send(Ok(format!("{CSV_HEADER}\n"))).await.is_err() {
            return;
        }
        for batch in ids.chunks(EXPORT_CHUNK) {
            // Rendered on the blocking pool: the async workers only pass the chunks on.
            let (engine, batch) = (engine.clone(), batch.to_vec());
            let chunk = tokio::task::spawn_blocking(move || {
                let data = engine.snapshot();
                let mut chunk = String::new();
                for id in batch {
                    // A signal is never removed; should one be missing, it is skipped.
                    let Some(i) = data.signal_by_id(id) else { continue };
                    if csv {
                        chunk.push_str(&signal_csv(&data, i));
                    } else {
                        chunk.push_str(&signal_json(&data, i, true).to_string());
                    }
                    chunk.push('\n');
                }
                chunk
            })
            .await;
            let Ok(chunk) = chunk else {
                let _ = tx.send(Err(std::io::Error::other("the export failed on the server"))).await;
                return;
            };
            if tx.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    let content_type = if csv { "text/csv; charset=utf-8" } else { "application/x-ndjson" };
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(header::CONTENT_TYPE, content_type.parse().expect("valid header"));
    if csv {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, "attachment; filename=\"signals.csv\"".parse().expect("valid header"));
    }
    response
}

async fn signal(State(engine): State<Arc<Engine>>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let data = engine.snapshot();
    let i = data.signal_by_id(id).ok_or_else(|| ApiError::not_found(format!("signal {id} does not exist")))?;
    let mut value = signal_json(&data, i, true);
    drop(data);
    // Up to ten of the events grouped into it, as received.
    let samples: Vec<Value> = engine
        .database()
        .signal_samples(id)
        .await?
        .iter()
        .map(|text| serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())))
        .collect();
    value["samples"] = Value::Array(samples);
    Ok(Json(value))
}

/// A signal as the API shows it, with its triage history.
pub(crate) fn signal_json(data: &Dataset, i: usize, with_history: bool) -> Value {
    let record = data.signal_record(i);
    let rule = &data.rules[data.signals.rule[i] as usize];
    let entities: Vec<Value> = record
        .entity_ids
        .iter()
        .filter_map(|id| data.entity_by_id(*id))
        .map(|e| json!({ "id": data.entities[e].id, "type": data.entities[e].kind, "name": data.entities[e].name }))
        .collect();
    let username = |id: Option<i64>| id.and_then(|id| data.user(id)).map(|u| u.username.as_str());
    let mut value = json!({
        "id": record.id,
        "title": record.title,
        "severity": record.severity,
        "product": record.product,
        "source": record.log_source_id,
        "rule": { "id": rule.id, "name": rule.name, "tactics": rule.tactics, "techniques": rule.techniques },
        "first_seen": rfc3339(record.first_seen_ms),
        "detected_at": rfc3339(record.detected_at_ms),
        "events": record.events,
        "last_seen": rfc3339(record.last_seen_ms),
        "network": {
            "ip": record.ip, "country": record.country_iso, "region": record.region,
            "city": record.city, "isp": record.isp, "asn": record.asn,
        },
        "threat_intel": {
            "indicator": record.ti_indicator, "category": record.ti_category,
            "intention": record.ti_intention, "subcategory": record.ti_subcategory,
        },
        "entities": entities,
        "triage": {
            "state": record.triage_state,
            "assignee": username(record.assignee_id),
            "archive_reason": record.archive_reason,
            "archive_comment": record.archive_comment,
        },
        "case_id": record.case_id,
        "tags": record.tags,
        "version": record.version,
    });
    if with_history {
        let history: Vec<Value> = data
            .history_of(i)
            .map(|h| {
                json!({
                    "at": rfc3339(h.at_ms),
                    "actor": username(h.actor_id),
                    "action": h.action, "old_value": h.old_value, "new_value": h.new_value,
                    "reason": h.reason, "comment": h.comment,
                })
            })
            .collect();
        value["history"] = Value::Array(history);
    }
    value
}

/// One CSV cell. A value a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a leading `'`, so it is shown, never evaluated (OWASP's
/// advice on CSV injection); then quoting as RFC 4180 asks.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn signal_csv(data: &Dataset, i: usize) -> String {
    let r = data.signal_record(i);
    let rule = &data.rules[data.signals.rule[i] as usize];
    let assignee = r.assignee_id.and_then(|id| data.user(id)).map(|u| u.username.clone()).unwrap_or_default();
    [
        r.id.to_string(),
        rfc3339(r.detected_at_ms),
        rfc3339(r.first_seen_ms),
        r.severity.to_string(),
        rule.id.clone(),
        rule.name.clone(),
        r.log_source_id.clone(),
        r.title.clone(),
        r.ip.unwrap_or_default(),
        r.country_iso.unwrap_or_default(),
        r.region.unwrap_or_default(),
        r.isp.unwrap_or_default(),
        r.triage_state.to_string(),
        r.archive_reason.map(|a| a.to_string()).unwrap_or_default(),
        assignee,
        r.case_id.map(|c| c.to_string()).unwrap_or_default(),
    ]
    .iter()
    .map(|f| csv_field(f))
    .collect::<Vec<_>>()
    .join(",")
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::http::{Method, StatusCode};

    use super::*;
    use crate::routes::testing::TestState;

    #[test]
    fn csv_cells_never_become_formulas() {
        assert_eq!(csv_field("=HYPERLINK(\"http://evil.example\",\"x\")"), "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"");
        assert_eq!(csv_field("+1"), "'+1");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tcmd"), "'\tcmd");
        assert_eq!(csv_field("\rcmd"), "\"'\rcmd\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field(""), "");
    }

    #[tokio::test]
    async fn a_page_of_signals_and_one_signal_with_its_history() {
        let t = TestState::new(120).await;
        let (status, page) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/signals?window=30d&limit=2", None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["signals"].as_array().unwrap().len(), 2);
        assert!(page["total"].as_u64().unwrap() >= 2 && page["next_cursor"].is_string(), "{page}");
        let id = page["signals"][0]["id"].as_i64().unwrap();
        let (status, mut one) = t.send(router(), Role::Viewer, Method::GET, &format!("/api/v1/signals/{id}"), None).await;
        assert_eq!(status, StatusCode::OK);
        // One signal also carries its sample events (a demo signal has none).
        assert_eq!(one.as_object_mut().unwrap().remove("samples"), Some(serde_json::json!([])));
        assert_eq!(one, page["signals"][0]);
        assert_eq!(one["events"], 1);
        assert!(one["history"].is_array() && one["triage"]["state"].is_string() && one["version"].is_i64(), "{one}");
        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/signals?limit=0", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "parameter 'limit': '0' is not a whole number from 1 to 1000");
        let (status, _) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/signals/0", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
