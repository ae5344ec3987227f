//! Everything that changes data, as REST routes under `/api/v1`: triage (one signal or many),
//! cases, incidents, workflows (the signal posted to the admin's webhook), and the admin's
//! users, API keys and settings. The pages call these same routes.
//!
//! Each route checks the caller's permission first (403, saying which permission is missing),
//! then the input (400 naming the field), then the workflow rules (422), then the version the
//! caller read (409: someone else changed it; nothing is written). A change is in the database
//! and the history before the in-memory dataset, and the overview sees it from the next request.

use std::sync::Arc;

use analytics::dataset::{Case, Dataset, HistoryEvent};
use analytics::workflow::{self, Change};
use analytics::dataset::AssetType;
use analytics::{CasePriority, CaseStatus, IncidentSeverity, Role};
use app::auth::SessionUser;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use storage::{ChangeError, NewAccount, NewCase, NewHistory, NewIncident};

use crate::api::signal_json;
use crate::auth::{self, now_ms};
use crate::engine::{rfc3339, Engine};

/// The setting holding the workflow webhook's URL.
pub const WEBHOOK_SETTING: &str = "workflow.webhook_url";

/// An error answered as `{"error": "..."}` with its status.
#[derive(Debug)]
pub struct Refusal(pub StatusCode, pub String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if self.0 == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("{}", self.1);
            return (self.0, Json(json!({ "error": "internal error" }))).into_response();
        }
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, message.into())
}

fn not_found(message: impl Into<String>) -> Refusal {
    Refusal(StatusCode::NOT_FOUND, message.into())
}

fn internal(error: impl std::fmt::Display) -> Refusal {
    Refusal(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

impl From<storage::StorageError> for Refusal {
    fn from(error: storage::StorageError) -> Self {
        match error {
            storage::StorageError::Conflict(m) => Refusal(StatusCode::CONFLICT, m),
            storage::StorageError::NotFound(m) => not_found(m),
            other => internal(other),
        }
    }
}

/// product-spec §2: changing signals, cases and incidents needs `security_monitoring_signals_write`.
pub fn require_signals_write(user: &SessionUser) -> Result<(), Refusal> {
    if user.can_write_signals() {
        Ok(())
    } else {
        Err(Refusal(
            StatusCode::FORBIDDEN,
            format!(
                "{} is a {}: changing signals, cases and incidents needs the permission security_monitoring_signals_write (analyst or admin)",
                user.username,
                user.role.as_str()
            ),
        ))
    }
}

pub fn require_admin(user: &SessionUser) -> Result<(), Refusal> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(Refusal(
            StatusCode::FORBIDDEN,
            format!("{} is a {}: managing users, API keys and settings needs the admin role", user.username, user.role.as_str()),
        ))
    }
}

/// A JSON body, with a 400 that says what is wrong with it instead of axum's plain-text one.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = Refusal;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        // A JSON route takes JSON only: a form or `text/plain` post (which a browser sends
        // cross-site without asking) is refused before its body is read.
        let content_type = request.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            let shown = if content_type.is_empty() { "none".to_owned() } else { format!("'{}'", content_type.chars().take(100).collect::<String>()) };
            return Err(Refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("the request body must be JSON (Content-Type: application/json); it was {shown}"),
            ));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| bad(format!("cannot read the request body: {e}")))?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| bad(format!("the request body is not valid: {e}")))
    }
}

pub fn router() -> Router<Arc<Engine>> {
    Router::new()
        .route("/api/v1/signals/{id}", get(signal))
        .route("/api/v1/signals/{id}/triage", post(triage_one))
        .route("/api/v1/signals/triage", post(triage_many))
        .route("/api/v1/signals/{id}/workflow", post(run_workflow))
        .route("/api/v1/cases", post(create_case))
        .route("/api/v1/cases/{id}", patch(update_case))
        .route("/api/v1/cases/{id}/signals", post(link_signals))
        .route("/api/v1/incidents", post(declare_incident))
        .route("/api/v1/incidents/{id}", patch(update_incident))
        .route("/api/v1/history", get(history))
        .route("/api/v1/users", get(users).post(invite_user))
        .route("/api/v1/users/{id}", patch(change_user))
        .route("/api/v1/api-keys", get(api_keys).post(create_api_key))
        .route("/api/v1/api-keys/{id}", delete(revoke_api_key))
        .route("/api/v1/settings/webhook", put(set_webhook).get(webhook))
}

// --- triage -----------------------------------------------------------------------------------

/// A change to one signal, made against the version the caller read.
#[derive(Debug, Deserialize)]
pub struct TriageRequest {
    pub version: i64,
    #[serde(flatten)]
    pub change: Change,
}

