//! The threat-informed coverage module (§4.13): how much of what MITRE's ATT&CK groups are
//! known to do the enabled rules would see, the groups with the biggest gaps first. A group's
//! signals lead to the explorer; "On the matrix" draws the group over the ATT&CK matrix.

use analytics::overview::{GroupCoverage, ThreatCoverage};
use leptos::prelude::*;

use super::common::{Change, Drill, Stat};
use crate::format::{encode, thousands};

#[component]
pub(super) fn ThreatCoveragePanel(d: ThreatCoverage, drill: Drill) -> impl IntoView {
    let pct = |covered: f64, total: u32| if total > 0 { covered * 100.0 / f64::from(total) } else { 0.0 };
    let listed = d.groups.len();
    view! {
        <div class="stats">
            <Stat label="Group techniques covered" value=format!("{} / {}", d.covered.value, d.techniques)
                change=view! { <Change kpi=d.covered/> }.into_any()/>
            <Stat label="Coverage" value=format!("{:.0}%", pct(d.covered.value, d.techniques))/>
            <Stat label="Groups at least half covered" value=format!("{} / {}", d.half_covered_groups.value, d.groups_total)
                change=view! { <Change kpi=d.half_covered_groups/> }.into_any()/>
        </div>
        <h3 class="module-subtitle">{format!("Biggest gaps: the {listed} groups with the most uncovered techniques")}</h3>
        <div class="table-scroll" data-roving="" role="group" aria-label="ATT&CK groups: arrow keys move between their links">
            <table class="mini-table threat-table" data-testid="threat-groups" tabindex="0">
                <thead><tr>
                    <th scope="col">"Group"</th>
                    <th scope="col">"Covered"</th>
                    <th scope="col">"Uncovered techniques"</th>
                    <th scope="col" class="num" title="Signals of the window whose rule maps one of the group's techniques">"Signals"</th>
                    <th scope="col"><span class="visually-hidden">"Matrix"</span></th>
                </tr></thead>
                <tbody>{d.groups.into_iter().map(|g| row(g, &drill)).collect_view()}</tbody>
            </table>
        </div>
        <p class="list-count">
            {format!("{listed} of {} groups · ATT&CK v{} · pick any group over the matrix in the ATT&CK module", d.groups_total, d.attack_version)}
        </p>
        <p class="attribution">{d.copyright}</p>
    }
}

fn row(g: GroupCoverage, drill: &Drill) -> impl IntoView {
    let share = if g.techniques > 0 { g.covered.value * 100.0 / f64::from(g.techniques) } else { 0.0 };
    let more = g.uncovered_count as usize - g.uncovered.len().min(g.uncovered_count as usize);
    let title = if g.aliases.is_empty() { g.id.clone() } else { format!("{}; also known as {}", g.id, g.aliases.join(", ")) };
    let matrix_href = format!("/?window={}&overlay=group%3A{}", encode(drill.window()), encode(&g.id));
    view! {
        <tr data-testid=format!("group-{}", g.id) data-uncovered=g.uncovered_count>
            <td class="group-name" title=title>{g.name.clone()}" "<span class="faint mono">{g.id.clone()}</span></td>
            <td class="coverage-cell">
                <span class="meter" role="img" aria-label=format!("{share:.0}% covered")>
                    <span class="meter-fill" style=format!("width: {share:.0}%")></span>
                </span>
                <span data-testid="group-covered">{format!("{} of {}", g.covered.value, g.techniques)}</span>
                // Only a change is worth a word in a row; the KPIs above say "no change".
                {(g.covered.change != 0.0).then(|| view! { " " <Change kpi=g.covered/> })}
            </td>
            <td class="uncovered">
                {g.uncovered.iter().map(|(id, name)| view! {
                    <span class="pill uncovered" title=name.clone()>{id.clone()}</span>
                }).collect_view()}
                {(more > 0).then(|| view! { <span class="faint">{format!(" and {more} more")}</span> })}
                {(g.uncovered_count == 0).then(|| view! { <span class="faint">"none"</span> })}
            </td>
            <td class="num">
                {if g.signals.count > 0 {
                    view! { <a class="drill" tabindex="-1" href=drill.href(&g.signals.query) data-count=g.signals.count>{thousands(g.signals.count as f64)}</a> }.into_any()
                } else {
                    view! { <span class="faint">"0"</span> }.into_any()
                }}
            </td>
            <td><a tabindex="-1" href=matrix_href data-testid="group-on-matrix"
                title=format!("Outline {}'s techniques on the ATT&CK matrix", g.name)>"On the matrix"</a></td>
        </tr>
    }
}
