//! The security overview module (§4.5): signals by severity with their trends, the flow from
//! severity to source to resolution, and the time to respond.

use analytics::overview::{term, FlowLink, SecurityOverview};
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
    let grouped = small_sources(&sources);
    let mut resolutions: Vec<(String, String)> = vec![
        ("resolution:open".into(), "open".into()),
        ("resolution:under_review".into(), "under review".into()),
    ];
    resolutions.extend(ArchiveReason::ALL.iter().map(|r| (format!("resolution:{}", r.as_str()), human(r.as_str()))));
    let mut source_nodes: Vec<(String, String)> = sources
        .iter()
        .filter(|(id, _)| !grouped.contains(id))
        .map(|(id, _)| (id.clone(), id.trim_start_matches("source:").to_owned()))
        .collect();
    if !grouped.is_empty() {
        source_nodes.push((OTHER.to_owned(), format!("{} other sources", grouped.len())));
    }
    let columns = vec![
        Severity::ALL.iter().map(|s| (format!("severity:{}", s.as_str()), s.as_str().to_owned())).collect(),
        source_nodes,
        resolutions,
    ];
    let bands = flow_bands(&d.flow, &grouped, &drill);
    let source_order: Vec<String> = sources.iter().map(|s| s.0.clone()).filter(|s| !grouped.contains(s)).collect();
    let flow = charts::flow((1180, 330), "Signal flow from severity to source to resolution", &columns, &bands, |node| {
        if let Some(sev) = node.strip_prefix("severity:") {
            Severity::parse(sev).map(|s| SEVERITY_COLOURS[s.index()]).unwrap_or(charts::palette(9))
        } else if node.starts_with("source:") {
            charts::palette(source_order.iter().position(|s| s == node).unwrap_or(9))
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

/// The node standing for the sources too small to label on their own.
const OTHER: &str = "source:other";

/// The sources grouped as "other sources": those under 2 % of the signals, or beyond the eight
/// largest, when there are at least two of them (one small source keeps its own node).
fn small_sources(sources: &[(String, u64)]) -> Vec<String> {
    let total: u64 = sources.iter().map(|s| s.1).sum();
    let small: Vec<String> = sources
        .iter()
        .enumerate()
        .filter(|(k, (_, n))| *k >= 8 || (*n as f64) < total as f64 * 0.02)
        .map(|(_, (id, _))| id.clone())
        .collect();
    if small.len() >= 2 { small } else { Vec::new() }
}

/// The diagram's bands: each flow link, with the links of grouped sources summed into bands
/// to and from "other sources", whose drill-down names every grouped source.
fn flow_bands(flow: &[FlowLink], grouped: &[String], drill: &Drill) -> Vec<Band> {
    let terms: Vec<String> = grouped.iter().map(|id| term("source", id.trim_start_matches("source:"))).collect();
    let any_grouped = format!("({})", terms.join(" OR "));
    let mut bands: Vec<Band> = Vec::new();
    let mut other: Vec<(String, String, u64, String)> = Vec::new();
    for link in flow {
        let (from, to, rest) = if grouped.contains(&link.to) {
            // severity → grouped source: the severity's term, then any of the grouped sources.
            let severity = term("status", link.from.trim_start_matches("severity:"));
            (link.from.clone(), OTHER.to_owned(), format!("{severity} {any_grouped}"))
        } else if grouped.contains(&link.from) {
            // grouped source → resolution: the link's query less its source term.
            let own = format!("{} ", term("source", link.from.trim_start_matches("source:")));
            let resolution = link.query.strip_prefix(&own).unwrap_or(&link.query).to_owned();
            (OTHER.to_owned(), link.to.clone(), format!("{any_grouped} {resolution}"))
        } else {
            bands.push(Band { from: link.from.clone(), to: link.to.clone(), value: link.signals as f64, href: drill.href(&link.query) });
            continue;
        };
        match other.iter_mut().find(|o| o.0 == from && o.1 == to) {
            Some(o) => o.2 += link.signals,
            None => other.push((from, to, link.signals, rest)),
        }
    }
    bands.extend(other.into_iter().map(|(from, to, n, query)| Band { from, to, value: n as f64, href: drill.href(&query) }));
    bands
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sources_are_grouped_only_when_there_are_several() {
        let sources = |ns: &[u64]| -> Vec<(String, u64)> { ns.iter().enumerate().map(|(k, n)| (format!("source:s{k}"), *n)).collect() };
        assert!(small_sources(&sources(&[1000, 10])).is_empty(), "one small source keeps its node");
        assert_eq!(small_sources(&sources(&[1000, 10, 5])), vec!["source:s1", "source:s2"]);
        let many = sources(&[100, 100, 100, 100, 100, 100, 100, 100, 100, 100]);
        assert_eq!(small_sources(&many), vec!["source:s8", "source:s9"], "beyond the eight largest");
    }
}