/// One signal of a bulk change, with the version the caller read.
#[derive(Debug, Deserialize)]
pub struct Selected {
    pub id: i64,
    pub version: i64,
}

#[derive(Debug, Deserialize)]
pub struct BulkRequest {
    pub signals: Vec<Selected>,
    #[serde(flatten)]
    pub change: Change,
}

/// The most signals one bulk request may change.
pub const MAX_BULK: usize = 500;

/// A signal's triage after a change.
#[derive(Debug, Serialize)]
pub struct TriageOutcome {
    pub id: i64,
    pub version: i64,
    pub state: analytics::TriageState,
    pub assignee_id: Option<i64>,
    pub archive_reason: Option<analytics::ArchiveReason>,
    pub archive_comment: Option<String>,
    pub case_id: Option<i64>,
}

fn outcome(data: &Dataset, i: usize) -> TriageOutcome {
    let t = data.triage_of(i);
    TriageOutcome {
        id: data.signals.id[i],
        version: data.signals.version[i],
        state: t.state,
        assignee_id: t.assignee_id,
        archive_reason: t.archive_reason,
        archive_comment: t.archive_comment,
        case_id: t.case_id,
    }
}

/// Checks the references a change makes (the assignee and the case must exist).
fn check_references(data: &Dataset, change: &Change) -> Result<(), Refusal> {
    match change {
        Change::Assign { assignee_id: Some(id) } => {
            let user = data.users.iter().find(|u| u.id == *id).ok_or_else(|| bad(format!("assignee_id: user {id} does not exist")))?;
            if !user.active {
                return Err(bad(format!("assignee_id: {} is deactivated", user.username)));
            }
            if user.role == Role::Viewer {
                return Err(bad(format!("assignee_id: {} is a viewer and cannot work on signals", user.username)));
            }
        }
        Change::Case { case_id: Some(id) } if !data.cases.iter().any(|c| c.id == *id) => {
            return Err(bad(format!("case_id: case {id} does not exist")));
        }
        _ => {}
    }
    Ok(())
}

