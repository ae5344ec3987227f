//! The body of each overview module: headline numbers with their change against the previous
//! window, charts, and the rows behind them. Panels receive data and never fetch by themselves;
//! every number, row, pill, wedge, bar, band and cell leads to the signals behind it (`/signals`
//! with the matching explorer query and the same window), or opens its details in place.

use std::sync::Arc;

use analytics::overview::*;
use analytics::{ArchiveReason, PackHealth, Severity};
use leptos::prelude::*;

use crate::charts::{self, Band, Bar, Series, Wedge, SEVERITY_COLOURS};
use crate::signals::signals_href;

/// `12,345`.
pub fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 && digits != "0" {
        format!("-{out}")
    } else {
        out
    }
}

/// `3h 25m`, `42s`, `2d 4h`.
pub fn duration(ms: f64) -> String {
    let s = (ms / 1000.0).round() as i64;
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m {}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {}m", s / 3_600, (s % 3_600) / 60),
        s => format!("{}d {}h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// `Nov 21 14:00` (UTC), or `Nov 21` when the buckets are days.
pub fn clock(ms: i64, bucket_ms: i64) -> String {
    if bucket_ms >= 86_400_000 {
        analytics::window::format_day(ms)
    } else {
        analytics::window::format_short(ms)
    }
}

/// `2026-11-21 14:05 UTC`.
pub fn when(ms: i64) -> String {
    analytics::window::format_minute(ms)
}

/// `under_review` → `under review`.
pub fn human(spelling: &str) -> String {
    spelling.replace('_', " ")
}

/// Where a drill-down leads: the signal list for a query, in the page's window.
#[derive(Clone)]
pub struct Drill {
    window: Arc<str>,
}

impl Drill {
    pub fn new(window: &str) -> Drill {
        Drill { window: window.into() }
    }

    pub fn href(&self, query: &str) -> String {
        signals_href(query, &self.window)
    }
}

/// The query of the important severities (critical and high).
const IMPORTANT: &str = "(status:critical OR status:high)";

/// The change against the previous window, as shown beside a KPI.
#[component]
fn Change(kpi: Kpi, #[prop(optional)] lower_is_better: bool) -> impl IntoView {
    let (text, class) = if kpi.change == 0.0 {
        ("no change".to_owned(), "change flat")
    } else {
        let arrow = if kpi.change > 0.0 { "▲" } else { "▼" };
        let text = match kpi.change_pct {
            Some(pct) => format!("{arrow} {:.0}%", pct.abs()),
            None => format!("{arrow} {}", thousands(kpi.change.abs())),
        };
        let good = (kpi.change < 0.0) == lower_is_better;
        (text, if good { "change good" } else { "change bad" })
    };
    view! {
        <span class=class title=format!("previous window: {}", thousands(kpi.previous))>{text}</span>
    }
}

/// A duration's change against the previous window (shorter is better).
fn duration_change(now: Option<f64>, previous: Option<f64>) -> impl IntoView {
    match (now, previous) {
        (Some(now), Some(previous)) if previous > 0.0 => {
            let kpi = Kpi::new(now, previous);
            view! {
                <span class=if kpi.change == 0.0 { "change flat" } else if kpi.change < 0.0 { "change good" } else { "change bad" }
                    title=format!("previous window: {}", duration(previous))>
                    {match kpi.change_pct {
                        Some(pct) if kpi.change != 0.0 => format!("{} {:.0}%", if kpi.change > 0.0 { "▲" } else { "▼" }, pct.abs()),
                        _ => "no change".to_owned(),
                    }}
                </span>
            }
            .into_any()
        }
        _ => view! { <span class="change flat" title="nothing to compare with in the previous window">"–"</span> }.into_any(),
    }
}

#[component]
fn Stat(label: &'static str, value: String, #[prop(optional)] change: Option<AnyView>) -> impl IntoView {
    view! {
        <div class="stat">
            <span class="stat-label">{label}</span>
            <span class="stat-value">{value}</span>
            {change}
        </div>
    }
}

fn severity_class(s: Severity) -> String {
    format!("pill sev-{}", s.as_str())
}

/// More signals is worse.
fn change_class(change: i64) -> &'static str {
    match change {
        c if c > 0 => "change bad",
        c if c < 0 => "change good",
        _ => "change flat",
    }
}

fn empty(text: &'static str) -> AnyView {
    view! { <p class="module-empty" data-testid="empty-state">{text}</p> }.into_any()
}

/// The `data-key` of the chart shape under a click, if any.
fn clicked_key(ev: &leptos::ev::MouseEvent) -> Option<String> {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::wasm_bindgen::JsCast;
        let element: web_sys::Element = ev.target()?.dyn_into().ok()?;
        element.closest("[data-key]").ok()??.get_attribute("data-key")
    }
    #[cfg(feature = "ssr")]
    {
        let _ = ev;
        None
    }
}

