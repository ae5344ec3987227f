//! Risk insights (docs/product.md §4.3): entity risk scores, their levels and change.

use serde::{Deserialize, Serialize};

use super::stats::*;
use super::{term, Kpi, Span};
use crate::dataset::{Dataset, Millis, DAY_MS};
use crate::model::*;

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
    /// Entities per risk level at the window's end, critical first, against the previous
    /// window's end.
    pub by_level: Vec<(RiskLevel, Kpi)>,
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

/// How fast the score approaches 100: a sum of contributions `S` gives `100 × (1 − e^(−S/100))`.
pub const RISK_SCALE: f64 = 100.0;

/// The score of a sum of contributions (§4.3): `100 × (1 − e^(−S/100))`, which keeps the order of
/// the sums (a critical and a high signal rank above one critical signal) yet never exceeds 100:
/// 40 gives 32.97, 120 gives 69.88, 230.26 and more give 90 (critical).
pub fn risk_score(sum: f64) -> f64 {
    if sum <= 0.0 {
        0.0
    } else {
        100.0 * (1.0 - (-sum / RISK_SCALE).exp())
    }
}

/// Risk scores at `at` for every entity (index into `Dataset::entities`), from 0 to 100.
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
            *s = risk_score(*s);
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
    let mut prev_by_level = [0u32; 4];
    for level in prev_scores.iter().filter_map(|&s| RiskLevel::of(s)) {
        prev_by_level[level as usize] += 1;
    }
    RiskInsights {
        top,
        risky_entities: Kpi::new(risky.len() as f64, prev_risky as f64),
        by_type: EntityKind::ALL.iter().map(|k| (*k, by_type[k.index()])).collect(),
        by_level: RiskLevel::ALL
            .iter()
            .map(|l| (*l, Kpi::new(by_level[*l as usize] as f64, prev_by_level[*l as usize] as f64)))
            .collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_score_saturates_towards_100_and_keeps_the_order_of_sums() {
        assert_eq!(risk_score(0.0), 0.0);
        // 100 × (1 − e^−0.03) = 2.9554…, one low signal.
        assert!((risk_score(3.0) - 2.955_446).abs() < 1e-6);
        // One critical: 100 × (1 − e^−0.4) = 32.968…; three: 100 × (1 − e^−1.2) = 69.880….
        assert!((risk_score(40.0) - 32.967_995).abs() < 1e-6);
        assert!((risk_score(120.0) - 69.880_579).abs() < 1e-6);
        // Critical from a sum of 100 × ln 10 = 230.26 on.
        assert_eq!(RiskLevel::of(risk_score(231.0)), Some(RiskLevel::Critical));
        assert_eq!(RiskLevel::of(risk_score(230.0)), Some(RiskLevel::High));
        // Sums that the old cap of 100 made equal stay ordered, and stay under 100.
        let (a, b) = (risk_score(400.0), risk_score(1_000.0));
        assert!(a < b && b < 100.0, "{a} {b}");
    }

}
