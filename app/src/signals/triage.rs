//! The triage actions on one signal: change its state, assign it, archive it, add it to a case,
//! declare an incident from it, run the workflow.

use leptos::prelude::*;
use analytics::workflow::Change;
use analytics::{ArchiveReason, IncidentSeverity, TriageState};

use crate::auth::use_current_user;
use crate::client;
use crate::contract::{CaseRequest, IncidentRequest, LinkRequest, Selected, TriageRequest};
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
    let incident_severity = RwSignal::new(IncidentSeverity::Sev3);
    let change = move |change: Change, done: &'static str| {
        let request = TriageRequest { version, change };
        client::run(refresh, message, async move { client::triage(id, &request).await }, move |_| format!("Signal {id}: {done}"));
    };
    let selected = move || vec![Selected { id, version }];
    if !d.modifiable {
        return view! {
            <p class="notice" data-testid="too-old">"Detected more than 30 days ago: this signal can no longer be changed."</p>
        }
        .into_any();
    }
    let states = d.next_states.clone();
    let can_archive = states.contains(&TriageState::Archived);
    let assignee = d.assignee_id;
    view! {
        <section class="panel-section triage" aria-label="Triage">
            <div class="action-row">
                {states.iter().filter(|s| **s != TriageState::Archived).map(|&s| {
                    let label = match s {
                        TriageState::UnderReview => "Move to under review",
                        TriageState::Open => "Reopen",
                        TriageState::Archived => "Archive",
                    };
                    view! { <button class="button" on:click=move |_| change(Change::State { to: s, reason: None, comment: None }, label)>{label}</button> }
                }).collect_view()}
                {if assignee.is_some() && assignee == user.get_untracked().map(|u| u.id) {
                    view! { <button class="button" on:click=move |_| change(Change::Assign { assignee_id: None }, "unassigned")>"Unassign"</button> }.into_any()
                } else {
                    view! {
                        <button class="button" on:click=move |_| change(Change::Assign { assignee_id: user.get_untracked().map(|u| u.id) }, "assigned to you")>
                            "Assign to me"
                        </button>
                    }
                    .into_any()
                }}
                <select aria-label="Assignee" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let assignee = value.parse::<i64>().ok();
                    change(Change::Assign { assignee_id: assignee }, "assignee changed");
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
                    let reason = ArchiveReason::parse(&reason.get_untracked()).ok();
                    change(Change::State { to: TriageState::Archived, reason, comment: Some(comment.get_untracked()) }, "archived");
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
                    let request = CaseRequest::titled(case_title.get_untracked(), selected());
                    client::run(refresh, message, async move { client::create_case(&request).await }, |created| format!("Created case {}", created.case.id));
                }>"Create case"</button>
                {(!d.open_cases.is_empty()).then(|| view! {
                    <select aria-label="Add to case" on:change=move |ev| {
                        if let Ok(case) = event_target_value(&ev).parse::<i64>() {
                            let request = LinkRequest { signals: selected() };
                            client::run(refresh, message, async move { client::link_signals(case, &request).await }, move |_| format!("Added to case {case}"));
                        }
                    }>
                        <option value="">"Add to case…"</option>
                        {d.open_cases.iter().take(50).map(|(cid, title)| view! { <option value=cid.to_string()>{format!("{cid}: {title}")}</option> }).collect_view()}
                    </select>
                })}
            </div>
            <div class="action-row">
                <select aria-label="Incident severity" on:change=move |ev| {
                    if let Ok(severity) = IncidentSeverity::parse(&event_target_value(&ev)) {
                        incident_severity.set(severity);
                    }
                }>
                    {IncidentSeverity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=*s == IncidentSeverity::Sev3>{s.as_str()}</option> }).collect_view()}
                </select>
                <button class="button" on:click={
                    let title = d.row.title.clone();
                    move |_| {
                        let request = IncidentRequest {
                            title: title.clone(),
                            severity: incident_severity.get_untracked(),
                            commander_id: user.get_untracked().map(|u| u.id),
                            case_id: None,
                            signal_id: Some(id),
                        };
                        client::run(refresh, message, async move { client::declare_incident(&request).await }, |answer| format!("Declared incident {}", answer.incident.id));
                    }
                }>"Declare incident"</button>
                <button class="button" on:click=move |_| {
                    client::run(refresh, message, async move { client::run_workflow(id).await }, |outcome| format!("Workflow ran: the webhook answered {}", outcome.status));
                }>"Run workflow"</button>
            </div>
        </section>
    }
    .into_any()
}
