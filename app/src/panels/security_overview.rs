//! The security overview module (§4.5): signals by severity with their trends, the flow from
//! severity to source to resolution, and the time to respond.

use analytics::overview::SecurityOverview;
use analytics::{ArchiveReason, Severity};
use leptos::prelude::*;

use super::common::{duration_change, empty, severity_class, Change, Drill};
use crate::charts::{self, Band, SEVERITY_COLOURS};
use crate::format::{duration, human, thousands};

/// The severity tiles, the signal flow diagram and the response times by severity.
#[component]
pub(super) fn SecurityOverviewPanel(d: SecurityOverview, drill: Drill) -> impl IntoView {
    let nothing = d.total.value == 0.0;
    let mut sources: Vec<(String, u64)> = Vec::new();
    for link in d.flow.iter().filter(|l| l.from.starts_with("source:")) {
        match sources.iter_mut().find(|(s, _)| *s == link.from) {
            Some(entry) => entry.1 += link.signals,
            None => sources.push((link.from.clone(), link.signals)),
        }
    }
    sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut resolutions: Vec<(String, String)> = vec![
        ("resolution:open".into(), "open".into()),
        ("resolution:under_review".into(), "under review".into()),
    ];
    resolutions.extend(ArchiveReason::ALL.iter().map(|r| (format!("resolution:{}", r.as_str()), human(r.as_str()))));
    let columns = vec![
        Severity::ALL.iter().map(|s| (format!("severity:{}", s.as_str()), s.as_str().to_owned())).collect(),
        sources.iter().map(|(id, _)| (id.clone(), id.trim_start_matches("source:").to_owned())).collect(),
        resolutions,
    ];
    let bands: Vec<Band> = d
        .flow
        .iter()
        .map(|l| Band { from: l.from.clone(), to: l.to.clone(), value: l.signals as f64, href: drill.href(&l.query) })
        .collect();
    let source_order: Vec<String> = sources.iter().map(|s| s.0.clone()).collect();
    let flow = charts::flow((1180, 330), "Signal flow from severity to source to resolution", &columns, &bands, |node| {
        if let Some(sev) = node.strip_prefix("severity:") {
            Severity::parse(sev).map(|s| SEVERITY_COLOURS[s.index()]).unwrap_or(charts::palette(9))
        } else if node.starts_with("source:") {
            charts::palette(source_order.iter().position(|s| s == node).unwrap_or(0))
        } else {
            charts::palette(9)
        }
    });
    view! {
        <div class="stats">
            {d.by_severity.into_iter().map(|s| view! {
                <a class="stat drill" href=drill.href(&s.query) data-count=s.count.value data-severity=s.severity.as_str()>
                    <span class=severity_class(s.severity)>{s.severity.as_str()}</span>
                    <span class="stat-value">{thousands(s.count.value)}</span>
                    <Change kpi=s.count lower_is_better=true/>
                    <span class="sparkline" aria-hidden="true"
                        inner_html=charts::sparkline(&s.trend, SEVERITY_COLOURS[s.severity.index()], 96, 26)></span>
                </a>
            }).collect_view()}
        </div>
        <h3 class="module-subtitle">"Signal flow: severity → source → resolution"</h3>
        {if nothing {
            empty("No signals in this window.")
        } else {
            view! { <div class="chart-box" inner_html=flow data-testid="signal-flow"></div> }.into_any()
        }}
        <h3 class="module-subtitle">"Mean time to respond"</h3>
        <table class="mini-table" data-testid="response-times">
            <thead><tr><th>"Severity"</th><th class="num">"Mean"</th><th>"vs previous"</th><th class="num">"p50"</th><th class="num">"p90"</th><th class="num">"Responded"</th><th class="num">"Waiting"</th></tr></thead>
            <tbody>
                {d.response.into_iter().map(|r| view! {
                    <tr>
                        <td>{match r.severity {
                            Some(s) => view! { <span class=severity_class(s)>{s.as_str()}</span> }.into_any(),
                            None => view! { <strong>"all"</strong> }.into_any(),
                        }}</td>
                        <td class="num">{r.mean_ms.map(duration).unwrap_or_else(|| "–".into())}</td>
                        <td>{duration_change(r.mean_ms, r.previous_mean_ms)}</td>
                        <td class="num">{r.p50_ms.map(duration).unwrap_or_else(|| "–".into())}</td>
                        <td class="num">{r.p90_ms.map(duration).unwrap_or_else(|| "–".into())}</td>
                        <td class="num">{thousands(r.responded as f64)}</td>
                        <td class="num">{thousands(r.unresponded as f64)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
