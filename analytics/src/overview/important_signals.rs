//! Important signals and cases (docs/product.md §4.2).

use serde::{Deserialize, Serialize};

use super::stats::*;
use super::{term, Kpi, Span};
use crate::dataset::{Dataset, Millis};
use crate::model::*;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleRow {
    pub rule_id: String,
    pub rule_name: String,
    /// Open signals per severity, in [`Severity::ALL`] order.
    pub by_severity: [u64; Severity::COUNT],
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
    /// Cases not closed now, against those open at the window's start (created before it and
    /// not closed by then).
    pub open_cases_total: Kpi,
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
        id.and_then(|id| data.user(id))
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
    let open_at_start = data
        .cases
        .iter()
        .filter(|c| c.created_at_ms < span.from && c.closed_at_ms.is_none_or(|closed| closed >= span.from))
        .count();
    let open_cases_total = Kpi::new(open_cases.len() as f64, open_at_start as f64);
    open_cases.truncate(10);
    ImportantSignals {
        open_signals: Kpi::new(open_now as f64, open_prev as f64),
        rules,
        open_cases,
        open_cases_total,
    }
}

