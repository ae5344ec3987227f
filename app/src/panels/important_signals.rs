//! The important signals and cases module (§4.2): open signals by rule and the open cases.

use analytics::overview::{term, ImportantSignals};
use analytics::Severity;
use leptos::prelude::*;

use super::common::{empty, severity_class, Change, Drill, Stat};
use crate::format::{duration, human, thousands};

/// The open signals with their rules and severities, and the most recent open cases.
#[component]
pub(super) fn ImportantSignalsPanel(d: ImportantSignals, drill: Drill) -> impl IntoView {
    let empty_rules = d.rules.is_empty();
    let open_query = term("@workflow.triage.state", "open");
    view! {
        <div class="stats">
            <a class="stat drill" href=drill.href(&open_query) data-count=d.open_signals.value>
                <span class="stat-label">"Open signals"</span>
                <span class="stat-value">{thousands(d.open_signals.value)}</span>
                <Change kpi=d.open_signals lower_is_better=true/>
            </a>
            <Stat label="Open cases" value=d.open_cases_total.to_string()/>
        </div>
        <h3 class="module-subtitle">"Recent open signals by rule"</h3>
        {empty_rules.then(|| empty("No open signals in this window."))}
        <ul class="rows">
            {d.rules.into_iter().take(8).map(|r| {
                let query = r.query.clone();
                view! {
                    <li class="row">
                        <a class="row-main drill" href=drill.href(&r.query) title=r.rule_id.clone()
                            data-count=r.total>{r.rule_name}</a>
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
            }).collect_view()}
        </ul>
        <h3 class="module-subtitle">"Recent open security cases"</h3>
        {d.open_cases.is_empty().then(|| empty("No open cases."))}
        <table class="mini-table">
            <thead><tr><th>"Case"</th><th>"Status"</th><th>"Priority"</th><th>"Assignee"</th><th>"Age"</th></tr></thead>
            <tbody>
                {d.open_cases.into_iter().take(5).map(|c| view! {
                    <tr>
                        <td><a class="drill" href=drill.href(&term("@case.id", &c.id.to_string())) title="The signals of this case">{c.title}</a></td>
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
