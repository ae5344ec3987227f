//! The detection rule performance module (§4.7): time to detect, signal activity by severity,
//! week-on-week changes, archive reasons and false positive rates.

use analytics::overview::{term, RuleCount, RulePerformance};
use analytics::Severity;
use leptos::prelude::*;

use super::common::{change_class, duration_change, empty, severity_class, Drill, IMPORTANT};
use crate::charts::{self, Series, SEVERITY_COLOURS};
use crate::format::{clock, duration, human, signals_href, thousands};

/// Mean time to detect, the activity chart (a bar leads to its own bucket of time), the rules and
/// severities that changed most over a week, archive reasons and false positive rates.
#[component]
pub(super) fn RulePerformancePanel(d: RulePerformance, drill: Drill, window: analytics::Window) -> impl IntoView {
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
    // The axis ends where the window does (the last bucket's end, or a custom range's end).
    let visible = RwSignal::new(vec![true; analytics::Severity::COUNT]);
    // A bar leads to its severity's signals in its own bucket of time.
    let (starts, bucket) = (d.bucket_starts.clone(), d.bucket_ms);
    let window_end = match window {
        analytics::Window::Range { to, .. } => Some(to),
        analytics::Window::Preset(_) => None,
    };
    let end = starts.last().map(|&last| clock(window_end.map_or(last + bucket, |end| (last + bucket).min(end)), bucket)).unwrap_or_default();
    let activity = move || {
        let starts = starts.clone();
        charts::stacked_bars((640, 170), "Signal activity by severity", &series, &visible.get(), &times, &end, move |k, j| {
            let from = *starts.get(j)?;
            let to = window_end.map_or(from + bucket, |end| (from + bucket).min(end));
            let range = analytics::Window::Range { from, to };
            Some(signals_href(&term("status", Severity::ALL[k].as_str()), &range.as_param()))
        })
    };
    let no_false_positives = d.rules_by_false_positive_rate.is_empty();
    let reasons_max = d.important_by_archive_reason.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let ranking = |title: &'static str, rows: Vec<RuleCount>, testid: &'static str, drill: Drill| {
        view! {
            <div>
                <h3 class="module-subtitle">{title}</h3>
                {rows.is_empty().then(|| empty("None in this window."))}
                <ul class="rows" data-testid=testid>
                    {rows.into_iter().take(5).map(|r| view! {
                        <li class="row">
                            <a class="row-main drill" href=drill.href(&r.query) title=format!("{} ({})", r.rule_name, r.rule_id)>{r.rule_name.clone()}</a>
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
                            <a class="row-main drill" href=week.href(&r.query) title=format!("{} ({})", r.rule_name, r.rule_id)>{r.rule_name.clone()}</a>
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
        {no_false_positives.then(|| empty("No signal archived as a false positive in this window."))}
        // No table (and no orphan header) when there is nothing to rank.
        <table class="mini-table" data-testid="false-positive-rates" hidden=no_false_positives>
            <thead><tr><th>"Rule"</th><th class="num">"FP rate"</th><th class="num">"False positives"</th><th class="num">"Signals"</th></tr></thead>
            <tbody>
                {d.rules_by_false_positive_rate.into_iter().take(6).map(|r| {
                    let all = format!("{}", term("@workflow.rule.id", &r.rule_id));
                    view! {
                        <tr>
                            <td><a class="drill" href=drill.href(&r.query) title=format!("{} ({})", r.rule_name, r.rule_id)>{r.rule_name.clone()}</a></td>
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