/// Applies one change to one signal; the caller holds the engine's write lock.
async fn apply(engine: &Engine, user: &SessionUser, id: i64, version: i64, change: &Change) -> Result<TriageOutcome, Refusal> {
    let data = engine.snapshot();
    let i = data.signal_by_id(id).ok_or_else(|| not_found(format!("signal {id} does not exist")))?;
    let current_version = data.signals.version[i];
    if version != current_version {
        return Err(conflict(&data, i, version));
    }
    check_references(&data, change)?;
    let now = now_ms();
    let (next, drafts) = workflow::plan(id, data.signals.detected_at_ms[i], &data.triage_of(i), change, now)
        .map_err(|e| Refusal(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    if drafts.is_empty() {
        return Ok(outcome(&data, i));
    }
    let entries = drafts.iter().map(|d| NewHistory::signal(id, user.id, now, d).via_key(user.api_key_id)).collect();
    drop(data);
    let (version, stored) = match engine.database().change_signal(id, version, &next, entries).await {
        Ok(done) => done,
        Err(ChangeError::Conflict { .. }) => {
            let data = engine.snapshot();
            return Err(conflict(&data, i, version));
        }
        Err(ChangeError::NotFound(id)) => return Err(not_found(format!("signal {id} does not exist"))),
        Err(ChangeError::Storage(e)) => return Err(internal(e)),
    };
    engine.update(|data| data.apply_triage(i, &next, version, stored));
    Ok(outcome(&engine.snapshot(), i))
}

/// product-spec §2: a signal detected more than 30 days ago cannot be acted on (422), be it a
/// triage change, an incident declared from it or a workflow run.
fn check_modifiable(data: &Dataset, i: usize) -> Result<(), Refusal> {
    let detected = data.signals.detected_at_ms[i];
    if workflow::modifiable(detected, now_ms()) {
        return Ok(());
    }
    let days = (now_ms() - detected).div_euclid(analytics::dataset::DAY_MS);
    Err(Refusal(
        StatusCode::UNPROCESSABLE_ENTITY,
        workflow::WorkflowError::TooOld { signal_id: data.signals.id[i], days }.to_string(),
    ))
}

/// 409, saying who changed the signal last and when, so the analyst knows what to reload.
fn conflict(data: &Dataset, i: usize, had: i64) -> Refusal {
    let last = data.history_of(i).last();
    let by = last
        .and_then(|h| h.actor_id)
        .and_then(|a| data.users.iter().find(|u| u.id == a))
        .map_or_else(|| "someone else".to_owned(), |u| u.display_name.clone());
    let when = last.map(|h| format!(" at {}", rfc3339(h.at_ms))).unwrap_or_default();
    Refusal(
        StatusCode::CONFLICT,
        format!(
            "signal {} was changed by {by}{when} after you loaded it (version {} now, you had {had}); nothing was changed: reload it and try again",
            data.signals.id[i], data.signals.version[i]
        ),
    )
}

async fn signal(State(engine): State<Arc<Engine>>, Path(id): Path<i64>) -> Result<Json<Value>, Refusal> {
    let data = engine.snapshot();
    let i = data.signal_by_id(id).ok_or_else(|| not_found(format!("signal {id} does not exist")))?;
    Ok(Json(signal_json(&data, i, true)))
}

async fn triage_one(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    Body(request): Body<TriageRequest>,
) -> Result<Json<TriageOutcome>, Refusal> {
    require_signals_write(&user)?;
    let _writing = engine.write_lock().await;
    apply(&engine, &user, id, request.version, &request.change).await.map(Json)
}

/// Applies the change to each selected signal on its own: those that can change do, and each
/// one that cannot says why. Answers 200 with both lists.
async fn triage_many(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Body(request): Body<BulkRequest>,
) -> Result<Json<Value>, Refusal> {
    require_signals_write(&user)?;
    check_selection(&request.signals, false)?;
    let _writing = engine.write_lock().await;
    let (changed, refused) = apply_each(&engine, &user, &request.signals, &request.change).await?;
    Ok(Json(json!({ "changed": changed, "refused": refused })))
}

// --- cases and incidents ----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct CaseRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_priority")]
    pub priority: CasePriority,
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// Signals to link to the new case, with the versions the caller read.
    #[serde(default)]
    pub signals: Vec<Selected>,
}

fn default_priority() -> CasePriority {
    CasePriority::P3
}

fn check_title(title: &str) -> Result<String, Refusal> {
    let title = title.trim();
    if title.is_empty() {
        return Err(bad("title: a title is needed"));
    }
    if title.chars().count() > 200 {
        return Err(bad(format!("title: {} characters; at most 200", title.chars().count())));
    }
    Ok(title.to_owned())
}

/// The longest case description kept.
pub const MAX_DESCRIPTION: usize = 20_000;

fn check_description(description: &str) -> Result<String, Refusal> {
    let description = description.trim();
    let length = description.chars().count();
    if length > MAX_DESCRIPTION {
        return Err(bad(format!("description: {length} characters; at most {MAX_DESCRIPTION}")));
    }
    Ok(description.to_owned())
}

/// A selection of signals to change at once: at least one, at most [`MAX_BULK`].
fn check_selection(signals: &[Selected], allow_empty: bool) -> Result<(), Refusal> {
    if signals.is_empty() && !allow_empty {
        return Err(bad("signals: select at least one signal"));
    }
    if signals.len() > MAX_BULK {
        return Err(bad(format!("signals: {} selected; at most {MAX_BULK} at once", signals.len())));
    }
    Ok(())
}

fn check_assignee(data: &Dataset, assignee: Option<i64>) -> Result<(), Refusal> {
    check_references(data, &Change::Assign { assignee_id: assignee })
}

async fn create_case(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Body(request): Body<CaseRequest>,
) -> Result<(StatusCode, Json<Value>), Refusal> {
    require_signals_write(&user)?;
    let title = check_title(&request.title)?;
    let description = check_description(&request.description)?;
    check_selection(&request.signals, true)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    check_assignee(&data, request.assignee_id)?;
    for s in &request.signals {
        data.signal_by_id(s.id).ok_or_else(|| bad(format!("signals: signal {} does not exist", s.id)))?;
    }
    drop(data);
    let new = NewCase { title, description, priority: request.priority, assignee_id: request.assignee_id, api_key_id: user.api_key_id };
    let (case, stored) = engine.database().create_case(&new, user.id, now_ms()).await?;
    engine.update(|data| {
        data.upsert_case(case.clone());
        data.append_history(stored);
    });
    let (linked, refused) = link(&engine, &user, case.id, &request.signals).await?;
    Ok((StatusCode::CREATED, Json(json!({ "case": case_json(&case), "linked": linked, "refused": refused }))))
}

async fn link(engine: &Engine, user: &SessionUser, case_id: i64, signals: &[Selected]) -> Result<(Vec<Value>, Vec<Value>), Refusal> {
    apply_each(engine, user, signals, &Change::Case { case_id: Some(case_id) }).await
}

/// Applies one change to each selected signal on its own; the caller holds the write lock.
/// Answers the signals changed and, for each refused one, its status and why. Only a server
/// failure stops the loop.
async fn apply_each(engine: &Engine, user: &SessionUser, signals: &[Selected], change: &Change) -> Result<(Vec<Value>, Vec<Value>), Refusal> {
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    for s in signals {
        match apply(engine, user, s.id, s.version, change).await {
            Ok(done) => changed.push(json!(done)),
            Err(Refusal(status, error)) if status != StatusCode::INTERNAL_SERVER_ERROR => {
                refused.push(json!({ "id": s.id, "status": status.as_u16(), "error": error }))
            }
            Err(other) => return Err(other),
        }
    }
    Ok((changed, refused))
}

#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    pub signals: Vec<Selected>,
}

