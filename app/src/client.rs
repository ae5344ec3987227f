//! The browser's calls to the REST API's writes (gloo-net): every change the pages make goes
//! through the same routes, and the same permission checks, as any other client, with the request
//! and answer types of [`crate::contract`], so a renamed field fails to compile on both sides.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::contract::*;

/// A route's HTTP method.
#[derive(Debug, Clone, Copy)]
enum Method {
    Post,
    Patch,
    Put,
    Delete,
}

/// A route that takes no body still speaks JSON: `{}`.
#[derive(Serialize)]
struct Empty {}

/// Sends `body` as JSON with `method` to `path` and reads the answer as `T` (an empty answer reads
/// as `null`), or answers the server's message (`{"error": ...}`) for people to read.
async fn call<T: DeserializeOwned>(method: Method, path: &str, body: &impl Serialize) -> Result<T, String> {
    #[cfg(feature = "hydrate")]
    {
        use gloo_net::http::Request;
        let builder = match method {
            Method::Post => Request::post(path),
            Method::Patch => Request::patch(path),
            Method::Put => Request::put(path),
            Method::Delete => Request::delete(path),
        };
        let response = builder
            .json(body)
            .map_err(|e| format!("cannot send the request: {e}"))?
            .send()
            .await
            .map_err(|e| format!("the server could not be reached: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let text = if text.trim().is_empty() { "null" } else { text.as_str() };
        if (200..300).contains(&status) {
            serde_json::from_str(text).map_err(|e| format!("the server's answer does not read: {e}"))
        } else {
            Err(serde_json::from_str::<ErrorBody>(text).map_or_else(|_| format!("the server answered {status}"), |body| body.error))
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, path, serde_json::to_string(body));
        Err("changes are made from the browser".to_owned())
    }
}

/// `POST /api/v1/signals/{id}/triage`.
pub async fn triage(id: i64, request: &TriageRequest) -> Result<TriageOutcome, String> {
    call(Method::Post, &format!("/api/v1/signals/{id}/triage"), request).await
}

/// `POST /api/v1/signals/triage`: the same change for several signals.
pub async fn triage_many(request: &BulkRequest) -> Result<BulkOutcome, String> {
    call(Method::Post, "/api/v1/signals/triage", request).await
}

/// `POST /api/v1/cases`.
pub async fn create_case(request: &CaseRequest) -> Result<CaseCreated, String> {
    call(Method::Post, "/api/v1/cases", request).await
}

/// `PATCH /api/v1/cases/{id}`.
pub async fn update_case(id: i64, request: &CaseUpdate) -> Result<CaseAnswer, String> {
    call(Method::Patch, &format!("/api/v1/cases/{id}"), request).await
}

/// `POST /api/v1/cases/{id}/signals`.
pub async fn link_signals(case: i64, request: &LinkRequest) -> Result<LinkOutcome, String> {
    call(Method::Post, &format!("/api/v1/cases/{case}/signals"), request).await
}

/// `POST /api/v1/incidents`.
pub async fn declare_incident(request: &IncidentRequest) -> Result<IncidentAnswer, String> {
    call(Method::Post, "/api/v1/incidents", request).await
}

/// `PATCH /api/v1/incidents/{id}`.
pub async fn update_incident(id: i64, request: &IncidentUpdate) -> Result<IncidentAnswer, String> {
    call(Method::Patch, &format!("/api/v1/incidents/{id}"), request).await
}

/// `POST /api/v1/signals/{id}/workflow`.
pub async fn run_workflow(id: i64) -> Result<WorkflowOutcome, String> {
    call(Method::Post, &format!("/api/v1/signals/{id}/workflow"), &Empty {}).await
}

/// `PUT /api/v1/settings/webhook`.
pub async fn set_webhook(request: &WebhookRequest) -> Result<WebhookSetting, String> {
    call(Method::Put, "/api/v1/settings/webhook", request).await
}

/// `PUT /api/v1/settings/case-sla`.
pub async fn set_case_sla(request: &CaseSla) -> Result<CaseSla, String> {
    call(Method::Put, "/api/v1/settings/case-sla", request).await
}

/// `POST /api/v1/attack/layers`: the layer file's JSON, as read.
pub async fn import_attack_layer(layer: &serde_json::Value) -> Result<LayerImported, String> {
    call(Method::Post, "/api/v1/attack/layers", layer).await
}

/// `POST /api/v1/users`.
pub async fn invite_user(request: &InviteRequest) -> Result<Invited, String> {
    call(Method::Post, "/api/v1/users", request).await
}

/// `PATCH /api/v1/users/{id}`.
pub async fn change_user(id: i64, request: &UserChange) -> Result<UserAnswer, String> {
    call(Method::Patch, &format!("/api/v1/users/{id}"), request).await
}

/// `POST /api/v1/api-keys`.
pub async fn create_api_key(request: &ApiKeyRequest) -> Result<ApiKeyCreated, String> {
    call(Method::Post, "/api/v1/api-keys", request).await
}

/// `DELETE /api/v1/api-keys/{id}` (answers 204, no body).
pub async fn revoke_api_key(id: i64) -> Result<(), String> {
    call(Method::Delete, &format!("/api/v1/api-keys/{id}"), &Empty {}).await
}

/// `POST /api/v1/intel-lists`.
pub async fn import_intel_list(request: &IntelListRequest) -> Result<IntelListView, String> {
    call(Method::Post, "/api/v1/intel-lists", request).await
}

/// `DELETE /api/v1/intel-lists/{id}` (answers 204, no body).
pub async fn remove_intel_list(id: i64) -> Result<(), String> {
    call(Method::Delete, &format!("/api/v1/intel-lists/{id}"), &Empty {}).await
}

/// `PATCH /api/v1/rules/{id}`.
pub async fn change_rule(id: &str, request: &RuleChange) -> Result<RuleView, String> {
    call(Method::Patch, &format!("/api/v1/rules/{}", crate::format::encode(id)), request).await
}

/// `POST /api/v1/rules/import`.
pub async fn import_rules(request: &RuleUpload) -> Result<RuleImportReport, String> {
    call(Method::Post, "/api/v1/rules/import", request).await
}

/// What the last change said: `Ok` for a confirmation, `Err` for the server's refusal.
pub type Outcome = leptos::prelude::RwSignal<Option<Result<String, String>>>;

/// Runs a change in the browser, then says how it went in `message` and bumps `refresh` so the
/// page reloads what it shows.
pub fn run<T: 'static>(
    refresh: leptos::prelude::RwSignal<u32>,
    message: Outcome,
    call: impl std::future::Future<Output = Result<T, String>> + 'static,
    describe: impl Fn(&T) -> String + 'static,
) {
    use leptos::prelude::{Set, Update};
    leptos::task::spawn_local(async move {
        let outcome = call.await;
        message.set(Some(outcome.as_ref().map(&describe).map_err(Clone::clone)));
        refresh.update(|n| *n += 1);
    });
}

/// The confirmation (`role=status`) or refusal (`role=alert`) of the last change.
#[leptos::component]
pub fn Notice(message: Outcome) -> impl leptos::IntoView {
    use leptos::prelude::*;
    move || {
        message.get().map(|m| match m {
            Ok(text) => view! { <p class="notice ok" role="status">{text}</p> }.into_any(),
            Err(text) => view! { <p class="notice error" role="alert">{text}</p> }.into_any(),
        })
    }
}
