//! Case aging and SLAs (docs/product.md §4.11): the open cases by age and priority, how long each
//! has gone untouched, the load per assignee, and each case against its priority's targets for a
//! first response and for closing, those breaching or about to breach first.
//!
//! The targets are kept in the history (asset `rule`, asset id [`SLA_ASSET_ID`], action
//! [`SLA_ACTION`], the new targets as JSON), so a change is audited, reaches every instance
//! through the change feed and is in every snapshot; without one, [`SlaTargets::default`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats::{mean, percentile};
use super::{Kpi, Span};
use crate::dataset::{AssetType, Case, Dataset, Millis, DAY_MS, HOUR_MS};
use crate::model::*;

/// Where the SLA targets' changes are kept in the history.
pub const SLA_ASSET_ID: &str = "case-sla";
pub const SLA_ACTION: &str = "sla";

/// The longest target accepted (a year).
pub const MAX_TARGET_MS: Millis = 365 * DAY_MS;

/// One priority's targets, from the case's creation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct SlaTarget {
    pub priority: CasePriority,
    /// To the first response: the first move out of `open`.
    pub response_ms: Millis,
    /// To closing.
    pub close_ms: Millis,
}

/// The targets of every priority, P1 first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SlaTargets(pub Vec<SlaTarget>);

impl Default for SlaTargets {
    /// P1 4 h, P2 1 d, P3 3 d, P4 7 d, P5 30 d, to first response and to close alike.
    fn default() -> Self {
        let t = |priority, ms| SlaTarget { priority, response_ms: ms, close_ms: ms };
        SlaTargets(vec![
            t(CasePriority::P1, 4 * HOUR_MS),
            t(CasePriority::P2, DAY_MS),
            t(CasePriority::P3, 3 * DAY_MS),
            t(CasePriority::P4, 7 * DAY_MS),
            t(CasePriority::P5, 30 * DAY_MS),
        ])
    }
}

impl SlaTargets {
    /// Checks targets an admin sends: one entry per priority, each target positive, at most
    /// [`MAX_TARGET_MS`], and the response due no later than the close. The error names the
    /// priority and what is wrong.
    pub fn check(mut self) -> Result<SlaTargets, String> {
        for p in CasePriority::ALL {
            match self.0.iter().filter(|t| t.priority == *p).count() {
                0 => return Err(format!("{p}: no targets given (every priority needs both)")),
                1 => {}
                _ => return Err(format!("{p}: given more than once")),
            }
        }
        for t in &self.0 {
            let p = t.priority;
            for (name, ms) in [("response", t.response_ms), ("close", t.close_ms)] {
                if ms <= 0 {
                    return Err(format!("{p}: the {name} target must be longer than zero"));
                }
                if ms > MAX_TARGET_MS {
                    return Err(format!("{p}: the {name} target is longer than 365 days"));
                }
            }
            if t.response_ms > t.close_ms {
                return Err(format!("{p}: the response target is longer than the close target"));
            }
        }
        self.0.sort_by_key(|t| t.priority);
        Ok(self)
    }

    /// As the history keeps them: `P1 14400000 14400000; P2 …` (priority, response and close
    /// targets in milliseconds).
    pub fn to_text(&self) -> String {
        self.0.iter().map(|t| format!("{} {} {}", t.priority, t.response_ms, t.close_ms)).collect::<Vec<_>>().join("; ")
    }

    /// Reads [`SlaTargets::to_text`]'s form back; `None` if any part does not read.
    pub fn from_text(text: &str) -> Option<SlaTargets> {
        text.split(';')
            .map(|part| {
                let mut words = part.split_whitespace();
                let priority = CasePriority::parse(words.next()?).ok()?;
                let response_ms = words.next()?.parse().ok()?;
                let close_ms = words.next()?.parse().ok()?;
                words.next().is_none().then_some(SlaTarget { priority, response_ms, close_ms })
            })
            .collect::<Option<Vec<_>>>()
            .map(SlaTargets)
    }

    pub fn of(&self, priority: CasePriority) -> SlaTarget {
        self.0.iter().find(|t| t.priority == priority).copied().unwrap_or_else(|| SlaTargets::default().of(priority))
    }

    /// The targets in force: the newest recorded change that reads, else the defaults.
    pub fn current(data: &Dataset) -> SlaTargets {
        data.rule_history()
            .filter(|h| h.action() == SLA_ACTION && h.asset_id() == SLA_ASSET_ID)
            .filter_map(|h| SlaTargets::from_text(h.new_value()?))
            .filter_map(|t| t.check().ok())
            .last()
            .unwrap_or_default()
    }
}

spelled_enum! {
    /// Where an open case stands against its targets.
    SlaState, "SLA state" {
        Breached => "breached",
        AtRisk => "at_risk",
        Within => "within",
    }
}

