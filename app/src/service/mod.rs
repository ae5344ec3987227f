//! The server functions the pages call, each a few lines over the [`Engine`](crate::engine::Engine)
//! or the database, and the rows they answer with ([`crate::rows`]). Every one needs a signed-in user;
//! the admin page's needs the admin role. Writes go through the REST API instead (see
//! [`crate::client`] and [`crate::contract`]).

#[cfg(feature = "ssr")]
pub mod heavy;

use leptos::prelude::*;

use crate::error::AppError;
use crate::layout::Layout;
use crate::rows::*;

#[cfg(feature = "ssr")]
fn engine() -> Result<std::sync::Arc<crate::engine::Engine>, AppError> {
    use_context::<std::sync::Arc<crate::engine::Engine>>().ok_or_else(|| AppError::Internal("the data is not available".to_owned()))
}

#[cfg(feature = "ssr")]
fn database() -> Result<storage::Database, AppError> {
    use_context::<storage::Database>().ok_or_else(|| AppError::Internal("the database is not available".to_owned()))
}

#[cfg(feature = "ssr")]
fn window(text: &str) -> Result<analytics::Window, AppError> {
    analytics::Window::parse(text).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// One overview module for a time window (`1d`, `7d`, … or a custom range).
#[server(endpoint = "module")]
pub async fn load_module(id: String, window: String) -> Result<ModuleResult, AppError> {
    let window = self::window(&window)?;
    let id = analytics::overview::ModuleId::parse(&id).map_err(|_| AppError::NotFound(format!("no module '{id}'")))?;
    let user = crate::auth::require_user()?;
    let engine = engine()?;
    let now = analytics::time::now_ms();
    let span = window.span(now);
    let fresh = engine.fresh_for(user.id);
    let result = match engine.cached(id, span, fresh) {
        Some(computed) => computed,
        None => heavy::run(move |_| engine.module(id, span, now, fresh)).await?,
    };
    Ok(result.result().clone())
}

/// Team performance with a row per analyst (docs/product.md §4.10): for admins only, since it
/// names people; everyone else sees the team row in the overview module.
#[server(endpoint = "team-performance")]
pub async fn team_performance_by_analyst(window: String) -> Result<analytics::overview::TeamPerformance, AppError> {
    let window = self::window(&window)?;
    let user = crate::auth::require_user()?;
    if !user.is_admin() {
        return Err(AppError::Forbidden("per-analyst figures are for admins".to_owned()));
    }
    let engine = engine()?;
    let span = window.span(analytics::time::now_ms());
    Ok(heavy::run(move |_| analytics::overview::team_performance(&engine.snapshot(), span, true)).await?)
}

/// What can be drawn over the ATT&CK matrix: the signed-in user's layers and MITRE's groups.
#[server(endpoint = "attack/choices")]
pub async fn attack_choices() -> Result<(Vec<crate::contract::AttackLayerView>, Vec<crate::contract::AttackGroupView>), AppError> {
    let user = crate::auth::require_user()?;
    let layers = database()?.attack_layers(user.id).await?.into_iter().map(crate::contract::AttackLayerView::from).collect();
    let groups = analytics::attack::groups().iter().map(crate::contract::AttackGroupView::from).collect();
    Ok((layers, groups))
}

/// One of the user's layers, or an ATT&CK group, drawn over the matrix.
#[server(endpoint = "attack/overlay")]
pub async fn attack_overlay(layer: Option<i64>, group: Option<String>) -> Result<analytics::navigator::Overlay, AppError> {
    let user = crate::auth::require_user()?;
    let (name, ids) = match (layer, group) {
        (Some(id), None) => {
            let layer = database()?.attack_layer(user.id, id).await?.ok_or_else(|| AppError::NotFound(format!("you keep no layer {id}")))?;
            (layer.name, layer.techniques)
        }
        (None, Some(group)) => {
            let g = analytics::attack::group(&group).ok_or_else(|| AppError::NotFound(format!("no ATT&CK group '{group}'")))?;
            (format!("{} ({})", g.name, g.id), g.techniques.iter().map(|t| (*t).to_owned()).collect())
        }
        _ => return Err(AppError::BadRequest("choose a layer or a group".to_owned())),
    };
    Ok(analytics::navigator::overlay(&engine()?.snapshot(), &name, &ids))
}

#[server(endpoint = "signals")]
pub async fn list_signals(query: String, window: String, cursor: Option<String>, sort: String) -> Result<SignalPage, AppError> {
    let window = self::window(&window)?;
    let sort = analytics::query::Sort::parse(&sort)
        .ok_or_else(|| AppError::BadRequest(format!("'{sort}' is not a sort order: newest, oldest or severity")))?;
    crate::auth::require_user()?;
    let engine = engine()?;
    heavy::run(move |stop| engine.signals(&query, window, cursor.as_deref(), sort, stop)).await?
}

#[server(endpoint = "signals/facets")]
pub async fn signal_facets(query: String, window: String) -> Result<Vec<Facet>, AppError> {
    let window = self::window(&window)?;
    crate::auth::require_user()?;
    let engine = engine()?;
    heavy::run(move |stop| engine.facets(&query, window, stop)).await?
}

#[server(endpoint = "signals/detail")]
pub async fn load_signal_detail(id: i64) -> Result<Option<SignalDetail>, AppError> {
    crate::auth::require_user()?;
    let engine = engine()?;
    let Some(mut detail) = engine.detail(id) else { return Ok(None) };
    if detail.row.events > 0 {
        let samples = engine.database().signal_samples(id).await.map_err(|e| AppError::Internal(e.to_string()))?;
        detail.samples = samples
            .iter()
            .map(|text| serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_else(|| text.clone()))
            .collect();
    }
    Ok(Some(detail))
}

#[server(endpoint = "audit")]
pub async fn audit_trail(actor: String, action: String, asset_type: String, limit: usize) -> Result<(Vec<HistoryRow>, usize), AppError> {
    crate::auth::require_user()?;
    engine()?.audit(&actor, &action, &asset_type, limit.clamp(1, 5_000))
}

/// Signalboard's release notes, from the repository's `docs/release-notes.md`.
#[server(endpoint = "release-notes")]
pub async fn release_notes() -> Result<Vec<analytics::release_notes::ReleaseNote>, AppError> {
    Ok(analytics::release_notes::parse(analytics::release_notes::TEXT))
}

#[server(endpoint = "cases/list")]
pub async fn list_cases() -> Result<Vec<CaseRow>, AppError> {
    crate::auth::require_user()?;
    Ok(engine()?.cases())
}

/// One case with its timeline, who it can be assigned to, its incidents and its signals (the
/// newest 200, and how many there are).
#[allow(clippy::type_complexity)]
#[server(endpoint = "cases/detail")]
pub async fn case_detail(id: i64) -> Result<Option<(CaseRow, Vec<HistoryRow>, Vec<Assignable>, Vec<IncidentRow>, (Vec<SignalRow>, usize))>, AppError> {
    crate::auth::require_user()?;
    let engine = engine()?;
    Ok(engine.cases().into_iter().find(|c| c.id == id).map(|case| {
        (case, engine.case_timeline(id), engine.assignable(), engine.incidents_of_case(id), engine.case_signals(id, 200))
    }))
}

/// The overview layout of the signed-in user. A stored layout that cannot be read any more
/// gives the default, and says so in the server log.
#[server(endpoint = "layout/load")]
pub async fn load_layout() -> Result<Layout, AppError> {
    let user = crate::auth::require_user()?;
    Ok(match database()?.layout(user.id).await? {
        None => Layout::default(),
        Some(stored) => Layout::from_stored(stored.schema_version, &stored.layout).unwrap_or_else(|error| {
            leptos::logging::warn!("the stored overview layout is unreadable, using the default: {error}");
            Layout::default()
        }),
    })
}

/// Stores the layout the page sends (JSON, see [`Layout`]) and answers it as stored. A layout
/// naming an unknown module, or one twice, is refused and nothing changes.
#[server(endpoint = "layout/save")]
pub async fn save_layout(layout: String) -> Result<Layout, AppError> {
    let user = crate::auth::require_user()?;
    let layout = Layout::from_page(&layout).map_err(|e| AppError::BadRequest(format!("layout refused: {e}")))?;
    let stored = storage::StoredLayout {
        schema_version: crate::layout::SCHEMA_VERSION,
        layout: serde_json::to_string(&layout).map_err(|e| AppError::Internal(e.to_string()))?,
        updated_at_ms: analytics::time::now_ms(),
    };
    database()?.save_layout(user.id, &stored).await?;
    Ok(layout)
}

/// Forgets the stored layout: the page goes back to the default.
#[server(endpoint = "layout/reset")]
pub async fn reset_layout() -> Result<Layout, AppError> {
    let user = crate::auth::require_user()?;
    database()?.delete_layout(user.id).await?;
    Ok(Layout::default())
}

/// What the admin page shows: accounts, API keys and the workflow webhook. Admins only.
#[server(endpoint = "admin/overview")]
pub async fn admin_overview() -> Result<AdminData, AppError> {
    let user = crate::auth::require_user()?;
    if !user.is_admin() {
        return Err(AppError::Forbidden("the admin page needs the admin role".to_owned()).respond());
    }
    let db = database()?;
    let accounts = db
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            role: a.role,
            active: a.active,
            can_sign_in: a.password_hash.is_some() && !a.service,
            service: a.service,
        })
        .collect();
    let keys = db
        .api_keys()
        .await?
        .into_iter()
        .map(|k| ApiKeyRow { id: k.id, name: k.name, user_id: k.user_id, revoked: k.revoked_at_ms.is_some(), scopes: k.scopes })
        .collect();
    let webhook = db.setting(storage::WEBHOOK_SETTING).await?;
    let intel = db
        .intel_lists()
        .await?
        .into_iter()
        .map(crate::contract::IntelListView::from)
        .collect();
    let case_sla = analytics::overview::SlaTargets::current(&engine()?.snapshot()).0;
    Ok(AdminData { accounts, keys, webhook, intel, case_sla })
}

