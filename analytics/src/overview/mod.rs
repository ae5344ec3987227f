//! Every overview widget (docs/product.md §4.1 to §4.9), computed from a [`Dataset`] for a window
//! `[from, to)`, with the previous window of the same length for every KPI's change.
//!
//! Where the spec leaves a choice, the doc comment of the function that computes the number says
//! which definition is used. Every number that can be clicked carries the explorer `query` that
//! lists exactly the signals behind it (docs/product.md §3).

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, Millis};
use crate::model::spelled_enum;

mod case_aging;
mod getting_started;
mod important_signals;
mod mitre_coverage;
mod noise_report;
mod research;
mod risk_insights;
mod rule_performance;
mod security_coverage;
mod security_overview;
pub mod stats;
mod team_performance;
mod threat_coverage;
mod threat_map;

pub use case_aging::*;
pub use getting_started::*;
pub use important_signals::*;
pub use mitre_coverage::*;
pub use noise_report::*;
pub use research::*;
pub use risk_insights::*;
pub use rule_performance::*;
pub use security_coverage::*;
pub use security_overview::*;
pub use stats::{mean, percentile, select_percentile, FastHasher};
pub use team_performance::*;
pub use threat_coverage::*;
pub use threat_map::*;
pub use crate::time::Span;

spelled_enum! {
    /// The overview's modules, in their default order on the page. This is the one list of
    /// them: the engine, the REST API, the OpenAPI document, stored layouts and the page all
    /// iterate [`ModuleId::ALL`]. Adding a module: a variant here (with its title, summary and
    /// width in the methods below), its computation in `overview/<id>.rs` with an arm in
    /// [`compute`], and its panel in `app/src/panels/<id>.rs`; the compiler leads the way.
    ModuleId, "overview module" {
        SecurityCoverage => "security-coverage",
        ImportantSignals => "important-signals",
        RiskInsights => "risk-insights",
        ThreatMap => "threat-map",
        SecurityOverview => "security-overview",
        MitreCoverage => "mitre-coverage",
        RulePerformance => "rule-performance",
        Research => "research",
        GettingStarted => "getting-started",
        TeamPerformance => "team-performance",
        CaseAging => "case-aging",
        NoiseReport => "noise-report",
        ThreatCoverage => "threat-coverage",
    }
}

impl ModuleId {
    /// Whether the module reads what an ingested batch changes without raising a signal: the
    /// log volume (entities without a signal have no risk, so risk insights does not count
    /// them). The others keep their answers across such a batch.
    pub const fn reads_intake(self) -> bool {
        matches!(self, ModuleId::SecurityCoverage | ModuleId::GettingStarted)
    }

