//! Responding: declaring an incident from a case or a signal and moving it along, and running
//! the workflow (the signal posted to the admin's webhook). Each is recorded in the history of
//! the case or signal it concerns.

use std::sync::Arc;

use analytics::dataset::AssetType;
use analytics::time::now_ms;
use analytics::workflow;
use app::auth::SessionUser;
use app::contract::{IncidentAnswer, IncidentRequest, IncidentUpdate, WorkflowOutcome};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{patch, post};
use axum::{Extension, Json, Router};
use serde_json::json;
use analytics::dataset::HistoryEntry;
use storage::NewIncident;

use super::admin::WEBHOOK_SETTING;
use super::signals::signal_json;
use super::triage::check_modifiable;
use super::{require_signals_write, JsonBody};
use app::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::webhook;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", post(declare_incident))
        .route("/api/v1/incidents/{id}", patch(update_incident))
        .route("/api/v1/signals/{id}/workflow", post(run_workflow))
}

fn check_commander(data: &analytics::dataset::Dataset, commander: i64) -> ApiResult<()> {
    if data.user(commander).is_some_and(|u| u.active) {
        Ok(())
    } else {
        Err(ApiError::bad(format!("commander_id: user {commander} does not exist or is deactivated")))
    }
}

async fn declare_incident(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<IncidentRequest>,
) -> ApiResult<(StatusCode, Json<IncidentAnswer>)> {
    require_signals_write(&user)?;
    let title = request.check().map_err(ApiError::BadRequest)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    match (request.case_id, request.signal_id) {
        (Some(c), _) if !data.cases.iter().any(|x| x.id == c) => return Err(ApiError::bad(format!("case_id: case {c} does not exist"))),
        (_, Some(s)) if data.signal_by_id(s).is_none() => return Err(ApiError::bad(format!("signal_id: signal {s} does not exist"))),
        _ => {}
    }
    if let Some(s) = request.signal_id {
        check_modifiable(&data, data.signal_by_id(s).expect("checked above"))?;
    }
    if let Some(commander) = request.commander_id {
        check_commander(&data, commander)?;
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
    Ok((StatusCode::CREATED, Json(IncidentAnswer { incident })))
}

/// Moves an incident along (active → stable → resolved, or back), changes its severity or
/// commander; recorded in the history of the case or signal it was declared from.
async fn update_incident(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    JsonBody(update): JsonBody<IncidentUpdate>,
) -> ApiResult<Json<IncidentAnswer>> {
    require_signals_write(&user)?;
    let _writing = engine.write_lock().await;
    let data = engine.snapshot();
    let before = data
        .incidents
        .iter()
        .find(|i| i.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("incident {id} does not exist")))?;
    let mut after = before.clone();
    if let Some(status) = update.status {
        after.status = status;
    }
    if let Some(severity) = update.severity {
        after.severity = severity;
    }
    if let Some(commander) = update.commander_id {
        if let Some(c) = commander {
            check_commander(&data, c)?;
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
    let entry = |field: &str, old: String, new: String| HistoryEntry {
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
        return Ok(Json(IncidentAnswer { incident: before }));
    }
    let stored = engine.database().update_incident(&after, entries).await?;
    engine.update(|data| {
        data.add_incident(after.clone());
        data.append_history(stored);
    });
    Ok(Json(IncidentAnswer { incident: after }))
}

/// Posts the signal as JSON to the webhook the admin configured, and records the run. The
/// caller learns whether the receiver answered and with what status, never why it could not be
/// reached (that goes to the log): see [`crate::webhook`].
async fn run_workflow(
    State(engine): State<Arc<Engine>>,
    State(policy): State<webhook::Policy>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
) -> ApiResult<Json<WorkflowOutcome>> {
    require_signals_write(&user)?;
    let db = engine.database();
    let url = db
        .setting(WEBHOOK_SETTING)
        .await?
        .ok_or_else(|| ApiError::Conflict("no workflow webhook is configured: an admin sets one in Admin → Settings".to_owned()))?;
    let payload = {
        let data = engine.snapshot();
        let i = data.signal_by_id(id).ok_or_else(|| ApiError::not_found(format!("signal {id} does not exist")))?;
        check_modifiable(&data, i)?;
        json!({ "event": "signalboard.workflow", "triggered_by": user.username, "signal": signal_json(&data, i, false) })
    };
    let now = now_ms();
    let outcome = webhook::post(&url, &payload, &policy).await;
    let shown = webhook::redacted(&url);
    let (status, error) = match &outcome {
        webhook::Outcome::Answered(code) => (Some(*code as i32), None),
        webhook::Outcome::Unreachable(reason) => {
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
    let stored = db.append_history(vec![HistoryEntry::signal(id, user.id, now, &draft).via_key(user.api_key_id)]).await?;
    engine.update(|data| data.append_history(stored));
    match status {
        Some(code) if (200..300).contains(&code) => Ok(Json(WorkflowOutcome { status: code })),
        Some(code) => Err(ApiError::BadGateway(format!("the webhook answered {code}"))),
        None => Err(ApiError::BadGateway("the webhook could not be reached; the server log says why".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::http::Method;
    use serde_json::json;

    use super::*;
    use crate::routes::testing::TestState;

    #[tokio::test]
    async fn an_incident_is_declared_from_a_signal_and_moved_along() {
        let t = TestState::new(50).await;
        let signal = {
            let data = t.engine().snapshot();
            data.signals.id[data.signals.len() - 1]
        };
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/incidents", Some(json!({ "title": "x", "severity": "SEV-2" }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"], "declare an incident from a case (case_id) or a signal (signal_id)");
        let request = json!({ "title": "Ransomware", "severity": "SEV-2", "signal_id": signal });
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, "/api/v1/incidents", Some(request)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(answer["incident"]["commander_id"], serde_json::Value::Null);
        let declared: IncidentAnswer = serde_json::from_value(answer).unwrap();
        let path = format!("/api/v1/incidents/{}", declared.incident.id);
        let (status, answer) = t.send(router(), Role::Analyst, Method::PATCH, &path, Some(json!({ "commander_id": -5 }))).await;
        assert_eq!((status, answer["error"].as_str()), (StatusCode::BAD_REQUEST, Some("commander_id: user -5 does not exist or is deactivated")));
        let (status, answer) = t.send(router(), Role::Analyst, Method::PATCH, &path, Some(json!({ "severity": "SEV-1" }))).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["incident"]["severity"], "SEV-1");
    }

    #[tokio::test]
    async fn a_workflow_without_a_webhook_is_a_conflict() {
        let t = TestState::new(20).await;
        let signal = {
            let data = t.engine().snapshot();
            data.signals.id[data.signals.len() - 1]
        };
        let path = format!("/api/v1/signals/{signal}/workflow");
        let (status, answer) = t.send(router(), Role::Analyst, Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(answer["error"], "no workflow webhook is configured: an admin sets one in Admin → Settings");
    }
}