/// The detection rule explorer (`/rules`): rules filtered by tactic, technique, log source,
/// severity, origin (`default`, `custom`) and state (`enabled`, `disabled`, `not-evaluable`); an
/// empty filter selects all.
#[server(endpoint = "rules/list")]
pub async fn rules_page(tactic: String, technique: String, source: String, severity: String, origin: String, state: String) -> Result<RulesData, AppError> {
    let user = crate::auth::require_user()?;
    let engine = engine()?;
    let stored = database()?.stored_rules().await?;
    let stats = engine.rule_stats(analytics::time::now_ms());
    let matrix = analytics::attack::matrix();
    let total = stored.len();
    let mut sources: Vec<(String, String)> = Vec::new();
    let rows: Vec<RuleRow> = stored
        .into_iter()
        .inspect(|r| {
            if !sources.iter().any(|(id, _)| *id == r.log_source_id) {
                sources.push((r.log_source_id.clone(), r.log_source_name.clone()));
            }
        })
        .filter(|r| tactic.is_empty() || r.tactics.iter().any(|t| t.eq_ignore_ascii_case(&tactic)))
        .filter(|r| {
            let wanted = technique.trim().to_ascii_uppercase();
            wanted.is_empty() || r.techniques.iter().any(|t| *t == wanted || t.split('.').next() == Some(wanted.as_str()))
        })
        .filter(|r| source.is_empty() || r.log_source_id == source)
        .filter(|r| severity.is_empty() || r.severity.as_str() == severity)
        .filter(|r| origin.is_empty() || (origin == "custom") == r.custom)
        .filter(|r| match state.as_str() {
            "enabled" => r.enabled,
            "disabled" => !r.enabled,
            "not-evaluable" => !r.evaluable || r.problem.is_some(),
            _ => true,
        })
        .map(|r| rule_row(r, &stats, matrix))
        .collect();
    sources.sort_by(|a, b| a.1.cmp(&b.1));
    let mut rows = rows;
    rows.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.id.cmp(&b.id)));
    Ok(RulesData {
        rules: rows,
        total,
        tactics: matrix.tactics.iter().map(|t| (t.id.to_owned(), t.name.to_owned())).collect(),
        sources,
        admin: user.is_admin(),
    })
}