/// Draws one module's data; its numbers lead to the signals behind them in the same window.
#[component]
pub fn ModuleBody(data: ModuleData, window: analytics::Window) -> impl IntoView {
    let drill = Drill::new(&window.as_param());
    match data {
        ModuleData::SecurityCoverage(d) => coverage(d).into_any(),
        ModuleData::ImportantSignals(d) => important(d, drill).into_any(),
        ModuleData::RiskInsights(d) => risk(d, drill).into_any(),
        ModuleData::ThreatMap(d) => threats(d, drill).into_any(),
        ModuleData::SecurityOverview(d) => security(d, drill).into_any(),
        ModuleData::MitreCoverage(d) => mitre(d, drill).into_any(),
        ModuleData::RulePerformance(d) => performance(d, drill, window).into_any(),
        ModuleData::Research(d) => research(d).into_any(),
        ModuleData::GettingStarted(d) => getting_started(d).into_any(),
    }
}

// ---- §4.1 Security coverage ----------------------------------------------------------------

fn coverage(d: SecurityCoverage) -> impl IntoView {
    let total: u32 = d.enabled_by_category.iter().map(|c| c.enabled_packs).sum();
    let open_list = RwSignal::new(None::<PackHealth>);
    let kpi = move |health: PackHealth, label: &'static str, n: u32| {
        view! {
            <button type="button" class="stat stat-button" aria-pressed=move || (open_list.get() == Some(health)).to_string()
                data-testid=format!("packs-{}", health.as_str())
                on:click=move |_| open_list.update(|open| *open = if *open == Some(health) { None } else { Some(health) })>
                <span class="stat-label">{label}</span>
                <span class="stat-value">{n.to_string()}</span>
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
                        <span class="legend-value">{charts::compact(total as f64)}</span>
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
    let chart = move || charts::stacked_area((640, 170), "Logs analyzed by source", &series, &visible.get(), &times, &anomalies);

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

// ---- §4.2 Important signals and cases ------------------------------------------------------

fn important(d: ImportantSignals, drill: Drill) -> impl IntoView {
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

// ---- §4.3 Risk insights --------------------------------------------------------------------

fn risk(d: RiskInsights, drill: Drill) -> impl IntoView {
    #[derive(Clone, Copy, PartialEq)]
    enum Filter {
        Kind(analytics::EntityKind),
        Level(RiskLevel),
    }
    let filter = RwSignal::new(None::<Filter>);
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
        let shown: Vec<RiskyEntity> = top
            .iter()
            .filter(|e| match f {
                None => true,
                Some(Filter::Kind(k)) => e.kind == k,
                Some(Filter::Level(l)) => e.level == l,
            })
            .take(if f.is_some() { 50 } else { 8 })
            .cloned()
            .collect();
        let none = shown.is_empty();
        let drill = drill_rows.clone();
        view! {
            {none.then(|| empty("No risky entity of this kind among the riskiest 50."))}
            <table class="mini-table" data-testid="risky-entities">
                <thead><tr><th>"Risk"</th><th>"Entity"</th><th>"Type"</th><th>"Last change"</th><th class="num">"Change"</th><th class="num">"Signals"</th></tr></thead>
                <tbody>
                    {shown.into_iter().map(|e| view! {
                        <tr>
                            <td><span class=format!("score risk-{}", e.level.as_str()) title=format!("{} risk", e.level.as_str())>{format!("{:.0}", e.score)}</span></td>
                            <td><a class="drill" href=drill.href(&e.query)>{e.name}</a></td>
                            <td>{human(e.kind.as_str())}</td>
                            <td class="faint">{when(e.last_changed_ms)}</td>
                            <td class="num">{format!("{:+.0}", e.change)}</td>
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
                    <span class=format!("stat-value risk-{}", level.as_str())>{n.to_string()}</span>
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

/// The world map as one SVG: every country a `<use>` of the shared shapes, those with signals
/// shaded and linked to their signals. Everything from the data is escaped.
fn world_map(d: &ThreatMap, drill: &Drill) -> String {
    let max = d.countries.iter().map(|c| c.signals).max().unwrap_or(1).max(1) as f64;
    let (vw, vh) = crate::world::VIEW_BOX;
    let mut map = format!(
        r#"<svg class="world-map" viewBox="0 0 {vw} {vh}" width="100%" role="img" aria-label="Signals by country" xmlns="http://www.w3.org/2000/svg">"#
    );
    for c in crate::world::COUNTRIES {
        if !d.countries.iter().any(|k| k.iso == c.iso) {
            map.push_str(&format!(r##"<use href="/world.svg#c-{}" class="land"/>"##, charts::escape(c.iso)));
        }
    }
    for c in &d.countries {
        let t = (c.signals as f64 / max).sqrt();
        let name = crate::world::name(&c.iso);
        let title = format!("{name}: {} signals, {} important", thousands(c.signals as f64), thousands(c.important as f64));
        let marker = crate::world::country(&c.iso)
            .map(|p| format!(r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" class="map-dot"/>"#, p.x, p.y, 1.5 + 4.0 * t))
            .unwrap_or_default();
        map.push_str(&format!(
            r##"<a class="mark country" href="{}" data-count="{}" data-iso="{}"><title>{}</title><use href="/world.svg#c-{}" fill="{}" class="hit"/>{marker}</a>"##,
            charts::escape(&drill.href(&c.query)),
            c.signals,
            charts::escape(&c.iso),
            charts::escape(&title),
            charts::escape(&c.iso),
            charts::heat(0.2 + 0.8 * t)
        ));
    }
    map.push_str("</svg>");
    map
}

// ---- §4.4 Threat map -----------------------------------------------------------------------

fn threats(d: ThreatMap, drill: Drill) -> impl IntoView {
    if d.countries.is_empty() {
        return view! {
            <div class="stats">
                <Stat label="Located signals" value="0".to_owned() change=view! { <Change kpi=d.located_signals lower_is_better=true/> }.into_any()/>
            </div>
            {empty("No signal with a known origin in this window.")}
        }
        .into_any();
    }
    let map = world_map(&d, &drill);
    let max = d.countries.iter().map(|c| c.signals).max().unwrap_or(1).max(1) as f64;

    let selected = RwSignal::new(None::<String>);
    let countries = d.countries.clone();
    let country_drill = drill.clone();
    let wedges_view = move || {
        let drill = country_drill.clone();
        match selected.get().and_then(|iso| countries.iter().find(|c| c.iso == iso).cloned()) {
            None => {
                let mut wedges: Vec<Wedge> = countries
                    .iter()
                    .take(8)
                    .enumerate()
                    .map(|(k, c)| Wedge {
                        label: crate::world::name(&c.iso).to_owned(),
                        value: c.signals as f64,
                        colour: charts::palette(k),
                        href: None,
                        key: Some(c.iso.clone()),
                    })
                    .collect();
                let rest: u64 = countries.iter().skip(8).map(|c| c.signals).sum();
                if rest > 0 {
                    wedges.push(Wedge { label: "Other countries".into(), value: rest as f64, colour: charts::palette(9), href: None, key: None });
                }
                let total: u64 = countries.iter().map(|c| c.signals).sum();
                let svg = charts::donut(150, "Signals by country", &wedges, &charts::compact(total as f64));
                view! {
                    <h3 class="module-subtitle">"Signals by country"</h3>
                    <div class="chart-box donut-box" inner_html=svg data-testid="country-donut"
                        on:click=move |ev| { if let Some(key) = clicked_key(&ev) { selected.set(Some(key)) } }
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" {
                                #[cfg(not(feature = "ssr"))]
                                {
                                    use leptos::wasm_bindgen::JsCast;
                                    if let Some(key) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.get_attribute("data-key")) {
                                        selected.set(Some(key));
                                    }
                                }
                            }
                        }></div>
                    <ul class="legend-list">
                        {countries.iter().take(8).enumerate().map(|(k, c)| {
                            let iso = c.iso.clone();
                            view! {
                                <li>
                                    <button type="button" class="legend-item" data-testid=format!("country-{}", c.iso)
                                        title="Drill into its states or provinces"
                                        on:click=move |_| selected.set(Some(iso.clone()))>
                                        <span class="swatch" style=format!("background: {}", charts::css(charts::palette(k)))></span>
                                        {crate::world::name(&c.iso).to_owned()}
                                        <span class="legend-value">{thousands(c.signals as f64)}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }
            Some(country) => {
                let base = country.query.clone();
                let wedges: Vec<Wedge> = country
                    .regions
                    .iter()
                    .enumerate()
                    .map(|(k, (region, n))| Wedge {
                        label: region.clone(),
                        value: *n as f64,
                        colour: charts::palette(k),
                        href: Some(drill.href(&format!("{base} {}", term("@network.client.geoip.subdivision.name", region)))),
                        key: None,
                    })
                    .collect();
                let svg = charts::donut(150, "Signals by state or province", &wedges, &charts::compact(country.signals as f64));
                let name = crate::world::name(&country.iso).to_owned();
                view! {
                    <h3 class="module-subtitle">
                        <button type="button" class="link-button" on:click=move |_| selected.set(None)>"All countries"</button>
                        {format!(" › {name}")}
                    </h3>
                    <div class="chart-box donut-box" inner_html=svg data-testid="region-donut"></div>
                    <ul class="legend-list">
                        {country.regions.iter().enumerate().map(|(k, (region, n))| view! {
                            <li>
                                <a class="legend-item drill" data-count=*n
                                    href=drill.href(&format!("{base} {}", term("@network.client.geoip.subdivision.name", region)))>
                                    <span class="swatch" style=format!("background: {}", charts::css(charts::palette(k)))></span>
                                    {region.clone()}
                                    <span class="legend-value">{thousands(*n as f64)}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }
        }
    };

    let open_isp = RwSignal::new(None::<String>);
    let isp_max = d.isps.iter().map(|i| i.signals).max().unwrap_or(1).max(1) as f64;
    let stats = view! {
        <div class="stats">
            <Stat label="Located signals" value=thousands(d.located_signals.value)
                change=view! { <Change kpi=d.located_signals lower_is_better=true/> }.into_any()/>
            <Stat label="Countries" value=d.countries.len().to_string()/>
        </div>
    }
    .into_any();
    let map_and_ips = view! {
        <div class="split">
            <div class="split-main">
                <div class="map-box" inner_html=map data-testid="world-map"></div>
                <p class="map-legend">
                    <span>"fewer"</span><span class="map-ramp"></span><span>{format!("{} signals", thousands(max))}</span>
                </p>
            </div>
            <div class="split-side">
                <h3 class="module-subtitle">"Top source IPs"</h3>
                <table class="mini-table" data-testid="top-ips">
                    <thead><tr><th>"IP"</th><th>"Country"</th><th class="num">"Important"</th><th class="num">"Other"</th></tr></thead>
                    <tbody>
                        {d.top_ips.into_iter().take(10).map(|ip| {
                            let important_q = format!("{} {IMPORTANT}", ip.query);
                            let other_q = format!("{} (status:medium OR status:low OR status:info)", ip.query);
                            view! {
                                <tr>
                                    <td><a class="mono drill" href=drill.href(&ip.query) data-count=ip.important + ip.other>{ip.ip}</a></td>
                                    <td>{ip.country.as_deref().map(crate::world::name).unwrap_or("–").to_owned()}</td>
                                    <td class="num"><a class="drill" href=drill.href(&important_q) data-count=ip.important>{thousands(ip.important as f64)}</a></td>
                                    <td class="num"><a class="drill" href=drill.href(&other_q) data-count=ip.other>{thousands(ip.other as f64)}</a></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
    .into_any();
    let providers = view! {
        <div class="split">
            <div class="split-side">{wedges_view}</div>
            <div class="split-main">
                <h3 class="module-subtitle">"Signals by ISP"</h3>
                <ul class="rows bar-rows" data-testid="isps">
                    {d.isps.into_iter().take(8).map(|isp| {
                        let name = isp.isp.clone();
                        let toggle_name = name.clone();
                        let is_open = Memo::new(move |_| open_isp.get().as_deref() == Some(name.as_str()));
                        let base = isp.query.clone();
                        let locations = isp.locations.clone();
                        let drill_loc = drill.clone();
                        view! {
                            <li class="row bar-row" style=format!("--bar: {:.1}%", isp.signals as f64 * 100.0 / isp_max)>
                                <a class="row-main drill" href=drill.href(&isp.query) data-count=isp.signals>{isp.isp.clone()}</a>
                                <span class="row-detail">{isp.asn.map(|a| format!("AS{a} · ")).unwrap_or_default()}{thousands(isp.signals as f64)}</span>
                                <button type="button" class="button button-small" aria-expanded=move || is_open.get().to_string()
                                    aria-label=format!("Locations of {}", isp.isp)
                                    on:click=move |_| open_isp.update(|o| *o = if o.as_deref() == Some(toggle_name.as_str()) { None } else { Some(toggle_name.clone()) })>
                                    "by location"
                                </button>
                            </li>
                            <Show when=move || is_open.get()>
                                <li class="row sub-rows">
                                    <ul class="rows">
                                        {locations.iter().map(|(country, region, n)| {
                                            let q = format!("{base} {} {}", term("@network.client.geoip.country.iso_code", country), term("@network.client.geoip.subdivision.name", region));
                                            view! {
                                                <li class="row">
                                                    <a class="row-main drill" href=drill_loc.href(&q) data-count=*n>{format!("{}, {region}", crate::world::name(country))}</a>
                                                    <span class="row-detail">{thousands(*n as f64)}</span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </li>
                            </Show>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </div>
    }
    .into_any();
    view! { {stats} {map_and_ips} {providers} }.into_any()
}

// ---- §4.5 Security overview ----------------------------------------------------------------

fn security(d: SecurityOverview, drill: Drill) -> impl IntoView {
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

// ---- §4.6 MITRE ATT&CK coverage ------------------------------------------------------------

fn mitre(d: MitreCoverage, drill: Drill) -> impl IntoView {
    let pct = if d.total_techniques > 0 { d.covered_techniques as f64 * 100.0 / d.total_techniques as f64 } else { 0.0 };
    let show_rules = RwSignal::new(false);
    let density = RwSignal::new(None::<Density>);
    let open_cell = RwSignal::new(None::<(String, String)>);
    let open_tactic = RwSignal::new(None::<String>);
    let tactics = Arc::new(d.tactics);

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
                    <ul class="plain-list">{rules.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
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
                .map(|t| {
                    let cells = t
                        .techniques
                        .iter()
                        .map(|c| {
                            let value = if rules { c.rules.len() as f64 } else { c.signals as f64 };
                            let dim = only.is_some_and(|o| o != c.density);
                            let key = (t.id.clone(), c.id.clone());
                            let open_key = key.clone();
                            let is_open = move || open_cell.get().as_ref() == Some(&open_key);
                            view! {
                                <button type="button" class="cell" class:dim=dim class:covered=!c.rules.is_empty()
                                    data-technique=c.id.clone() data-count=value
                                    aria-pressed=move || is_open().to_string()
                                    title=format!("{} {}: {} signals, {} rules", c.id, c.name, thousands(c.signals as f64), c.rules.len())
                                    style=format!("background: {}", charts::heat(value / max))
                                    on:click=move |_| open_cell.update(|o| *o = if o.as_ref() == Some(&key) { None } else { Some(key.clone()) })>
                                    <span class="cell-name">{c.name.clone()}</span>
                                    <span class="cell-value">{charts::compact(value)}</span>
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
                        view! { <p class="module-empty-text">"No enabled rule covers this technique: a gap."</p> }.into_any()
                    } else {
                        view! { <ul class="plain-list">{c.rules.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul> }.into_any()
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
                                            if s.rules.is_empty() { "no rule".to_owned() } else { s.rules.join(", ") })}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </div>
            })
        }
    };
    let density_kpi = move |which: Density, label: &'static str, n: u32| {
        view! {
            <button type="button" class="stat stat-button" data-testid=format!("density-{label}")
                aria-pressed=move || (density.get() == Some(which)).to_string()
                title="Show only these techniques in the matrix"
                on:click=move |_| density.update(|d| *d = if *d == Some(which) { None } else { Some(which) })>
                <span class="stat-label">{label}</span>
                <span class="stat-value">{n.to_string()}</span>
            </button>
        }
    };

    view! {
        <div class="stats">
            <Stat label="Techniques covered" value=format!("{} / {}", d.covered_techniques, d.total_techniques)/>
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
        {details}
        <div class="matrix" data-testid="attack-matrix">{matrix}</div>
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

// ---- §4.7 Detection rule performance -------------------------------------------------------

fn performance(d: RulePerformance, drill: Drill, window: analytics::Window) -> impl IntoView {
    let series: Vec<Series> = Severity::ALL
        .iter()
        .map(|s| Series {
            name: s.as_str().to_owned(),
            colour: SEVERITY_COLOURS[s.index()],
            values: d.activity.get(s.index()).map(|v| v.iter().map(|&n| n as f64).collect()).unwrap_or_default(),
        })
        .collect();
    let any_activity = series.iter().any(|s| s.values.iter().any(|&v| v > 0.0));
    let times: Vec<String> = d.bucket_starts.iter().map(|&t| clock(t, d.bucket_ms)).collect();
    let visible = RwSignal::new(vec![true; 5]);
    // A bar leads to its severity's signals in its own bucket of time.
    let (starts, bucket) = (d.bucket_starts.clone(), d.bucket_ms);
    let window_end = match window {
        analytics::Window::Range { to, .. } => Some(to),
        analytics::Window::Preset(_) => None,
    };
    let activity = move || {
        let starts = starts.clone();
        charts::stacked_bars((640, 170), "Signal activity by severity", &series, &visible.get(), &times, move |k, j| {
            let from = *starts.get(j)?;
            let to = window_end.map_or(from + bucket, |end| (from + bucket).min(end));
            let range = analytics::Window::Range { from, to };
            Some(signals_href(&term("status", Severity::ALL[k].as_str()), &range.as_param()))
        })
    };
    let reasons_max = d.important_by_archive_reason.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let ranking = |title: &'static str, rows: Vec<RuleCount>, testid: &'static str, drill: Drill| {
        view! {
            <div>
                <h3 class="module-subtitle">{title}</h3>
                {rows.is_empty().then(|| empty("None in this window."))}
                <ul class="rows" data-testid=testid>
                    {rows.into_iter().take(5).map(|r| view! {
                        <li class="row">
                            <a class="row-main drill" href=drill.href(&r.query) title=r.rule_id.clone()>{r.rule_name}</a>
                            <a class="row-detail drill" href=drill.href(&r.query) data-count=r.count>{thousands(r.count as f64)}</a>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        }
    };
    // The 1-week comparisons always cover the last 7 days, whatever the window.
    let week = Drill::new(analytics::WindowPreset::SevenDays.as_str());
    view! {
        <div class="stats">
            {d.mttd.into_iter().map(|m| view! {
                <div class="stat">
                    <span class="stat-label">{m.severity.map_or("MTTD (all)".to_owned(), |s| format!("MTTD {}", s.as_str()))}</span>
                    <span class="stat-value">{m.mean_ms.map(duration).unwrap_or_else(|| "–".into())}</span>
                    {duration_change(m.mean_ms, m.previous_mean_ms)}
                </div>
            }).collect_view()}
        </div>
        <h3 class="module-subtitle">"Signal activity"</h3>
        {if any_activity {
            view! {
                <div class="chart-box" data-testid="activity-chart" inner_html=activity></div>
                <div class="legend" role="group" aria-label="Severities">
                    {Severity::ALL.iter().map(|s| {
                        let k = s.index();
                        view! {
                            <button type="button" class="legend-item" aria-pressed=move || visible.with(|v| v[k]).to_string()
                                data-testid=format!("activity-toggle-{}", s.as_str())
                                on:click=move |_| visible.update(|v| v[k] = !v[k])>
                                <span class="swatch" style=format!("background: {}", charts::css(SEVERITY_COLOURS[k]))></span>
                                {s.as_str()}
                            </button>
                        }
                    }).collect_view()}
                </div>
            }.into_any()
        } else {
            empty("No signals in this window.")
        }}
        <div class="columns">
            <div>
                <h3 class="module-subtitle">"Rules by important signal change (1 week)"</h3>
                {d.rules_by_important_change.is_empty().then(|| empty("No important signals in the last two weeks."))}
                <ul class="rows" data-testid="rule-change">
                    {d.rules_by_important_change.into_iter().take(5).map(|r| view! {
                        <li class="row">
                            <a class="row-main drill" href=week.href(&r.query) title=r.rule_id.clone()>{r.rule_name}</a>
                            <span class="row-detail">
                                <a class="drill" href=week.href(&r.query) data-count=r.last_7d>{thousands(r.last_7d as f64)}</a>
                                {format!(" vs {} ", thousands(r.previous_7d as f64))}
                                <span class=change_class(r.change)>{format!("{:+}", r.change)}</span>
                            </span>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
            <div>
                <h3 class="module-subtitle">"Signals by severity change (1 week)"</h3>
                <ul class="rows" data-testid="severity-change">
                    {d.severity_change.into_iter().map(|c| view! {
                        <li class="row">
                            <span class=severity_class(c.severity)>{c.severity.as_str()}</span>
                            <span class="row-main"></span>
                            <span class="row-detail">
                                <a class="drill" href=week.href(&term("status", c.severity.as_str())) data-count=c.last_7d>{thousands(c.last_7d as f64)}</a>
                                {format!(" vs {} ", thousands(c.previous_7d as f64))}
                                <span class=change_class(c.change)>{format!("{:+}", c.change)}</span>
                            </span>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
        </div>
        <div class="columns">
            <div>
                <h3 class="module-subtitle">"Important signals by archive reason"</h3>
                <ul class="rows bar-rows" data-testid="archive-reasons">
                    {d.important_by_archive_reason.into_iter().filter(|r| r.1 > 0).map(|(reason, n)| {
                        let q = format!("{IMPORTANT} {}", term("@workflow.triage.archive_reason", reason.as_str()));
                        view! {
                            <li class="row bar-row" style=format!("--bar: {:.1}%", n as f64 * 100.0 / reasons_max)>
                                <a class="row-main drill" href=drill.href(&q)>{human(reason.as_str())}</a>
                                <a class="row-detail drill" href=drill.href(&q) data-count=n>{thousands(n as f64)}</a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
            {ranking("Rules archived as true positive: malicious", d.rules_true_positive_malicious, "tp-malicious", drill.clone())}
            {ranking("Rules archived as true positive: benign", d.rules_true_positive_benign, "tp-benign", drill.clone())}
        </div>
        <h3 class="module-subtitle">"Rules by false positive rate"</h3>
        {d.rules_by_false_positive_rate.is_empty().then(|| empty("No signal archived as a false positive in this window."))}
        <table class="mini-table" data-testid="false-positive-rates">
            <thead><tr><th>"Rule"</th><th class="num">"FP rate"</th><th class="num">"False positives"</th><th class="num">"Signals"</th></tr></thead>
            <tbody>
                {d.rules_by_false_positive_rate.into_iter().take(6).map(|r| {
                    let all = format!("{}", term("@workflow.rule.id", &r.rule_id));
                    view! {
                        <tr>
                            <td><a class="drill" href=drill.href(&r.query) title=r.rule_id.clone()>{r.rule_name}</a></td>
                            <td class="num">{format!("{:.0}%", r.rate * 100.0)}</td>
                            <td class="num"><a class="drill" href=drill.href(&r.query) data-count=r.false_positives>{thousands(r.false_positives as f64)}</a></td>
                            <td class="num"><a class="drill" href=drill.href(&all) data-count=r.signals>{thousands(r.signals as f64)}</a></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

// ---- §4.8 and §4.9 -------------------------------------------------------------------------

/// Whether a stored link may be an `href`: only `https://` and `http://` addresses (never
/// `javascript:`, `data:` or anything a browser would run).
pub fn safe_link(url: &str) -> bool {
    let url = url.trim_start();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

fn research(d: Research) -> impl IntoView {
    view! {
        {d.articles.is_empty().then(|| empty("Nothing published yet."))}
        <ul class="rows">
            {d.articles.into_iter().take(8).map(|a| view! {
                <li class="row">
                    <span class="pill case">{if a.kind == "research" { "Research" } else { "Release" }}</span>
                    {if safe_link(&a.url) {
                        view! { <a class="row-main" href=a.url target="_blank" rel="noopener noreferrer" title=a.summary>{a.title}</a> }.into_any()
                    } else {
                        view! { <span class="row-main" title=a.summary>{a.title}</span> }.into_any()
                    }}
                    <span class="row-detail">{clock(a.published_at_ms, 86_400_000)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

fn getting_started(d: GettingStarted) -> impl IntoView {
    let total = d.tasks.len();
    view! {
        <p class="module-note">{format!("{} of {total} done", d.completed)}</p>
        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total aria-valuenow=d.completed>
            <span style=format!("width: {:.0}%", d.completed as f64 * 100.0 / total.max(1) as f64)></span>
        </div>
        <ul class="rows">
            {d.tasks.into_iter().map(|t| view! {
                <li class="row">
                    <span class=if t.done { "check done" } else { "check" } aria-label=if t.done { "done" } else { "to do" }>
                        {if t.done { "✓" } else { "" }}
                    </span>
                    <span class="row-main">{t.title}</span>
                </li>
            }).collect_view()}
        </ul>
        <div class="stats">
            <Stat label="Packs active" value=d.packs_active.to_string()/>
            <Stat label="In warning" value=d.packs_warning.to_string()/>
            <Stat label="Broken" value=d.packs_broken.to_string()/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_read_well() {
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1200.0), "-1,200");
        assert_eq!(duration(42_000.0), "42s");
        assert_eq!(duration(125_000.0), "2m 5s");
        assert_eq!(duration(3_600_000.0 * 3.5), "3h 30m");
        assert_eq!(duration(86_400_000.0 * 2.0 + 3_600_000.0 * 4.0), "2d 4h");
    }

    #[test]
    fn hostile_values_stay_inert_in_the_map_and_links() {
        let hostile = "\"/><script>alert(1)</script>";
        let d = ThreatMap {
            countries: vec![analytics::overview::CountryCount {
                iso: hostile.to_owned(),
                signals: 3,
                important: 1,
                query: format!("@x:\"{hostile}\""),
                regions: Vec::new(),
            }],
            located_signals: analytics::overview::Kpi::new(3.0, 0.0),
            top_ips: Vec::new(),
            isps: Vec::new(),
        };
        let svg = world_map(&d, &Drill::new("7d"));
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        for ok in ["https://securitylabs.example/post", "http://example.com/a?b=c"] {
            assert!(safe_link(ok), "{ok}");
        }
        for evil in ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x", "//evil.example", "https://a b"] {
            assert!(!safe_link(evil), "{evil}");
        }
    }

    #[test]
    fn bucket_times_read_as_utc() {
        let t = 1_763_733_600_000; // 2025-11-21 14:00 UTC
        assert_eq!(clock(t, 3_600_000), "Nov 21 14:00");
        assert_eq!(clock(t, 86_400_000), "Nov 21");
        assert_eq!(when(t), "2025-11-21 14:00 UTC");
    }
}
