//! The body of each overview module: headline numbers with their change against the previous
//! window, and the most important rows. Panels receive data and never fetch by themselves.

use analytics::overview::*;
use analytics::{Severity, WindowPreset};

use crate::signals::signals_href;
use leptos::prelude::*;

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

/// Draws one module's data; its numbers lead to the signals behind them in the same window.
#[component]
pub fn ModuleBody(data: ModuleData, window: WindowPreset) -> impl IntoView {
    let w = window.as_str();
    match data {
        ModuleData::SecurityCoverage(d) => coverage(d).into_any(),
        ModuleData::ImportantSignals(d) => important(d, w).into_any(),
        ModuleData::RiskInsights(d) => risk(d, w).into_any(),
        ModuleData::ThreatMap(d) => threats(d, w).into_any(),
        ModuleData::SecurityOverview(d) => security(d, w).into_any(),
        ModuleData::MitreCoverage(d) => mitre(d, w).into_any(),
        ModuleData::RulePerformance(d) => performance(d, w).into_any(),
        ModuleData::Research(d) => research(d).into_any(),
        ModuleData::GettingStarted(d) => getting_started(d).into_any(),
    }
}

fn coverage(d: SecurityCoverage) -> impl IntoView {
    let total: u32 = d.enabled_by_category.iter().map(|c| c.enabled_packs).sum();
    view! {
        <div class="stats">
            <Stat label="Packs active" value=d.packs_active.to_string()/>
            <Stat label="In warning" value=d.packs_warning.to_string()/>
            <Stat label="Broken" value=d.packs_broken.to_string()/>
            <Stat label="Logs analyzed" value=thousands(d.logs.total.value)
                change=view! { <Change kpi=d.logs.total/> }.into_any()/>
        </div>
        <div class="segments" role="list" aria-label="Enabled content packs by category">
            {d.enabled_by_category.into_iter().enumerate().map(|(k, c)| {
                let width = format!("flex-grow: {}", c.enabled_packs);
                view! {
                    <span role="listitem" class=format!("segment seg-{k}") style=width
                        title=format!("{}: {}", c.label, c.packs.join(", "))>
                        {format!("{} {}", c.label, c.enabled_packs)}
                    </span>
                }
            }).collect_view()}
        </div>
        <p class="module-note">{format!("{total} enabled packs")}</p>
        <ul class="rows">
            {d.problems.into_iter().map(|p| view! {
                <li class="row">
                    <span class=format!("pill health-{}", p.health.as_str())>{p.health.as_str()}</span>
                    <span class="row-main">{p.name}</span>
                    <span class="row-detail">{p.detail.unwrap_or_default()}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

fn important(d: ImportantSignals, w: &'static str) -> impl IntoView {
    let empty = d.rules.is_empty();
    view! {
        <div class="stats">
            <Stat label="Open signals" value=thousands(d.open_signals.value)
                change=view! { <Change kpi=d.open_signals lower_is_better=true/> }.into_any()/>
            <Stat label="Open cases" value=d.open_cases_total.to_string()/>
        </div>
        {empty.then(|| view! { <p class="module-empty-text">"No open signals in this window."</p> })}
        <ul class="rows">
            {d.rules.into_iter().take(6).map(|r| {
                let query = r.query.clone();
                view! {
                    <li class="row">
                        <a class="row-main drill" href=signals_href(&r.query, w) title=r.rule_id.clone()
                            data-count=r.total>{r.rule_name}</a>
                        <span class="pills">
                            {Severity::ALL.iter().zip(r.by_severity).filter(|(_, n)| *n > 0).map(|(s, n)| view! {
                                <a class=format!("{} drill", severity_class(*s)) title=s.as_str() data-count=n
                                    href=signals_href(&format!("{query} status:{}", s.as_str()), w)>
                                    {thousands(n as f64)}
                                </a>
                            }).collect_view()}
                        </span>
                    </li>
                }
            }).collect_view()}
        </ul>
        <ul class="rows">
            {d.open_cases.into_iter().take(3).map(|c| view! {
                <li class="row">
                    <span class="pill case">{c.priority.as_str()}</span>
                    <span class="row-main">{c.title}</span>
                    <span class="row-detail">{format!("{} · {}", c.assignee.unwrap_or_else(|| "unassigned".into()), duration(c.age_ms as f64))}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

fn risk(d: RiskInsights, w: &'static str) -> impl IntoView {
    view! {
        <div class="stats">
            <Stat label="Risky entities" value=thousands(d.risky_entities.value)
                change=view! { <Change kpi=d.risky_entities lower_is_better=true/> }.into_any()/>
            {d.by_level.into_iter().map(|(level, n)| view! {
                <Stat label=level.as_str() value=n.to_string()/>
            }).collect_view()}
        </div>
        <ul class="rows">
            {d.top.into_iter().take(6).map(|e| view! {
                <li class="row">
                    <span class=format!("score risk-{}", e.level.as_str())>{format!("{:.0}", e.score)}</span>
                    <a class="row-main drill" href=signals_href(&e.query, w)>{e.name}</a>
                    <span class="row-detail">{format!("{} · {:+.0}", e.kind.as_str(), e.change)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

fn threats(d: ThreatMap, w: &'static str) -> impl IntoView {
    view! {
        <div class="stats">
            <Stat label="Located signals" value=thousands(d.located_signals.value)
                change=view! { <Change kpi=d.located_signals lower_is_better=true/> }.into_any()/>
            <Stat label="Countries" value=d.countries.len().to_string()/>
        </div>
        <ul class="rows">
            {d.countries.into_iter().take(5).map(|c| view! {
                <li class="row">
                    <a class="row-main drill" href=signals_href(&c.query, w) data-count=c.signals>{c.iso}</a>
                    <span class="row-detail">{format!("{} signals · {} important", thousands(c.signals as f64), thousands(c.important as f64))}</span>
                </li>
            }).collect_view()}
        </ul>
        <ul class="rows">
            {d.top_ips.into_iter().take(3).map(|ip| view! {
                <li class="row">
                    <a class="row-main mono drill" href=signals_href(&ip.query, w) data-count=ip.important + ip.other>{ip.ip}</a>
                    <span class="row-detail">{format!("{} · {} important · {} other", ip.country.unwrap_or_default(), ip.important, ip.other)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

fn security(d: SecurityOverview, w: &'static str) -> impl IntoView {
    let response = d.response.first().cloned();
    view! {
        <div class="stats">
            {d.by_severity.into_iter().map(|s| view! {
                <a class="stat drill" href=signals_href(&s.query, w) data-count=s.count.value>
                    <span class=severity_class(s.severity)>{s.severity.as_str()}</span>
                    <span class="stat-value">{thousands(s.count.value)}</span>
                    <Change kpi=s.count lower_is_better=true/>
                    <span class="sparkline" aria-hidden="true"
                        inner_html=crate::charts::sparkline(&s.trend, crate::charts::SEVERITY_COLOURS[s.severity.index()], 96, 26)></span>
                </a>
            }).collect_view()}
        </div>
        {response.map(|r| view! {
            <div class="stats">
                <Stat label="Mean time to respond" value=r.mean_ms.map(duration).unwrap_or_else(|| "–".into())/>
                <Stat label="p50" value=r.p50_ms.map(duration).unwrap_or_else(|| "–".into())/>
                <Stat label="p90" value=r.p90_ms.map(duration).unwrap_or_else(|| "–".into())/>
                <Stat label="Not yet responded" value=thousands(r.unresponded as f64)/>
            </div>
        })}
    }
}

fn mitre(d: MitreCoverage, w: &'static str) -> impl IntoView {
    let pct = if d.total_techniques > 0 { d.covered_techniques as f64 * 100.0 / d.total_techniques as f64 } else { 0.0 };
    view! {
        <div class="stats">
            <Stat label="Techniques covered" value=format!("{} / {}", d.covered_techniques, d.total_techniques)/>
            <Stat label="Coverage" value=format!("{pct:.0}%")/>
            <Stat label="High density" value=d.density_high.to_string()/>
            <Stat label="Medium" value=d.density_medium.to_string()/>
            <Stat label="Low" value=d.density_low.to_string()/>
        </div>
        <ul class="rows">
            {d.tactics.into_iter().map(|t| view! {
                <li class="row">
                    <a class="row-main drill" href=signals_href(&t.query, w) data-count=t.signals>{t.name}</a>
                    <span class="row-detail">{format!("{} signals · {} rules", thousands(t.signals as f64), t.rules)}</span>
                </li>
            }).collect_view()}
        </ul>
        <p class="attribution">{d.copyright}</p>
    }
}

fn performance(d: RulePerformance, w: &'static str) -> impl IntoView {
    view! {
        <div class="stats">
            {d.mttd.into_iter().map(|m| view! {
                <Stat label=m.severity.map_or("MTTD (all)", |s| s.as_str())
                    value=m.mean_ms.map(duration).unwrap_or_else(|| "–".into())/>
            }).collect_view()}
        </div>
        <h3 class="module-subtitle">"Rules by false positive rate"</h3>
        <ul class="rows">
            {d.rules_by_false_positive_rate.into_iter().take(5).map(|r| view! {
                <li class="row">
                    <a class="row-main drill" href=signals_href(&r.query, w) data-count=r.false_positives>{r.rule_name}</a>
                    <span class="row-detail">{format!("{:.0}% · {} of {}", r.rate * 100.0, r.false_positives, r.signals)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

fn research(d: Research) -> impl IntoView {
    view! {
        <ul class="rows">
            {d.articles.into_iter().take(6).map(|a| view! {
                <li class="row">
                    <span class="pill case">{if a.kind == "research" { "Research" } else { "Release" }}</span>
                    <a class="row-main" href=a.url target="_blank" rel="noopener">{a.title}</a>
                </li>
            }).collect_view()}
        </ul>
    }
}

fn getting_started(d: GettingStarted) -> impl IntoView {
    let total = d.tasks.len();
    view! {
        <p class="module-note">{format!("{} of {total} done", d.completed)}</p>
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
}
