//! Every overview widget (product-spec §4.1 to §4.9), computed from a [`Dataset`] for a window
//! `[from, to)`, with the previous window of the same length for every KPI's change.
//!
//! Where the spec leaves a choice, the doc comment of the function that computes the number says
//! which definition is used. Every number that can be clicked carries the explorer `query` that
//! lists exactly the signals behind it (product-spec §3).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::attack::{self, Matrix};
use crate::dataset::{Dataset, Millis, DAY_MS, HOUR_MS};
use crate::model::*;

/// A quick, non-cryptographic hasher for small integer keys on hot paths (the multiply-rotate
/// scheme of rustc's FxHasher).
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A window in milliseconds, half-open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: Millis,
    pub to: Millis,
}

impl Span {
    pub fn len(&self) -> Millis {
        self.to - self.from
    }

    pub fn is_empty(&self) -> bool {
        self.to <= self.from
    }

    pub fn previous(&self) -> Span {
        Span { from: self.from - self.len(), to: self.from }
    }
}

/// A count now and in the previous window of the same length.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub value: f64,
    pub previous: f64,
    /// `value - previous`.
    pub change: f64,
    /// Relative change in percent; `None` when the previous value is zero.
    pub change_pct: Option<f64>,
}

impl Kpi {
    pub fn new(value: f64, previous: f64) -> Kpi {
        Kpi {
            value,
            previous,
            change: value - previous,
            change_pct: (previous != 0.0).then(|| (value - previous) / previous * 100.0),
        }
    }
}

/// Ids of the overview modules, in their default order.
pub const MODULE_IDS: [&str; 9] = [
    "security-coverage",
    "important-signals",
    "risk-insights",
    "threat-map",
    "security-overview",
    "mitre-coverage",
    "rule-performance",
    "research",
    "getting-started",
];

/// One module's data as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "module", rename_all = "kebab-case")]
pub enum ModuleData {
    SecurityCoverage(SecurityCoverage),
    ImportantSignals(ImportantSignals),
    RiskInsights(RiskInsights),
    ThreatMap(ThreatMap),
    SecurityOverview(SecurityOverview),
    MitreCoverage(MitreCoverage),
    RulePerformance(RulePerformance),
    Research(Research),
    GettingStarted(GettingStarted),
}

/// Computes one module by id; `None` for an unknown id.
pub fn compute_module(data: &Dataset, id: &str, span: Span, now: Millis) -> Option<ModuleData> {
    Some(match id {
        "security-coverage" => ModuleData::SecurityCoverage(security_coverage(data, span)),
        "important-signals" => ModuleData::ImportantSignals(important_signals(data, span, now)),
        "risk-insights" => ModuleData::RiskInsights(risk_insights(data, span)),
        "threat-map" => ModuleData::ThreatMap(threat_map(data, span)),
        "security-overview" => ModuleData::SecurityOverview(security_overview(data, span)),
        "mitre-coverage" => ModuleData::MitreCoverage(mitre_coverage(data, span)),
        "rule-performance" => ModuleData::RulePerformance(rule_performance(data, span)),
        "research" => ModuleData::Research(research(data)),
        "getting-started" => ModuleData::GettingStarted(getting_started(data, span)),
        _ => return None,
    })
}

/// One `attribute:value` term of a drill-down query, quoted as the query language renders it.
pub fn term(attribute: &str, value: &str) -> String {
    format!("{attribute}:{}", crate::query::render_value(value))
}

fn severity_counts() -> [u64; 5] {
    [0; 5]
}