async fn link_signals(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(case_id): Path<i64>,
    Body(request): Body<LinkRequest>,
) -> Result<Json<Value>, Refusal> {
    require_signals_write(&user)?;
    check_selection(&request.signals, false)?;
    let _writing = engine.write_lock().await;
    if !engine.snapshot().cases.iter().any(|c| c.id == case_id) {
        return Err(not_found(format!("case {case_id} does not exist")));
    }
    let (linked, refused) = link(&engine, &user, case_id, &request.signals).await?;
    Ok(Json(json!({ "linked": linked, "refused": refused })))
}

#[derive(Debug, Deserialize)]
pub struct CaseUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<CaseStatus>,
    pub priority: Option<CasePriority>,
    /// `null` unassigns; absent leaves it.
    #[serde(default, with = "double_option")]
    pub assignee_id: Option<Option<i64>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Option::<i64>::deserialize(d).map(Some)
    }
}

async fn update_case(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    Body(update): Body<CaseUpdate>,
) -> Result<Json<Value>, Refusal> {
    require_signals_write(&user)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    let before = data.cases.iter().find(|c| c.id == id).cloned().ok_or_else(|| not_found(format!("case {id} does not exist")))?;
    let now = now_ms();
    let mut after = before.clone();
    if let Some(title) = &update.title {
        after.title = check_title(title)?;
    }
    if let Some(description) = &update.description {
        after.description = check_description(description)?;
    }
    if let Some(status) = update.status {
        after.status = status;
        after.closed_at_ms = (status == CaseStatus::Closed).then(|| before.closed_at_ms.unwrap_or(now));
    }
    if let Some(priority) = update.priority {
        after.priority = priority;
    }
    if let Some(assignee) = update.assignee_id {
        check_assignee(&data, assignee)?;
        after.assignee_id = assignee;
    }
    drop(data);
    let entry = |action: &str, old: String, new: String| NewHistory {
        at_ms: now,
        actor_id: Some(user.id),
        asset_type: AssetType::Case,
        asset_id: id.to_string(),
        action: action.to_owned(),
        old_value: Some(old).filter(|v| !v.is_empty()),
        new_value: Some(new).filter(|v| !v.is_empty()),
        reason: None,
        comment: None,
        api_key_id: user.api_key_id,
    };
    let mut entries = Vec::new();
    if after.title != before.title {
        entries.push(entry("title", before.title.clone(), after.title.clone()));
    }
    if after.description != before.description {
        entries.push(entry("description", before.description.clone(), after.description.clone()));
    }
    if after.status != before.status {
        entries.push(entry("status", before.status.to_string(), after.status.to_string()));
    }
    if after.priority != before.priority {
        entries.push(entry("priority", before.priority.to_string(), after.priority.to_string()));
    }
    if after.assignee_id != before.assignee_id {
        let show = |a: Option<i64>| a.map(|a| a.to_string()).unwrap_or_default();
        entries.push(entry("assignee", show(before.assignee_id), show(after.assignee_id)));
    }
    if entries.is_empty() {
        return Ok(Json(json!({ "case": case_json(&before) })));
    }
    after.updated_at_ms = now;
    let stored = engine.database().update_case(&after, entries).await?;
    engine.update(|data| {
        data.upsert_case(after.clone());
        data.append_history(stored);
    });
    Ok(Json(json!({ "case": case_json(&after) })))
}

pub fn case_json(case: &Case) -> Value {
    json!({
        "id": case.id, "title": case.title, "description": case.description, "status": case.status,
        "priority": case.priority, "assignee_id": case.assignee_id,
        "created_at": rfc3339(case.created_at_ms), "updated_at": rfc3339(case.updated_at_ms),
        "closed_at": case.closed_at_ms.map(rfc3339),
    })
}

#[derive(Debug, Deserialize)]
pub struct IncidentRequest {
    pub title: String,
    pub severity: IncidentSeverity,
    #[serde(default)]
    pub commander_id: Option<i64>,
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub signal_id: Option<i64>,
}

