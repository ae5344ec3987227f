//! The noise report module (§4.12): the rules whose signals end as false positives or testing,
//! with their share, the analyst time they cost, their archives by reason and six months of
//! noise; each rule links to its page on the Rules page, where it is tuned or disabled.

use analytics::overview::{NoiseReport, NoisyRule};
use leptos::prelude::*;

use super::common::{empty, Change, Drill, Stat};
use crate::format::{duration, human, signals_href, thousands};

#[component]
pub(super) fn NoiseReportPanel(d: NoiseReport, drill: Drill) -> impl IntoView {
    let tallest = d
        .rules
        .iter()
        .flat_map(|r| r.months.iter().map(|m| m.false_positives + m.testing))
        .max()
        .unwrap_or(0)
        .max(1);
    let months = d.month_starts.clone();
    let labels = d.month_labels.clone();
    let listed = d.rules.len();
    let none = d.rules.is_empty();
    view! {
        <div class="stats">
            <Stat label="Noise signals" value=thousands(d.noise.value) change=view! { <Change kpi=d.noise lower_is_better=true/> }.into_any()/>
            <Stat label="Analyst time on noise" value=duration(d.analyst_time_ms.value)
                change=view! { <Change kpi=d.analyst_time_ms lower_is_better=true duration=true/> }.into_any()/>
            <Stat label="Rules with noise" value=thousands(d.noisy_rules as f64)/>
        </div>
        {none.then(|| empty("No signal of this window was archived as a false positive or as testing."))}
        <div class="table-scroll" hidden=none data-roving="" role="group" aria-label="Noisy rules: arrow keys move between their links">
            <table class="mini-table noise-table" data-testid="noise-rules" tabindex="0">
                <thead><tr>
                    <th scope="col">"Rule"</th>
                    <th scope="col" class="num" title="Archived as false positive or as testing or maintenance">"Noise"</th>
                    <th scope="col" class="num">"Share"</th>
                    <th scope="col" class="num" title="Detection to archive, summed over the noise">"Analyst time"</th>
                    <th scope="col">"Archived by reason"</th>
                    <th scope="col">{format!("Noise by month ({} to {})", labels.first().cloned().unwrap_or_default(), labels.last().cloned().unwrap_or_default())}</th>
                </tr></thead>
                <tbody>
                    {d.rules.into_iter().map(|r| row(r, &drill, &months, &labels, tallest)).collect_view()}
                </tbody>
            </table>
        </div>
        {(d.noisy_rules as usize > listed).then(|| view! {
            <p class="list-count">{format!("{listed} of {} rules with noise", d.noisy_rules)}</p>
        })}
    }
}

fn row(r: NoisyRule, drill: &Drill, months: &[i64], labels: &[String], tallest: u64) -> impl IntoView {
    let bars = r
        .months
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let total = m.false_positives + m.testing;
            let window = analytics::Window::Range { from: months[k], to: months[k + 1] }.as_param();
            let title = format!("{}: {} false positive, {} testing", labels[k], m.false_positives, m.testing);
            let height = |n: u64| format!("height: {:.0}%", n as f64 / tallest as f64 * 100.0);
            view! {
                <span class="month" title=title.clone()>
                    {(total > 0).then(|| view! {
                        <a class="month-bar" href=signals_href(&analytics::overview::noise_query(&r.rule_id), &window)
                            data-count=total aria-label=title.clone() tabindex="-1">
                            <span class="month-testing" style=height(m.testing)></span>
                            <span class="month-fp" style=height(m.false_positives)></span>
                        </a>
                    })}
                </span>
            }
        })
        .collect_view();
    view! {
        <tr data-testid=format!("noise-{}", r.rule_id)>
            <td class="rule-name">
                <a tabindex="-1" href=format!("/rules/{}", crate::format::encode(&r.rule_id)) title=format!("{} ({}): tune or disable it on its rule page", r.rule_name, r.rule_id)>
                    {r.rule_name.clone()}
                </a>
                {(!r.enabled).then(|| view! { <span class="pill faint">"disabled"</span> })}
            </td>
            <td class="num"><a class="drill" tabindex="-1" href=drill.href(&r.noise.query) data-count=r.noise.count>{thousands(r.noise.count as f64)}</a></td>
            <td class="num" title=format!("{} of {} signals", r.noise.count, r.signals.count)>
                <a class="drill" tabindex="-1" href=drill.href(&r.signals.query) data-count=r.signals.count>{format!("{:.0}%", r.share_pct)}</a>
            </td>
            <td class="num">{duration(r.analyst_time_ms as f64)}</td>
            <td class="reasons">
                {r.by_reason.iter().map(|(reason, c)| view! {
                    <a class="pill reason drill" tabindex="-1" href=drill.href(&c.query) data-count=c.count title=human(reason.as_str())>
                        {format!("{} {}", human(reason.as_str()), thousands(c.count as f64))}
                    </a>
                }).collect_view()}
            </td>
            <td><span class="months" role="group" aria-label=format!("{}: noise by month", r.rule_name)>{bars}</span></td>
        </tr>
    }
}
