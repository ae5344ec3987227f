//! Administration, for admins only: users (invite, change a role, deactivate), API keys
//! (create, list, revoke) and the workflow webhook setting. Every change is in the history.

use std::sync::Arc;

use analytics::dataset::AssetType;
use analytics::time::{now_ms, rfc3339};
use analytics::Role;
use app::auth::SessionUser;
use analytics::overview::{SlaTargets, SLA_ACTION, SLA_ASSET_ID};
use app::contract::{
    CaseSla,
    IntelListRequest, IntelListView, IntelLists, KeyScope,
    ApiKeyCreated, ApiKeyList, ApiKeyRequest, ApiKeyView, InviteRequest, Invited, UserAnswer, UserChange, UserList, UserView, WebhookRequest,
    WebhookSetting,
};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, put};
use axum::{Extension, Json, Router};
use serde::Serialize;
use analytics::dataset::HistoryEntry;
use storage::NewAccount;

use super::{require_admin, JsonBody};
use app::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{auth, webhook};

/// The setting holding the workflow webhook's URL.
pub(crate) const WEBHOOK_SETTING: &str = "workflow.webhook_url";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(users).post(invite_user))
        .route("/api/v1/users/{id}", patch(change_user))
        .route("/api/v1/api-keys", get(api_keys).post(create_api_key))
        .route("/api/v1/api-keys/{id}", delete(revoke_api_key))
        .route("/api/v1/settings/webhook", put(set_webhook).get(webhook))
        .route("/api/v1/settings/case-sla", put(set_case_sla).get(case_sla))
        .route("/api/v1/intel-lists", get(intel_lists).post(import_intel_list))
        .route("/api/v1/intel-lists/{id}", delete(remove_intel_list))
}

// --- threat intelligence ------------------------------------------------------------------------