async fn declare_incident(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Body(request): Body<IncidentRequest>,
) -> Result<(StatusCode, Json<Value>), Refusal> {
    require_signals_write(&user)?;
    let title = check_title(&request.title)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    match (request.case_id, request.signal_id) {
        (None, None) => return Err(bad("declare an incident from a case (case_id) or a signal (signal_id)")),
        (Some(c), _) if !data.cases.iter().any(|x| x.id == c) => return Err(bad(format!("case_id: case {c} does not exist"))),
        (_, Some(s)) if data.signal_by_id(s).is_none() => return Err(bad(format!("signal_id: signal {s} does not exist"))),
        _ => {}
    }
    if let Some(s) = request.signal_id {
        check_modifiable(&data, data.signal_by_id(s).expect("checked above"))?;
    }
    if let Some(commander) = request.commander_id {
        if !data.users.iter().any(|u| u.id == commander && u.active) {
            return Err(bad(format!("commander_id: user {commander} does not exist or is deactivated")));
        }
    }
    drop(data);
    let new = NewIncident {
        title,
        severity: request.severity,
        commander_id: request.commander_id,
        case_id: request.case_id,
        signal_id: request.signal_id,
        api_key_id: user.api_key_id,
    };
    let (incident, stored) = engine.database().declare_incident(&new, user.id, now_ms()).await?;
    engine.update(|data| {
        data.add_incident(incident.clone());
        data.append_history(stored);
    });
    Ok((StatusCode::CREATED, Json(json!({ "incident": incident }))))
}

#[derive(Debug, Deserialize)]
pub struct IncidentUpdate {
    pub status: Option<analytics::IncidentStatus>,
    pub severity: Option<IncidentSeverity>,
    #[serde(default, with = "double_option")]
    pub commander_id: Option<Option<i64>>,
}

/// Moves an incident along (active → stable → resolved, or back), changes its severity or
/// commander; recorded in the history of the case or signal it was declared from.
async fn update_incident(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    Body(update): Body<IncidentUpdate>,
) -> Result<Json<Value>, Refusal> {
    require_signals_write(&user)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    let before = data.incidents.iter().find(|i| i.id == id).cloned().ok_or_else(|| not_found(format!("incident {id} does not exist")))?;
    let mut after = before.clone();
    if let Some(status) = update.status {
        after.status = status;
    }
    if let Some(severity) = update.severity {
        after.severity = severity;
    }
    if let Some(commander) = update.commander_id {
        if let Some(c) = commander {
            if !data.users.iter().any(|u| u.id == c && u.active) {
                return Err(bad(format!("commander_id: user {c} does not exist or is deactivated")));
            }
        }
        after.commander_id = commander;
    }
    drop(data);
    let (asset_type, asset_id) = match (before.case_id, before.signal_id) {
        (Some(case), _) => (AssetType::Case, case.to_string()),
        (None, Some(signal)) => (AssetType::SecuritySignal, signal.to_string()),
        (None, None) => (AssetType::Case, String::new()),
    };
    let now = now_ms();
    let entry = |field: &str, old: String, new: String| NewHistory {
        at_ms: now,
        actor_id: Some(user.id),
        asset_type,
        asset_id: asset_id.clone(),
        action: format!("incident_{field}"),
        old_value: Some(old),
        new_value: Some(new),
        reason: None,
        comment: Some(format!("incident {id}")),
        api_key_id: user.api_key_id,
    };
    let mut entries = Vec::new();
    if after.status != before.status {
        entries.push(entry("status", before.status.to_string(), after.status.to_string()));
    }
    if after.severity != before.severity {
        entries.push(entry("severity", before.severity.to_string(), after.severity.to_string()));
    }
    if after.commander_id != before.commander_id {
        let show = |c: Option<i64>| c.map(|c| c.to_string()).unwrap_or_default();
        entries.push(entry("commander", show(before.commander_id), show(after.commander_id)));
    }
    if entries.is_empty() {
        return Ok(Json(json!({ "incident": before })));
    }
    let stored = engine.database().update_incident(&after, entries).await?;
    engine.update(|data| {
        data.add_incident(after.clone());
        data.append_history(stored);
    });
    Ok(Json(json!({ "incident": after })))
}

// --- workflows --------------------------------------------------------------------------------

