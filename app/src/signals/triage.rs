//! The triage actions on one signal: change its state, assign it, archive it, add it to a case,
//! declare an incident from it, run the workflow.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::json;

use analytics::{ArchiveReason, TriageState};

use crate::auth::use_current_user;
use crate::client;
use crate::format::human;
use crate::rows::SignalDetail;

/// The actions open to someone who may change signals, or why there are none.
#[component]
pub(super) fn TriageActions(d: SignalDetail, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let user = use_current_user();
    let id = d.row.id;
    let version = d.row.version;
    let reason = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let case_title = RwSignal::new(d.row.title.clone());
    let incident_severity = RwSignal::new("SEV-3".to_owned());
    let change = move |body: serde_json::Value, done: &'static str| {
        let mut body = body;
        body["version"] = json!(version);
        client::run(refresh, message, async move { client::post(&format!("/api/v1/signals/{id}/triage"), &body).await }, move |_| {
            format!("Signal {id}: {done}")
        });
    };
    if !d.modifiable {
        return view! {
            <p class="notice" data-testid="too-old">"Detected more than 30 days ago: this signal can no longer be changed."</p>
        }
        .into_any();
    }
    let states = d.next_states.clone();
    let can_archive = states.contains(&TriageState::Archived);
    let assignee = d.assignee_id;
    let navigate = use_navigate();
    let _ = &navigate;
    view! {
        <section class="panel-section triage" aria-label="Triage">
            <div class="action-row">
                {states.iter().filter(|s| **s != TriageState::Archived).map(|&s| {
                    let label = match s {
                        TriageState::UnderReview => "Move to under review",
                        TriageState::Open => "Reopen",
                        TriageState::Archived => "Archive",
                    };
                    view! { <button class="button" on:click=move |_| change(json!({ "change": "state", "to": s.as_str() }), label)>{label}</button> }
                }).collect_view()}
                {if assignee.is_some() && assignee == user.get_untracked().map(|u| u.id) {
                    view! { <button class="button" on:click=move |_| change(json!({ "change": "assign", "assignee_id": null }), "unassigned")>"Unassign"</button> }.into_any()
                } else {
                    view! {
                        <button class="button" on:click=move |_| change(json!({ "change": "assign", "assignee_id": user.get_untracked().map(|u| u.id) }), "assigned to you")>
                            "Assign to me"
                        </button>
                    }
                    .into_any()
                }}
                <select aria-label="Assignee" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let assignee = value.parse::<i64>().ok();
                    change(json!({ "change": "assign", "assignee_id": assignee }), "assignee changed");
                }>
                    <option value="" selected=assignee.is_none()>"Unassigned"</option>
                    {d.assignable.iter().map(|a| view! {
                        <option value=a.id.to_string() selected=assignee == Some(a.id)>{a.display_name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            {can_archive.then(|| view! {
                <form class="archive-form" on:submit=move |ev| {
                    ev.prevent_default();
                    change(json!({ "change": "state", "to": "archived", "reason": reason.get_untracked(), "comment": comment.get_untracked() }), "archived");
                }>
                    <select aria-label="Archive reason" required on:change=move |ev| reason.set(event_target_value(&ev))>
                        <option value="">"Reason…"</option>
                        {ArchiveReason::ALL.iter().map(|r| view! { <option value=r.as_str()>{human(r.as_str())}</option> }).collect_view()}
                    </select>
                    <input aria-label="Archive comment" placeholder="Comment (optional)" on:input=move |ev| comment.set(event_target_value(&ev))/>
                    <button class="button primary" type="submit" prop:disabled=move || reason.get().is_empty()>"Archive"</button>
                </form>
            })}
            <div class="action-row">
                <input aria-label="Case title" prop:value=case_title on:input=move |ev| case_title.set(event_target_value(&ev))/>
                <button class="button" on:click=move |_| {
                    let body = json!({ "title": case_title.get_untracked(), "signals": [{ "id": id, "version": version }] });
                    client::run(refresh, message, async move { client::post("/api/v1/cases", &body).await }, |v| format!("Created case {}", v["case"]["id"]));
                }>"Create case"</button>
                {(!d.open_cases.is_empty()).then(|| view! {
                    <select aria-label="Add to case" on:change=move |ev| {
                        if let Ok(case) = event_target_value(&ev).parse::<i64>() {
                            let body = json!({ "signals": [{ "id": id, "version": version }] });
                            client::run(refresh, message, async move { client::post(&format!("/api/v1/cases/{case}/signals"), &body).await }, move |_| format!("Added to case {case}"));
                        }
                    }>
                        <option value="">"Add to case…"</option>
                        {d.open_cases.iter().take(50).map(|(cid, title)| view! { <option value=cid.to_string()>{format!("{cid}: {title}")}</option> }).collect_view()}
                    </select>
                })}
            </div>
            <div class="action-row">
                <select aria-label="Incident severity" on:change=move |ev| incident_severity.set(event_target_value(&ev))>
                    {analytics::IncidentSeverity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=s.as_str() == "SEV-3">{s.as_str()}</option> }).collect_view()}
                </select>
                <button class="button" on:click={
                    let title = d.row.title.clone();
                    move |_| {
                        let body = json!({ "title": title, "severity": incident_severity.get_untracked(), "signal_id": id, "commander_id": user.get_untracked().map(|u| u.id) });
                        client::run(refresh, message, async move { client::post("/api/v1/incidents", &body).await }, |v| format!("Declared incident {}", v["incident"]["id"]));
                    }
                }>"Declare incident"</button>
                <button class="button" on:click=move |_| {
                    client::run(refresh, message, async move { client::post(&format!("/api/v1/signals/{id}/workflow"), &json!({})).await }, |v| format!("Workflow ran: the webhook answered {}", v["status"]));
                }>"Run workflow"</button>
            </div>
        </section>
    }
    .into_any()
}
