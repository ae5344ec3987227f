//! Detection rules (docs/product.md §8): the list and one rule for any reader; importing Sigma
//! rules and enabling or disabling a rule for admins (each change in the history, as asset type
//! `rule`). A change reaches the detector and the overview at once.

use std::sync::Arc;

use analytics::time::rfc3339;
use app::auth::SessionUser;
use app::contract::{RuleChange, RuleImportReport, RuleList, RuleUpload, RuleView};
use app::engine::Engine;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use storage::rules::StoredRule;

use super::{require_admin, JsonBody};
use crate::error::{ApiError, ApiResult};
use crate::intake::Intake;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/rules/import", post(import))
        .route("/api/v1/rules/{id}", get(rule).patch(toggle))
}

pub(crate) fn rule_view(rule: StoredRule) -> RuleView {
    RuleView {
        id: rule.id,
        name: rule.name,
        description: rule.description,
        author: rule.author,
        references: rule.references,
        severity: rule.severity,
        enabled: rule.enabled,
        origin: if rule.custom { "custom" } else { "default" }.to_owned(),
        log_source: rule.log_source_id,
        status: rule.sigma_status,
        sigma_logsource: rule.sigma_logsource,
        evaluable: rule.evaluable,
        problem: rule.problem,
        group_window_ms: rule.group_window_ms,
        tactics: rule.tactics,
        techniques: rule.techniques,
        created_at: rfc3339(rule.created_at_ms),
    }
}

async fn rules(State(engine): State<Arc<Engine>>) -> ApiResult<Json<RuleList>> {
    let rules = engine.database().stored_rules().await?;
    Ok(Json(RuleList { rules: rules.into_iter().map(rule_view).collect() }))
}

async fn rule(State(engine): State<Arc<Engine>>, Path(id): Path<String>) -> ApiResult<Json<RuleView>> {
    let rule = engine.database().stored_rule(&id).await?.ok_or_else(|| ApiError::not_found(format!("rule '{id}' does not exist")))?;
    Ok(Json(rule_view(rule)))
}

/// Enables or disables a rule, or sets its grouping window; a rule that cannot run cannot be
/// enabled (422, saying why). Each change is in the history.
async fn toggle(
    State(engine): State<Arc<Engine>>,
    State(intake): State<Arc<Intake>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<RuleChange>,
) -> ApiResult<Json<RuleView>> {
    require_admin(&user)?;
    request.check().map_err(ApiError::BadRequest)?;
    let db = engine.database();
    let missing = || ApiError::not_found(format!("rule '{id}' does not exist"));
    if db.stored_rule(&id).await?.is_none() {
        return Err(missing());
    }
    {
        let _writing = engine.write_lock().await;
        let now = analytics::time::now_ms();
        let mut stored = Vec::new();
        if let Some(window) = request.group_window_ms {
            stored.extend(db.set_rule_group_window(&id, window, user.id, user.api_key_id, now).await?.ok_or_else(missing)?);
        }
        if let Some(enabled) = request.enabled {
            match db.set_rule_enabled(&id, enabled, user.id, user.api_key_id, now).await {
                Ok(Some(events)) => stored.extend(events),
                Ok(None) => return Err(missing()),
                Err(storage::StorageError::Conflict(why)) => return Err(ApiError::Unprocessable(why)),
                Err(error) => return Err(error.into()),
            }
        }
        if !stored.is_empty() {
            engine.update(|data| {
                if let (Some(i), Some(enabled)) = (data.rule_by_id(&id), request.enabled) {
                    data.rules[i].enabled = enabled;
                }
                data.append_history(stored.clone());
            });
            tracing::info!(admin = %user.username, rule = %id, enabled = ?request.enabled, group_window_ms = ?request.group_window_ms, "rule changed");
        }
    }
    intake.reload_rules().await?;
    let rule = db.stored_rule(&id).await?.ok_or_else(missing)?;
    Ok(Json(rule_view(rule)))
}

