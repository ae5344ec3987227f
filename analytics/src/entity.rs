//! One entity for the investigator, and the list of entities: the risk score of §4.3 for one
//! user, host, address, identity or resource, how it moved over the last 30 days, the signals
//! behind it with what each contributes, its open signals, the cases they are in, and the
//! entities it shares signals with.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, Millis, DAY_MS};
use crate::model::*;
use crate::overview::{risk_contribution, risk_score, risk_scores, term, RiskLevel, RISK_HORIZON_MS};

/// How many contributing signals, open signals and related entities a profile lists.
pub const LISTED: usize = 200;
/// Days of risk history on the entity page.
pub const HISTORY_DAYS: i64 = 30;

/// One signal of an entity, as its page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntitySignal {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub rule_name: String,
    pub severity: Severity,
    pub state: TriageState,
    pub archive_reason: Option<ArchiveReason>,
    pub detected_at_ms: Millis,
    /// What it adds to the entity's risk sum now (0 for an old or cleared signal).
    pub points: f64,
}

/// A case holding signals of the entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityCase {
    pub id: i64,
    pub title: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    /// Signals of the entity in it.
    pub signals: u64,
}

/// An entity named by the same signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelatedEntity {
    pub kind: EntityKind,
    pub name: String,
    /// Signals naming both.
    pub shared: u64,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityProfile {
    pub kind: EntityKind,
    pub name: String,
    /// The score now (0 to 100, two decimals) and its level (`None` at 0).
    pub score: f64,
    pub level: Option<RiskLevel>,
    /// The sum of contributions the score is made of.
    pub sum: f64,
    /// The score at the end of each of the last 30 days, oldest first, the last one now.
    pub history: Vec<(Millis, f64)>,
    /// Signals that count now, largest contribution first (at most [`LISTED`]).
    pub contributions: Vec<EntitySignal>,
    pub contributing: u64,
    /// Open signals, newest first (at most [`LISTED`]) and how many there are.
    pub open: Vec<EntitySignal>,
    pub open_count: u64,
    /// Every signal naming the entity, at any time, and those of the last 30 days (what the
    /// explorer lists for [`EntityProfile::query`] over 30 days).
    pub signals: u64,
    pub signals_30d: u64,
    /// The earliest event and the latest one of those signals.
    pub first_seen_ms: Option<Millis>,
    pub last_seen_ms: Option<Millis>,
    pub cases: Vec<EntityCase>,
    /// Most shared first (at most 20).
    pub related: Vec<RelatedEntity>,
    /// The explorer query for its signals.
    pub query: String,
}

/// The entity of `kind` named `name`, seen at instant `now`; `None` if there is none.
pub fn entity_profile(data: &Dataset, kind: EntityKind, name: &str, now: Millis) -> Option<EntityProfile> {
    let e = data.entities.iter().position(|x| x.kind == kind && x.name == name)? as u32;
    let t = &data.signals;
    let mine: Vec<usize> = (0..t.len()).filter(|&i| t.entities_of(i).any(|&x| x == e)).collect();
    let cleared = |i: usize| t.state[i] == TriageState::Archived && t.archive_reason[i].is_some_and(|r| r.clears_risk());
    let points_at = |i: usize, at: Millis| risk_contribution(t.severity[i], t.detected_at_ms[i], cleared(i), at);
    let row = |i: usize| EntitySignal {
        id: t.id[i],
        version: t.version[i],
        title: t.strings.get(t.title[i]).to_owned(),
        rule_name: data.rules[t.rule[i] as usize].name.clone(),
        severity: t.severity[i],
        state: t.state[i],
        archive_reason: t.archive_reason[i],
        detected_at_ms: t.detected_at_ms[i],
        points: round2(points_at(i, now)),
    };
    let sum_at = |at: Millis| mine.iter().map(|&i| points_at(i, at)).sum::<f64>();
    let sum = sum_at(now);
    let history = (0..=HISTORY_DAYS)
        .rev()
        .map(|days| {
            let at = now - days * DAY_MS;
            (at, round2(risk_score(sum_at(at))))
        })
        .collect();

    let mut counting: Vec<usize> = mine.iter().copied().filter(|&i| points_at(i, now) > 0.0).collect();
    counting.sort_by(|&a, &b| points_at(b, now).total_cmp(&points_at(a, now)).then(t.detected_at_ms[b].cmp(&t.detected_at_ms[a])));
    let open: Vec<usize> = mine.iter().rev().copied().filter(|&i| t.state[i] == TriageState::Open).collect();

    let mut cases: HashMap<i64, u64> = HashMap::new();
    let mut shared: HashMap<u32, u64> = HashMap::new();
    for &i in &mine {
        if let Some(case) = t.case_id[i].get() {
            *cases.entry(case).or_default() += 1;
        }
        for &other in t.entities_of(i) {
            if other != e {
                *shared.entry(other).or_default() += 1;
            }
        }
    }
    let mut cases: Vec<EntityCase> = data
        .cases
        .iter()
        .filter_map(|c| {
            cases.get(&c.id).map(|&n| EntityCase { id: c.id, title: c.title.clone(), status: c.status, priority: c.priority, signals: n })
        })
        .collect();
    cases.sort_by(|a, b| (a.status == CaseStatus::Closed).cmp(&(b.status == CaseStatus::Closed)).then(b.id.cmp(&a.id)));
    let scores = if shared.is_empty() { Vec::new() } else { risk_scores(data, now) };
    let mut related: Vec<RelatedEntity> = shared
        .into_iter()
        .map(|(x, n)| {
            let other = &data.entities[x as usize];
            RelatedEntity { kind: other.kind, name: other.name.clone(), shared: n, score: round2(scores[x as usize]) }
        })
        .collect();
    related.sort_by(|a, b| b.shared.cmp(&a.shared).then(b.score.total_cmp(&a.score)).then(a.name.cmp(&b.name)));
    related.truncate(20);

    let score = risk_score(sum);
    Some(EntityProfile {
        kind,
        name: name.to_owned(),
        score: round2(score),
        level: RiskLevel::of(score),
        sum: round2(sum),
        history,
        contributing: counting.len() as u64,
        contributions: counting.iter().take(LISTED).map(|&i| row(i)).collect(),
        open_count: open.len() as u64,
        open: open.iter().take(LISTED).map(|&i| row(i)).collect(),
        signals: mine.len() as u64,
        signals_30d: mine.iter().filter(|&&i| (now - RISK_HORIZON_MS..now).contains(&t.detected_at_ms[i])).count() as u64,
        first_seen_ms: mine.iter().map(|&i| t.first_seen_ms[i]).min(),
        last_seen_ms: mine.iter().map(|&i| t.last_seen_ms[i].max(t.detected_at_ms[i])).max(),
        cases,
        related,
        query: term("@entity.name", name),
    })
}

