//! Detection rule performance (docs/product.md §4.7).

use serde::{Deserialize, Serialize};

use super::stats::*;
use super::{term, Span};
use crate::dataset::{Dataset, Millis};
use crate::model::*;
use crate::time::WEEK_MS;

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
        let mut sum = [0f64; Severity::COUNT];
        let mut count = [0u64; Severity::COUNT];
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
    let mut activity = vec![vec![0u64; starts.len()]; Severity::COUNT];
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
    let mut sev_last = [0u64; Severity::COUNT];
    let mut sev_before = [0u64; Severity::COUNT];
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