#[cfg(feature = "ssr")]
fn rule_row(r: storage::rules::StoredRule, stats: &std::collections::HashMap<String, crate::engine::RuleStats>, matrix: &analytics::attack::Matrix) -> RuleRow {
    let stat = stats.get(&r.id).cloned().unwrap_or_default();
    RuleRow {
        severity: r.severity,
        enabled: r.enabled,
        custom: r.custom,
        source: r.log_source_name,
        source_id: r.log_source_id,
        tactics: r.tactics.iter().map(|id| (id.clone(), matrix.tactic_index(id).map_or_else(String::new, |k| matrix.tactics[k].name.to_owned()))).collect(),
        techniques: r.techniques.iter().map(|id| (id.clone(), matrix.technique(id).map_or_else(String::new, |x| x.name.to_owned()))).collect(),
        evaluable: r.evaluable,
        problem: r.problem,
        status: r.sigma_status,
        signals_30d: stat.signals,
        false_positive_rate: (stat.archived > 0).then(|| stat.false_positives as f64 / stat.archived as f64),
        name: r.name,
        id: r.id,
    }
}

/// One rule's page (`/rules/{id}`).
#[server(endpoint = "rules/detail")]
pub async fn rule_page(id: String) -> Result<Option<RuleDetailData>, AppError> {
    let user = crate::auth::require_user()?;
    let engine = engine()?;
    let Some(stored) = database()?.stored_rule(&id).await? else { return Ok(None) };
    let now = analytics::time::now_ms();
    let stats = engine.rule_stats(now);
    let stat = stats.get(&id).cloned().unwrap_or_default();
    let (description, author, references) = (stored.description.clone(), stored.author.clone(), stored.references.clone());
    let (sigma_logsource, sigma_yaml, group_window_ms, created_at_ms) =
        (stored.sigma_logsource.clone(), stored.sigma_yaml.clone(), stored.group_window_ms, stored.created_at_ms);
    Ok(Some(RuleDetailData {
        row: rule_row(stored, &stats, analytics::attack::matrix()),
        description,
        author,
        references,
        sigma_logsource,
        sigma_yaml,
        group_window_ms,
        created_at: analytics::time::rfc3339(created_at_ms),
        daily: engine.rule_daily(&id, now),
        by_state: stat.by_state,
        false_positives: stat.false_positives,
        archived: stat.archived,
        admin: user.is_admin(),
    }))
}

