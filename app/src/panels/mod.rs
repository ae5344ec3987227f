//! The body of each overview module: headline numbers with their change against the previous
//! window, charts, and the rows behind them. Panels receive data and never fetch by themselves;
//! every number, row, pill, wedge, bar, band and cell leads to the signals behind it (`/signals`
//! with the matching explorer query and the same window), or opens its details in place.
//!
//! One file per module, named after its id; [`ModuleBody`] picks the panel for a module's data.

mod attack_overlay;
mod case_aging;
mod common;
mod getting_started;
mod important_signals;
mod mitre_coverage;
mod noise_report;
mod research;
mod risk_insights;
mod rule_performance;
mod security_coverage;
mod security_overview;
mod team_performance;
mod threat_coverage;
mod threat_map;

use analytics::overview::ModuleData;
use leptos::prelude::*;

use case_aging::CaseAgingPanel;
use common::Drill;
use getting_started::GettingStartedPanel;
use important_signals::ImportantSignalsPanel;
use mitre_coverage::MitreCoveragePanel;
use noise_report::NoiseReportPanel;
use research::ResearchPanel;
use risk_insights::RiskInsightsPanel;
use rule_performance::RulePerformancePanel;
use security_coverage::SecurityCoveragePanel;
use security_overview::SecurityOverviewPanel;
use team_performance::TeamPerformancePanel;
use threat_coverage::ThreatCoveragePanel;
use threat_map::ThreatMapPanel;

/// Draws one module's data; its numbers lead to the signals behind them in the same window.
/// The match has no catch-all arm: a new module does not compile until it has its panel.
#[component]
pub(crate) fn ModuleBody(data: ModuleData, window: analytics::Window) -> impl IntoView {
    let drill = Drill::new(&window.as_param());
    match data {
        ModuleData::SecurityCoverage(d) => view! { <SecurityCoveragePanel d/> }.into_any(),
        ModuleData::ImportantSignals(d) => view! { <ImportantSignalsPanel d drill/> }.into_any(),
        ModuleData::RiskInsights(d) => view! { <RiskInsightsPanel d drill/> }.into_any(),
        ModuleData::ThreatMap(d) => view! { <ThreatMapPanel d drill/> }.into_any(),
        ModuleData::SecurityOverview(d) => view! { <SecurityOverviewPanel d drill/> }.into_any(),
        ModuleData::MitreCoverage(d) => view! { <MitreCoveragePanel d drill/> }.into_any(),
        ModuleData::RulePerformance(d) => view! { <RulePerformancePanel d drill window/> }.into_any(),
        ModuleData::Research(d) => view! { <ResearchPanel d/> }.into_any(),
        ModuleData::GettingStarted(d) => view! { <GettingStartedPanel d/> }.into_any(),
        ModuleData::TeamPerformance(d) => view! { <TeamPerformancePanel d drill window/> }.into_any(),
        ModuleData::CaseAging(d) => view! { <CaseAgingPanel d/> }.into_any(),
        ModuleData::NoiseReport(d) => view! { <NoiseReportPanel d drill/> }.into_any(),
        ModuleData::ThreatCoverage(d) => view! { <ThreatCoveragePanel d drill/> }.into_any(),
    }
}
