//! The security coverage module (§4.1): content pack health, enabled packs by category and the
//! logs analyzed per source.

use analytics::overview::{Kpi, SecurityCoverage};
use analytics::PackHealth;
use leptos::prelude::*;

use super::common::{empty, Change, Stat};
use crate::charts::{self, Series};
use crate::format::{clock, compact, thousands, when};

/// Pack health as toggles listing the packs in each state, the enabled packs by category, and
/// the logs analyzed per source with their unusual spikes or drops.
#[component]
pub(super) fn SecurityCoveragePanel(d: SecurityCoverage) -> impl IntoView {
    let total: u32 = d.enabled_by_category.iter().map(|c| c.enabled_packs).sum();
    let open_list = RwSignal::new(None::<PackHealth>);
    let kpi = move |health: PackHealth, label: &'static str, n: Kpi| {
        view! {
            <button type="button" class="stat stat-button" aria-pressed=move || (open_list.get() == Some(health)).to_string()
                data-testid=format!("packs-{}", health.as_str())
                on:click=move |_| open_list.update(|open| *open = if *open == Some(health) { None } else { Some(health) })>
                <span class="stat-label">{label}</span>
                <span class="stat-value">{thousands(n.value)}</span>
                <Change kpi=n lower_is_better={health != PackHealth::Active}/>
            </button>
        }
    };
    let active_packs: Vec<(String, String)> = d
        .enabled_by_category
        .iter()
        .flat_map(|c| c.packs.iter().map(|p| (p.clone(), c.label.clone())))
        .filter(|(name, _)| !d.problems.iter().any(|p| &p.name == name))
        .collect();
    let problems = d.problems.clone();
    let pack_list = move || {
        open_list.get().map(|health| {
            let rows: Vec<AnyView> = match health {
                PackHealth::Active => active_packs
                    .iter()
                    .map(|(name, category)| view! {
                        <li class="row">
                            <span class="pill health-active">"active"</span>
                            <span class="row-main">{name.clone()}</span>
                            <span class="row-detail">{category.clone()}</span>
                        </li>
                    }.into_any())
                    .collect(),
                _ => problems
                    .iter()
                    .filter(|p| p.health == health)
                    .map(|p| view! {
                        <li class="row">
                            <span class=format!("pill health-{}", p.health.as_str())>{p.health.as_str()}</span>
                            <span class="row-main">{p.name.clone()}</span>
                            <span class="row-detail">
                                {p.detail.clone().unwrap_or_else(|| "no detail reported".into())}
                                {p.since_ms.map(|s| format!(" · since {}", when(s)))}
                            </span>
                        </li>
                    }.into_any())
                    .collect(),
            };
            let none = rows.is_empty();
            view! {
                <ul class="rows pack-list" data-testid="pack-list" aria-label=format!("Packs: {}", health.as_str())>
                    {rows}
                    {none.then(|| view! { <li class="row module-empty-text">"No pack in this state."</li> })}
                </ul>
            }
        })
    };

    let segments: Vec<(String, f64, plotters::style::RGBColor, Option<String>)> = d
        .enabled_by_category
        .iter()
        .enumerate()
        .map(|(k, c)| (format!("{} ({}): {}", c.label, c.enabled_packs, c.packs.join(", ")), c.enabled_packs as f64, charts::palette(k), None))
        .collect();
    let bar = charts::segment_bar((600, 16), "Enabled content packs by category", &segments);

    let logs = d.logs;
    let series: Vec<Series> = logs
        .series
        .iter()
        .enumerate()
        .map(|(k, s)| Series { name: s.name.clone(), colour: charts::palette(k), values: s.points.iter().map(|&v| v as f64).collect() })
        .collect();
    let times: Vec<String> = logs.bucket_starts.iter().map(|&t| clock(t, logs.bucket_ms)).collect();
    // The last point's time, or, for a single bucket drawn across the width, its end.
    let end = match logs.bucket_starts.as_slice() {
        [only] => clock(only + logs.bucket_ms, logs.bucket_ms),
        [.., last] => clock(*last, logs.bucket_ms),
        [] => String::new(),
    };
    let anomalies: Vec<(usize, usize, String)> = logs
        .series
        .iter()
        .enumerate()
        .flat_map(|(k, s)| s.anomalies.iter().map(move |(j, what)| (k, *j, what.clone())))
        .collect();
    let visible = RwSignal::new(vec![true; series.len()]);
    let legend: Vec<_> = series
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let total = logs.series[k].total;
            let flagged = !logs.series[k].anomalies.is_empty();
            view! {
                <span class="legend-entry">
                    <button type="button" class="legend-item" aria-pressed=move || visible.with(|v| v[k]).to_string()
                        title="Show or hide this source"
                        on:click=move |_| visible.update(|v| v[k] = !v[k])>
                        <span class="swatch" style=format!("background: {}", charts::css(s.colour))></span>
                        {s.name.clone()}
                        <span class="legend-value">{compact(total as f64)}</span>
                        {flagged.then(|| view! { <span class="anomaly-flag" title="unusual spike or drop">"!"</span> })}
                    </button>
                    <button type="button" class="legend-only" title="Show only this source"
                        aria-label=format!("Show only {}", s.name)
                        on:click=move |_| visible.update(|v| v.iter_mut().enumerate().for_each(|(i, on)| *on = i == k))>
                        "only"
                    </button>
                </span>
            }
        })
        .collect();
    let has_logs = logs.total.value > 0.0;
    let chart = move || charts::stacked_area((640, 170), "Logs analyzed by source", &series, &visible.get(), &times, &end, &anomalies);

    view! {
        <div class="stats">
            {kpi(PackHealth::Active, "Packs active", d.packs_active)}
            {kpi(PackHealth::Warning, "In warning", d.packs_warning)}
            {kpi(PackHealth::Broken, "Broken", d.packs_broken)}
            <Stat label="Logs analyzed" value=thousands(logs.total.value)
                change=view! { <Change kpi=logs.total/> }.into_any()/>
        </div>
        {pack_list}
        <h3 class="module-subtitle">{format!("Enabled content packs and integrations · {total}")}</h3>
        <div class="chart-box" inner_html=bar></div>
        <div class="legend">
            {d.enabled_by_category.iter().enumerate().map(|(k, c)| view! {
                <span class="legend-static" title=c.packs.join(", ")>
                    <span class="swatch" style=format!("background: {}", charts::css(charts::palette(k)))></span>
                    {format!("{} {}", c.label, c.enabled_packs)}
                </span>
            }).collect_view()}
        </div>
        <h3 class="module-subtitle">"Logs analyzed"</h3>
        {if has_logs {
            view! {
                <div class="chart-box" data-testid="logs-chart" inner_html=chart></div>
                <div class="legend" role="group" aria-label="Log sources">{legend}</div>
            }.into_any()
        } else {
            empty("No logs arrived in this window.")
        }}
    }
}
