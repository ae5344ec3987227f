//! The MITRE ATT&CK coverage module (§4.6): signals or rules per tactic, and the matrix of
//! techniques with their rules and sub-techniques.

use std::sync::Arc;

use analytics::overview::{Density, MitreCoverage};
use leptos::prelude::*;

use super::common::{clicked_key, Change, Drill, Stat};
use crate::charts::{self, Bar};
use crate::format::{compact, thousands};

/// The most a cell is shaded (of [`charts::heat`]'s range): beyond it, the cell's text would
/// fall under WCAG AA contrast in one of the themes.
const MAX_CELL_HEAT: f64 = 0.55;

/// Coverage and rule density (which filters the matrix), the bars per tactic (signals, or rules
/// with a click listing them) and the technique matrix (a click opens a cell's details).
#[component]
pub(super) fn MitreCoveragePanel(d: MitreCoverage, drill: Drill) -> impl IntoView {
    let pct = if d.total_techniques > 0 { d.covered_techniques as f64 * 100.0 / d.total_techniques as f64 } else { 0.0 };
    let show_rules = RwSignal::new(false);
    let density = RwSignal::new(None::<Density>);
    let open_cell = RwSignal::new(None::<(String, String)>);
    let open_tactic = RwSignal::new(None::<String>);
    // A layer or group drawn over the matrix: its cells are outlined.
    let overlay = RwSignal::new(None::<analytics::navigator::Overlay>);
    let tactics = Arc::new(d.tactics);
    // Cells name rules by id; the module sends each rule's name once.
    let names: Arc<std::collections::HashMap<String, String>> = Arc::new(d.rule_names.into_iter().collect());
    let rule_item = {
        let names = names.clone();
        move |id: &str| {
            let name = names.get(id).cloned().unwrap_or_else(|| id.to_owned());
            view! {
                <li><a href=format!("/rules/{}", crate::format::encode(id))>{name}</a>" "<span class="faint mono">{id.to_owned()}</span></li>
            }
        }
    };

    let tactic_chart = {
        let tactics = tactics.clone();
        let drill = drill.clone();
        move || {
            let rules = show_rules.get();
            let items: Vec<Bar> = tactics
                .iter()
                .map(|t| Bar {
                    name: short_tactic(&t.name),
                    value: if rules { t.rules as f64 } else { t.signals as f64 },
                    href: (!rules).then(|| drill.href(&t.query)),
                    key: rules.then(|| t.id.clone()),
                    title: format!("{} ({}): {} signals, {} rules", t.name, t.id, thousands(t.signals as f64), t.rules),
                })
                .collect();
            charts::bars((1180, 190), if rules { "Rules per tactic" } else { "Signals per tactic" }, &items, charts::PALETTE[0])
        }
    };
    let tactic_rules = {
        let tactics = tactics.clone();
        let rule_item = rule_item.clone();
        move || {
            let id = open_tactic.get()?;
            let t = tactics.iter().find(|t| t.id == id)?;
            let mut rules: Vec<String> = t.techniques.iter().flat_map(|c| c.rules.iter().cloned()).collect();
            rules.sort();
            rules.dedup();
            Some(view! {
                <div class="cell-details" data-testid="tactic-rules">
                    <h4>{format!("Rules mapped to {} ({})", t.name, t.id)}</h4>
                    <button type="button" class="icon-button close" aria-label="Close" on:click=move |_| open_tactic.set(None)>"×"</button>
                    <ul class="plain-list">{rules.iter().map(|r| rule_item(r)).collect_view()}</ul>
                </div>
            })
        }
    };
    let max_of = {
        let tactics = tactics.clone();
        move |rules: bool| {
            tactics
                .iter()
                .flat_map(|t| t.techniques.iter())
                .map(|c| if rules { c.rules.len() as f64 } else { c.signals as f64 })
                .fold(0.0, f64::max)
                .max(1.0)
        }
    };
    let matrix = {
        let tactics = tactics.clone();
        move || {
            let rules = show_rules.get();
            let only = density.get();
            let max = max_of(rules);
            tactics
                .iter()
                .enumerate()
                .map(|(column, t)| {
                    let cells = t
                        .techniques
                        .iter()
                        .enumerate()
                        .map(|(row, c)| {
                            // The matrix is one tab stop; the arrow keys move between cells.
                            let tab_stop = if column == 0 && row == 0 { "0" } else { "-1" };
                            let value = if rules { c.rules.len() as f64 } else { c.signals as f64 };
                            let dim = only.is_some_and(|o| o != c.density);
                            let key = (t.id.clone(), c.id.clone());
                            let cell_id = c.id.clone();
                            let in_overlay = move || overlay.with(|o| o.as_ref().is_some_and(|o| o.techniques.iter().any(|t| t.id == cell_id)));
                            let open_key = key.clone();
                            let is_open = move || open_cell.get().as_ref() == Some(&open_key);
                            view! {
                                <button type="button" class="cell" class:dim=dim class:covered=!c.rules.is_empty() class:in-overlay=in_overlay tabindex=tab_stop
                                    data-technique=c.id.clone() data-count=value
                                    aria-pressed=move || is_open().to_string()
                                    title=format!("{} {}: {} signals, {} rules", c.id, c.name, thousands(c.signals as f64), c.rules.len())
                                    style=format!("background: {}", charts::heat(value / max * MAX_CELL_HEAT))
                                    on:click=move |_| open_cell.update(|o| *o = if o.as_ref() == Some(&key) { None } else { Some(key.clone()) })>
                                    <span class="cell-name">{c.name.clone()}</span>
                                    <span class="cell-value">{compact(value)}</span>
                                    {(!c.subtechniques.is_empty()).then(|| view! { <span class="cell-subs" title="sub-techniques">{format!("+{}", c.subtechniques.len())}</span> })}
                                </button>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="matrix-column" data-tactic=t.id.clone()>
                            <div class="matrix-head" title=t.id.clone()>
                                <span>{t.name.clone()}</span>
                                <span class="faint">{format!("{} techniques", t.techniques.len())}</span>
                            </div>
                            {cells}
                        </div>
                    }
                })
                .collect_view()
        }
    };
    let details = {
        let tactics = tactics.clone();
        let drill = drill.clone();
        let names = names.clone();
        move || {
            let (tactic_id, tech_id) = open_cell.get()?;
            let t = tactics.iter().find(|t| t.id == tactic_id)?;
            let c = t.techniques.iter().find(|c| c.id == tech_id)?.clone();
            Some(view! {
                <div class="cell-details" data-testid="cell-details">
                    <h4>{format!("{} {}", c.id, c.name)}</h4>
                    <button type="button" class="icon-button close" aria-label="Close" on:click=move |_| open_cell.set(None)>"×"</button>
                    <p>
                        {format!("{} · ", t.name)}
                        <a class="drill" href=drill.href(&c.query) data-count=c.signals>{format!("{} signals", thousands(c.signals as f64))}</a>
                        {format!(" · {} rules", c.rules.len())}
                    </p>
                    <h5>"Rules"</h5>
                    {if c.rules.is_empty() {
                        view! {
                            <p class="module-empty-text">"No enabled rule covers this technique: a gap."</p>
                            {(!c.closing_rules.is_empty()).then(|| view! {
                                <p>"Disabled rules that would close it:"</p>
                                <ul class="plain-list" data-testid="closing-rules">
                                    {c.closing_rules.iter().map(|(id, name)| view! { <li><a href=format!("/rules/{}", crate::format::encode(id))>{name.clone()}</a></li> }).collect_view()}
                                </ul>
                            })}
                        }.into_any()
                    } else {
                        view! { <ul class="plain-list" data-testid="cell-rules">{c.rules.iter().map(|r| rule_item(r)).collect_view()}</ul> }.into_any()
                    }}
                    <h5>"Sub-techniques"</h5>
                    {if c.subtechniques.is_empty() {
                        view! { <p class="module-empty-text">"None."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="plain-list">
                                {c.subtechniques.iter().map(|s| view! {
                                    <li>
                                        <span class="mono">{s.id.clone()}</span>" "{s.name.clone()}
                                        <span class="faint">{format!(" · {} signals · {}", thousands(s.signals as f64),
                                            if s.rules.is_empty() { "no rule".to_owned() } else { s.rules.iter().map(|r| names.get(r).cloned().unwrap_or_else(|| r.clone())).collect::<Vec<_>>().join(", ") })}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </div>
            })
        }
    };
    let densities = d.densities.clone();
    let density_kpi = move |which: Density, label: &'static str, n: u32| {
        let change = densities.iter().find(|(d, _)| *d == which).map(|(_, kpi)| *kpi);
        view! {
            <button type="button" class="stat stat-button" data-testid=format!("density-{label}")
                aria-pressed=move || (density.get() == Some(which)).to_string()
                title="Show only these techniques in the matrix"
                on:click=move |_| density.update(|d| *d = if *d == Some(which) { None } else { Some(which) })>
                <span class="stat-label">{label}</span>
                <span class="stat-value">{n.to_string()}</span>
                {change.map(|kpi| view! { <Change kpi=kpi lower_is_better={which == Density::None}/> })}
            </button>
        }
    };

    view! {
        <div class="stats">
            <Stat label="Techniques covered" value=format!("{} / {}", d.covered_techniques, d.total_techniques)
                change=view! { <Change kpi=d.covered/> }.into_any()/>
            <Stat label="Coverage" value=format!("{pct:.0}%")/>
            {density_kpi(Density::High, "high (4+ rules)", d.density_high)}
            {density_kpi(Density::Medium, "medium (2–3)", d.density_medium)}
            {density_kpi(Density::Low, "low (1)", d.density_low)}
            {density_kpi(Density::None, "no rules", d.density_none)}
        </div>
        <div class="toggle-row" role="group" aria-label="Count">
            <button type="button" class="toggle" aria-pressed=move || (!show_rules.get()).to_string() on:click=move |_| show_rules.set(false)>"Signals"</button>
            <button type="button" class="toggle" aria-pressed=move || show_rules.get().to_string() on:click=move |_| show_rules.set(true)>"Rules"</button>
        </div>
        <h3 class="module-subtitle">{move || if show_rules.get() { "Rules per tactic" } else { "Signals per tactic" }}</h3>
        <div class="chart-box" data-testid="tactic-bars" inner_html=tactic_chart
            on:click=move |ev| { if let Some(key) = clicked_key(&ev) { open_tactic.set(Some(key)) } }></div>
        {tactic_rules}
        <h3 class="module-subtitle">{move || format!("Techniques by tactic ({}, ATT&CK v{})", if show_rules.get() { "rules" } else { "signals" }, d.attack_version)}</h3>
        <super::attack_overlay::OverlayBar overlay/>
        {details}
        <div class="matrix" data-testid="attack-matrix" data-roving="" role="group" aria-label="ATT&CK matrix: arrow keys move between techniques">{matrix}</div>
        <p class="attribution">{d.copyright}</p>
    }
}

/// `Credential Access` → `Cred. Access`, `Resource Development` → `Resource Dev.`: tactic
/// names short enough to sit under a bar.
fn short_tactic(name: &str) -> String {
    match name {
        "Reconnaissance" => "Recon".into(),
        "Resource Development" => "Resource Dev.".into(),
        "Privilege Escalation" => "Priv. Escalation".into(),
        "Defense Evasion" => "Def. Evasion".into(),
        "Credential Access" => "Cred. Access".into(),
        "Lateral Movement" => "Lateral Mvmt.".into(),
        "Command and Control" => "C2".into(),
        other => other.to_owned(),
    }
}