async fn intel_lists(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> ApiResult<Json<IntelLists>> {
    require_admin(&user)?;
    let lists = engine.database().intel_lists().await?;
    Ok(Json(IntelLists { lists: lists.into_iter().map(IntelListView::from).collect() }))
}

/// Imports a list; a bad line refuses the whole list, naming the line.
async fn import_intel_list(
    State(engine): State<Arc<Engine>>,
    State(intake): State<Arc<crate::intake::Intake>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<IntelListRequest>,
) -> ApiResult<(StatusCode, Json<IntelListView>)> {
    require_admin(&user)?;
    let name = request.check().map_err(ApiError::BadRequest)?.to_owned();
    let networks = ingest::enrich::parse_list(&request.entries).map_err(|e| ApiError::bad(format!("entries: {e}")))?;
    let texts: Vec<String> = networks.iter().map(ingest::enrich::Network::to_text).collect();
    let now = now_ms();
    let db = engine.database();
    let id = db.import_intel_list(&name, request.category, request.subcategory, request.intention, &texts, now).await?;
    intake.reload_intel().await?;
    tracing::info!(admin = %user.username, list = %name, entries = texts.len(), "threat-intelligence list imported");
    let list = db.intel_lists().await?.into_iter().find(|l| l.id == id).ok_or_else(|| ApiError::internal(format!("list {id} was imported but is not there")))?;
    Ok((StatusCode::CREATED, Json(IntelListView::from(list))))
}

async fn remove_intel_list(
    State(engine): State<Arc<Engine>>,
    State(intake): State<Arc<crate::intake::Intake>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    require_admin(&user)?;
    if !engine.database().delete_intel_list(id).await? {
        return Err(ApiError::not_found(format!("threat-intelligence list {id} does not exist")));
    }
    intake.reload_intel().await?;
    tracing::info!(admin = %user.username, list = id, "threat-intelligence list removed");
    Ok(StatusCode::NO_CONTENT)
}

// --- users ------------------------------------------------------------------------------------

/// An account as the API shows it.
fn user_view(a: &storage::Account) -> UserView {
    UserView {
        id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        email: a.email.clone(),
        role: a.role,
        active: a.active,
        can_sign_in: a.password_hash.is_some() && !a.service,
        service: a.service,
        must_change_password: a.must_change_password,
        created_at: rfc3339(a.created_at_ms),
    }
}

/// The in-memory copy of an account (what the overview and the pages see of it).
fn dataset_user(a: &storage::Account) -> analytics::dataset::User {
    analytics::dataset::User {
        id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role,
        active: a.active,
        created_at_ms: a.created_at_ms,
    }
}

fn user_event(actor: &SessionUser, user_id: i64, now: i64, action: &str, old: Option<String>, new: Option<String>) -> HistoryEntry {
    HistoryEntry {
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

/// An answer carrying a secret shown once: never stored by a browser or a proxy cache.
fn secret_response(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn users(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> ApiResult<Json<UserList>> {
    require_admin(&user)?;
    let accounts = engine.database().accounts().await?;
    Ok(Json(UserList { users: accounts.iter().map(user_view).collect() }))
}

/// Invites a user: creates the account with a one-time password, shown once in the answer,
/// that its owner must change at first sign-in. A service account gets no password.
async fn invite_user(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<InviteRequest>,
) -> ApiResult<Response> {
    require_admin(&user)?;
    let (username, display) = request.check().map_err(ApiError::BadRequest)?;
    let password = (!request.service).then(auth::generate_password);
    let hash = match &password {
        Some(p) => Some(auth::hash_password_async(p.clone()).await.map_err(ApiError::internal)?),
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
        data.upsert_user(analytics::dataset::User { active: true, created_at_ms: now, ..dataset_user(&account) });
        data.append_history(stored);
    });
    Ok(secret_response(StatusCode::CREATED, Invited { user: user_view(&account), password }))
}

/// Changes a user's role or deactivates (or reactivates) the account. An admin cannot demote or
/// deactivate themselves, so there is always an admin.
async fn change_user(
    State(engine): State<Arc<Engine>>,
    State(sessions): State<Arc<crate::auth::SessionCache>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<i64>,
    JsonBody(change): JsonBody<UserChange>,
) -> ApiResult<Json<UserAnswer>> {
    require_admin(&user)?;
    let db = engine.database();
    let _writing = engine.write_lock().await;
    let current = db.account(id).await?.ok_or_else(|| ApiError::not_found(format!("user {id} does not exist")))?;
    let role = change.role.unwrap_or(current.role);
    let active = change.active.unwrap_or(current.active);
    if id == user.id && (role != Role::Admin || !active) {
        return Err(ApiError::Unprocessable("you cannot demote or deactivate yourself; another admin can".to_owned()));
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
                let action = if active { "reactivated" } else { "deactivated" };
                entries.push(user_event(&user, id, now, action, Some(before.active.to_string()), Some(active.to_string())));
            }
            entries
        })
        .await
        .map_err(|e| match e {
            // The last active admin stays one: a workflow rule, not a race.
            storage::StorageError::Conflict(m) => ApiError::Unprocessable(m),
            other => other.into(),
        })?;
    // A deactivated account's sessions ended, and a role change holds from the next request.
    sessions.clear();
    engine.update(|data| {
        data.upsert_user(dataset_user(&after));
        data.append_history(stored);
    });
    Ok(Json(UserAnswer { user: user_view(&after) }))
}

// --- API keys ---------------------------------------------------------------------------------

async fn api_keys(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> ApiResult<Json<ApiKeyList>> {
    require_admin(&user)?;
    let keys = engine.database().api_keys().await?;
    let api_keys = keys.into_iter().map(|k| ApiKeyView::new(k.id, k.name, k.user_id, k.created_at_ms, k.revoked_at_ms, KeyScope::parse_list(&k.scopes))).collect();
    Ok(Json(ApiKeyList { api_keys }))
}

/// Creates an API key; the key is in the answer once and never again.
async fn create_api_key(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<ApiKeyRequest>,
) -> ApiResult<Response> {
    require_admin(&user)?;
    let name = request.check().map_err(ApiError::BadRequest)?;
    let owner = request.user_id.unwrap_or(user.id);
    let db = engine.database();
    let account = db.account(owner).await?.ok_or_else(|| ApiError::bad(format!("user_id: user {owner} does not exist")))?;
    if !account.active {
        return Err(ApiError::bad(format!("user_id: {} is deactivated", account.username)));
    }
    if owner != user.id && !account.service {
        return Err(ApiError::Forbidden(format!(
            "user_id: {} is a person; a key acts as yourself or as a service account, never as someone else",
            account.username
        )));
    }
    let key = auth::new_api_key();
    let now = now_ms();
    let _writing = engine.write_lock().await;
    let entries = vec![user_event(&user, owner, now, "api_key_created", None, Some(name.to_owned()))];
    let mut scopes = request.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let (id, stored) = db.create_api_key(name, &auth::secret_hash(&key), owner, user.id, &KeyScope::join(&scopes), now, entries).await?;
    engine.update(|data| data.append_history(stored));
    Ok(secret_response(StatusCode::CREATED, ApiKeyCreated { id, name: name.to_owned(), user_id: owner, key, scopes }))
}

async fn revoke_api_key(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    require_admin(&user)?;
    let now = now_ms();
    let _writing = engine.write_lock().await;
    let entries = vec![user_event(&user, user.id, now, "api_key_revoked", None, Some(id.to_string()))];
    let Some(stored) = engine.database().revoke_api_key(id, now, entries).await? else {
        return Err(ApiError::not_found(format!("API key {id} does not exist or is already revoked")));
    };
    engine.update(|data| data.append_history(stored));
    Ok(StatusCode::NO_CONTENT)
}

// --- settings ---------------------------------------------------------------------------------

/// Sets the webhook. The URL is kept as given (only admins read it back); the history keeps
/// only its scheme and host, since the path or query often carries a token.
async fn set_webhook(
    State(engine): State<Arc<Engine>>,
    State(policy): State<webhook::Policy>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<WebhookRequest>,
) -> ApiResult<Json<WebhookSetting>> {
    require_admin(&user)?;
    let url = webhook::check_url(&request.url, &policy).map_err(ApiError::bad)?;
    let url = url.as_str().to_owned();
    let db = engine.database();
    let _writing = engine.write_lock().await;
    let old = db.setting(WEBHOOK_SETTING).await?;
    let now = now_ms();
    let entry = HistoryEntry {
        at_ms: now,
        actor_id: Some(user.id),
        asset_type: AssetType::Rule,
        asset_id: "workflow".into(),
        action: "webhook".into(),
        old_value: old.as_deref().map(webhook::redacted),
        new_value: Some(webhook::redacted(&url)),
        reason: None,
        comment: None,
        api_key_id: user.api_key_id,
    };
    let stored = db.set_setting(WEBHOOK_SETTING, &url, now, vec![entry]).await?;
    engine.update(|data| data.append_history(stored));
    Ok(Json(WebhookSetting { url: Some(url) }))
}

async fn webhook(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>) -> ApiResult<Json<WebhookSetting>> {
    require_admin(&user)?;
    Ok(Json(WebhookSetting { url: engine.database().setting(WEBHOOK_SETTING).await? }))
}

// --- case SLA targets ---------------------------------------------------------------------------

/// `GET /api/v1/settings/case-sla`: the SLA targets in force (every signed-in user reads them:
/// the case aging module shows them).
async fn case_sla(State(engine): State<Arc<Engine>>) -> Json<CaseSla> {
    Json(CaseSla { targets: SlaTargets::current(&engine.snapshot()).0 })
}

/// `PUT /api/v1/settings/case-sla`: new targets for every priority. Kept in the history (old and
/// new), so the change is audited and reaches every instance; the same targets again change
/// nothing. A bad target is a 400 naming the priority.
async fn set_case_sla(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    JsonBody(request): JsonBody<CaseSla>,
) -> ApiResult<Json<CaseSla>> {
    require_admin(&user)?;
    let targets = SlaTargets(request.targets).check().map_err(ApiError::BadRequest)?;
    let _writing = engine.write_lock().await;
    let old = SlaTargets::current(&engine.snapshot());
    if old == targets {
        return Ok(Json(CaseSla { targets: targets.0 }));
    }
    let entry = HistoryEntry {
        at_ms: now_ms(),
        actor_id: Some(user.id),
        asset_type: AssetType::Rule,
        asset_id: SLA_ASSET_ID.into(),
        action: SLA_ACTION.into(),
        old_value: Some(old.to_text()),
        new_value: Some(targets.to_text()),
        reason: None,
        comment: None,
        api_key_id: user.api_key_id,
    };
    let stored = engine.database().append_history(vec![entry]).await?;
    engine.update(|data| data.append_history(stored));
    Ok(Json(CaseSla { targets: targets.0 }))
}

#[cfg(test)]
mod tests {
    use axum::http::Method;
    use serde_json::json;

    use super::*;
    use crate::routes::testing::TestState;

    #[tokio::test]
    async fn an_admin_invites_a_service_account_and_gives_it_a_key_once() {
        let t = TestState::new(0).await;
        let (status, _) = t.send(router(), Role::Analyst, Method::GET, "/api/v1/users", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let invite = json!({ "username": "shipper", "role": "analyst", "service": true });
        let (status, answer) = t.send(router(), Role::Admin, Method::POST, "/api/v1/users", Some(invite)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert_eq!(answer["password"], serde_json::Value::Null, "a service account gets no password: {answer}");
        let invited: Invited = serde_json::from_value(answer).unwrap();
        assert!(invited.user.service && !invited.user.can_sign_in);
        assert!(t.engine().snapshot().user_named("shipper").is_some(), "the dataset knows the account");

        let key = json!({ "name": "log shipper", "user_id": invited.user.id });
        let (status, answer) = t.send(router(), Role::Admin, Method::POST, "/api/v1/api-keys", Some(key)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let created: ApiKeyCreated = serde_json::from_value(answer).unwrap();
        assert!(created.key.starts_with("sb_"));
        let (_, list) = t.send(router(), Role::Admin, Method::GET, "/api/v1/api-keys", None).await;
        let list: ApiKeyList = serde_json::from_value(list).unwrap();
        assert_eq!((list.api_keys[0].id, list.api_keys[0].revoked_at.as_deref()), (created.id, None));
        let path = format!("/api/v1/api-keys/{}", created.id);
        let (status, _) = t.send(router(), Role::Admin, Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, answer) = t.send(router(), Role::Admin, Method::DELETE, &path, None).await;
        assert_eq!((status, answer["error"].as_str()), (StatusCode::NOT_FOUND, Some(format!("API key {} does not exist or is already revoked", created.id).as_str())));
    }

    #[tokio::test]
    async fn an_admin_cannot_demote_themselves_and_the_webhook_starts_unset() {
        let t = TestState::new(0).await;
        let admin = t.user(Role::Admin);
        let path = format!("/api/v1/users/{}", admin.id);
        let (status, answer) = t.send(router(), Role::Admin, Method::PATCH, &path, Some(json!({ "role": "viewer" }))).await;
        assert_eq!((status, answer["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("you cannot demote or deactivate yourself; another admin can")));
        let (status, answer) = t.send(router(), Role::Admin, Method::GET, "/api/v1/settings/webhook", None).await;
        assert_eq!((status, answer), (StatusCode::OK, json!({ "url": null })));
    }
}
