//! The bar of actions on every selected signal of the list.

use leptos::prelude::*;
use analytics::workflow::Change;
use analytics::{ArchiveReason, TriageState};

use crate::auth::use_current_user;
use crate::client;
use crate::contract::{BulkRequest, CaseRequest, LinkRequest, Selected};
use crate::format::human;

/// The actions on every selected signal.
#[component]
pub(crate) fn BulkBar(
    selected: RwSignal<Vec<(i64, i64)>>,
    refresh: RwSignal<u32>,
    message: client::Outcome,
) -> impl IntoView {
    let user = use_current_user();
    let reason = RwSignal::new(String::new());
    let case_title = RwSignal::new(String::new());
    let open_cases = Resource::new(|| (), |_| crate::service::list_cases());
    let items = move || {
        selected
            .get_untracked()
            .iter()
            .map(|&(id, version)| Selected { id, version })
            .collect::<Vec<_>>()
    };
    let bulk = move |change: Change| {
        let request = BulkRequest { signals: items(), change };
        selected.set(Vec::new());
        client::run(refresh, message, async move { client::triage_many(&request).await }, |outcome| {
            let mut text = format!("{} changed", outcome.changed.len());
            if !outcome.refused.is_empty() {
                let reasons: Vec<&str> = outcome.refused.iter().map(|r| r.error.as_str()).take(3).collect();
                text.push_str(&format!("; {} refused: {}", outcome.refused.len(), reasons.join("; ")));
            }
            text
        });
    };
    view! {
        <div class="bulk-bar" role="toolbar" aria-label="Bulk actions">
            <span><strong>{move || selected.get().len()}</strong>" selected"</span>
            <button class="button" on:click=move |_| bulk(Change::State { to: TriageState::UnderReview, reason: None, comment: None })>"Under review"</button>
            <button class="button" on:click=move |_| bulk(Change::State { to: TriageState::Open, reason: None, comment: None })>"Reopen"</button>
            <button
                class="button"
                on:click=move |_| bulk(Change::Assign { assignee_id: user.get().map(|u| u.id) })
            >
                "Assign to me"
            </button>
            <span class="inline-form">
                <select aria-label="Archive reason for the selection" on:change=move |ev| reason.set(event_target_value(&ev))>
                    <option value="">"Archive as…"</option>
                    {ArchiveReason::ALL.iter().map(|r| view! { <option value=r.as_str()>{human(r.as_str())}</option> }).collect_view()}
                </select>
                <button
                    class="button"
                    prop:disabled=move || reason.get().is_empty()
                    on:click=move |_| bulk(Change::State { to: TriageState::Archived, reason: ArchiveReason::parse(&reason.get_untracked()).ok(), comment: None })
                >
                    "Archive"
                </button>
            </span>
            <span class="inline-form">
                <input
                    placeholder="New case title"
                    aria-label="New case title"
                    prop:value=case_title
                    on:input=move |ev| case_title.set(event_target_value(&ev))
                />
                <button
                    class="button"
                    prop:disabled=move || case_title.get().trim().is_empty()
                    on:click=move |_| {
                        let request = CaseRequest::titled(case_title.get_untracked(), items());
                        selected.set(Vec::new());
                        case_title.set(String::new());
                        client::run(refresh, message, async move { client::create_case(&request).await }, |created| {
                            format!("created case {} with {} signals", created.case.id, created.linked.len())
                        });
                    }
                >
                    "Create case"
                </button>
            </span>
            <select
                aria-label="Add the selection to a case"
                on:change=move |ev| {
                    if let Ok(case) = event_target_value(&ev).parse::<i64>() {
                        let request = LinkRequest { signals: items() };
                        selected.set(Vec::new());
                        client::run(refresh, message, async move { client::link_signals(case, &request).await }, move |outcome| {
                            format!("{} added to case {case}", outcome.linked.len())
                        });
                    }
                }
            >
                <option value="">"Add to case…"</option>
                // The bar exists only in the browser (after a selection), so no hydration here.
                {move || open_cases.get().and_then(Result::ok).map(|cases| {
                    cases
                        .into_iter()
                        .filter(|c| c.status != analytics::CaseStatus::Closed)
                        .take(50)
                        .map(|c| view! { <option value=c.id.to_string()>{format!("{}: {}", c.id, c.title)}</option> })
                        .collect_view()
                })}
            </select>
            <button class="button ghost" on:click=move |_| selected.set(Vec::new())>"Clear"</button>
        </div>
    }
}
