//! Cases: creating one (optionally with signals linked to it), changing it, and linking more
//! signals to it. Every change is in the case's history.

use std::sync::Arc;

use analytics::dataset::{AssetType, Dataset};
use analytics::time::now_ms;
use analytics::workflow::Change;
use analytics::CaseStatus;
use app::auth::SessionUser;
use app::contract::{CaseAnswer, CaseCreated, CaseRequest, CaseUpdate, CaseView, LinkOutcome, LinkRequest, RefusedSignal, Selected, TriageOutcome};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{patch, post};
use axum::{Extension, Json, Router};
use analytics::dataset::HistoryEntry;
use storage::NewCase;

use super::triage::{apply_each, check_references};
use super::{require_signals_write, JsonBody};
use app::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(create_case))
        .route("/api/v1/cases/{id}", patch(update_case))
        .route("/api/v1/cases/{id}/signals", post(link_signals))
}

fn check_assignee(data: &Dataset, assignee: Option<i64>) -> ApiResult<()> {
    check_references(data, &Change::Assign { assignee_id: assignee })
}

async fn create_case(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<CaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseCreated>)> {
    require_signals_write(&user)?;
    let (title, description) = request.check().map_err(ApiError::BadRequest)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    check_assignee(&data, request.assignee_id)?;
    for s in &request.signals {
        data.signal_by_id(s.id).ok_or_else(|| ApiError::bad(format!("signals: signal {} does not exist", s.id)))?;
    }
    drop(data);
    let new = NewCase { title, description, priority: request.priority, assignee_id: request.assignee_id, api_key_id: user.api_key_id };
    let (case, stored) = engine.database().create_case(&new, user.id, now_ms()).await?;
    engine.update(|data| {
        data.upsert_case(case.clone());
        data.append_history(stored);
    });
    let (linked, refused) = link(&engine, &user, case.id, &request.signals).await?;
    Ok((StatusCode::CREATED, Json(CaseCreated { case: CaseView::from(&case), linked, refused })))
}

async fn link(engine: &Engine, user: &SessionUser, case_id: i64, signals: &[Selected]) -> ApiResult<(Vec<TriageOutcome>, Vec<RefusedSignal>)> {
    apply_each(engine, user, signals, &Change::Case { case_id: Some(case_id) }).await
}

async fn link_signals(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(case_id): Path<i64>,
    JsonBody(request): JsonBody<LinkRequest>,
) -> ApiResult<Json<LinkOutcome>> {
    require_signals_write(&user)?;
    request.check().map_err(ApiError::BadRequest)?;
    let _writing = engine.write_lock().await;
    if !engine.snapshot().cases.iter().any(|c| c.id == case_id) {
        return Err(ApiError::not_found(format!("case {case_id} does not exist")));
    }
    let (linked, refused) = link(&engine, &user, case_id, &request.signals).await?;
    Ok(Json(LinkOutcome { linked, refused }))
}

async fn update_case(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    JsonBody(update): JsonBody<CaseUpdate>,
) -> ApiResult<Json<CaseAnswer>> {
    require_signals_write(&user)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    let before = data.cases.iter().find(|c| c.id == id).cloned().ok_or_else(|| ApiError::not_found(format!("case {id} does not exist")))?;
    let now = now_ms();
    let mut after = before.clone();
    if let Some(title) = &update.title {
        after.title = app::contract::check_title(title).map_err(ApiError::BadRequest)?;
    }
    if let Some(description) = &update.description {
        after.description = app::contract::check_description(description).map_err(ApiError::BadRequest)?;
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
    let entry = |action: &str, old: String, new: String| HistoryEntry {
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
        return Ok(Json(CaseAnswer { case: CaseView::from(&before) }));
    }
    after.updated_at_ms = now;
    let stored = engine.database().update_case(&after, entries).await?;
    engine.update(|data| {
        data.upsert_case(after.clone());
        data.append_history(stored);
    });
    Ok(Json(CaseAnswer { case: CaseView::from(&after) }))
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::http::Method;
    use serde_json::json;

    use super::*;
    use crate::routes::testing::TestState;

    #[tokio::test]
    async fn a_case_is_created_with_its_signals_then_changed() {
        let t = TestState::new(50).await;
        let (id, version) = t.newest_untouched();
        let request = json!({ "title": "  Credential stuffing ", "signals": [{ "id": id, "version": version }, { "id": -1, "version": 1 }] });
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/cases", Some(request.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"], "signals: signal -1 does not exist");

        let request = json!({ "title": "  Credential stuffing ", "signals": [{ "id": id, "version": version }] });
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/cases", Some(request)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(answer["case"]["closed_at"], serde_json::Value::Null, "absent times are null: {answer}");
        let created: CaseCreated = serde_json::from_value(answer).unwrap();
        assert_eq!((created.case.title.as_str(), created.case.priority), ("Credential stuffing", analytics::CasePriority::P3));
        assert_eq!(created.linked[0].case_id, Some(created.case.id));
        assert!(created.refused.is_empty());

        let path = format!("/api/v1/cases/{}", created.case.id);
        let (status, answer) = t.send(router(), Role::Analyst, Method::PATCH, &path, Some(json!({ "status": "closed", "title": "" }))).await;
        assert_eq!((status, answer["error"].as_str()), (StatusCode::BAD_REQUEST, Some("title: a title is needed")));
        let (status, answer) = t.send(router(), Role::Analyst, Method::PATCH, &path, Some(json!({ "status": "closed" }))).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let changed: CaseAnswer = serde_json::from_value(answer).unwrap();
        assert_eq!(changed.case.status, CaseStatus::Closed);
        assert!(changed.case.closed_at.is_some());
        let (status, _) = t.send(router(), Role::Viewer, Method::PATCH, &path, Some(json!({ "status": "open" }))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
