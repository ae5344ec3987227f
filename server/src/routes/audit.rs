//! The audit trail: every recorded change, newest first, filtered by actor (username), action
//! and asset type.

use std::sync::Arc;

use analytics::audit::AuditFilter;
use analytics::time::rfc3339;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use app::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/history", get(history))
}

#[derive(Debug, Deserialize)]
struct HistoryParams {
    actor: Option<String>,
    action: Option<String>,
    asset_type: Option<String>,
    limit: Option<usize>,
}

/// The history, newest first, filtered by actor (username), action and asset type.
async fn history(State(engine): State<Arc<Engine>>, Query(params): Query<HistoryParams>) -> ApiResult<Json<Value>> {
    let data = engine.snapshot();
    let filter = AuditFilter::from_params(&data, params.actor.as_deref(), params.action.as_deref(), params.asset_type.as_deref())
        .map_err(ApiError::BadRequest)?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1_000);
    let events: Vec<Value> = filter
        .events(&data)
        .take(limit)
        .map(|h| h.to_event())
        .map(|h| {
            json!({
                "id": h.id, "at": rfc3339(h.at_ms),
                "actor": h.actor_id.and_then(|a| data.user(a)).map(|u| &u.username),
                "asset_type": h.asset_type, "asset_id": h.asset_id, "action": h.action,
                "old_value": h.old_value, "new_value": h.new_value, "reason": h.reason, "comment": h.comment,
                "api_key_id": h.api_key_id,
            })
        })
        .collect();
    Ok(Json(json!({ "events": events })))
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::http::{Method, StatusCode};

    use super::*;
    use crate::routes::testing::TestState;

    #[tokio::test]
    async fn the_trail_is_filtered_and_an_unknown_actor_is_named() {
        let t = TestState::new(30).await;
        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/history?limit=5", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["events"].as_array().unwrap().len() <= 5);
        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/history?actor=nobody", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "actor: there is no user 'nobody'");
    }
}