    /// The panel's heading.
    pub const fn title(self) -> &'static str {
        match self {
            ModuleId::SecurityCoverage => "Security coverage",
            ModuleId::ImportantSignals => "Important signals and cases",
            ModuleId::RiskInsights => "Risk insights",
            ModuleId::ThreatMap => "Threat map",
            ModuleId::SecurityOverview => "Security overview",
            ModuleId::MitreCoverage => "MITRE ATT&CK coverage",
            ModuleId::RulePerformance => "Detection rule performance",
            ModuleId::Research => "Security research and release notes",
            ModuleId::GettingStarted => "Getting started",
            ModuleId::TeamPerformance => "Team performance",
            ModuleId::CaseAging => "Case aging and SLAs",
            ModuleId::NoiseReport => "Noise report",
            ModuleId::ThreatCoverage => "Threat-informed coverage",
        }
    }

    /// What the module answers, in one line.
    pub const fn summary(self) -> &'static str {
        match self {
            ModuleId::SecurityCoverage => "Enabled content packs, their health and the logs analyzed",
            ModuleId::ImportantSignals => "Open signals grouped by rule, and open security cases",
            ModuleId::RiskInsights => "The riskiest entities and how their risk is spread",
            ModuleId::ThreatMap => "Where attacks come from: countries, IPs and providers",
            ModuleId::SecurityOverview => "Signals by severity, their flow to resolution and time to respond",
            ModuleId::MitreCoverage => "Techniques covered by enabled rules, and signals per tactic",
            ModuleId::RulePerformance => "Time to detect, signal activity, noisy and changing rules",
            ModuleId::Research => "Recent research articles and product release notes",
            ModuleId::GettingStarted => "Onboarding tasks and content pack health at a glance",
            ModuleId::TeamPerformance => "Signals taken, response and archive times, reopens and open work per analyst",
            ModuleId::CaseAging => "Open cases by age, idle time and load, against their SLA targets",
            ModuleId::NoiseReport => "The rules producing most false positives and testing noise, and what it costs",
            ModuleId::ThreatCoverage => "How much of what ATT&CK groups are known to do the enabled rules would see",
        }
    }

    /// Whether the panel spans the whole width of the page (the map, the matrix, the tables).
    pub const fn wide(self) -> bool {
        matches!(
            self,
            ModuleId::RiskInsights
                | ModuleId::ThreatMap
                | ModuleId::SecurityOverview
                | ModuleId::MitreCoverage
                | ModuleId::TeamPerformance
                | ModuleId::CaseAging
                | ModuleId::NoiseReport
                | ModuleId::ThreatCoverage
        )
    }
}

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
    TeamPerformance(TeamPerformance),
    CaseAging(CaseAging),
    NoiseReport(NoiseReport),
    ThreatCoverage(ThreatCoverage),
}

impl ModuleData {
    /// Which module this is.
    pub fn id(&self) -> ModuleId {
        match self {
            ModuleData::SecurityCoverage(_) => ModuleId::SecurityCoverage,
            ModuleData::ImportantSignals(_) => ModuleId::ImportantSignals,
            ModuleData::RiskInsights(_) => ModuleId::RiskInsights,
            ModuleData::ThreatMap(_) => ModuleId::ThreatMap,
            ModuleData::SecurityOverview(_) => ModuleId::SecurityOverview,
            ModuleData::MitreCoverage(_) => ModuleId::MitreCoverage,
            ModuleData::RulePerformance(_) => ModuleId::RulePerformance,
            ModuleData::Research(_) => ModuleId::Research,
            ModuleData::GettingStarted(_) => ModuleId::GettingStarted,
            ModuleData::TeamPerformance(_) => ModuleId::TeamPerformance,
            ModuleData::CaseAging(_) => ModuleId::CaseAging,
            ModuleData::NoiseReport(_) => ModuleId::NoiseReport,
            ModuleData::ThreatCoverage(_) => ModuleId::ThreatCoverage,
        }
    }
}

/// Computes one module for the window `span`; `now` is the instant ages are measured to.
pub fn compute(data: &Dataset, id: ModuleId, span: Span, now: Millis) -> ModuleData {
    let mut computed = compute_module(data, id, span, now);
    if !records_before(data, span.from) {
        for kpi in computed.kpis_mut() {
            kpi.earlier_data = false;
        }
    }
    computed
}

/// Whether anything (a signal or an hour of logs) was recorded before `at`: without it, a
/// window's previous one is not "zero", it is unknown.
pub fn records_before(data: &Dataset, at: Millis) -> bool {
    data.signals.detected_at_ms.first().is_some_and(|&t| t < at) || data.volume.iter().any(|v| v.hour_ms < at)
}

