//! Threat-informed coverage (docs/product.md §4.13): how much of what MITRE's ATT&CK groups are
//! known to do the enabled rules would see. Every group of the release the product ships
//! (intrusion sets and their `uses` relationships, v18.1) is laid on today's matrix like a
//! Navigator layer; the groups with the most uncovered techniques come first, each with its
//! coverage now against the rules enabled when the window began, and the window's signals on
//! its techniques.

use serde::{Deserialize, Serialize};

use super::{rules_enabled_at, term, Counted, Kpi, Span};
use crate::attack::{self, COPYRIGHT};
use crate::dataset::Dataset;
use crate::navigator::{cell_of, covered_cells_by};
use crate::query::{technique_matches, technique_values, Attribute};

/// How many groups the module lists.
pub const LISTED_GROUPS: usize = 10;
/// How many uncovered techniques a listed group names.
pub const LISTED_UNCOVERED: usize = 8;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupCoverage {
    /// `G0016`.
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    /// The matrix cells (techniques) the group is known to use, on today's matrix.
    pub techniques: u32,
    /// Of those, covered by an enabled rule now, against the rules enabled when the window
    /// began.
    pub covered: Kpi,
    /// How many of its techniques no enabled rule covers.
    pub uncovered_count: u32,
    /// The first [`LISTED_UNCOVERED`] of them by ID: (ID, name).
    pub uncovered: Vec<(String, String)>,
    /// The window's signals whose rule maps one of the group's techniques (or a sub-technique).
    pub signals: Counted,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThreatCoverage {
    /// Techniques any group is known to use, on today's matrix.
    pub techniques: u32,
    /// Of those, covered now against the window's start.
    pub covered: Kpi,
    /// Groups with at least half their techniques covered, now against the window's start.
    pub half_covered_groups: Kpi,
    /// Groups with at least one technique on today's matrix.
    pub groups_total: u32,
    /// The [`LISTED_GROUPS`] groups with the most uncovered techniques (then the most signals,
    /// then by ID).
    pub groups: Vec<GroupCoverage>,
    pub attack_version: String,
    pub copyright: String,
}

/// What every group is measured against: the cells covered now and at the window's start, and
/// the window's signals per firing rule with the rule's `@technique` values.
struct Measure {
    covered_now: Vec<&'static str>,
    covered_then: Vec<&'static str>,
    firing: Vec<(u64, Vec<String>)>,
}

impl Measure {
    fn new(data: &Dataset, span: Span) -> Measure {
        let matrix = attack::matrix();
        let enabled_now: Vec<bool> = data.rules.iter().map(|r| r.enabled).collect();
        let t = &data.signals;
        let mut signals_per_rule = vec![0u64; data.rules.len()];
        for i in t.range(span.from, span.to) {
            signals_per_rule[t.rule[i] as usize] += 1;
        }
        Measure {
            covered_now: covered_cells_by(data, matrix, &enabled_now),
            covered_then: covered_cells_by(data, matrix, &rules_enabled_at(data, span.from)),
            firing: data
                .rules
                .iter()
                .zip(&signals_per_rule)
                .filter(|(_, &n)| n > 0)
                .map(|(rule, &n)| (n, technique_values(rule)))
                .collect(),
        }
    }

    /// The group's coverage and signals; `None` when none of its techniques is on today's
    /// matrix.
    fn group(&self, group: &attack::Group) -> Option<(Vec<&'static str>, GroupCoverage)> {
        let matrix = attack::matrix();
        let mut cells: Vec<&'static str> = group.techniques.iter().filter_map(|id| cell_of(matrix, id)).collect();
        cells.sort_unstable();
        cells.dedup();
        if cells.is_empty() {
            return None;
        }
        let now = cells.iter().filter(|c| self.covered_now.contains(c)).count();
        let then = cells.iter().filter(|c| self.covered_then.contains(c)).count();
        let uncovered: Vec<&str> = cells.iter().copied().filter(|c| !self.covered_now.contains(c)).collect();
        let signals = self
            .firing
            .iter()
            .filter(|(_, values)| values.iter().any(|v| cells.iter().any(|c| technique_matches(v, c))))
            .map(|(n, _)| n)
            .sum();
        let terms: Vec<String> = cells.iter().map(|c| term(Attribute::Technique.name(), c)).collect();
        let coverage = GroupCoverage {
            id: group.id.to_owned(),
            name: group.name.to_owned(),
            aliases: group.aliases.iter().map(|a| (*a).to_owned()).collect(),
            techniques: cells.len() as u32,
            covered: Kpi::new(now as f64, then as f64),
            uncovered_count: uncovered.len() as u32,
            uncovered: uncovered
                .iter()
                .take(LISTED_UNCOVERED)
                .map(|&id| (id.to_owned(), matrix.technique(id).map(|t| t.name.to_owned()).unwrap_or_default()))
                .collect(),
            signals: Counted { count: signals, query: terms.join(" OR ") },
        };
        Some((cells, coverage))
    }
}

/// One ATT&CK group's coverage for the window (see [`threat_coverage`]); `None` for an unknown
/// group or one with no technique on today's matrix.
pub fn group_coverage(data: &Dataset, span: Span, id: &str) -> Option<GroupCoverage> {
    Measure::new(data, span).group(attack::group(id)?).map(|(_, g)| g)
}

/// Threat-informed coverage (§4.13) for the window. A group's technique or sub-technique IDs
/// land on today's matrix as a Navigator layer's do (a sub-technique on its technique, a revoked
/// ID on its replacement, deprecated and unknown IDs nowhere); a technique is covered when an
/// enabled rule maps it or one of its sub-techniques. A group's signals are those whose rule
/// matches `@technique:` one of its techniques, each signal counted once.
pub fn threat_coverage(data: &Dataset, span: Span) -> ThreatCoverage {
    let measure = Measure::new(data, span);
    let mut used: Vec<&'static str> = Vec::new();
    let mut groups = Vec::new();
    let (mut half_now, mut half_then) = (0u32, 0u32);
    for (cells, group) in attack::groups().iter().filter_map(|g| measure.group(g)) {
        for cell in cells {
            if !used.contains(&cell) {
                used.push(cell);
            }
        }
        half_now += u32::from(2.0 * group.covered.value >= f64::from(group.techniques));
        half_then += u32::from(2.0 * group.covered.previous >= f64::from(group.techniques));
        groups.push(group);
    }
    let groups_total = groups.len() as u32;
    groups.sort_by(|a, b| {
        b.uncovered_count
            .cmp(&a.uncovered_count)
            .then_with(|| b.signals.count.cmp(&a.signals.count))
            .then_with(|| a.id.cmp(&b.id))
    });
    groups.truncate(LISTED_GROUPS);
    let covered = |list: &[&str]| used.iter().filter(|c| list.contains(c)).count() as f64;
    ThreatCoverage {
        techniques: used.len() as u32,
        covered: Kpi::new(covered(&measure.covered_now), covered(&measure.covered_then)),
        half_covered_groups: Kpi::new(f64::from(half_now), f64::from(half_then)),
        groups_total,
        groups,
        attack_version: "18.1".to_owned(),
        copyright: COPYRIGHT.to_owned(),
    }
}
