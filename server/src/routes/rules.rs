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
