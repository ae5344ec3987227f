//! MITRE ATT&CK coverage (docs/product.md §4.6): techniques covered by enabled rules, and
//! signals per tactic.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{term, Kpi, Span};
use crate::dataset::{Dataset, Millis};
use crate::attack::{self, Matrix};

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
    /// For a gap (no enabled rule): the disabled rules that would cover it, as (id, name).
    #[serde(default)]
    pub closing_rules: Vec<(String, String)>,
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
    /// Techniques covered now, against those covered by the rules enabled at the window's start
    /// ([`rules_enabled_at`]).
    #[serde(default = "no_change")]
    pub covered: Kpi,
    /// Techniques per density (high, medium, low, none), against the rules enabled at the
    /// window's start.
    #[serde(default)]
    pub densities: Vec<(Density, Kpi)>,
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
    /// The name of every enabled rule the cells list (cells name rules by id), once each.
    #[serde(default)]
    pub rule_names: Vec<(String, String)>,
}

fn no_change() -> Kpi {
    Kpi::new(0.0, 0.0)
}

/// Which rules were enabled at `at`: a rule created later was not; otherwise its enabled flag
/// now, with every "enabled" change made after `at` undone (the earliest one's old value is the
/// flag at `at`).
pub fn rules_enabled_at(data: &Dataset, at: Millis) -> Vec<bool> {
    let mut enabled: Vec<bool> = data.rules.iter().map(|r| r.enabled && r.created_at_ms <= at).collect();
    let later: Vec<_> = data.rule_history().filter(|h| h.action() == "enabled" && h.at_ms() > at).collect();
    for change in later.iter().rev() {
        if let Some(r) = data.rule_by_id(&change.asset_id()) {
            if data.rules[r].created_at_ms <= at {
                enabled[r] = change.old_value() == Some("true");
            }
        }
    }
    enabled
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

    let enabled_at_start = rules_enabled_at(data, span.from);
    let mut covered_at_start = 0u32;
    // Techniques per density at the window's start, in `Density` order (high, medium, low, none).
    let mut density_at_start = [0u32; 4];
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
        let enabled_then = rules.iter().filter(|&&r| enabled_at_start[r]).count();
        if enabled_then > 0 {
            covered_at_start += 1;
        }
        density_at_start[Density::of(enabled_then) as usize] += 1;
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
                closing_rules: if enabled.is_empty() {
                    rules.iter().filter(|&&r| !data.rules[r].enabled).map(|&r| (data.rules[r].id.clone(), data.rules[r].name.clone())).collect()
                } else {
                    Vec::new()
                },
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
        covered: Kpi::new(covered as f64, covered_at_start as f64),
        densities: [(Density::High, high), (Density::Medium, medium), (Density::Low, low), (Density::None, none)]
            .into_iter()
            .map(|(d, now)| (d, Kpi::new(now as f64, density_at_start[d as usize] as f64)))
            .collect(),
        total_techniques: matrix.active_techniques().count() as u32,
        density_high: high,
        density_medium: medium,
        density_low: low,
        density_none: none,
        tactics,
        outdated_mappings: outdated,
        attack_version: "18.1".to_owned(),
        copyright: attack::COPYRIGHT.to_owned(),
        rule_names: data
            .rules
            .iter()
            .enumerate()
            .filter(|(r, rule)| rule.enabled && !landed[*r].is_empty())
            .map(|(_, rule)| (rule.id.clone(), rule.name.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_thresholds() {
        assert_eq!([0, 1, 2, 3, 4, 9].map(Density::of), [Density::None, Density::Low, Density::Medium, Density::Medium, Density::High, Density::High]);
    }
}