/// One entity's page (`/entities/{type}/{name}`): `None` if there is no such entity.
#[server(endpoint = "entities/detail")]
pub async fn entity_page(kind: String, name: String) -> Result<Option<analytics::entity::EntityProfile>, AppError> {
    let kind = analytics::EntityKind::parse(&kind).map_err(|e| AppError::BadRequest(e.to_string()))?;
    crate::auth::require_user()?;
    let engine = engine()?;
    let now = analytics::time::now_ms();
    Ok(heavy::run(move |_| analytics::entity::entity_profile(&engine.snapshot(), kind, &name, now)).await?)
}

/// How many entities the entity list shows at most.
pub const ENTITIES_LISTED: usize = 500;

/// The entity list (`/entities`), filtered by type (`""` for any) and risk level (`""` for any,
/// `none` for entities without risk).
#[server(endpoint = "entities/list")]
pub async fn entity_list(kind: String, level: String) -> Result<analytics::entity::EntityList, AppError> {
    let kind = match kind.as_str() {
        "" => None,
        k => Some(analytics::EntityKind::parse(k).map_err(|e| AppError::BadRequest(e.to_string()))?),
    };
    let level = match level.as_str() {
        "" => None,
        "none" => Some(None),
        l => Some(Some(
            analytics::overview::RiskLevel::ALL
                .into_iter()
                .find(|x| x.as_str() == l)
                .ok_or_else(|| AppError::BadRequest(format!("'{l}' is not a risk level: critical, high, medium, low or none")))?,
        )),
    };
    crate::auth::require_user()?;
    let engine = engine()?;
    let now = analytics::time::now_ms();
    Ok(heavy::run(move |_| analytics::entity::entity_list(&engine.snapshot(), kind, level, now, ENTITIES_LISTED)).await?)
}

/// Every incident (`/incidents`).
#[server(endpoint = "incidents/list")]
pub async fn list_incidents() -> Result<Vec<IncidentRow>, AppError> {
    crate::auth::require_user()?;
    Ok(engine()?.incidents())
}

/// One incident's page (`/incidents/{id}`): `None` if there is no such incident.
#[server(endpoint = "incidents/detail")]
pub async fn load_incident(id: i64) -> Result<Option<IncidentDetail>, AppError> {
    crate::auth::require_user()?;
    Ok(engine()?.incident(id))
}