/// One row of the entity list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityRow {
    pub kind: EntityKind,
    pub name: String,
    pub score: f64,
    pub level: Option<RiskLevel>,
    /// Signals naming it in the last 30 days.
    pub signals: u64,
    pub last_seen_ms: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityList {
    /// The matching entities, riskiest first (then most signals, then by name), at most `limit`.
    pub rows: Vec<EntityRow>,
    /// How many match.
    pub matching: u64,
    /// Every entity, per type and per level (with `None` for no risk), whatever the filter.
    pub by_kind: Vec<(EntityKind, u64)>,
    pub by_level: Vec<(Option<RiskLevel>, u64)>,
}

/// The entities of `kind` (any if `None`) at risk `level` (any if `None`; `Some(None)` means
/// those without risk), as seen at `now`.
pub fn entity_list(data: &Dataset, kind: Option<EntityKind>, level: Option<Option<RiskLevel>>, now: Millis, limit: usize) -> EntityList {
    let scores = risk_scores(data, now);
    let t = &data.signals;
    let mut signals = vec![0u64; data.entities.len()];
    let mut last = vec![Millis::MIN; data.entities.len()];
    for i in t.range(now - RISK_HORIZON_MS + 1, now + 1) {
        for &e in t.entities_of(i) {
            signals[e as usize] += 1;
            last[e as usize] = last[e as usize].max(t.detected_at_ms[i]);
        }
    }
    let mut by_kind: Vec<(EntityKind, u64)> = EntityKind::ALL.iter().map(|k| (*k, 0)).collect();
    let mut by_level: Vec<(Option<RiskLevel>, u64)> =
        RiskLevel::ALL.iter().map(|l| Some(*l)).chain([None]).map(|l| (l, 0)).collect();
    let mut matching: Vec<usize> = Vec::new();
    for (e, entity) in data.entities.iter().enumerate() {
        let its_level = RiskLevel::of(scores[e]);
        by_kind[entity.kind.index()].1 += 1;
        by_level.iter_mut().find(|(l, _)| *l == its_level).expect("every level is listed").1 += 1;
        if kind.is_none_or(|k| k == entity.kind) && level.is_none_or(|l| l == its_level) {
            matching.push(e);
        }
    }
    matching.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then(signals[b].cmp(&signals[a]))
            .then(data.entities[a].name.cmp(&data.entities[b].name))
    });
    EntityList {
        matching: matching.len() as u64,
        rows: matching
            .iter()
            .take(limit)
            .map(|&e| EntityRow {
                kind: data.entities[e].kind,
                name: data.entities[e].name.clone(),
                score: round2(scores[e]),
                level: RiskLevel::of(scores[e]),
                signals: signals[e],
                last_seen_ms: (last[e] != Millis::MIN).then_some(last[e]),
            })
            .collect(),
        by_kind,
        by_level,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