/// A target counts as about to be breached in its last quarter.
const AT_RISK_SHARE: f64 = 0.25;

/// Some cases, and how many: a number on the module and the cases it opens.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CaseSet {
    pub count: u64,
    pub ids: Vec<i64>,
}

impl CaseSet {
    fn add(&mut self, id: i64) {
        self.count += 1;
        self.ids.push(id);
    }
}

/// One open case against its targets.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AgingCase {
    pub id: i64,
    pub title: String,
    pub priority: CasePriority,
    pub status: CaseStatus,
    pub assignee: Option<String>,
    pub age_ms: Millis,
    /// Since the last event on the case or on one of its signals (or its creation).
    pub idle_ms: Millis,
    /// When the first response is due; `None` once it responded.
    pub response_due_ms: Option<Millis>,
    pub close_due_ms: Millis,
    pub sla: SlaState,
    /// What the state means, e.g. "response overdue by 3 h".
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseAging {
    /// Open cases now, against the window's start.
    pub open: Kpi,
    pub open_cases: CaseSet,
    /// Breaching a target now, against those breaching one at the window's start.
    pub breaching: Kpi,
    pub breaching_cases: CaseSet,
    pub at_risk: CaseSet,
    pub mean_age_ms: Option<f64>,
    pub p90_age_ms: Option<f64>,
    /// The age buckets' labels, youngest first.
    pub age_buckets: Vec<String>,
    /// Per priority (P1 first), the open cases in each age bucket.
    pub by_age: Vec<(CasePriority, Vec<CaseSet>)>,
    /// Open cases per assignee (display name; `None`: unassigned), most first.
    pub by_assignee: Vec<(Option<String>, CaseSet)>,
    /// Every open case: breached first, then at risk, then within; soonest due first.
    pub cases: Vec<AgingCase>,
    pub targets: SlaTargets,
}

/// The age buckets: upper bounds (exclusive) and labels.
const BUCKETS: [(Millis, &str); 5] =
    [(DAY_MS, "< 1 d"), (3 * DAY_MS, "1–3 d"), (7 * DAY_MS, "3–7 d"), (30 * DAY_MS, "7–30 d"), (Millis::MAX, "≥ 30 d")];

/// Case aging (§4.11), as it stands at `now` (the window's end when it is in the past), with
/// the open and breaching counts compared with the window's start.
pub fn case_aging(data: &Dataset, span: Span, now: Millis) -> CaseAging {
    let at = now.min(span.to);
    let targets = SlaTargets::current(data);
    let responses = first_responses(data);
    let touches = last_touches(data);
    let name = |id: Option<i64>| id.and_then(|id| data.user(id)).map(|u| u.display_name.clone());

    let mut cases = Vec::new();
    let mut by_age: Vec<(CasePriority, Vec<CaseSet>)> =
        CasePriority::ALL.iter().map(|&p| (p, vec![CaseSet::default(); BUCKETS.len()])).collect();
    let mut by_assignee: BTreeMap<Option<String>, CaseSet> = BTreeMap::new();
    let mut open_cases = CaseSet::default();
    let (mut open_before, mut breaching_before) = (0u64, 0u64);
    let mut ages = Vec::new();
    for case in data.cases.iter() {
        let response = responses.get(&case.id).copied();
        if is_open(case, span.from) {
            open_before += 1;
            breaching_before += u64::from(state(case, response, &targets, span.from).0 == SlaState::Breached);
        }
        if !is_open(case, at) {
            continue;
        }
        let age = (at - case.created_at_ms).max(0);
        let (sla, detail, response_due) = state(case, response, &targets, at);
        let touched = touches.get(&case.id).copied().unwrap_or(case.created_at_ms).clamp(case.created_at_ms, at);
        open_cases.add(case.id);
        ages.push(age as f64);
        let bucket = BUCKETS.iter().position(|(upper, _)| age < *upper).unwrap_or(BUCKETS.len() - 1);
        by_age[case.priority.index()].1[bucket].add(case.id);
        by_assignee.entry(name(case.assignee_id)).or_default().add(case.id);
        cases.push(AgingCase {
            id: case.id,
            title: case.title.clone(),
            priority: case.priority,
            status: case.status,
            assignee: name(case.assignee_id),
            age_ms: age,
            idle_ms: at - touched,
            response_due_ms: response_due,
            close_due_ms: case.created_at_ms + targets.of(case.priority).close_ms,
            sla,
            detail,
        });
    }
    let due = |c: &AgingCase| c.response_due_ms.map_or(c.close_due_ms, |r| r.min(c.close_due_ms));
    cases.sort_by_key(|c| (c.sla.index(), due(c), c.priority, c.id));
    let mut breaching_cases = CaseSet::default();
    let mut at_risk = CaseSet::default();
    for c in &cases {
        match c.sla {
            SlaState::Breached => breaching_cases.add(c.id),
            SlaState::AtRisk => at_risk.add(c.id),
            SlaState::Within => {}
        }
    }
    let mut by_assignee: Vec<(Option<String>, CaseSet)> = by_assignee.into_iter().collect();
    by_assignee.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.is_none().cmp(&b.0.is_none())).then_with(|| a.0.cmp(&b.0)));
    ages.sort_by(f64::total_cmp);
    CaseAging {
        open: Kpi::new(open_cases.count as f64, open_before as f64),
        breaching: Kpi::new(breaching_cases.count as f64, breaching_before as f64),
        open_cases,
        breaching_cases,
        at_risk,
        mean_age_ms: mean(&ages),
        p90_age_ms: percentile(&ages, 90.0),
        age_buckets: BUCKETS.iter().map(|(_, label)| (*label).to_owned()).collect(),
        by_age,
        by_assignee,
        cases,
        targets,
    }
}