// ---------------------------------------------------------------------------------------------
// §4.1 Security coverage
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategorySegment {
    pub category: PackCategory,
    pub label: String,
    pub enabled_packs: u32,
    pub packs: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PackProblem {
    pub pack_id: String,
    pub name: String,
    pub health: PackHealth,
    pub detail: Option<String>,
    pub since_ms: Option<Millis>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VolumeSeries {
    pub source_id: String,
    pub name: String,
    pub total: i64,
    /// Events per bucket, aligned with [`LogsAnalyzed::bucket_starts`].
    pub points: Vec<i64>,
    /// Buckets marked as unusual: `(bucket index, "spike" | "drop")`.
    pub anomalies: Vec<(usize, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogsAnalyzed {
    pub bucket_ms: Millis,
    pub bucket_starts: Vec<Millis>,
    pub total: Kpi,
    /// The top sources by volume (at most 6), then the rest summed as "Other sources".
    pub series: Vec<VolumeSeries>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecurityCoverage {
    pub enabled_by_category: Vec<CategorySegment>,
    pub packs_active: u32,
    pub packs_warning: u32,
    pub packs_broken: u32,
    pub packs_disabled: u32,
    /// Packs in warning or broken, worst first.
    pub problems: Vec<PackProblem>,
    pub logs: LogsAnalyzed,
}

/// Bucket size for time series: one hour up to two days, then the window split into about 48
/// buckets rounded to whole hours (log volume is kept per hour).
pub fn bucket_for(span: Span) -> Millis {
    let raw = span.len() / 48;
    if raw <= HOUR_MS {
        HOUR_MS.min(span.len().max(1))
    } else {
        (raw + HOUR_MS - 1) / HOUR_MS * HOUR_MS
    }
}

fn buckets(span: Span, bucket: Millis) -> Vec<Millis> {
    let mut starts = Vec::new();
    let mut t = span.from;
    while t < span.to {
        starts.push(t);
        t += bucket;
    }
    starts
}

/// Security coverage (§4.1). Pack health counts every pack by its state; "enabled" packs are
/// those with `enabled` set. Log volume sums the hourly counts whose hour starts in the window.
/// Unusual spikes and drops are found by [`anomalies`].
pub fn security_coverage(data: &Dataset, span: Span) -> SecurityCoverage {
    let mut enabled_by_category: Vec<CategorySegment> = Vec::new();
    for category in PackCategory::ALL {
        let packs: Vec<String> = data
            .packs
            .iter()
            .filter(|p| p.enabled && p.category == *category)
            .map(|p| p.name.clone())
            .collect();
        if !packs.is_empty() {
            enabled_by_category.push(CategorySegment {
                category: *category,
                label: category.label().to_owned(),
                enabled_packs: packs.len() as u32,
                packs,
            });
        }
    }
    let count = |h: PackHealth| data.packs.iter().filter(|p| p.health == h).count() as u32;
    let mut problems: Vec<PackProblem> = data
        .packs
        .iter()
        .filter(|p| matches!(p.health, PackHealth::Warning | PackHealth::Broken))
        .map(|p| PackProblem {
            pack_id: p.id.clone(),
            name: p.name.clone(),
            health: p.health,
            detail: p.health_detail.clone(),
            since_ms: p.health_since_ms,
        })
        .collect();
    problems.sort_by_key(|p| (p.health != PackHealth::Broken, p.since_ms, p.name.clone()));

    SecurityCoverage {
        enabled_by_category,
        packs_active: count(PackHealth::Active),
        packs_warning: count(PackHealth::Warning),
        packs_broken: count(PackHealth::Broken),
        packs_disabled: count(PackHealth::Disabled),
        problems,
        logs: logs_analyzed(data, span),
    }
}

fn logs_analyzed(data: &Dataset, span: Span) -> LogsAnalyzed {
    let bucket = bucket_for(span);
    let starts = buckets(span, bucket);
    let mut per_source = vec![vec![0i64; starts.len()]; data.sources.len()];
    let mut previous_total = 0i64;
    let previous = span.previous();
    for point in &data.volume {
        if point.hour_ms >= span.from && point.hour_ms < span.to {
            let b = ((point.hour_ms - span.from) / bucket) as usize;
            per_source[point.source][b.min(starts.len() - 1)] += point.events;
        } else if point.hour_ms >= previous.from && point.hour_ms < previous.to {
            previous_total += point.events;
        }
    }
    let mut order: Vec<usize> = (0..data.sources.len()).collect();
    let totals: Vec<i64> = per_source.iter().map(|p| p.iter().sum()).collect();
    order.sort_by_key(|&s| (std::cmp::Reverse(totals[s]), data.sources[s].id.clone()));
    let mut series = Vec::new();
    let mut other = vec![0i64; starts.len()];
    for (rank, &s) in order.iter().enumerate() {
        if totals[s] == 0 {
            continue;
        }
        if rank < 6 {
            series.push(VolumeSeries {
                source_id: data.sources[s].id.clone(),
                name: data.sources[s].name.clone(),
                total: totals[s],
                anomalies: anomalies(data, s, span, bucket),
                points: per_source[s].clone(),
            });
        } else {
            for (o, v) in other.iter_mut().zip(&per_source[s]) {
                *o += v;
            }
        }
    }
    if other.iter().any(|&v| v > 0) {
        series.push(VolumeSeries {
            source_id: String::new(),
            name: "Other sources".to_owned(),
            total: other.iter().sum(),
            anomalies: Vec::new(),
            points: other,
        });
    }
    LogsAnalyzed {
        bucket_ms: bucket,
        bucket_starts: starts,
        total: Kpi::new(totals.iter().sum::<i64>() as f64, previous_total as f64),
        series,
    }
}

fn median(values: &mut [i64]) -> i64 {
    values.sort_unstable();
    values[values.len() / 2]
}

/// How many days before the window the hourly history reaches when judging what is usual.
const ANOMALY_LOOKBACK_DAYS: Millis = 7;

/// Unusual buckets of one log source in the window, `(bucket index, what)`, judged hour by hour
/// (the resolution the volume is kept at) and then shown on whichever bucket holds the hour, so
/// a burst is marked wherever the window's buckets happen to start. The hours are read from a
/// week before the window onwards, so a short window has the same baseline as a long one and an
/// hour is judged the same in every window that shows it (see [`unusual_hours`]).
fn anomalies(data: &Dataset, source: usize, span: Span, bucket_ms: Millis) -> Vec<(usize, String)> {
    let first_hour = span.from - span.from.rem_euclid(HOUR_MS) - ANOMALY_LOOKBACK_DAYS * DAY_MS;
    let hours = ((span.to - first_hour + HOUR_MS - 1) / HOUR_MS).max(0) as usize;
    let mut points = vec![0i64; hours];
    let mut seen_from: Option<usize> = None;
    for point in data.volume.iter().filter(|p| p.source == source && p.hour_ms >= first_hour && p.hour_ms < span.to) {
        let h = ((point.hour_ms - first_hour) / HOUR_MS) as usize;
        points[h] += point.events;
        seen_from = Some(seen_from.map_or(h, |s: usize| s.min(h)));
    }
    // Hours before the source first sent anything are not silence, they are before its time.
    let Some(offset) = seen_from else { return Vec::new() };
    let hourly = unusual_hours(&points[offset..]);
    let mut marks: Vec<(usize, Unusual)> = Vec::new();
    for (h, unusual) in hourly {
        let hour_ms = first_hour + (offset + h) as Millis * HOUR_MS;
        // The hour still being filled (the window's last) is never judged.
        if hour_ms < span.from || hour_ms + HOUR_MS > span.to {
            continue;
        }
        let b = ((hour_ms - span.from) / bucket_ms) as usize;
        match marks.last_mut() {
            Some((last, kept)) if *last == b => {
                // One mark per bucket: a spike before a drop, then the larger departure.
                if (unusual.spike, unusual.departure()) > (kept.spike, kept.departure()) {
                    *kept = unusual;
                }
            }
            _ => marks.push((b, unusual)),
        }
    }
    marks
        .into_iter()
        .map(|(b, u)| {
            let kind = if u.spike { "spike" } else { "drop" };
            let when = chrono::DateTime::from_timestamp_millis(first_hour + (offset + u.hour) as Millis * HOUR_MS)
                .map(|t| t.format("%H:%M UTC").to_string())
                .unwrap_or_default();
            let what = if bucket_ms > HOUR_MS {
                format!("{kind}: {} in the hour from {when} against about {} usually", u.value, u.expected)
            } else {
                format!("{kind}: {} against about {} usually", u.value, u.expected)
            };
            (b, what)
        })
        .collect()
}

/// One unusual hour of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Unusual {
    hour: usize,
    spike: bool,
    value: i64,
    expected: i64,
}

impl Unusual {
    fn departure(&self) -> i64 {
        (self.value - self.expected).abs()
    }
}

/// The unusual hours of an hourly series. What an hour should hold is its time of day's
/// level (the median of the same hour on the other days, when there are two or more) scaled
/// by the level of the 12 hours either side of it (the median of their ratios to their own time
/// of day, held between 0.5 and 2), so a daily rhythm, a quiet weekend and a busy Monday are
/// all expected, while a burst of a few hours or a sudden outage is not. Without two other days the
/// six hours either side are the baseline instead (a rhythm rises and falls smoothly; a burst
/// of a few hours does not move their median).
///
/// An hour is a spike when it holds more than 2.5 times what was expected, a drop when it holds
/// under 0.3 times (marked only where the drop starts, not every silent hour after it), and in
/// both cases only when the departure is over three times the series' typical departure (the
/// median absolute residual), so noise on a small source is not news.
fn unusual_hours(points: &[i64]) -> Vec<(usize, Unusual)> {
    const REACH: usize = 6;
    const LEVEL_HOURS: usize = 12;
    let per_day = (DAY_MS / HOUR_MS) as usize;
    let n = points.len();
    if n < 2 * REACH + 1 {
        return Vec::new();
    }
    // The hours either side: a burst of a few hours or the start of an outage stands out from
    // them, a rhythm does not.
    let near: Vec<i64> = (0..n)
        .map(|i| {
            let mut around: Vec<i64> = (i.saturating_sub(REACH)..(i + REACH + 1).min(n)).filter(|&j| j != i).map(|j| points[j]).collect();
            median(&mut around)
        })
        .collect();
    let seasonal: Vec<Option<i64>> = (0..n)
        .map(|i| {
            let mut same_hour: Vec<i64> = (i % per_day..n).step_by(per_day).filter(|&j| j != i).map(|j| points[j]).collect();
            (same_hour.len() >= 2).then(|| median(&mut same_hour))
        })
        .collect();
    // Ratios to the time of day, in thousandths (integers keep the medians exact).
    let ratio = |j: usize| seasonal[j].map(|s| points[j] * 1_000 / s.max(1));
    let expected: Vec<i64> = (0..n)
        .map(|i| match seasonal[i] {
            Some(usual) => {
                let mut level: Vec<i64> =
                    (i.saturating_sub(LEVEL_HOURS)..(i + 1 + LEVEL_HOURS).min(n)).filter(|&j| j != i).filter_map(ratio).collect();
                // The level is held between half and twice the usual: enough for a quiet weekend
                // or a busy week, while an outage before an hour (or a burst) does not turn
                // the hour after it into a spike (or a drop).
                let level = if level.is_empty() { 1_000 } else { median(&mut level).clamp(500, 2_000) };
                usual * level / 1_000
            }
            None => near[i],
        })
        .collect();
    let mut residuals: Vec<i64> = points.iter().zip(&expected).map(|(v, e)| (v - e).abs()).collect();
    let typical = median(&mut residuals).max(1);
    let mut marks = Vec::new();
    let mut dropping = false;
    for i in 0..n {
        let (v, e, around) = (points[i], expected[i], near[i] as f64);
        let is_drop = e - v > 3 * typical && (v as f64) < e as f64 * 0.3 && (v as f64) < around * 0.3;
        if v - e > 3 * typical && v as f64 > e as f64 * 2.5 && v as f64 > around * 2.5 {
            marks.push((i, Unusual { hour: i, spike: true, value: v, expected: e }));
        } else if is_drop && !dropping {
            marks.push((i, Unusual { hour: i, spike: false, value: v, expected: e }));
        }
        dropping = is_drop || (dropping && v == 0);
    }
    marks
}

#[cfg(test)]
mod anomaly_tests {
    use super::*;

    /// A daily rhythm: quiet nights, busy days, quieter weekends (day 5 and 6 of each week).
    fn rhythm(days: usize) -> Vec<i64> {
        (0..days * 24)
            .map(|h| {
                let hour = (h % 24) as f64;
                let weekend = if (h / 24) % 7 >= 5 { 0.55 } else { 1.0 };
                ((1_000.0 + 800.0 * (std::f64::consts::PI * (hour - 6.0) / 12.0).sin().max(0.0)) * weekend) as i64
            })
            .collect()
    }

    fn hours(marks: &[(usize, Unusual)]) -> Vec<(usize, bool)> {
        marks.iter().map(|(h, u)| (*h, u.spike)).collect()
    }

    #[test]
    fn a_daily_and_weekly_rhythm_is_not_unusual() {
        assert_eq!(hours(&unusual_hours(&rhythm(21))), []);
        // Without whole days to compare, neighbours are the baseline, and a rhythm is smooth.
        assert_eq!(hours(&unusual_hours(&rhythm(1))), []);
    }

    #[test]
    fn a_burst_and_an_outage_are_marked_where_they_happen_even_on_a_weekend() {
        let mut points = rhythm(21);
        // A four-hour burst at 4.5 times on a Saturday afternoon (day 12), an outage on day 18.
        for p in &mut points[12 * 24 + 14..12 * 24 + 18] {
            *p = *p * 9 / 2;
        }
        for p in &mut points[18 * 24 + 10..] {
            *p = 0;
        }
        let marks = hours(&unusual_hours(&points));
        let burst: Vec<(usize, bool)> = (12 * 24 + 14..12 * 24 + 18).map(|h| (h, true)).collect();
        assert_eq!(marks[..4], burst[..], "{marks:?}");
        assert_eq!(marks[4..], [(18 * 24 + 10, false)], "the silence after the drop is one drop: {marks:?}");
        // Without whole days in the series, the neighbourhood is the baseline.
        let short: Vec<i64> = points[12 * 24..12 * 24 + 24].to_vec();
        let marks = hours(&unusual_hours(&short));
        assert!(marks.contains(&(14, true)) && marks.iter().all(|m| m.1), "{marks:?}");
    }

    #[test]
    fn short_or_flat_series_have_nothing_unusual() {
        assert!(unusual_hours(&[5, 9, 1]).is_empty());
        assert!(unusual_hours(&[0; 48]).is_empty());
        assert!(unusual_hours(&[7; 24 * 10]).is_empty());
    }

    /// The demo's injected burst (4 hours at 4.5 times, three days and nine hours before the
    /// data ends) is marked on the charts of every window that shows it, however the window's
    /// buckets fall on the clock and whatever day of the week the burst lands on; and nothing
    /// else is marked as a spike. This is what made the end-to-end test depend on the time of
    /// day it ran at.
    #[test]
    fn the_demo_burst_is_marked_at_every_alignment() {
        const MINUTE_MS: Millis = 60_000;
        let base = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a Thursday
        let mut checked = 0;
        for day in 0..7 {
            for hour in [0, 7, 15] {
                let now = base + day * DAY_MS + hour * HOUR_MS + 23 * MINUTE_MS;
                let data = crate::demo::generate(crate::demo::DemoParams { signals: 300, seed: 42, days: 30, now_ms: now });
                let burst_from = {
                    let at = now - 3 * DAY_MS - 9 * HOUR_MS;
                    at - at.rem_euclid(HOUR_MS)
                };
                let cloudflare = data.sources.iter().position(|s| s.name.starts_with("Cloudflare")).expect("the demo has Cloudflare");
                // Windows ending from now to 4 hours later, in 29-minute steps:
                // every phase of the 4-hour buckets of a 7-day window.
                for shift in (0..4 * 60).step_by(29) {
                    let to = now + shift * MINUTE_MS;
                    for days in [7, 30] {
                        let span = Span { from: to - days * DAY_MS, to };
                        let bucket = bucket_for(span);
                        let logs = logs_analyzed(&data, span);
                        let burst_buckets: Vec<usize> = (0..4)
                            .map(|h| ((burst_from + h * HOUR_MS - span.from) / bucket) as usize)
                            .collect();
                        assert!(logs.series.iter().any(|s| s.source_id == data.sources[cloudflare].id), "Cloudflare is charted");
                        for series in &logs.series {
                            let spikes: Vec<usize> = series.anomalies.iter().filter(|(_, w)| w.starts_with("spike")).map(|(b, _)| *b).collect();
                            if series.source_id == data.sources[cloudflare].id {
                                assert!(!spikes.is_empty(), "no spike at now={now} to={to} days={days}: {:?}", series.anomalies);
                                assert!(spikes.iter().all(|b| burst_buckets.contains(b)), "{spikes:?} outside {burst_buckets:?}");
                            } else {
                                assert_eq!(spikes, Vec::<usize>::new(), "{} at now={now} to={to} days={days}: {:?}", series.name, series.anomalies);
                            }
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 7 * 3 * 9 * 2);
    }
}

// ---------------------------------------------------------------------------------------------
// §4.2 Important signals and cases
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleRow {
    pub rule_id: String,
    pub rule_name: String,
    /// Open signals per severity, in [`Severity::ALL`] order.
    pub by_severity: [u64; 5],
    pub total: u64,
    /// The explorer query for the whole row; add `status:<severity>` for a pill.
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub assignee: Option<String>,
    pub created_at_ms: Millis,
    pub age_ms: Millis,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImportantSignals {
    pub open_signals: Kpi,
    pub rules: Vec<RuleRow>,
    pub open_cases: Vec<CaseRow>,
    pub open_cases_total: u32,
}

/// Important signals and cases (§4.2). "Recent open signals" are the signals detected in the
/// window whose triage state is `open` now. Rows are sorted by their most severe open signal,
/// then by count, then by rule name. Cases listed are those not `closed`, most urgent priority
/// first, then oldest; a case's age is measured to `now`.
pub fn important_signals(data: &Dataset, span: Span, now: Millis) -> ImportantSignals {
    let t = &data.signals;
    let mut per_rule = vec![severity_counts(); data.rules.len()];
    let mut open_now = 0u64;
    for i in t.range(span.from, span.to) {
        if t.state[i] == TriageState::Open {
            per_rule[t.rule[i] as usize][t.severity[i].index()] += 1;
            open_now += 1;
        }
    }
    let prev = span.previous();
    let open_prev = t
        .range(prev.from, prev.to)
        .filter(|&i| t.state[i] == TriageState::Open)
        .count();
    let mut rules: Vec<RuleRow> = per_rule
        .into_iter()
        .enumerate()
        .filter(|(_, counts)| counts.iter().any(|&c| c > 0))
        .map(|(r, by_severity)| {
            let rule = &data.rules[r];
            RuleRow {
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                total: by_severity.iter().sum(),
                by_severity,
                query: format!(
                    "{} @workflow.triage.state:open",
                    term("@workflow.rule.id", &rule.id)
                ),
            }
        })
        .collect();
    rules.sort_by(|a, b| {
        let top = |r: &RuleRow| r.by_severity.iter().position(|&c| c > 0).unwrap_or(5);
        top(a)
            .cmp(&top(b))
            .then(b.total.cmp(&a.total))
            .then(a.rule_name.cmp(&b.rule_name))
    });
    let user_name = |id: Option<i64>| {
        id.and_then(|id| data.users.iter().find(|u| u.id == id))
            .map(|u| u.display_name.clone())
    };
    let mut open_cases: Vec<CaseRow> = data
        .cases
        .iter()
        .filter(|c| c.status != CaseStatus::Closed)
        .map(|c| CaseRow {
            id: c.id,
            title: c.title.clone(),
            status: c.status,
            priority: c.priority,
            assignee: user_name(c.assignee_id),
            created_at_ms: c.created_at_ms,
            age_ms: now - c.created_at_ms,
        })
        .collect();
    open_cases.sort_by_key(|c| (c.priority, c.created_at_ms, c.id));
    let open_cases_total = open_cases.len() as u32;
    open_cases.truncate(10);
    ImportantSignals {
        open_signals: Kpi::new(open_now as f64, open_prev as f64),
        rules,
        open_cases,
        open_cases_total,
    }
}

// ---------------------------------------------------------------------------------------------
// §4.3 Risk insights
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Critical,
    High,
    Medium,
    Low,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 4] = [RiskLevel::Critical, RiskLevel::High, RiskLevel::Medium, RiskLevel::Low];

    /// §4.3: critical ≥ 90, high ≥ 70, medium ≥ 40, low > 0; a score of 0 has no level.
    pub fn of(score: f64) -> Option<RiskLevel> {
        if score >= 90.0 {
            Some(RiskLevel::Critical)
        } else if score >= 70.0 {
            Some(RiskLevel::High)
        } else if score >= 40.0 {
            Some(RiskLevel::Medium)
        } else if score > 0.0 {
            Some(RiskLevel::Low)
        } else {
            None
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Critical => "critical",
            RiskLevel::High => "high",
            RiskLevel::Medium => "medium",
            RiskLevel::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RiskyEntity {
    pub entity_id: i64,
    pub name: String,
    pub kind: EntityKind,
    pub score: f64,
    pub level: RiskLevel,
    /// Score at the window's start; `score - score_at_start` is the change shown.
    pub score_at_start: f64,
    pub change: f64,
    /// When the score last changed: the later of the newest contributing signal and the last
    /// time one of its contributions was halved, both before the window's end.
    pub last_changed_ms: Millis,
    /// Signals of this entity detected in the window (what [`RiskyEntity::query`] lists).
    pub signals: u64,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RiskInsights {
    pub top: Vec<RiskyEntity>,
    pub risky_entities: Kpi,
    /// Risky entities (score > 0) per type, in [`EntityKind::ALL`] order.
    pub by_type: Vec<(EntityKind, u32)>,
    /// Entities per risk level, critical first.
    pub by_level: Vec<(RiskLevel, u32)>,
}

/// The risk score window: signals of the last 30 days count.
pub const RISK_HORIZON_MS: Millis = 30 * DAY_MS;
/// Each contribution halves for every full 7 days of age.
pub const RISK_HALF_LIFE_MS: Millis = 7 * DAY_MS;

/// A signal's contribution to its entities' risk at instant `at` (§4.3): its severity's weight,
/// halved once for every full 7 days between `detected_at` and `at` (a step, not a smooth
/// decay), nothing once it is 30 days old or older, nothing before it was detected, and nothing
/// if it is archived as false positive or testing (its current state: archiving is what clears
/// it, so a re-opened signal counts again).
pub fn risk_contribution(severity: Severity, detected_at: Millis, cleared: bool, at: Millis) -> f64 {
    let age = at - detected_at;
    if cleared || age < 0 || age >= RISK_HORIZON_MS {
        return 0.0;
    }
    let halvings = (age / RISK_HALF_LIFE_MS) as i32;
    severity.risk_weight() / f64::powi(2.0, halvings)
}

/// Risk scores at `at` for every entity (index into `Dataset::entities`), capped at 100.
pub fn risk_scores(data: &Dataset, at: Millis) -> Vec<f64> {
    risk_scores_at(data, &[at]).pop().expect("one instant, one result")
}

/// Risk scores at several instants in one pass over the signals.
pub fn risk_scores_at(data: &Dataset, instants: &[Millis]) -> Vec<Vec<f64>> {
    let t = &data.signals;
    let mut scores = vec![vec![0.0f64; data.entities.len()]; instants.len()];
    let (Some(&earliest), Some(&latest)) = (instants.iter().min(), instants.iter().max()) else {
        return scores;
    };
    for i in t.range(earliest - RISK_HORIZON_MS + 1, latest + 1) {
        let cleared = t.archive_reason[i].is_some_and(|r| r.clears_risk())
            && t.state[i] == TriageState::Archived;
        if cleared || t.severity[i].risk_weight() == 0.0 {
            continue;
        }
        for (k, &at) in instants.iter().enumerate() {
            let c = risk_contribution(t.severity[i], t.detected_at_ms[i], false, at);
            if c > 0.0 {
                for &e in t.entities_of(i) {
                    scores[k][e as usize] += c;
                }
            }
        }
    }
    for list in &mut scores {
        for s in list.iter_mut() {
            *s = s.min(100.0);
        }
    }
    scores
}

/// Risk insights (§4.3), with scores taken at the window's end (`to`, i.e. the last instant in
/// it) and compared with the scores at its start.
/// How many of the riskiest entities [`RiskInsights::top`] holds.
pub const TOP_RISKY: usize = 50;

pub fn risk_insights(data: &Dataset, span: Span) -> RiskInsights {
    let end = span.to - 1;
    let mut at = risk_scores_at(data, &[end, span.from, span.previous().to - 1]).into_iter();
    let (now_scores, start_scores, prev_scores) = (
        at.next().expect("three instants"),
        at.next().expect("three instants"),
        at.next().expect("three instants"),
    );
    let mut by_type = vec![0u32; EntityKind::ALL.len()];
    let mut by_level = [0u32; 4];
    let mut risky: Vec<usize> = Vec::new();
    for (e, &score) in now_scores.iter().enumerate() {
        if let Some(level) = RiskLevel::of(score) {
            by_type[data.entities[e].kind.index()] += 1;
            by_level[level as usize] += 1;
            risky.push(e);
        }
    }
    risky.sort_by(|&a, &b| {
        now_scores[b]
            .total_cmp(&now_scores[a])
            .then(data.entities[a].name.cmp(&data.entities[b].name))
    });
    let last_changed = last_changed(data, end);
    // The riskiest entities, enough for the page to list them by type or level.
    let listed: Vec<usize> = risky.iter().take(TOP_RISKY).copied().collect();
    let mut signals_of = vec![0u64; data.entities.len()];
    let mut wanted = vec![false; data.entities.len()];
    for &e in &listed {
        wanted[e] = true;
    }
    let t = &data.signals;
    for i in t.range(span.from, span.to) {
        for &e in t.entities_of(i) {
            if wanted[e as usize] {
                signals_of[e as usize] += 1;
            }
        }
    }
    let top = listed
        .iter()
        .map(|&e| {
            let entity = &data.entities[e];
            RiskyEntity {
                entity_id: entity.id,
                name: entity.name.clone(),
                kind: entity.kind,
                score: round2(now_scores[e]),
                level: RiskLevel::of(now_scores[e]).expect("risky entities have a level"),
                score_at_start: round2(start_scores[e]),
                change: round2(now_scores[e] - start_scores[e]),
                last_changed_ms: Some(last_changed[e]).filter(|&m| m != Millis::MIN).unwrap_or(span.from),
                signals: signals_of[e],
                query: term("@entity.name", &entity.name),
            }
        })
        .collect();
    let prev_risky = prev_scores.iter().filter(|&&s| s > 0.0).count();
    RiskInsights {
        top,
        risky_entities: Kpi::new(risky.len() as f64, prev_risky as f64),
        by_type: EntityKind::ALL.iter().map(|k| (*k, by_type[k.index()])).collect(),
        by_level: RiskLevel::ALL.iter().map(|l| (*l, by_level[*l as usize])).collect(),
    }
}

fn last_changed(data: &Dataset, at: Millis) -> Vec<Millis> {
    let t = &data.signals;
    let mut changed = vec![Millis::MIN; data.entities.len()];
    for i in t.range(at - RISK_HORIZON_MS + 1, at + 1) {
        let cleared = t.state[i] == TriageState::Archived
            && t.archive_reason[i].is_some_and(|r| r.clears_risk());
        if cleared || t.severity[i].risk_weight() == 0.0 {
            continue;
        }
        let detected = t.detected_at_ms[i];
        let steps = (at - detected) / RISK_HALF_LIFE_MS;
        let moment = detected + steps * RISK_HALF_LIFE_MS;
        for &e in t.entities_of(i) {
            let slot = &mut changed[e as usize];
            *slot = (*slot).max(moment);
        }
    }
    changed
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

// ---------------------------------------------------------------------------------------------
// §4.4 Threat map
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CountryCount {
    pub iso: String,
    pub signals: u64,
    pub important: u64,
    /// Signals per region (subdivision), most first: the wedge's drill-down.
    pub regions: Vec<(String, u64)>,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IpRow {
    pub ip: String,
    pub country: Option<String>,
    pub important: u64,
    pub other: u64,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IspRow {
    pub isp: String,
    pub asn: Option<i64>,
    pub signals: u64,
    /// Signals per (country, region): the provider drilled into by location.
    pub locations: Vec<(String, String, u64)>,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThreatMap {
    /// Every country with signals in the window, most first.
    pub countries: Vec<CountryCount>,
    /// Signals with a known attacker country.
    pub located_signals: Kpi,
    pub top_ips: Vec<IpRow>,
    pub isps: Vec<IspRow>,
}

/// Threat map (§4.4). Counts signals detected in the window that carry an attacker IP; a signal
/// without a country is not on the map. "Important" is critical or high.
pub fn threat_map(data: &Dataset, span: Span) -> ThreatMap {
    let t = &data.signals;
    // Dense counters indexed by interned string id; pairs and triples in a fast hash map.
    let n = t.strings.len();
    let mut country_counts = vec![(0u64, 0u64); n];
    let mut ip_counts = vec![(0u32, 0u64, 0u64); n];
    let mut isp_counts = vec![(0i64, 0u64); n];
    let mut regions: FastMap<(u32, u32), u64> = FastMap::default();
    let mut isp_locations: FastMap<(u32, u32, u32), u64> = FastMap::default();
    for i in t.range(span.from, span.to) {
        let important = t.severity[i].is_important();
        let (country, region, ip, isp) = (t.country[i], t.region[i], t.ip[i], t.isp[i]);
        if country != 0 {
            let c = &mut country_counts[country as usize];
            c.0 += 1;
            c.1 += important as u64;
            if region != 0 {
                *regions.entry((country, region)).or_default() += 1;
            }
        }
        if ip != 0 {
            let c = &mut ip_counts[ip as usize];
            c.0 = country;
            if important {
                c.1 += 1;
            } else {
                c.2 += 1;
            }
        }
        if isp != 0 {
            let c = &mut isp_counts[isp as usize];
            c.0 = t.asn[i];
            c.1 += 1;
            *isp_locations.entry((isp, country, region)).or_default() += 1;
        }
    }
    let mut country_regions: HashMap<u32, HashMap<u32, u64>> = HashMap::new();
    for ((c, r), count) in regions {
        country_regions.entry(c).or_default().insert(r, count);
    }
    let countries: HashMap<u32, (u64, u64, HashMap<u32, u64>)> = country_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.0 > 0)
        .map(|(id, c)| (id as u32, (c.0, c.1, country_regions.remove(&(id as u32)).unwrap_or_default())))
        .collect();
    let ips: HashMap<u32, (u32, u64, u64)> = ip_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.1 + c.2 > 0)
        .map(|(id, c)| (id as u32, *c))
        .collect();
    let mut locations_of: HashMap<u32, HashMap<(u32, u32), u64>> = HashMap::new();
    for ((isp, c, r), count) in isp_locations {
        locations_of.entry(isp).or_default().insert((c, r), count);
    }
    let isps: HashMap<u32, (i64, u64, HashMap<(u32, u32), u64>)> = isp_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.1 > 0)
        .map(|(id, c)| (id as u32, (c.0, c.1, locations_of.remove(&(id as u32)).unwrap_or_default())))
        .collect();
    let s = |id: u32| t.strings.get(id).to_owned();
    let mut country_rows: Vec<CountryCount> = countries
        .into_iter()
        .map(|(c, (signals, important, regions))| {
            let mut regions: Vec<(String, u64)> = regions.into_iter().map(|(r, n)| (s(r), n)).collect();
            regions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            CountryCount {
                query: term("@network.client.geoip.country.iso_code", t.strings.get(c)),
                iso: s(c),
                signals,
                important,
                regions,
            }
        })
        .collect();
    country_rows.sort_by(|a, b| b.signals.cmp(&a.signals).then(a.iso.cmp(&b.iso)));
    let mut ip_rows: Vec<IpRow> = ips
        .into_iter()
        .map(|(ip, (country, important, other))| IpRow {
            query: term("@network.ip.list", t.strings.get(ip)),
            ip: s(ip),
            country: t.strings.get_opt(country).map(str::to_owned),
            important,
            other,
        })
        .collect();
    ip_rows.sort_by(|a, b| {
        (b.important + b.other)
            .cmp(&(a.important + a.other))
            .then(b.important.cmp(&a.important))
            .then(a.ip.cmp(&b.ip))
    });
    ip_rows.truncate(10);
    let mut isp_rows: Vec<IspRow> = isps
        .into_iter()
        .map(|(isp, (asn, signals, locations))| {
            let mut locations: Vec<(String, String, u64)> = locations
                .into_iter()
                .map(|((c, r), n)| (s(c), s(r), n))
                .collect();
            locations.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
            IspRow {
                query: term("@network.client.isp", t.strings.get(isp)),
                isp: s(isp),
                asn: (asn != 0).then_some(asn),
                signals,
                locations,
            }
        })
        .collect();
    isp_rows.sort_by(|a, b| b.signals.cmp(&a.signals).then(a.isp.cmp(&b.isp)));
    isp_rows.truncate(10);
    let located = |span: Span| t.range(span.from, span.to).filter(|&i| t.country[i] != 0).count();
    ThreatMap {
        located_signals: Kpi::new(located(span) as f64, located(span.previous()) as f64),
        countries: country_rows,
        top_ips: ip_rows,
        isps: isp_rows,
    }
}

// ---------------------------------------------------------------------------------------------
// §4.5 Security overview
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SeverityKpi {
    pub severity: Severity,
    pub count: Kpi,
    /// Signals per bucket over the window (the sparkline).
    pub trend: Vec<u64>,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FlowLink {
    /// `severity:<s>`, `source:<id>` or `resolution:<open|under_review|archive reason>`.
    pub from: String,
    pub to: String,
    pub signals: u64,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResponseTime {
    pub severity: Option<Severity>,
    /// Signals detected in the window that have left `open`.
    pub responded: u64,
    /// Signals detected in the window still never moved out of `open`.
    pub unresponded: u64,
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub previous_mean_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecurityOverview {
    pub bucket_ms: Millis,
    pub bucket_starts: Vec<Millis>,
    pub total: Kpi,
    pub by_severity: Vec<SeverityKpi>,
    pub flow: Vec<FlowLink>,
    /// All severities first, then one per severity.
    pub response: Vec<ResponseTime>,
}

/// The resolution a signal has reached: its state, or the archive reason once archived.
fn resolution(state: TriageState, reason: Option<ArchiveReason>) -> (&'static str, String) {
    match (state, reason) {
        (TriageState::Archived, Some(reason)) => (reason.as_str(), term("@workflow.triage.archive_reason", reason.as_str())),
        (state, _) => (state.as_str(), term("@workflow.triage.state", state.as_str())),
    }
}

/// Security overview (§4.5). Mean time to respond: over signals detected in the window, the time
/// from `detected_at` to their first move out of `open` recorded in the history; signals never
/// responded to are counted apart and excluded from the mean. Percentiles use the nearest-rank
/// method.
pub fn security_overview(data: &Dataset, span: Span) -> SecurityOverview {
    let t = &data.signals;
    let bucket = bucket_for(span);
    let starts = buckets(span, bucket);
    let mut trend = vec![vec![0u64; starts.len()]; 5];
    let mut counts = [0u64; 5];
    // Resolutions: 0 open, 1 under review, 2.. archive reasons (by index).
    const RESOLUTIONS: usize = 2 + ArchiveReason::ALL.len();
    let nsources = data.sources.len();
    let mut severity_source = vec![0u64; 5 * nsources];
    let mut source_resolution = vec![0u64; nsources * RESOLUTIONS];
    for i in t.range(span.from, span.to) {
        let sev = t.severity[i].index();
        counts[sev] += 1;
        let b = ((t.detected_at_ms[i] - span.from) / bucket) as usize;
        trend[sev][b.min(starts.len() - 1)] += 1;
        let source = t.source[i] as usize;
        let res = match (t.state[i], t.archive_reason[i]) {
            (TriageState::Archived, Some(reason)) => 2 + reason.index(),
            (TriageState::UnderReview, _) => 1,
            _ => 0,
        };
        severity_source[sev * nsources + source] += 1;
        source_resolution[source * RESOLUTIONS + res] += 1;
    }
    let resolution_of = |res: usize| match res {
        0 => resolution(TriageState::Open, None),
        1 => resolution(TriageState::UnderReview, None),
        r => resolution(TriageState::Archived, Some(ArchiveReason::ALL[r - 2])),
    };
    let mut flow = Vec::new();
    for sev in Severity::ALL {
        for (s, source) in data.sources.iter().enumerate() {
            let n = severity_source[sev.index() * nsources + s];
            if n > 0 {
                flow.push(FlowLink {
                    from: format!("severity:{}", sev.as_str()),
                    to: format!("source:{}", source.id),
                    signals: n,
                    query: format!("{} {}", term("status", sev.as_str()), term("source", &source.id)),
                });
            }
        }
    }
    for (s, source) in data.sources.iter().enumerate() {
        for res in 0..RESOLUTIONS {
            let n = source_resolution[s * RESOLUTIONS + res];
            if n > 0 {
                let (name, res_term) = resolution_of(res);
                flow.push(FlowLink {
                    from: format!("source:{}", source.id),
                    to: format!("resolution:{name}"),
                    signals: n,
                    query: format!("{} {res_term}", term("source", &source.id)),
                });
            }
        }
    }
    let prev = span.previous();
    let mut prev_counts = [0u64; 5];
    for i in t.range(prev.from, prev.to) {
        prev_counts[t.severity[i].index()] += 1;
    }
    flow.sort_by(|a, b| a.from.cmp(&b.from).then(b.signals.cmp(&a.signals)).then(a.to.cmp(&b.to)));

    let (times, unresponded) = response_times(data, span);
    let (previous_times, _) = response_times(data, span.previous());
    let all_previous: Vec<f64> = previous_times.concat();
    let mut response = vec![response_summary(None, times.concat(), unresponded.iter().sum(), &all_previous)];
    for ((severity, times), (unresponded, previous)) in
        Severity::ALL.iter().zip(times).zip(unresponded.into_iter().zip(&previous_times))
    {
        response.push(response_summary(Some(*severity), times, unresponded, previous));
    }

    SecurityOverview {
        bucket_ms: bucket,
        bucket_starts: starts,
        total: Kpi::new(counts.iter().sum::<u64>() as f64, prev_counts.iter().sum::<u64>() as f64),
        by_severity: Severity::ALL
            .iter()
            .map(|s| SeverityKpi {
                severity: *s,
                count: Kpi::new(counts[s.index()] as f64, prev_counts[s.index()] as f64),
                trend: trend[s.index()].clone(),
                query: term("status", s.as_str()),
            })
            .collect(),
        flow,
        response,
    }
}

/// Response times (ms) per severity for signals detected in `span`, and how many per severity
/// were never responded to.
fn response_times(data: &Dataset, span: Span) -> (Vec<Vec<f64>>, [u64; 5]) {
    let t = &data.signals;
    let mut times = vec![Vec::new(); 5];
    let mut unresponded = [0u64; 5];
    for i in t.range(span.from, span.to) {
        let sev = t.severity[i].index();
        match t.first_response(i) {
            Some(at) => times[sev].push((at - t.detected_at_ms[i]) as f64),
            None => unresponded[sev] += 1,
        }
    }
    (times, unresponded)
}

fn response_summary(severity: Option<Severity>, mut times: Vec<f64>, unresponded: u64, previous: &[f64]) -> ResponseTime {
    ResponseTime {
        severity,
        responded: times.len() as u64,
        unresponded,
        mean_ms: mean(&times),
        p50_ms: select_percentile(&mut times, 50.0),
        p90_ms: select_percentile(&mut times, 90.0),
        previous_mean_ms: mean(previous),
    }
}

/// [`percentile`] without sorting: a linear-time selection that reorders `values`.
pub fn select_percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    let (_, value, _) = values.select_nth_unstable_by(rank.min(values.len()) - 1, f64::total_cmp);
    Some(*value)
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Nearest-rank percentile of sorted values: the smallest value with at least `p` % of the values
/// at or below it.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

// ---------------------------------------------------------------------------------------------
// §4.6 MITRE ATT&CK coverage
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubtechniqueCell {
    pub id: String,
    pub name: String,
    pub rules: Vec<String>,
    pub signals: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueCell {
    pub id: String,
    pub name: String,
    /// Enabled rules mapped to the technique or one of its sub-techniques (rule IDs).
    pub rules: Vec<String>,
    pub signals: u64,
    pub density: Density,
    pub subtechniques: Vec<SubtechniqueCell>,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TacticColumn {
    pub id: String,
    pub name: String,
    pub signals: u64,
    pub rules: u32,
    pub techniques: Vec<TechniqueCell>,
    pub query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Density {
    High,
    Medium,
    Low,
    None,
}

impl Density {
    /// §4.6: high 4 or more rules, medium 2 to 3, low 1, none 0.
    pub fn of(rules: usize) -> Density {
        match rules {
            0 => Density::None,
            1 => Density::Low,
            2..=3 => Density::Medium,
            _ => Density::High,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MitreCoverage {
    pub covered_techniques: u32,
    pub total_techniques: u32,
    pub density_high: u32,
    pub density_medium: u32,
    pub density_low: u32,
    pub density_none: u32,
    pub tactics: Vec<TacticColumn>,
    /// Rule-to-technique mappings that name a revoked or deprecated ATT&CK entry.
    pub outdated_mappings: Vec<(String, String)>,
    pub attack_version: String,
    pub copyright: String,
}

/// Where a mapped technique ID lands in today's matrix: revoked IDs follow their replacement;
/// deprecated and unknown IDs land nowhere (reported as outdated).
fn resolve<'m>(matrix: &'m Matrix, id: &str) -> Option<&'m attack::Technique> {
    matrix.current(id).filter(|t| t.is_active())
}

/// MITRE ATT&CK coverage (§4.6). Coverage counts the 216 active techniques of the matrix; a
/// technique is covered when an enabled rule maps it or one of its sub-techniques (a revoked ID
/// counts for the entry that replaced it). Signals count per technique through their rule's
/// mapping; a signal of a rule mapped to several techniques counts once for each. A tactic's
/// signal count counts each signal once, through the tactics its rule lists; its rule count is
/// the enabled rules listing that tactic.
pub fn mitre_coverage(data: &Dataset, span: Span) -> MitreCoverage {
    let matrix = attack::matrix();
    // Per rule: the matrix entries its mapping lands on today.
    let mut outdated = Vec::new();
    let landed: Vec<Vec<usize>> = data
        .rules
        .iter()
        .map(|rule| {
            let mut entries = Vec::new();
            for id in &rule.techniques {
                match resolve(matrix, id).and_then(|t| matrix.technique_index(t.id)) {
                    Some(idx) if !entries.contains(&idx) => entries.push(idx),
                    Some(_) => {}
                    None => outdated.push((rule.id.clone(), id.clone())),
                }
            }
            entries
        })
        .collect();
    let t = &data.signals;
    let mut signals_per_rule = vec![0u64; data.rules.len()];
    for i in t.range(span.from, span.to) {
        signals_per_rule[t.rule[i] as usize] += 1;
    }
    // Rules landing on any of `entries`; each rule counted once.
    let rules_on = |entries: &[usize]| -> Vec<usize> {
        (0..data.rules.len())
            .filter(|&r| landed[r].iter().any(|e| entries.contains(e)))
            .collect()
    };
    let enabled_ids = |rules: &[usize]| -> Vec<String> {
        rules.iter().filter(|&&r| data.rules[r].enabled).map(|&r| data.rules[r].id.clone()).collect()
    };
    let signal_sum = |rules: &[usize]| -> u64 { rules.iter().map(|&r| signals_per_rule[r]).sum() };

    let mut technique_cells: HashMap<&str, TechniqueCell> = HashMap::new();
    let (mut covered, mut high, mut medium, mut low, mut none) = (0, 0, 0, 0, 0);
    for tech in matrix.active_techniques() {
        let idx = matrix.technique_index(tech.id).expect("matrix entries have an index");
        let mut entries = vec![idx];
        let mut subtechniques = Vec::new();
        for sub in matrix.subtechniques_of(tech.id) {
            let sidx = matrix.technique_index(sub.id).expect("matrix entries have an index");
            entries.push(sidx);
            let sub_rules = rules_on(&[sidx]);
            subtechniques.push(SubtechniqueCell {
                id: sub.id.to_owned(),
                name: sub.name.to_owned(),
                rules: enabled_ids(&sub_rules),
                signals: signal_sum(&sub_rules),
            });
        }
        let rules = rules_on(&entries);
        let enabled = enabled_ids(&rules);
        let density = Density::of(enabled.len());
        match density {
            Density::High => high += 1,
            Density::Medium => medium += 1,
            Density::Low => low += 1,
            Density::None => none += 1,
        }
        if !enabled.is_empty() {
            covered += 1;
        }
        technique_cells.insert(
            tech.id,
            TechniqueCell {
                id: tech.id.to_owned(),
                name: tech.name.to_owned(),
                rules: enabled,
                signals: signal_sum(&rules),
                density,
                subtechniques,
                query: term("@technique", tech.id),
            },
        );
    }
    let tactics = matrix
        .tactics
        .iter()
        .enumerate()
        .map(|(ti, tactic)| {
            let mut signals = 0;
            let mut rules = 0;
            for (r, rule) in data.rules.iter().enumerate() {
                if rule.tactics.iter().any(|id| matrix.tactic_index(id) == Some(ti)) {
                    signals += signals_per_rule[r];
                    rules += rule.enabled as u32;
                }
            }
            TacticColumn {
                id: tactic.id.to_owned(),
                name: tactic.name.to_owned(),
                signals,
                rules,
                techniques: matrix
                    .active_techniques()
                    .filter(|tech| tech.tactics.contains(&ti))
                    .map(|tech| technique_cells[tech.id].clone())
                    .collect(),
                query: term("@tactic", tactic.id),
            }
        })
        .collect();
    MitreCoverage {
        covered_techniques: covered,
        total_techniques: matrix.active_techniques().count() as u32,
        density_high: high,
        density_medium: medium,
        density_low: low,
        density_none: none,
        tactics,
        outdated_mappings: outdated,
        attack_version: "18.1".to_owned(),
        copyright: attack::COPYRIGHT.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// §4.7 Detection rule performance
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_agrees_with_the_sorted_percentile() {
        let mut values: Vec<f64> = (0..1_001).map(|k| ((k * 7_919) % 1_001) as f64).collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [1.0, 50.0, 90.0, 99.0, 100.0] {
            assert_eq!(select_percentile(&mut values, p), percentile(&sorted, p), "p{p}");
        }
        assert_eq!(select_percentile(&mut [], 50.0), None);
    }

    #[test]
    fn risk_levels_follow_the_thresholds() {
        assert_eq!(RiskLevel::of(90.0), Some(RiskLevel::Critical));
        assert_eq!(RiskLevel::of(89.99), Some(RiskLevel::High));
        assert_eq!(RiskLevel::of(70.0), Some(RiskLevel::High));
        assert_eq!(RiskLevel::of(40.0), Some(RiskLevel::Medium));
        assert_eq!(RiskLevel::of(0.01), Some(RiskLevel::Low));
        assert_eq!(RiskLevel::of(0.0), None);
    }

    #[test]
    fn risk_contribution_halves_every_full_week_and_stops_at_thirty_days() {
        let w = RISK_HALF_LIFE_MS;
        assert_eq!(risk_contribution(Severity::Critical, 0, false, w - 1), 40.0);
        assert_eq!(risk_contribution(Severity::Critical, 0, false, w), 20.0);
        assert_eq!(risk_contribution(Severity::High, 0, false, 4 * w), 20.0 / 16.0);
        assert_eq!(risk_contribution(Severity::High, 0, false, RISK_HORIZON_MS), 0.0);
        assert_eq!(risk_contribution(Severity::High, 10, false, 5), 0.0, "not yet detected");
        assert_eq!(risk_contribution(Severity::Critical, 0, true, 1), 0.0, "cleared");
    }

    #[test]
    fn density_thresholds() {
        assert_eq!([0, 1, 2, 3, 4, 9].map(Density::of), [Density::None, Density::Low, Density::Medium, Density::Medium, Density::High, Density::High]);
    }

    #[test]
    fn buckets_cover_the_window() {
        let day = Span { from: 0, to: DAY_MS };
        assert_eq!(bucket_for(day), HOUR_MS);
        assert_eq!(buckets(day, HOUR_MS).len(), 24);
        let month = Span { from: 0, to: 30 * DAY_MS };
        assert_eq!(bucket_for(month), 15 * HOUR_MS);
        assert_eq!(buckets(month, bucket_for(month)).len(), 48);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mttd {
    pub severity: Option<Severity>,
    pub signals: u64,
    pub mean_ms: Option<f64>,
    pub previous_mean_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleChange {
    pub rule_id: String,
    pub rule_name: String,
    pub last_7d: u64,
    pub previous_7d: u64,
    pub change: i64,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SeverityChange {
    pub severity: Severity,
    pub last_7d: u64,
    pub previous_7d: u64,
    pub change: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleCount {
    pub rule_id: String,
    pub rule_name: String,
    pub count: u64,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FalsePositiveRate {
    pub rule_id: String,
    pub rule_name: String,
    pub false_positives: u64,
    pub signals: u64,
    /// `false_positives / signals`, 0 to 1.
    pub rate: f64,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RulePerformance {
    /// All signals first, then critical, high and medium.
    pub mttd: Vec<Mttd>,
    pub bucket_ms: Millis,
    pub bucket_starts: Vec<Millis>,
    /// Signal counts per bucket, one series per severity in [`Severity::ALL`] order.
    pub activity: Vec<Vec<u64>>,
    pub rules_by_important_change: Vec<RuleChange>,
    pub severity_change: Vec<SeverityChange>,
    pub important_by_archive_reason: Vec<(ArchiveReason, u64)>,
    pub rules_true_positive_malicious: Vec<RuleCount>,
    pub rules_true_positive_benign: Vec<RuleCount>,
    pub rules_by_false_positive_rate: Vec<FalsePositiveRate>,
}

const WEEK_MS: Millis = 7 * DAY_MS;

/// Detection rule performance (§4.7).
///
/// - MTTD: mean of `detected_at − first_seen` over signals detected in the window.
/// - The 1-week comparisons are anchored at the window's end: `[to − 7 d, to)` against
///   `[to − 14 d, to − 7 d)`, whatever the window's length, as the spec names them.
///   Rules are listed when their important signal count grew, largest growth first.
/// - Archive reasons, true-positive rankings and false positive rates count the signals detected
///   in the window by their current state. The false positive rate divides a rule's signals
///   archived as `false_positive` by all its signals in the window; rules without any false
///   positive are left out.
pub fn rule_performance(data: &Dataset, span: Span) -> RulePerformance {
    let t = &data.signals;
    let prev = span.previous();
    // Sums and counts of detection delays per severity, now and in the previous window.
    let delays = |span: Span| {
        let mut sum = [0f64; 5];
        let mut count = [0u64; 5];
        for i in t.range(span.from, span.to) {
            let sev = t.severity[i].index();
            sum[sev] += (t.detected_at_ms[i] - t.first_seen_ms[i]) as f64;
            count[sev] += 1;
        }
        (sum, count)
    };
    let (sum, count) = delays(span);
    let (prev_sum, prev_count) = delays(prev);
    let mean_of = |sum: f64, count: u64| (count > 0).then(|| sum / count as f64);
    let mttd_for = |severity: Option<Severity>| match severity {
        None => Mttd {
            severity,
            signals: count.iter().sum(),
            mean_ms: mean_of(sum.iter().sum(), count.iter().sum()),
            previous_mean_ms: mean_of(prev_sum.iter().sum(), prev_count.iter().sum()),
        },
        Some(s) => Mttd {
            severity,
            signals: count[s.index()],
            mean_ms: mean_of(sum[s.index()], count[s.index()]),
            previous_mean_ms: mean_of(prev_sum[s.index()], prev_count[s.index()]),
        },
    };
    let mttd = vec![
        mttd_for(None),
        mttd_for(Some(Severity::Critical)),
        mttd_for(Some(Severity::High)),
        mttd_for(Some(Severity::Medium)),
    ];

    let bucket = bucket_for(span);
    let starts = buckets(span, bucket);
    let mut activity = vec![vec![0u64; starts.len()]; 5];
    let nrules = data.rules.len();
    let mut signals_per_rule = vec![0u64; nrules];
    let mut fp_per_rule = vec![0u64; nrules];
    let mut tpm_per_rule = vec![0u64; nrules];
    let mut tpb_per_rule = vec![0u64; nrules];
    let mut important_reason = vec![0u64; ArchiveReason::ALL.len()];
    for i in t.range(span.from, span.to) {
        let b = ((t.detected_at_ms[i] - span.from) / bucket) as usize;
        activity[t.severity[i].index()][b.min(starts.len() - 1)] += 1;
        let r = t.rule[i] as usize;
        signals_per_rule[r] += 1;
        if t.state[i] == TriageState::Archived {
            match t.archive_reason[i] {
                Some(ArchiveReason::FalsePositive) => fp_per_rule[r] += 1,
                Some(ArchiveReason::TruePositiveMalicious) => tpm_per_rule[r] += 1,
                Some(ArchiveReason::TruePositiveBenign) => tpb_per_rule[r] += 1,
                _ => {}
            }
            if let (true, Some(reason)) = (t.severity[i].is_important(), t.archive_reason[i]) {
                important_reason[reason.index()] += 1;
            }
        }
    }

    let last_week = Span { from: span.to - WEEK_MS, to: span.to };
    let week_before = last_week.previous();
    let mut important_last = vec![0u64; nrules];
    let mut important_before = vec![0u64; nrules];
    let mut sev_last = [0u64; 5];
    let mut sev_before = [0u64; 5];
    for i in t.range(week_before.from, last_week.to) {
        let in_last = t.detected_at_ms[i] >= last_week.from;
        let sev = t.severity[i];
        if in_last {
            sev_last[sev.index()] += 1;
        } else {
            sev_before[sev.index()] += 1;
        }
        if sev.is_important() {
            let r = t.rule[i] as usize;
            if in_last {
                important_last[r] += 1;
            } else {
                important_before[r] += 1;
            }
        }
    }
    let rule_query = |r: usize| term("@workflow.rule.id", &data.rules[r].id);
    let mut rules_by_important_change: Vec<RuleChange> = (0..nrules)
        .filter(|&r| important_last[r] > important_before[r])
        .map(|r| RuleChange {
            rule_id: data.rules[r].id.clone(),
            rule_name: data.rules[r].name.clone(),
            last_7d: important_last[r],
            previous_7d: important_before[r],
            change: important_last[r] as i64 - important_before[r] as i64,
            query: format!("{} (status:critical OR status:high)", rule_query(r)),
        })
        .collect();
    rules_by_important_change.sort_by(|a, b| b.change.cmp(&a.change).then(a.rule_name.cmp(&b.rule_name)));
    rules_by_important_change.truncate(10);

    let ranked = |counts: &[u64], reason: ArchiveReason| {
        let mut rows: Vec<RuleCount> = (0..nrules)
            .filter(|&r| counts[r] > 0)
            .map(|r| RuleCount {
                rule_id: data.rules[r].id.clone(),
                rule_name: data.rules[r].name.clone(),
                count: counts[r],
                query: format!(
                    "{} {}",
                    rule_query(r),
                    term("@workflow.triage.archive_reason", reason.as_str())
                ),
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule_name.cmp(&b.rule_name)));
        rows.truncate(10);
        rows
    };
    let mut fp_rates: Vec<FalsePositiveRate> = (0..nrules)
        .filter(|&r| fp_per_rule[r] > 0)
        .map(|r| FalsePositiveRate {
            rule_id: data.rules[r].id.clone(),
            rule_name: data.rules[r].name.clone(),
            false_positives: fp_per_rule[r],
            signals: signals_per_rule[r],
            rate: fp_per_rule[r] as f64 / signals_per_rule[r] as f64,
            query: format!(
                "{} @workflow.triage.archive_reason:false_positive",
                rule_query(r)
            ),
        })
        .collect();
    fp_rates.sort_by(|a, b| {
        b.rate
            .total_cmp(&a.rate)
            .then(b.false_positives.cmp(&a.false_positives))
            .then(a.rule_name.cmp(&b.rule_name))
    });
    fp_rates.truncate(10);

    RulePerformance {
        mttd,
        bucket_ms: bucket,
        bucket_starts: starts,
        activity,
        rules_by_important_change,
        severity_change: Severity::ALL
            .iter()
            .map(|s| SeverityChange {
                severity: *s,
                last_7d: sev_last[s.index()],
                previous_7d: sev_before[s.index()],
                change: sev_last[s.index()] as i64 - sev_before[s.index()] as i64,
            })
            .collect(),
        important_by_archive_reason: ArchiveReason::ALL
            .iter()
            .map(|r| (*r, important_reason[r.index()]))
            .collect(),
        rules_true_positive_malicious: ranked(&tpm_per_rule, ArchiveReason::TruePositiveMalicious),
        rules_true_positive_benign: ranked(&tpb_per_rule, ArchiveReason::TruePositiveBenign),
        rules_by_false_positive_rate: fp_rates,
    }
}

// ---------------------------------------------------------------------------------------------
// §4.8 Research and §4.9 Getting started
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Research {
    pub articles: Vec<crate::dataset::Article>,
}

/// Research and release notes (§4.8), newest first; the window does not apply.
pub fn research(data: &Dataset) -> Research {
    let mut articles = data.articles.clone();
    articles.sort_by(|a, b| b.published_at_ms.cmp(&a.published_at_ms).then(a.id.cmp(&b.id)));
    Research { articles }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OnboardingTask {
    pub id: String,
    pub title: String,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GettingStarted {
    pub tasks: Vec<OnboardingTask>,
    pub completed: u32,
    pub packs_active: u32,
    pub packs_warning: u32,
    pub packs_broken: u32,
}

/// Getting started (§4.9). A task is done when the data shows it: a log source has sent logs
/// in the window; a content pack is enabled; a default rule has a change in the history;
/// a notification webhook is configured (not yet possible: always open); more than one active user.
pub fn getting_started(data: &Dataset, span: Span) -> GettingStarted {
    let logs = data
        .volume
        .iter()
        .any(|v| v.events > 0 && v.hour_ms >= span.from && v.hour_ms < span.to);
    let reviewed = data.rule_history().any(|h| {
        data.rule_by_id(&h.asset_id).is_some_and(|r| !data.rules[r].custom)
    });
    let tasks = vec![
        ("connect-log-source", "Connect a log source", logs),
        ("enable-content-pack", "Enable a content pack", data.packs.iter().any(|p| p.enabled)),
        ("review-default-rules", "Review the default detection rules", reviewed),
        ("set-up-notification", "Set up a notification", false),
        ("invite-team", "Invite your team", data.users.iter().filter(|u| u.active).count() > 1),
    ];
    let tasks: Vec<OnboardingTask> = tasks
        .into_iter()
        .map(|(id, title, done)| OnboardingTask { id: id.to_owned(), title: title.to_owned(), done })
        .collect();
    let count = |h: PackHealth| data.packs.iter().filter(|p| p.health == h).count() as u32;
    GettingStarted {
        completed: tasks.iter().filter(|t| t.done).count() as u32,
        tasks,
        packs_active: count(PackHealth::Active),
        packs_warning: count(PackHealth::Warning),
        packs_broken: count(PackHealth::Broken),
    }
}