/// Posts the signal as JSON to the webhook the admin configured, and records the run. The
/// caller learns whether the receiver answered and with what status, never why it could not be
/// reached (that goes to the log): see [`crate::webhook`].
async fn run_workflow(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Extension(policy): Extension<crate::webhook::Policy>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, Refusal> {
    require_signals_write(&user)?;
    let db = engine.database();
    let url = db
        .setting(WEBHOOK_SETTING)
        .await?
        .ok_or_else(|| Refusal(StatusCode::CONFLICT, "no workflow webhook is configured: an admin sets one in Admin → Settings".to_owned()))?;
    let payload = {
        let data = engine.snapshot();
        let i = data.signal_by_id(id).ok_or_else(|| not_found(format!("signal {id} does not exist")))?;
        check_modifiable(&data, i)?;
        json!({ "event": "signalboard.workflow", "triggered_by": user.username, "signal": signal_json(&data, i, false) })
    };
    let now = now_ms();
    let outcome = crate::webhook::post(&url, &payload, &policy).await;
    let shown = crate::webhook::redacted(&url);
    let (status, error) = match &outcome {
        crate::webhook::Outcome::Answered(code) => (Some(*code as i32), None),
        crate::webhook::Outcome::Unreachable(reason) => {
            tracing::warn!(webhook = %shown, signal = id, %reason, "the workflow webhook could not be reached");
            (None, Some("could not be reached"))
        }
    };
    db.record_workflow_run(id, user.id, &shown, status, error, now).await?;
    let draft = workflow::HistoryDraft {
        action: "workflow",
        old_value: None,
        new_value: Some(match status {
            Some(code) => format!("webhook {shown} answered {code}"),
            None => format!("webhook {shown} could not be reached"),
        }),
        reason: None,
        comment: None,
    };
    let stored = db.append_history(vec![NewHistory::signal(id, user.id, now, &draft).via_key(user.api_key_id)]).await?;
    engine.update(|data| data.append_history(stored));
    match status {
        Some(code) if (200..300).contains(&code) => Ok(Json(json!({ "status": code }))),
        Some(code) => Err(Refusal(StatusCode::BAD_GATEWAY, format!("the webhook answered {code}"))),
        None => Err(Refusal(StatusCode::BAD_GATEWAY, "the webhook could not be reached; the server log says why".to_owned())),
    }
}

#[derive(Debug, Deserialize)]
pub struct WebhookRequest {
    pub url: String,
}

/// Sets the webhook. The URL is kept as given (only admins read it back); the history keeps
/// only its scheme and host, since the path or query often carries a token.
async fn set_webhook(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Extension(policy): Extension<crate::webhook::Policy>,
    Body(request): Body<WebhookRequest>,
) -> Result<Json<Value>, Refusal> {
    require_admin(&user)?;
    let url = crate::webhook::check_url(&request.url, &policy).map_err(bad)?;
    let url = url.as_str().to_owned();
    let db = engine.database();
    let _writing = engine.write_lock().await;
    let old = db.setting(WEBHOOK_SETTING).await?;
    let now = now_ms();
    let entry = NewHistory {
        at_ms: now,
        actor_id: Some(user.id),
        asset_type: AssetType::Rule,
        asset_id: "workflow".into(),
        action: "webhook".into(),
        old_value: old.as_deref().map(crate::webhook::redacted),
        new_value: Some(crate::webhook::redacted(&url)),
        reason: None,
        comment: None,
        api_key_id: user.api_key_id,
    };
    let stored = db.set_setting(WEBHOOK_SETTING, &url, now, vec![entry]).await?;
    engine.update(|data| data.append_history(stored));
    Ok(Json(json!({ "url": url })))
}

async fn webhook(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> Result<Json<Value>, Refusal> {
    require_admin(&user)?;
    Ok(Json(json!({ "url": engine.database().setting(WEBHOOK_SETTING).await? })))
}

// --- the audit trail --------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct HistoryParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub asset_type: Option<String>,
    pub limit: Option<usize>,
}

/// The history, newest first, filtered by actor (username), action and asset type.
async fn history(State(engine): State<Arc<Engine>>, axum::extract::Query(params): axum::extract::Query<HistoryParams>) -> Result<Json<Value>, Refusal> {
    let data = engine.snapshot();
    let filter = AuditFilter::from_params(&data, params.actor.as_deref(), params.action.as_deref(), params.asset_type.as_deref()).map_err(bad)?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1_000);
    let events: Vec<Value> = filter
        .events(&data)
        .take(limit)
        .map(|h| {
            json!({
                "id": h.id, "at": rfc3339(h.at_ms),
                "actor": h.actor_id.and_then(|a| data.users.iter().find(|u| u.id == a)).map(|u| &u.username),
                "asset_type": h.asset_type, "asset_id": h.asset_id, "action": h.action,
                "old_value": h.old_value, "new_value": h.new_value, "reason": h.reason, "comment": h.comment,
                "api_key_id": h.api_key_id,
            })
        })
        .collect();
    Ok(Json(json!({ "events": events })))
}

/// Which history events to list.
pub struct AuditFilter {
    pub actor: Option<i64>,
    pub action: Option<String>,
    pub asset_type: Option<AssetType>,
}

