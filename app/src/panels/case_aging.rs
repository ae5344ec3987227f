//! The case aging and SLA module (§4.11): open cases and those breaching a target, mean and p90
//! age, open cases by age and priority and per assignee, and every open case against its SLA,
//! breaching first. Every number opens the cases behind it (`/cases?ids=…`).

use analytics::overview::{CaseAging, CaseSet, SlaState};
use leptos::prelude::*;

use super::common::{empty, Change};
use crate::format::{duration, thousands};

/// The cases list filtered to `set`, with `label` saying what they are.
pub(crate) fn cases_href(set: &CaseSet, label: &str) -> String {
    let ids: Vec<String> = set.ids.iter().map(i64::to_string).collect();
    format!("/cases?ids={}&label={}", ids.join(","), crate::format::encode(label))
}

/// A count that opens its cases ("0" stays plain text).
fn count(set: &CaseSet, label: &str) -> AnyView {
    match set.count {
        0 => view! { <span class="faint">"0"</span> }.into_any(),
        n => view! { <a class="drill" href=cases_href(set, label) data-count=n title=label.to_owned() tabindex="-1">{thousands(n as f64)}</a> }.into_any(),
    }
}

#[component]
pub(super) fn CaseAgingPanel(d: CaseAging) -> impl IntoView {
    let age = |ms: Option<f64>| ms.map(duration).unwrap_or_else(|| "–".into());
    let targets = d
        .targets
        .0
        .iter()
        .map(|t| format!("{}: respond {}, close {}", t.priority, duration(t.response_ms as f64), duration(t.close_ms as f64)))
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <div class="stats">
            <a class="stat drill" href=cases_href(&d.open_cases, "Open cases") data-count=d.open_cases.count data-testid="aging-open">
                <span class="stat-label">"Open cases"</span>
                <span class="stat-value">{thousands(d.open.value)}</span>
                <Change kpi=d.open lower_is_better=true/>
            </a>
            <a class="stat drill" href=cases_href(&d.breaching_cases, "Open cases breaching their SLA") data-count=d.breaching_cases.count data-testid="aging-breaching">
                <span class="stat-label">"Breaching SLA"</span>
                <span class="stat-value risk-critical">{thousands(d.breaching.value)}</span>
                <Change kpi=d.breaching lower_is_better=true/>
            </a>
            <a class="stat drill" href=cases_href(&d.at_risk, "Open cases about to breach their SLA") data-count=d.at_risk.count data-testid="aging-at-risk">
                <span class="stat-label">"About to breach"</span>
                <span class="stat-value">{thousands(d.at_risk.count as f64)}</span>
            </a>
            <div class="stat">
                <span class="stat-label">"Mean age"</span>
                <span class="stat-value">{age(d.mean_age_ms)}</span>
            </div>
            <div class="stat">
                <span class="stat-label">"p90 age"</span>
                <span class="stat-value">{age(d.p90_age_ms)}</span>
            </div>
        </div>
        {(d.open_cases.count == 0).then(|| empty("No case is open."))}
        <div class="split">
            <div class="split-main">
                <h3 class="module-subtitle">"Open cases by age and priority"</h3>
                <div data-roving="" role="group" aria-label="Open cases by age and priority: arrow keys move between its links">
                <table class="mini-table" data-testid="aging-matrix" tabindex="0">
                    <thead><tr><th scope="col">"Priority"</th>
                        {d.age_buckets.iter().map(|b| view! { <th scope="col" class="num">{b.clone()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {d.by_age.iter().map(|(priority, sets)| view! {
                            <tr>
                                <th scope="row">{priority.as_str()}</th>
                                {sets.iter().zip(&d.age_buckets).map(|(set, bucket)| view! {
                                    <td class="num">{count(set, &format!("Open {priority} cases aged {bucket}"))}</td>
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            </div>
            <div class="split-side">
                <h3 class="module-subtitle">"Open cases per assignee"</h3>
                <div data-roving="" role="group" aria-label="Open cases per assignee: arrow keys move between them">
                <ul class="rows" data-testid="aging-assignees" tabindex="0">
                    {d.by_assignee.iter().map(|(who, set)| {
                        let name = who.clone().unwrap_or_else(|| "Unassigned".to_owned());
                        view! {
                            <li class="row">
                                <span class="row-main">{name.clone()}</span>
                                <span class="row-detail">{count(set, &format!("Open cases of {name}"))}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                </div>
            </div>
        </div>
        <h3 class="module-subtitle">"Open cases against their SLA"</h3>
        <div class="table-scroll" data-roving="" role="group" aria-label="Open cases against their SLA: arrow keys move between them">
            <table class="mini-table aging-table" data-testid="aging-cases" tabindex="0">
                <thead><tr>
                    <th scope="col">"Case"</th><th scope="col">"SLA"</th><th scope="col">"Priority"</th>
                    <th scope="col">"Assignee"</th><th scope="col" class="num">"Age"</th><th scope="col" class="num" title="Since the last event on the case or its signals">"Idle"</th>
                </tr></thead>
                <tbody>
                    {d.cases.iter().take(12).map(|c| view! {
                        <tr data-sla=c.sla.as_str()>
                            <td class="case-title"><a href=format!("/cases/{}", c.id) title=c.title.clone() tabindex="-1">{format!("#{} {}", c.id, c.title)}</a></td>
                            <td><span class=format!("pill sla-{}", c.sla.as_str())>{sla_label(c.sla)}</span>" "<span class="faint">{c.detail.clone()}</span></td>
                            <td>{c.priority.as_str()}</td>
                            <td>{c.assignee.clone().unwrap_or_else(|| "–".into())}</td>
                            <td class="num">{duration(c.age_ms as f64)}</td>
                            <td class="num">{duration(c.idle_ms as f64)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(d.cases.len() > 12).then(|| view! {
            <p class="list-count">{format!("12 of {} · ", d.cases.len())}
                <a href=cases_href(&d.open_cases, "Open cases")>"show all"</a></p>
        })}
        <p class="faint module-note" data-testid="aging-targets">"Targets: " {targets} " (an admin changes them on the Admin page)"</p>
    }
}

fn sla_label(state: SlaState) -> &'static str {
    match state {
        SlaState::Breached => "breached",
        SlaState::AtRisk => "at risk",
        SlaState::Within => "within",
    }
}