impl ModuleData {
    /// The counts compared with the previous window.
    fn kpis_mut(&mut self) -> Vec<&mut Kpi> {
        match self {
            ModuleData::SecurityCoverage(d) => {
                vec![&mut d.packs_active, &mut d.packs_warning, &mut d.packs_broken, &mut d.packs_disabled, &mut d.logs.total]
            }
            ModuleData::ImportantSignals(d) => vec![&mut d.open_signals, &mut d.open_cases_total],
            ModuleData::RiskInsights(d) => {
                std::iter::once(&mut d.risky_entities).chain(d.by_level.iter_mut().map(|(_, n)| n)).collect()
            }
            ModuleData::ThreatMap(d) => vec![&mut d.located_signals],
            ModuleData::SecurityOverview(d) => {
                std::iter::once(&mut d.total).chain(d.by_severity.iter_mut().map(|s| &mut s.count)).collect()
            }
            ModuleData::TeamPerformance(d) => d.views.iter_mut().map(|v| &mut v.taken).collect(),
            ModuleData::CaseAging(d) => vec![&mut d.open, &mut d.breaching],
            ModuleData::NoiseReport(d) => vec![&mut d.noise, &mut d.analyst_time_ms],
            // Coverage compares with the rules enabled when the window began, known either way.
            ModuleData::MitreCoverage(_)
            | ModuleData::ThreatCoverage(_)
            | ModuleData::RulePerformance(_)
            | ModuleData::Research(_)
            | ModuleData::GettingStarted(_) => Vec::new(),
        }
    }
}

fn compute_module(data: &Dataset, id: ModuleId, span: Span, now: Millis) -> ModuleData {
    match id {
        ModuleId::SecurityCoverage => ModuleData::SecurityCoverage(security_coverage(data, span)),
        ModuleId::ImportantSignals => ModuleData::ImportantSignals(important_signals(data, span, now)),
        ModuleId::RiskInsights => ModuleData::RiskInsights(risk_insights(data, span)),
        ModuleId::ThreatMap => ModuleData::ThreatMap(threat_map(data, span)),
        ModuleId::SecurityOverview => ModuleData::SecurityOverview(security_overview(data, span)),
        ModuleId::MitreCoverage => ModuleData::MitreCoverage(mitre_coverage(data, span)),
        ModuleId::RulePerformance => ModuleData::RulePerformance(rule_performance(data, span)),
        ModuleId::Research => ModuleData::Research(research(data)),
        ModuleId::GettingStarted => ModuleData::GettingStarted(getting_started(data, span)),
        // Shared by every role: the team rows only (see `team_performance`).
        ModuleId::TeamPerformance => ModuleData::TeamPerformance(team_performance(data, span, false)),
        ModuleId::CaseAging => ModuleData::CaseAging(case_aging(data, span, now)),
        ModuleId::NoiseReport => ModuleData::NoiseReport(noise_report(data, span)),
        ModuleId::ThreatCoverage => ModuleData::ThreatCoverage(threat_coverage(data, span)),
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
    /// Whether anything was recorded before the window: `false` means the previous window's
    /// figure is not known to be zero, it has no data ("no earlier data", not "▲ 5,204").
    #[serde(default = "known")]
    pub earlier_data: bool,
}

fn known() -> bool {
    true
}

impl Kpi {
    pub fn new(value: f64, previous: f64) -> Kpi {
        Kpi {
            value,
            previous,
            change: value - previous,
            change_pct: (previous != 0.0).then(|| (value - previous) / previous * 100.0),
            earlier_data: true,
        }
    }
}

/// One `attribute:value` term of a drill-down query, quoted as the query language renders it.
pub fn term(attribute: &str, value: &str) -> String {
    format!("{attribute}:{}", crate::query::render_value(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_ids_are_unique_and_url_safe() {
        let ids: std::collections::HashSet<_> = ModuleId::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(ids.len(), ModuleId::ALL.len());
        for module in ModuleId::ALL {
            assert!(module.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{module}");
            assert_eq!(ModuleId::parse(module.as_str()), Ok(*module));
        }
    }

    #[test]
    fn every_module_computes_its_own_data() {
        let data = Dataset::default();
        let span = Span { from: 0, to: crate::time::DAY_MS };
        for &id in ModuleId::ALL {
            assert_eq!(compute(&data, id, span, span.to).id(), id);
            assert!(!id.title().is_empty() && !id.summary().is_empty(), "{id}");
        }
    }
}
