//! Security overview (docs/product.md §4.5): signals by severity, their flow to resolution and
//! the time to respond.

use serde::{Deserialize, Serialize};

use super::stats::*;
use super::{term, Kpi, Span};
use crate::dataset::{Dataset, Millis};
use crate::model::*;

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
    let mut trend = vec![vec![0u64; starts.len()]; Severity::COUNT];
    let mut counts = [0u64; Severity::COUNT];
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
    let mut prev_counts = [0u64; Severity::COUNT];
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
fn response_times(data: &Dataset, span: Span) -> (Vec<Vec<f64>>, [u64; Severity::COUNT]) {
    let t = &data.signals;
    let mut times = vec![Vec::new(); Severity::COUNT];
    let mut unresponded = [0u64; Severity::COUNT];
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

