//! The risk insights module (§4.3): the risky entities by level and type, and the riskiest ones.

use analytics::overview::{RiskInsights, RiskLevel, RiskyEntity};
use leptos::prelude::*;

use super::common::{clicked_key, empty, listed, Change, Drill, ShowAll, Stat};
use crate::charts::{self, Wedge};
use crate::format::{entity_href, human, score_decimals, thousands, when};

/// Risky entities by level and by type (both filter the list), and the riskiest entities.
#[component]
pub(super) fn RiskInsightsPanel(d: RiskInsights, drill: Drill) -> impl IntoView {
    #[derive(Clone, Copy, PartialEq)]
    enum Filter {
        Kind(analytics::EntityKind),
        Level(RiskLevel),
    }
    let filter = RwSignal::new(None::<Filter>);
    let show_all = RwSignal::new(false);
    let top = d.top.clone();
    let total_risky = d.risky_entities.value;
    let wedges: Vec<Wedge> = d
        .by_type
        .iter()
        .enumerate()
        .map(|(k, (kind, n))| Wedge {
            label: human(kind.as_str()),
            value: *n as f64,
            colour: charts::palette(k),
            href: None,
            key: Some(kind.as_str().to_owned()),
        })
        .collect();
    let donut = charts::donut(150, "Risky entities by type", &wedges, &thousands(total_risky));
    let by_type = d.by_type.clone();
    let drill_rows = drill.clone();
    let rows = move || {
        let f = filter.get();
        let matching: Vec<&RiskyEntity> = top
            .iter()
            .filter(|e| match f {
                None => true,
                Some(Filter::Kind(k)) => e.kind == k,
                Some(Filter::Level(l)) => e.level == l,
            })
            .collect();
        let available = matching.len();
        let limit = listed(show_all.get(), available);
        let shown: Vec<RiskyEntity> = matching.into_iter().take(limit).cloned().collect();
        let digits = score_decimals(shown.iter().map(|e| e.score));
        let none = shown.is_empty();
        let drill = drill_rows.clone();
        let count_line = (!none).then(|| {
            let of_risky = if f.is_none() && total_risky > available as f64 {
                format!(" (the riskiest {available} of {} risky entities)", thousands(total_risky))
            } else {
                String::new()
            };
            view! {
                <p class="list-count" data-testid="risky-count">
                    <span>{format!("{} of {}{of_risky}", shown.len(), available)}</span>
                    <ShowAll all=show_all available testid="risky-show-all"/>
                </p>
            }
        });
        view! {
            {none.then(|| empty("No risky entity of this kind among the riskiest 50."))}
            {count_line}
            <table class="mini-table" data-testid="risky-entities">
                <thead><tr><th>"Risk"</th><th>"Entity"</th><th>"Type"</th><th>"Last change"</th><th class="num">"Change"</th><th class="num">"Signals"</th></tr></thead>
                <tbody>
                    {shown.into_iter().map(|e| view! {
                        <tr>
                            <td><span class=format!("score risk-{}", e.level.as_str()) title=format!("{} risk", e.level.as_str())>{format!("{:.*}", digits, e.score)}</span></td>
                            <td class="entity-name"><a href=entity_href(e.kind, &e.name) data-testid="risky-entity">{e.name.clone()}</a></td>
                            <td>{human(e.kind.as_str())}</td>
                            <td class="faint">{when(e.last_changed_ms)}</td>
                            <td class="num">{format!("{:+.*}", digits, e.change)}</td>
                            <td class="num"><a class="drill" href=drill.href(&e.query) data-count=e.signals>{thousands(e.signals as f64)}</a></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    };
    let filter_label = move || match filter.get() {
        None => "The riskiest entities".to_owned(),
        Some(Filter::Kind(k)) => format!("Risky entities of type {}", human(k.as_str())),
        Some(Filter::Level(l)) => format!("Entities at {} risk", l.as_str()),
    };
    view! {
        <div class="stats">
            <Stat label="Risky entities" value=thousands(d.risky_entities.value)
                change=view! { <Change kpi=d.risky_entities lower_is_better=true/> }.into_any()/>
            {d.by_level.into_iter().map(|(level, n)| view! {
                <button type="button" class="stat stat-button" data-testid=format!("risk-level-{}", level.as_str())
                    aria-pressed=move || (filter.get() == Some(Filter::Level(level))).to_string()
                    on:click=move |_| filter.update(|f| *f = if *f == Some(Filter::Level(level)) { None } else { Some(Filter::Level(level)) })>
                    <span class="stat-label">{level.as_str()}</span>
                    <span class=format!("stat-value risk-{}", level.as_str())>{thousands(n.value)}</span>
                    <Change kpi=n lower_is_better=true/>
                </button>
            }).collect_view()}
        </div>
        {(total_risky == 0.0).then(|| empty("No entity carries risk at the end of this window."))}
        <div class="split">
            <div class="split-side">
                <h3 class="module-subtitle">"Entity types"</h3>
                <div class="chart-box donut-box" inner_html=donut
                    on:click=move |ev| {
                        if let Some(key) = clicked_key(&ev) {
                            if let Ok(kind) = analytics::EntityKind::parse(&key) {
                                filter.update(|f| *f = if *f == Some(Filter::Kind(kind)) { None } else { Some(Filter::Kind(kind)) });
                            }
                        }
                    }></div>
                <ul class="legend-list">
                    {by_type.into_iter().enumerate().filter(|(_, (_, n))| *n > 0).map(|(k, (kind, n))| view! {
                        <li>
                            <button type="button" class="legend-item" data-testid=format!("entity-type-{}", kind.as_str())
                                aria-pressed=move || (filter.get() == Some(Filter::Kind(kind))).to_string()
                                on:click=move |_| filter.update(|f| *f = if *f == Some(Filter::Kind(kind)) { None } else { Some(Filter::Kind(kind)) })>
                                <span class="swatch" style=format!("background: {}", charts::css(charts::palette(k)))></span>
                                {human(kind.as_str())}
                                <span class="legend-value">{n.to_string()}</span>
                            </button>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
            <div class="split-main">
                <h3 class="module-subtitle">{filter_label}</h3>
                {rows}
            </div>
        </div>
    }
}