/// Imports uploaded Sigma files (rules already there are updated in place).
async fn import(
    State(engine): State<Arc<Engine>>,
    State(intake): State<Arc<Intake>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(upload): JsonBody<RuleUpload>,
) -> ApiResult<Json<RuleImportReport>> {
    require_admin(&user)?;
    upload.check().map_err(ApiError::BadRequest)?;
    let files = crate::background::run(move || {
        let mut read = ingest::sigma::RuleFiles::default();
        for file in &upload.files {
            read.files += 1;
            let name: String = file.name.chars().take(200).collect();
            ingest::sigma::read_text(&name, file.text.as_bytes(), &mut read);
        }
        (read, upload.disabled)
    })
    .await
    .map_err(ApiError::internal)?;
    let (files, disabled) = files;
    let report = crate::rules::import(engine.database(), &files, disabled, analytics::time::now_ms()).await?;
    intake.reload_rules().await?;
    tracing::info!(admin = %user.username, imported = report.imported, updated = report.updated, "Sigma rules imported");
    Ok(Json(report))
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::http::{Method, StatusCode};
    use serde_json::json;

    use super::router;
    use crate::routes::testing::TestState;

    const RULE: &str = "title: Trail stopped\nid: 11111111-2222-4333-8444-555555555555\nstatus: test\nlevel: high\ntags:\n    - attack.defense-evasion\n    - attack.t1562.008\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n    selection:\n        eventName: StopLogging\n    condition: selection\n";
    const M365: &str = "title: Mail forwarding\nid: 11111111-2222-4333-8444-666666666666\nstatus: test\nlevel: medium\nlogsource:\n    product: m365\n    service: exchange\ndetection:\n    selection:\n        Operation: Set-Mailbox\n    condition: selection\n";

    #[tokio::test]
    async fn admins_import_and_change_rules_others_read_them() {
        let t = TestState::new(0).await;
        let upload = json!({ "files": [{ "name": "trail.yml", "text": RULE }, { "name": "m365.yml", "text": M365 }, { "name": "bad.yml", "text": "title: [" }] });
        for role in [Role::Viewer, Role::Analyst] {
            let (status, _) = t.send(router(), role, Method::POST, "/api/v1/rules/import", Some(upload.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        let (status, report) = t.send(router(), Role::Admin, Method::POST, "/api/v1/rules/import", Some(upload.clone())).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!((report["files"].as_u64(), report["imported"].as_u64(), report["enabled"].as_u64(), report["log_source_not_ingested"].as_u64()), (Some(3), Some(2), Some(1), Some(1)), "{report}");
        assert_eq!(report["skipped"], json!([["not a valid Sigma rule", 1]]));
        let (_, again) = t.send(router(), Role::Admin, Method::POST, "/api/v1/rules/import", Some(upload)).await;
        assert_eq!((again["imported"].as_u64(), again["updated"].as_u64()), (Some(0), Some(2)));

        // Anyone signed in reads them; the mapping is there.
        let (status, list) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/rules", None).await;
        assert_eq!(status, StatusCode::OK);
        let trail = list["rules"].as_array().unwrap().iter().find(|r| r["name"] == "Trail stopped").unwrap().clone();
        assert_eq!((trail["techniques"].clone(), trail["tactics"].clone(), trail["origin"].clone()), (json!(["T1562.008"]), json!(["TA0005"]), json!("custom")));
        let id = "11111111-2222-4333-8444-555555555555";

        // Only admins change them; each change is in the engine's history at once.
        let path = format!("/api/v1/rules/{id}");
        let (status, _) = t.send(router(), Role::Analyst, Method::PATCH, &path, Some(json!({ "enabled": false }))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, rule) = t.send(router(), Role::Admin, Method::PATCH, &path, Some(json!({ "enabled": false, "group_window_ms": 600000 }))).await;
        assert_eq!(status, StatusCode::OK, "{rule}");
        assert_eq!((rule["enabled"].clone(), rule["group_window_ms"].clone()), (json!(false), json!(600000)));
        let engine = t.state.engine.clone();
        let data = engine.snapshot();
        assert!(!data.rules[data.rule_by_id(id).unwrap()].enabled);
        let actions: Vec<String> = data.rule_history().filter(|h| h.asset_id() == id).map(|h| h.action().to_owned()).collect();
        assert_eq!(actions, vec!["group_window_ms".to_owned(), "enabled".to_owned()]);
        drop(data);

        // Bad input is refused, saying what is wrong; a rule that cannot run cannot be enabled.
        let (status, body) = t.send(router(), Role::Admin, Method::PATCH, &path, Some(json!({ "group_window_ms": 5 }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"].as_str().unwrap().starts_with("group_window_ms: 5 is not between"), "{body}");
        let (status, body) = t.send(router(), Role::Admin, Method::PATCH, "/api/v1/rules/11111111-2222-4333-8444-666666666666", Some(json!({ "enabled": true }))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["error"].as_str().unwrap().contains("does not ingest this log source"), "{body}");
        let (status, _) = t.send(router(), Role::Admin, Method::PATCH, "/api/v1/rules/nope", Some(json!({ "enabled": true }))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = t.send(router(), Role::Admin, Method::POST, "/api/v1/rules/import", Some(json!({ "files": [] }))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
}
