//! The noise report (docs/product.md §4.12): the rules whose signals are archived as false
//! positive or as testing or maintenance most, with each rule's share of noise, the analyst time
//! that noise cost (detection to archive, summed), its archives by reason, and its noise month by
//! month over the last six calendar months (UTC), so a rule to tune or disable stands out.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::{term, Counted, Kpi, Span};
use crate::dataset::{Dataset, Millis};
use crate::model::*;
use crate::query::Attribute;

/// The archive reasons that make a signal noise.
pub const NOISE_REASONS: [ArchiveReason; 2] = [ArchiveReason::FalsePositive, ArchiveReason::TestingOrMaintenance];

/// How many calendar months the monthly view covers, the window's last month included.
pub const NOISE_MONTHS: usize = 6;

/// How many rules the report lists.
const LISTED: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoiseMonth {
    /// Noise signals detected in the month: false positives, then testing or maintenance.
    pub false_positives: u64,
    pub testing: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoisyRule {
    pub rule_id: String,
    pub rule_name: String,
    pub enabled: bool,
    /// Its signals detected in the window.
    pub signals: Counted,
    /// Of those, archived as false positive or testing or maintenance.
    pub noise: Counted,
    /// `noise / signals` in percent.
    pub share_pct: f64,
    /// Every archived one by reason (reasons with none left out).
    pub by_reason: Vec<(ArchiveReason, Counted)>,
    /// Detection to archive, summed over the noise signals.
    pub analyst_time_ms: Millis,
    /// Per month of [`NoiseReport::month_starts`].
    pub months: Vec<NoiseMonth>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoiseReport {
    /// Noise signals in the window, against the previous window.
    pub noise: Kpi,
    /// Analyst time the noise cost in the window, against the previous window.
    pub analyst_time_ms: Kpi,
    /// The rules with any noise in the window, the most first (at most ten).
    pub rules: Vec<NoisyRule>,
    /// How many rules had noise.
    pub noisy_rules: u64,
    /// The months' starts (UTC), oldest first, and one more: the last month's end.
    pub month_starts: Vec<Millis>,
    pub month_labels: Vec<String>,
}

/// The query of one rule's signals archived as noise.
pub fn noise_query(rule_id: &str) -> String {
    let reasons: Vec<String> = NOISE_REASONS.iter().map(|r| term(Attribute::ArchiveReason.name(), r.as_str())).collect();
    format!(
        "{} {} ({})",
        term(Attribute::RuleId.name(), rule_id),
        term(Attribute::TriageState.name(), TriageState::Archived.as_str()),
        reasons.join(" OR ")
    )
}

/// The noise report (§4.12) for the window, with the months up to the window's end.
pub fn noise_report(data: &Dataset, span: Span) -> NoiseReport {
    let t = &data.signals;
    let months = month_starts(span.to);
    let mut signals = vec![0u64; data.rules.len()];
    let mut reasons = vec![[0u64; ArchiveReason::COUNT]; data.rules.len()];
    let mut time = vec![0i64; data.rules.len()];
    let mut monthly = vec![vec![(0u64, 0u64); NOISE_MONTHS]; data.rules.len()];
    let noise_of = |i: usize| {
        (t.state[i] == TriageState::Archived)
            .then_some(t.archive_reason[i])
            .flatten()
            .filter(|r| NOISE_REASONS.contains(r))
    };
    for i in t.range(span.from, span.to) {
        let rule = t.rule[i] as usize;
        signals[rule] += 1;
        if let (TriageState::Archived, Some(reason)) = (t.state[i], t.archive_reason[i]) {
            reasons[rule][reason.index()] += 1;
        }
        if noise_of(i).is_some() {
            time[rule] += (t.archived_at(i).unwrap_or(t.detected_at_ms[i]) - t.detected_at_ms[i]).max(0);
        }
    }
    for i in t.range(months[0], months[NOISE_MONTHS]) {
        if let Some(reason) = noise_of(i) {
            let m = months.partition_point(|&start| start <= t.detected_at_ms[i]) - 1;
            let cell = &mut monthly[t.rule[i] as usize][m];
            match reason {
                ArchiveReason::FalsePositive => cell.0 += 1,
                _ => cell.1 += 1,
            }
        }
    }
    let noise = |r: usize| NOISE_REASONS.iter().map(|x| reasons[r][x.index()]).sum::<u64>();
    let mut order: Vec<usize> = (0..data.rules.len()).filter(|&r| noise(r) > 0).collect();
    order.sort_by(|&a, &b| noise(b).cmp(&noise(a)).then(time[b].cmp(&time[a])).then(data.rules[a].id.cmp(&data.rules[b].id)));
    let noisy_rules = order.len() as u64;
    let rules = order
        .into_iter()
        .take(LISTED)
        .map(|r| {
            let rule = &data.rules[r];
            let id_term = term(Attribute::RuleId.name(), &rule.id);
            let archived = format!("{id_term} {}", term(Attribute::TriageState.name(), TriageState::Archived.as_str()));
            NoisyRule {
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                enabled: rule.enabled,
                signals: Counted { count: signals[r], query: id_term.clone() },
                noise: Counted { count: noise(r), query: noise_query(&rule.id) },
                share_pct: noise(r) as f64 / signals[r].max(1) as f64 * 100.0,
                by_reason: ArchiveReason::ALL
                    .iter()
                    .filter(|x| reasons[r][x.index()] > 0)
                    .map(|&x| (x, Counted { count: reasons[r][x.index()], query: format!("{archived} {}", term(Attribute::ArchiveReason.name(), x.as_str())) }))
                    .collect(),
                analyst_time_ms: time[r],
                months: monthly[r].iter().map(|&(false_positives, testing)| NoiseMonth { false_positives, testing }).collect(),
            }
        })
        .collect();
    let (now_noise, now_time) = totals(data, span);
    let (before_noise, before_time) = totals(data, span.previous());
    NoiseReport {
        noise: Kpi::new(now_noise as f64, before_noise as f64),
        analyst_time_ms: Kpi::new(now_time as f64, before_time as f64),
        rules,
        noisy_rules,
        month_labels: months[..NOISE_MONTHS].iter().map(|&m| month_label(m)).collect(),
        month_starts: months,
    }
}

/// Noise signals detected in `span`, and the analyst time they cost.
fn totals(data: &Dataset, span: Span) -> (u64, Millis) {
    let t = &data.signals;
    let (mut count, mut time) = (0, 0);
    for i in t.range(span.from, span.to) {
        if t.state[i] == TriageState::Archived && t.archive_reason[i].is_some_and(|r| NOISE_REASONS.contains(&r)) {
            count += 1;
            time += (t.archived_at(i).unwrap_or(t.detected_at_ms[i]) - t.detected_at_ms[i]).max(0);
        }
    }
    (count, time)
}

/// The starts of the [`NOISE_MONTHS`] calendar months (UTC) ending with the one holding the
/// instant before `end`, then the start of the month after.
fn month_starts(end: Millis) -> Vec<Millis> {
    let last = DateTime::<Utc>::from_timestamp_millis(end - 1).unwrap_or_default();
    let (mut year, mut month) = (last.year(), last.month() as i32);
    let mut starts = Vec::with_capacity(NOISE_MONTHS + 1);
    // From the month after the last, back.
    month += 1;
    for _ in 0..=NOISE_MONTHS {
        if month > 12 {
            month -= 12;
            year += 1;
        }
        starts.push(Utc.with_ymd_and_hms(year, month as u32, 1, 0, 0, 0).single().map_or(0, |d| d.timestamp_millis()));
        month -= 1;
        if month < 1 {
            month += 12;
            year -= 1;
        }
    }
    starts.reverse();
    starts
}

fn month_label(start: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(start).map_or_else(String::new, |d| d.format("%b %Y").to_string())
}
