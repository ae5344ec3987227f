//! The REST API under `/api/v1`: the overview and its modules, the signal list, the OpenAPI
//! document. Bad parameters get a 400 whose message says which parameter and what is wrong.

use std::sync::Arc;

use analytics::dataset::{Dataset, Millis};
use analytics::overview::{Span, MODULE_IDS};
use analytics::query::Query;
use analytics::WindowPreset;
use axum::body::Body;
use axum::extract::{Path, Query as QueryParams, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::engine::{rfc3339, Engine};

/// What can go wrong answering an API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// Heavy work that could not run now, or ran out of time: 503, worth retrying.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl From<app::service::heavy::Refused> for ApiError {
    fn from(refused: app::service::heavy::Refused) -> Self {
        match refused {
            app::service::heavy::Refused::Busy => ApiError::Unavailable(refused.to_string()),
            app::service::heavy::Refused::Failed => ApiError::Internal(anyhow::anyhow!("{refused}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(error) => {
                tracing::error!("{error:#}");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

pub fn router() -> Router<Arc<Engine>> {
    Router::new()
        .route("/api/v1/overview", get(overview))
        .route("/api/v1/modules/{id}", get(module))
        .route("/api/v1/signals", get(signals))
        .route("/api/v1/openapi.json", get(openapi))
}

#[derive(Debug, Deserialize)]
pub struct WindowParams {
    pub window: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The window a request asks for. A preset (`window=7d`) ends at the next whole minute, so
/// requests within the same minute share one cached answer; `from`/`to` are used as given.
/// Without either, the default preset (1 day).
pub fn resolve_window(params: &WindowParams, now: Millis) -> Result<Span, ApiError> {
    let parse = |name: &str, value: &str| -> Result<Millis, ApiError> {
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc).timestamp_millis())
            .map_err(|e| ApiError::BadRequest(format!("parameter '{name}': '{value}' is not an RFC 3339 time ({e})")))
    };
    match (&params.window, &params.from, &params.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::BadRequest(
            "give either 'window' or 'from' and 'to', not both".to_owned(),
        )),
        (Some(window), None, None) => {
            let preset = WindowPreset::parse(window)
                .map_err(|e| ApiError::BadRequest(format!("parameter 'window': {e}")))?;
            Ok(preset_span(preset, now))
        }
        (None, Some(from), Some(to)) => {
            let (from, to) = (parse("from", from)?, parse("to", to)?);
            if from >= to {
                return Err(ApiError::BadRequest("parameter 'from' must be before 'to'".to_owned()));
            }
            let max = analytics::window::MAX_RANGE_DAYS;
            if to - from > max * analytics::dataset::DAY_MS {
                return Err(ApiError::BadRequest(format!("parameters 'from' and 'to': the range is longer than {max} days")));
            }
            Ok(Span { from, to })
        }
        (None, Some(_), None) => Err(ApiError::BadRequest("parameter 'to' is missing (it goes with 'from')".to_owned())),
        (None, None, Some(_)) => Err(ApiError::BadRequest("parameter 'from' is missing (it goes with 'to')".to_owned())),
        (None, None, None) => Ok(preset_span(WindowPreset::default(), now)),
    }
}

/// A preset's window ending at the next whole minute, as the pages compute it.
pub fn preset_span(preset: WindowPreset, now: Millis) -> Span {
    let (from, to) = analytics::Window::Preset(preset).bounds(now);
    Span { from, to }
}

fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn overview(
    State(engine): State<Arc<Engine>>,
    QueryParams(params): QueryParams<WindowParams>,
) -> Result<Response, ApiError> {
    let now = now_ms();
    let span = resolve_window(&params, now)?;
    let body = app::service::heavy::run(move |_| {
        format!(
            "{{\"from\":\"{}\",\"to\":\"{}\",\"modules\":{}}}",
            rfc3339(span.from),
            rfc3339(span.to),
            engine.overview(span, now)
        )
    })
    .await?;
    Ok(json_response(body))
}

async fn module(
    State(engine): State<Arc<Engine>>,
    Path(id): Path<String>,
    QueryParams(params): QueryParams<WindowParams>,
) -> Result<Response, ApiError> {
    if !MODULE_IDS.contains(&id.as_str()) {
        return Err(ApiError::NotFound(format!(
            "no module '{id}': expected one of {}",
            MODULE_IDS.join(", ")
        )));
    }
    let now = now_ms();
    let span = resolve_window(&params, now)?;
    let body = app::service::heavy::run(move |_| {
        let module = engine.module(&id, span, now).expect("known modules compute");
        format!(
            "{{\"from\":\"{}\",\"to\":\"{}\",\"module\":\"{id}\",\"result\":{module}}}",
            rfc3339(span.from),
            rfc3339(span.to)
        )
    })
    .await?;
    Ok(json_response(body))
}

#[derive(Debug, Deserialize)]
pub struct SignalParams {
    #[serde(flatten)]
    pub window: WindowParams,
    pub query: Option<String>,
    pub format: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub sort: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Json,
    Ndjson,
    Csv,
}

const MAX_PAGE: usize = 1_000;

/// Signals matching an explorer query in the window. `json` pages them (newest first by
/// default, `sort=oldest` for the other way; `cursor` continues after the last signal of the
/// previous page); `ndjson` and `csv` stream every match.
async fn signals(
    State(engine): State<Arc<Engine>>,
    QueryParams(params): QueryParams<SignalParams>,
) -> Result<Response, ApiError> {
    let now = now_ms();
    let span = resolve_window(&params.window, now)?;
    let text = params.query.clone().unwrap_or_default();
    let query = Query::parse(&text).map_err(|e| ApiError::BadRequest(format!("parameter 'query': {e}")))?;
    let format = match params.format.as_deref().unwrap_or("json") {
        "json" => Format::Json,
        "ndjson" => Format::Ndjson,
        "csv" => Format::Csv,
        other => {
            return Err(ApiError::BadRequest(format!(
                "parameter 'format': '{other}' is not one of json, ndjson, csv"
            )))
        }
    };
    let limit = match params.limit.as_deref() {
        None => 50,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "parameter 'limit': '{text}' is not a whole number from 1 to {MAX_PAGE}"
                )))
            }
        },
    };
    let sort = match params.sort.as_deref() {
        None => analytics::query::Sort::Newest,
        Some(text) => analytics::query::Sort::parse(text).ok_or_else(|| {
            ApiError::BadRequest(format!("parameter 'sort': '{text}' is not one of newest, oldest, severity"))
        })?,
    };
    let cursor = match params.cursor.as_deref() {
        None => None,
        Some(text) => Some(parse_cursor(text)?),
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
            let page = &matches[range];
            let signals: Vec<Value> = page.iter().map(|&i| signal_json(&data, i, true)).collect();
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
            let csv = format == Format::Csv;
            // The export names its signals by id and renders them a chunk at a time from the
            // engine's current data, letting go of it between chunks: a slow reader never pins
            // a snapshot (which every write would then have to copy).
            let ids: Vec<i64> = matches.iter().map(|&i| data.signals.id[i]).collect();
            drop(data);
            let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
            tokio::spawn(async move {
                if csv && tx.send(Ok(format!("{CSV_HEADER}\n"))).await.is_err() {
                    return;
                }
                for batch in ids.chunks(EXPORT_CHUNK) {
                    let chunk = {
                        let data = engine.snapshot();
                        let mut chunk = String::new();
                        for &id in batch {
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
                    };
                    if tx.send(Ok(chunk)).await.is_err() {
                        return;
                    }
                }
            });
            let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
            let content_type = if csv { "text/csv; charset=utf-8" } else { "application/x-ndjson" };
            let mut response = Response::new(Body::from_stream(stream));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, content_type.parse().expect("valid header"));
            if csv {
                response.headers_mut().insert(
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"signals.csv\"".parse().expect("valid header"),
                );
            }
            Ok(response)
        }
    }
}

