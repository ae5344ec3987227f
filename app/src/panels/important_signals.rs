//! The important signals and cases module (§4.2): open signals by rule and the open cases.

use analytics::overview::{term, ImportantSignals};
use analytics::Severity;
use leptos::prelude::*;

use super::common::{empty, listed, severity_class, Change, Drill, ShowAll, Stat};
use crate::format::{duration, human, thousands};

/// The open signals with their rules and severities, and the most recent open cases.
#[component]
pub(super) fn ImportantSignalsPanel(d: ImportantSignals, drill: Drill) -> impl IntoView {
    let empty_rules = d.rules.is_empty();
    let open_query = term("@workflow.triage.state", "open");
    let all_rules = RwSignal::new(false);
    let rule_count = d.rules.len();
    let rules = d.rules;
    let rule_drill = drill.clone();
    let rule_rows = move || {
        let drill = rule_drill.clone();
        let limit = listed(all_rules.get(), rule_count);
        rules.iter().take(limit).cloned().map(|r| {
            let query = r.query.clone();
            view! {
                <li class="row">
                    <a class="row-main drill" href=drill.href(&r.query) title=r.rule_name.clone()
                        data-count=r.total>{r.rule_name.clone()}</a>
                    <span class="pills">
                        {Severity::ALL.iter().zip(r.by_severity).filter(|(_, n)| *n > 0).map(|(s, n)| view! {
                            <a class=format!("{} drill", severity_class(*s)) title=format!("{n} {} open", s.as_str()) data-count=n
                                href=drill.href(&format!("{query} {}", term("status", s.as_str())))>
                                {thousands(n as f64)}
                            </a>
                        }).collect_view()}
                    </span>
                </li>
            }
        }).collect_view()
    };
    view! {
        <div class="stats">
            <a class="stat drill" href=drill.href(&open_query) data-count=d.open_signals.value>
                <span class="stat-label">"Open signals"</span>
                <span class="stat-value">{thousands(d.open_signals.value)}</span>
                <Change kpi=d.open_signals lower_is_better=true/>
            </a>
            <Stat label="Open cases" value=thousands(d.open_cases_total.value)
                change=view! { <Change kpi=d.open_cases_total.clone() lower_is_better=true/> }.into_any()/>
        </div>
        <h3 class="module-subtitle">"Recent open signals by rule"</h3>
        {empty_rules.then(|| empty("No open signals in this window."))}
        {(rule_count > 0).then(|| view! {
            <p class="list-count" data-testid="open-rules-count">
                <span>{move || format!("{} of {} rules", listed(all_rules.get(), rule_count), rule_count)}</span>
                <ShowAll all=all_rules available=rule_count testid="open-rules-show-all"/>
            </p>
        })}
        <ul class="rows" data-testid="open-rules">{rule_rows}</ul>
        <h3 class="module-subtitle">"Recent open security cases"</h3>
        {d.open_cases.is_empty().then(|| empty("No open cases."))}
        {(!d.open_cases.is_empty()).then(|| view! {
            <p class="list-count" data-testid="open-cases-count">
                {format!("{} of {} open cases ", d.open_cases.len().min(5), thousands(d.open_cases_total.value))}
                <a href="/cases">"All cases"</a>
            </p>
        })}
        <table class="mini-table">
            <thead><tr><th>"Case"</th><th>"Status"</th><th>"Priority"</th><th>"Assignee"</th><th>"Age"</th></tr></thead>
            <tbody>
                {d.open_cases.into_iter().take(5).map(|c| view! {
                    <tr>
                        <td><a href=format!("/cases/{}", c.id) title=c.title.clone() data-testid="open-case">{c.title.clone()}</a></td>
                        <td>{human(c.status.as_str())}</td>
                        <td><span class="pill case">{c.priority.as_str()}</span></td>
                        <td>{c.assignee.unwrap_or_else(|| "unassigned".into())}</td>
                        <td class="num">{duration(c.age_ms as f64)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