/// Whether the case existed and was not closed at `at`.
fn is_open(case: &Case, at: Millis) -> bool {
    case.created_at_ms <= at && case.closed_at_ms.is_none_or(|closed| closed > at) && (case.status != CaseStatus::Closed || case.closed_at_ms.is_some())
}

/// When the case first responded, as far as known: `Some(Some(t))` from the history (its first
/// move out of `open`), `Some(None)` when it is past `open` with no such event recorded (a
/// response at an unknown time, counted as before any window), `None` while it never left `open`.
fn responded(case: &Case, response: Option<Millis>) -> Option<Option<Millis>> {
    match (response, case.status) {
        (Some(t), _) => Some(Some(t)),
        (None, CaseStatus::Open) => None,
        (None, _) => Some(None),
    }
}

/// The case's state against its targets at `at`, what it means, and when the response is due
/// (while it has not responded by `at`).
fn state(case: &Case, response: Option<Millis>, targets: &SlaTargets, at: Millis) -> (SlaState, String, Option<Millis>) {
    let target = targets.of(case.priority);
    let responded_by_at = match responded(case, response) {
        Some(Some(t)) => t <= at,
        Some(None) => true,
        None => false,
    };
    let response_due = (!responded_by_at).then_some(case.created_at_ms + target.response_ms);
    let mut checks = vec![("close", case.created_at_ms + target.close_ms, target.close_ms)];
    if let Some(due) = response_due {
        checks.insert(0, ("response", due, target.response_ms));
    }
    let mut worst = (SlaState::Within, String::new());
    for (what, due, length) in checks {
        let (state, detail) = if at >= due {
            (SlaState::Breached, format!("{what} overdue by {}", span_text(at - due)))
        } else if ((due - at) as f64) < length as f64 * AT_RISK_SHARE {
            (SlaState::AtRisk, format!("{what} due in {}", span_text(due - at)))
        } else {
            (SlaState::Within, format!("{what} due in {}", span_text(due - at)))
        };
        if worst.1.is_empty() || state.index() < worst.0.index() {
            worst = (state, detail);
        }
    }
    (worst.0, worst.1, response_due)
}

/// A length of time in its largest whole unit: "45 min", "3 h", "2 d".
fn span_text(ms: Millis) -> String {
    const MINUTE: Millis = 60_000;
    if ms >= 2 * DAY_MS {
        format!("{} d", ms / DAY_MS)
    } else if ms >= 2 * HOUR_MS {
        format!("{} h", ms / HOUR_MS)
    } else {
        format!("{} min", (ms / MINUTE).max(1))
    }
}

/// Each case's first move out of `open`, from its history.
fn first_responses(data: &Dataset) -> std::collections::HashMap<i64, Millis> {
    let mut first = std::collections::HashMap::new();
    for h in data.other_history().filter(|h| h.asset_type() == AssetType::Case && h.action() == "status" && h.old_value() == Some("open")) {
        if let Ok(id) = h.asset_id().parse::<i64>() {
            let at = h.at_ms();
            first.entry(id).and_modify(|t: &mut Millis| *t = (*t).min(at)).or_insert(at);
        }
    }
    first
}

/// Each case's last touch: the newest event on it or on one of its signals.
fn last_touches(data: &Dataset) -> std::collections::HashMap<i64, Millis> {
    let mut last: std::collections::HashMap<i64, Millis> = std::collections::HashMap::new();
    let mut touch = |id: i64, at: Millis| {
        last.entry(id).and_modify(|t| *t = (*t).max(at)).or_insert(at);
    };
    for h in data.other_history().filter(|h| h.asset_type() == AssetType::Case) {
        if let Ok(id) = h.asset_id().parse::<i64>() {
            touch(id, h.at_ms());
        }
    }
    let t = &data.signals;
    for i in 0..t.len() {
        if let Some(case) = t.case_id[i].get() {
            if let Some(at) = data.last_event_ms(i) {
                touch(case, at);
            }
        }
    }
    last
}