fn parse_cursor(text: &str) -> Result<(i64, i64, i64), ApiError> {
    analytics::query::parse_cursor(text)
        .ok_or_else(|| ApiError::BadRequest(format!("parameter 'cursor': '{text}' is not a cursor this API returned")))
}

/// A signal as the API shows it, with its triage history.
pub fn signal_json(data: &Dataset, i: usize, with_history: bool) -> Value {
    let record = data.signal_record(i);
    let rule = &data.rules[data.signals.rule[i] as usize];
    let entities: Vec<Value> = record
        .entity_ids
        .iter()
        .filter_map(|id| data.entity_by_id(*id))
        .map(|e| json!({ "id": data.entities[e].id, "type": data.entities[e].kind, "name": data.entities[e].name }))
        .collect();
    let mut value = json!({
        "id": record.id,
        "title": record.title,
        "severity": record.severity,
        "product": record.product,
        "source": record.log_source_id,
        "rule": { "id": rule.id, "name": rule.name, "tactics": rule.tactics, "techniques": rule.techniques },
        "first_seen": rfc3339(record.first_seen_ms),
        "detected_at": rfc3339(record.detected_at_ms),
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
            "assignee": record.assignee_id.and_then(|id| data.users.iter().find(|u| u.id == id)).map(|u| &u.username),
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
                    "actor": h.actor_id.and_then(|a| data.users.iter().find(|u| u.id == a)).map(|u| &u.username),
                    "action": h.action, "old_value": h.old_value, "new_value": h.new_value,
                    "reason": h.reason, "comment": h.comment,
                })
            })
            .collect();
        value["history"] = Value::Array(history);
    }
    value
}

/// Signals rendered per chunk of an export (a few hundred kilobytes).
const EXPORT_CHUNK: usize = 500;

const CSV_HEADER: &str = "id,detected_at,first_seen,severity,rule_id,rule_name,source,title,ip,country,region,isp,state,archive_reason,assignee,case_id";

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

#[cfg(test)]
mod tests {
    use super::csv_field;

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
}

fn signal_csv(data: &Dataset, i: usize) -> String {
    let r = data.signal_record(i);
    let rule = &data.rules[data.signals.rule[i] as usize];
    let assignee = r
        .assignee_id
        .and_then(|id| data.users.iter().find(|u| u.id == id))
        .map(|u| u.username.clone())
        .unwrap_or_default();
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

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}