impl AuditFilter {
    pub fn from_params(data: &Dataset, actor: Option<&str>, action: Option<&str>, asset_type: Option<&str>) -> Result<AuditFilter, String> {
        let actor = match actor.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(name) => Some(
                data.users
                    .iter()
                    .find(|u| u.username == name)
                    .map(|u| u.id)
                    .ok_or_else(|| format!("actor: there is no user '{name}'"))?,
            ),
        };
        let asset_type = match asset_type.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(t) => Some(AssetType::parse(t).ok_or_else(|| format!("asset_type: '{t}' is not one of security_signal, case, rule, user"))?),
        };
        let action = action.map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
        Ok(AuditFilter { actor, action, asset_type })
    }

    pub fn events<'d>(&'d self, data: &'d Dataset) -> impl Iterator<Item = &'d HistoryEvent> + 'd {
        data.history.iter().rev().filter(move |h| {
            self.actor.is_none_or(|a| h.actor_id == Some(a))
                && self.action.as_deref().is_none_or(|a| h.action == a)
                && self.asset_type.is_none_or(|t| h.asset_type == t)
        })
    }
}

// --- users and API keys -----------------------------------------------------------------------

fn user_json(a: &storage::Account) -> Value {
    json!({
        "id": a.id, "username": a.username, "display_name": a.display_name, "email": a.email,
        "role": a.role, "active": a.active, "can_sign_in": a.password_hash.is_some() && !a.service,
        "service": a.service, "must_change_password": a.must_change_password,
        "created_at": rfc3339(a.created_at_ms),
    })
}

async fn users(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> Result<Json<Value>, Refusal> {
    require_admin(&user)?;
    let accounts = engine.database().accounts().await?;
    Ok(Json(json!({ "users": accounts.iter().map(user_json).collect::<Vec<_>>() })))
}

#[derive(Debug, Deserialize)]
pub struct InviteRequest {
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub role: Role,
    /// A service account: nobody signs in as it; an admin creates API keys that act as it
    /// (a log shipper, a script). It gets no password.
    #[serde(default)]
    pub service: bool,
}

/// Checks a username: 2 to 64 of letters, digits, `.`, `_`, `-` and `@`.
pub fn check_username(name: &str) -> Result<(), String> {
    let ok = (2..=64).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        let shown: String = name.chars().take(64).flat_map(char::escape_default).collect();
        Err(format!("username: '{shown}' must be 2 to 64 letters, digits, '.', '_', '-' or '@'"))
    }
}

/// A display name or e-mail: printable, at most `max` characters.
fn check_text(field: &str, value: &str, max: usize) -> Result<(), Refusal> {
    let length = value.chars().count();
    if length > max {
        return Err(bad(format!("{field}: {length} characters; at most {max}")));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(format!("{field}: control characters are not allowed")));
    }
    Ok(())
}

/// Invites a user: creates the account with a one-time password, shown once in the answer,
/// that its owner must change at first sign-in. A service account gets no password.
async fn invite_user(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Body(request): Body<InviteRequest>,
) -> Result<Response, Refusal> {
    require_admin(&user)?;
    let username = request.username.trim();
    check_username(username).map_err(bad)?;
    let display = request.display_name.as_deref().map(str::trim).filter(|d| !d.is_empty()).unwrap_or(username);
    check_text("display_name", display, 100)?;
    if let Some(email) = &request.email {
        check_text("email", email, 254)?;
    }
    let password = (!request.service).then(auth::generate_password);
    let hash = match &password {
        Some(p) => Some(auth::hash_password_async(p.clone()).await.map_err(internal)?),
        None => None,
    };
    let now = now_ms();
    let _writing = engine.write_lock().await;
    let (account, stored) = engine
        .database()
        .create_account_recorded(
            &NewAccount {
                username,
                display_name: display,
                email: request.email.as_deref(),
                role: request.role,
                password_hash: hash.as_deref(),
                must_change_password: password.is_some(),
                service: request.service,
            },
            now,
            |account| {
                let what = if request.service { format!("{} (service account)", account.role.as_str()) } else { account.role.as_str().to_owned() };
                vec![user_event(&user, account.id, now, "created", None, Some(what))]
            },
        )
        .await?;
    engine.update(|data| {
        data.upsert_user(analytics::dataset::User {
            id: account.id,
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            role: account.role,
            active: true,
            created_at_ms: now,
        });
        data.append_history(stored);
    });
    Ok(secret_response(StatusCode::CREATED, json!({ "user": user_json(&account), "password": password })))
}

/// An answer carrying a secret shown once: never stored by a browser or a proxy cache.
fn secret_response(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    response.headers_mut().insert(axum::http::header::PRAGMA, axum::http::HeaderValue::from_static("no-cache"));
    response
}

fn user_event(actor: &SessionUser, user_id: i64, now: i64, action: &str, old: Option<String>, new: Option<String>) -> NewHistory {
    NewHistory {
        at_ms: now,
        actor_id: Some(actor.id),
        asset_type: AssetType::User,
        asset_id: user_id.to_string(),
        action: action.to_owned(),
        old_value: old,
        new_value: new,
        reason: None,
        comment: None,
        api_key_id: actor.api_key_id,
    }
}

