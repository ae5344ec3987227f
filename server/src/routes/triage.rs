//! Triage: changing one signal's state, assignee or case against the version the caller read,
//! or the same change for a selection of signals, each changed or refused on its own.

use std::sync::Arc;

use analytics::dataset::Dataset;
use analytics::time::{now_ms, rfc3339, DAY_MS};
use analytics::workflow::{self, Change};
use analytics::Role;
use app::auth::SessionUser;
use app::contract::{BulkOutcome, BulkRequest, RefusedSignal, Selected, TriageOutcome, TriageRequest};
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Extension, Json, Router};
use analytics::dataset::HistoryEntry;
use storage::ChangeError;

use super::{require_signals_write, JsonBody};
use app::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/signals/{id}/triage", post(triage_one))
        .route("/api/v1/signals/triage", post(triage_many))
}

async fn triage_one(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    JsonBody(request): JsonBody<TriageRequest>,
) -> ApiResult<Json<TriageOutcome>> {
    require_signals_write(&user)?;
    let _writing = engine.write_lock().await;
    apply(&engine, &user, id, request.version, &request.change).await.map(Json)
}

/// Applies the change to each selected signal on its own: those that can change do, and each
/// one that cannot says why. Answers 200 with both lists.
async fn triage_many(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<BulkRequest>,
) -> ApiResult<Json<BulkOutcome>> {
    require_signals_write(&user)?;
    request.check().map_err(ApiError::BadRequest)?;
    let _writing = engine.write_lock().await;
    let (changed, refused) = apply_each(&engine, &user, &request.signals, &request.change).await?;
    Ok(Json(BulkOutcome { changed, refused }))
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
pub(crate) fn check_references(data: &Dataset, change: &Change) -> ApiResult<()> {
    match change {
        Change::Assign { assignee_id: Some(id) } => {
            let user = data.user(*id).ok_or_else(|| ApiError::bad(format!("assignee_id: user {id} does not exist")))?;
            if !user.active {
                return Err(ApiError::bad(format!("assignee_id: {} is deactivated", user.username)));
            }
            if user.role == Role::Viewer {
                return Err(ApiError::bad(format!("assignee_id: {} is a viewer and cannot work on signals", user.username)));
            }
        }
        Change::Case { case_id: Some(id) } if !data.cases.iter().any(|c| c.id == *id) => {
            return Err(ApiError::bad(format!("case_id: case {id} does not exist")));
        }
        _ => {}
    }
    Ok(())
}

/// Applies one change to one signal; the caller holds the engine's write lock.
async fn apply(engine: &Engine, user: &SessionUser, id: i64, version: i64, change: &Change) -> ApiResult<TriageOutcome> {
    let data = engine.snapshot();
    let i = data.signal_by_id(id).ok_or_else(|| ApiError::not_found(format!("signal {id} does not exist")))?;
    if version != data.signals.version[i] {
        return Err(conflict(&data, i, version));
    }
    check_references(&data, change)?;
    let now = now_ms();
    let (next, drafts) = workflow::plan(id, data.signals.detected_at_ms[i], &data.triage_of(i), change, now)
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    if drafts.is_empty() {
        return Ok(outcome(&data, i));
    }
    let entries = drafts.iter().map(|d| HistoryEntry::signal(id, user.id, now, d).via_key(user.api_key_id)).collect();
    drop(data);
    let (version, stored) = match engine.database().change_signal(id, version, &next, entries).await {
        Ok(done) => done,
        Err(ChangeError::Conflict { .. }) => return Err(conflict(&engine.snapshot(), i, version)),
        Err(ChangeError::NotFound(id)) => return Err(ApiError::not_found(format!("signal {id} does not exist"))),
        Err(ChangeError::Storage(e)) => return Err(ApiError::internal(e)),
    };
    engine.update(|data| data.apply_triage(i, &next, version, stored));
    Ok(outcome(&engine.snapshot(), i))
}

/// Applies one change to each selected signal on its own; the caller holds the write lock.
/// Answers the signals changed and, for each refused one, its status and why. Only a server
/// failure stops the loop.
pub(crate) async fn apply_each(
    engine: &Engine,
    user: &SessionUser,
    signals: &[Selected],
    change: &Change,
) -> ApiResult<(Vec<TriageOutcome>, Vec<RefusedSignal>)> {
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    for s in signals {
        match apply(engine, user, s.id, s.version, change).await {
            Ok(done) => changed.push(done),
            Err(error) if !error.is_internal() => refused.push(RefusedSignal { id: s.id, status: error.status().as_u16(), error: error.to_string() }),
            Err(other) => return Err(other),
        }
    }
    Ok((changed, refused))
}

/// docs/product.md §2: a signal detected more than 30 days ago cannot be acted on (422), be it a
/// triage change, an incident declared from it or a workflow run.
pub(crate) fn check_modifiable(data: &Dataset, i: usize) -> ApiResult<()> {
    let detected = data.signals.detected_at_ms[i];
    let now = now_ms();
    if workflow::modifiable(detected, now) {
        return Ok(());
    }
    let days = (now - detected).div_euclid(DAY_MS);
    Err(ApiError::Unprocessable(workflow::WorkflowError::TooOld { signal_id: data.signals.id[i], days }.to_string()))
}

/// 409, saying who changed the signal last and when, so the analyst knows what to reload.
fn conflict(data: &Dataset, i: usize, had: i64) -> ApiError {
    let last = data.history_of(i).last();
    let by = last
        .as_ref()
        .and_then(|h| h.actor_id)
        .and_then(|a| data.user(a))
        .map_or_else(|| "someone else".to_owned(), |u| u.display_name.clone());
    let when = last.map(|h| format!(" at {}", rfc3339(h.at_ms))).unwrap_or_default();
    ApiError::Conflict(format!(
        "signal {} was changed by {by}{when} after you loaded it (version {} now, you had {had}); nothing was changed: reload it and try again",
        data.signals.id[i], data.signals.version[i]
    ))
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use serde_json::json;

    use super::*;
    use crate::routes::testing::TestState;

    /// The newest untouched signal (detected within the last 30 days, so it can change) and its
    /// version.
    fn newest(t: &TestState) -> (i64, i64) {
        t.newest_untouched()
    }

    #[tokio::test]
    async fn a_viewer_cannot_triage() {
        let t = TestState::new(50).await;
        let (id, version) = newest(&t);
        let body = json!({ "version": version, "change": "state", "to": "under_review" });
        let (status, answer) = t.send(router(), Role::Viewer, Method::POST, &format!("/api/v1/signals/{id}/triage"), Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            answer["error"],
            "r-viewer is a viewer: changing signals, cases and incidents needs the permission security_monitoring_signals_write (analyst or admin)"
        );
        let data = t.engine().snapshot();
        assert_eq!(data.signals.version[data.signal_by_id(id).unwrap()], version, "nothing changed");
    }

    #[tokio::test]
    async fn a_body_that_is_not_json_or_not_a_change_is_refused_with_why() {
        let t = TestState::new(50).await;
        let (id, version) = newest(&t);
        let path = format!("/api/v1/signals/{id}/triage");
        let form = Request::builder()
            .method(Method::POST)
            .uri(&path)
            .header("content-type", "application/x-www-form-urlencoded")
            .extension(t.user(Role::Analyst))
            .body(Body::from("version=1"))
            .unwrap();
        let (status, answer) = t.call(router(), form).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            answer["error"],
            "the request body must be JSON (Content-Type: application/json); it was 'application/x-www-form-urlencoded'"
        );
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, &path, Some(json!({ "version": version, "change": "rename" }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(answer["error"].as_str().unwrap().starts_with("the request body is not valid: "), "{answer}");
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/signals/triage", Some(json!({ "signals": [], "change": "assign", "assignee_id": null }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"], "signals: select at least one signal");
    }

    #[tokio::test]
    async fn a_triage_round_trip_changes_the_signal_once_and_refuses_a_stale_version() {
        let t = TestState::new(50).await;
        let (id, version) = newest(&t);
        let path = format!("/api/v1/signals/{id}/triage");
        let analyst = t.user(Role::Analyst);
        let change = json!({ "version": version, "change": "assign", "assignee_id": analyst.id });
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, &path, Some(change.clone())).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let outcome: TriageOutcome = serde_json::from_value(answer.clone()).unwrap();
        assert_eq!((outcome.id, outcome.version, outcome.assignee_id), (id, version + 1, Some(analyst.id)));
        assert!(answer.as_object().unwrap().contains_key("archive_reason"), "absent values are null: {answer}");
        let data = t.engine().snapshot();
        let i = data.signal_by_id(id).unwrap();
        assert_eq!(data.triage_of(i).assignee_id, Some(analyst.id));
        assert_eq!(data.history_of(i).last().unwrap().action, "assignee");

        // The same request again was made against a version that is gone.
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, &path, Some(change)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(answer["error"].as_str().unwrap().contains("was changed by r-analyst at "), "{answer}");

        // In bulk, each signal on its own: one changes, the stale one is refused with its 409.
        let bulk = json!({ "signals": [{ "id": id, "version": version + 1 }, { "id": id, "version": version }], "change": "assign", "assignee_id": null });
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/signals/triage", Some(bulk)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let outcome: BulkOutcome = serde_json::from_value(answer).unwrap();
        assert_eq!(outcome.changed.len(), 1);
        assert_eq!((outcome.changed[0].version, outcome.changed[0].assignee_id), (version + 2, None));
        assert_eq!((outcome.refused[0].id, outcome.refused[0].status), (id, 409));
    }
}
