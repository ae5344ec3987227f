//! The registry of overview modules, in their default order (product-spec §4.1 to §4.9).
//! Adding a module starts here.

/// One module of the overview page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Stable id: used in the API (`/api/v1/modules/{id}`), stored layouts and the DOM.
    pub id: &'static str,
    pub title: &'static str,
    /// What the module answers, in one line.
    pub summary: &'static str,
    /// Spans the whole width of the page (the map, the matrix).
    pub wide: bool,
}

pub const MODULES: &[ModuleInfo] = &[
    ModuleInfo {
        id: "security-coverage",
        title: "Security coverage",
        summary: "Enabled content packs, their health and the logs analyzed",
        wide: false,
    },
    ModuleInfo {
        id: "important-signals",
        title: "Important signals and cases",
        summary: "Open signals grouped by rule, and open security cases",
        wide: false,
    },
    ModuleInfo {
        id: "risk-insights",
        title: "Risk insights",
        summary: "The riskiest entities and how their risk is spread",
        wide: true,
    },
    ModuleInfo {
        id: "threat-map",
        title: "Threat map",
        summary: "Where attacks come from: countries, IPs and providers",
        wide: true,
    },
    ModuleInfo {
        id: "security-overview",
        title: "Security overview",
        summary: "Signals by severity, their flow to resolution and time to respond",
        wide: true,
    },
    ModuleInfo {
        id: "mitre-coverage",
        title: "MITRE ATT&CK coverage",
        summary: "Techniques covered by enabled rules, and signals per tactic",
        wide: true,
    },
    ModuleInfo {
        id: "rule-performance",
        title: "Detection rule performance",
        summary: "Time to detect, signal activity, noisy and changing rules",
        wide: false,
    },
    ModuleInfo {
        id: "research",
        title: "Security research and release notes",
        summary: "Recent research articles and product release notes",
        wide: false,
    },
    ModuleInfo {
        id: "getting-started",
        title: "Getting started",
        summary: "Onboarding tasks and content pack health at a glance",
        wide: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn module_ids_are_unique_and_url_safe() {
        let ids: HashSet<_> = MODULES.iter().map(|m| m.id).collect();
        assert_eq!(ids.len(), MODULES.len());
        for module in MODULES {
            assert!(
                module.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                module.id
            );
        }
    }

    #[test]
    fn every_spec_module_is_registered() {
        assert_eq!(MODULES.len(), 9, "product-spec §4.1 to §4.9");
    }
}