#[derive(Debug, Deserialize)]
pub struct UserChange {
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Changes a user's role or deactivates (or reactivates) the account. An admin cannot demote or
/// deactivate themselves, so there is always an admin.
async fn change_user(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    Body(change): Body<UserChange>,
) -> Result<Json<Value>, Refusal> {
    require_admin(&user)?;
    let db = engine.database();
    let _writing = engine.write_lock().await;
    let current = db.account(id).await?.ok_or_else(|| not_found(format!("user {id} does not exist")))?;
    let role = change.role.unwrap_or(current.role);
    let active = change.active.unwrap_or(current.active);
    if id == user.id && (role != Role::Admin || !active) {
        return Err(Refusal(StatusCode::UNPROCESSABLE_ENTITY, "you cannot demote or deactivate yourself; another admin can".to_owned()));
    }
    let now = now_ms();
    // The change, its history and the check that an active admin remains are one transaction.
    let (_, after, stored) = db
        .update_account(id, role, active, now, |before| {
            let mut entries = Vec::new();
            if role != before.role {
                entries.push(user_event(&user, id, now, "role", Some(before.role.as_str().into()), Some(role.as_str().into())));
            }
            if active != before.active {
                entries.push(user_event(&user, id, now, if active { "reactivated" } else { "deactivated" }, Some(before.active.to_string()), Some(active.to_string())));
            }
            entries
        })
        .await
        .map_err(|e| match e {
            storage::StorageError::Conflict(m) => Refusal(StatusCode::UNPROCESSABLE_ENTITY, m),
            other => other.into(),
        })?;
    engine.update(|data| {
        data.upsert_user(analytics::dataset::User {
            id: after.id,
            username: after.username.clone(),
            display_name: after.display_name.clone(),
            role: after.role,
            active: after.active,
            created_at_ms: after.created_at_ms,
        });
        data.append_history(stored);
    });
    Ok(Json(json!({ "user": user_json(&after) })))
}

async fn api_keys(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> Result<Json<Value>, Refusal> {
    require_admin(&user)?;
    let keys = engine.database().api_keys().await?;
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| json!({ "id": k.id, "name": k.name, "user_id": k.user_id, "created_at": rfc3339(k.created_at_ms), "revoked_at": k.revoked_at_ms.map(rfc3339) }))
        .collect();
    Ok(Json(json!({ "api_keys": keys })))
}

#[derive(Debug, Deserialize)]
pub struct ApiKeyRequest {
    pub name: String,
    /// The account the key acts as (its role applies): the admin's own by default, or a
    /// service account. A key never acts as another person, so the audit trail's actor is
    /// always who made the change.
    #[serde(default)]
    pub user_id: Option<i64>,
}

/// Creates an API key; the key is in the answer once and never again.
async fn create_api_key(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Body(request): Body<ApiKeyRequest>,
) -> Result<Response, Refusal> {
    require_admin(&user)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(bad("name: give the key a name of 1 to 100 printable characters"));
    }
    let owner = request.user_id.unwrap_or(user.id);
    let db = engine.database();
    let account = db.account(owner).await?.ok_or_else(|| bad(format!("user_id: user {owner} does not exist")))?;
    if !account.active {
        return Err(bad(format!("user_id: {} is deactivated", account.username)));
    }
    if owner != user.id && !account.service {
        return Err(Refusal(
            StatusCode::FORBIDDEN,
            format!("user_id: {} is a person; a key acts as yourself or as a service account, never as someone else", account.username),
        ));
    }
    let key = auth::new_api_key();
    let now = now_ms();
    let _writing = engine.write_lock().await;
    let entries = vec![user_event(&user, owner, now, "api_key_created", None, Some(name.to_owned()))];
    let (id, stored) = db.create_api_key(name, &auth::secret_hash(&key), owner, user.id, now, entries).await?;
    engine.update(|data| data.append_history(stored));
    Ok(secret_response(StatusCode::CREATED, json!({ "id": id, "name": name, "user_id": owner, "key": key })))
}

async fn revoke_api_key(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Refusal> {
    require_admin(&user)?;
    let now = now_ms();
    let _writing = engine.write_lock().await;
    let entries = vec![user_event(&user, user.id, now, "api_key_revoked", None, Some(id.to_string()))];
    let Some(stored) = engine.database().revoke_api_key(id, now, entries).await? else {
        return Err(not_found(format!("API key {id} does not exist or is already revoked")));
    };
    engine.update(|data| data.append_history(stored));
    Ok(StatusCode::NO_CONTENT)
}
