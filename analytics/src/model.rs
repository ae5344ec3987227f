//! The SOC's nouns (docs/product.md §1 and §2): severities, products, triage states, archive
//! reasons, entity kinds, content pack categories and health, case and incident states, roles.
//! Each has one spelling on the wire and in the database (`as_str`) and a `parse` that names the
//! bad value.

/// A value that is not one of an enumeration's spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} '{given}': expected one of {expected}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub given: String,
    pub expected: String,
}

macro_rules! spelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in the order the product lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// How many values there are: the length of a per-value table.
            pub const COUNT: usize = [$($text),+].len();

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the wire spelling; letter case is forgiven.
            pub fn parse(value: &str) -> Result<Self, $crate::model::UnknownValue> {
                let wanted = value.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| $crate::model::UnknownValue {
                        kind: $kind,
                        given: value.to_owned(),
                        expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }

            /// Position in [`Self::ALL`]: a dense index for columnar storage.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::UnknownValue;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::parse(value)
            }
        }
    };
}

pub(crate) use spelled_enum;

spelled_enum! {
    /// How bad a signal is. Ordered from most to least severe.
    Severity, "severity" {
        Critical => "critical",
        High => "high",
        Medium => "medium",
        Low => "low",
        Info => "info",
    }
}

impl Severity {
    /// docs/product.md §1: an important signal is critical or high.
    pub const fn is_important(self) -> bool {
        matches!(self, Severity::Critical | Severity::High)
    }

    /// docs/product.md §4.3: what one signal adds to its entities' risk before decay.
    pub const fn risk_weight(self) -> f64 {
        match self {
            Severity::Critical => 40.0,
            Severity::High => 20.0,
            Severity::Medium => 8.0,
            Severity::Low => 3.0,
            Severity::Info => 0.0,
        }
    }
}

spelled_enum! {
    /// Which product raised a signal.
    Product, "product" {
        Siem => "siem",
        Workload => "workload",
        Appsec => "appsec",
    }
}

spelled_enum! {
    /// docs/product.md §2: where a signal is in triage.
    TriageState, "triage state" {
        Open => "open",
        UnderReview => "under_review",
        Archived => "archived",
    }
}

spelled_enum! {
    /// docs/product.md §2: why a signal was archived.
    ArchiveReason, "archive reason" {
        FalsePositive => "false_positive",
        TestingOrMaintenance => "testing_or_maintenance",
        InvestigatedElsewhere => "investigated_elsewhere",
        TruePositiveBenign => "true_positive_benign",
        TruePositiveMalicious => "true_positive_malicious",
        Other => "other",
    }
}

impl ArchiveReason {
    /// docs/product.md §4.3: signals archived for these reasons no longer count towards risk.
    pub const fn clears_risk(self) -> bool {
        matches!(self, ArchiveReason::FalsePositive | ArchiveReason::TestingOrMaintenance)
    }
}

spelled_enum! {
    /// What an entity is.
    EntityKind, "entity type" {
        User => "user",
        Host => "host",
        Ip => "ip",
        CloudIdentity => "cloud_identity",
        CloudResource => "cloud_resource",
    }
}

spelled_enum! {
    /// docs/product.md §1: the category a content pack belongs to.
    PackCategory, "content pack category" {
        CloudAudit => "cloud_audit",
        Identity => "identity",
        SaasCollaboration => "saas_collaboration",
        NetworkDns => "network_dns",
        HostContainer => "host_container",
        ApplicationWeb => "application_web",
        ThreatIntelligence => "threat_intelligence",
    }
}

impl PackCategory {
    pub const fn label(self) -> &'static str {
        match self {
            PackCategory::CloudAudit => "Cloud audit",
            PackCategory::Identity => "Identity",
            PackCategory::SaasCollaboration => "SaaS and collaboration",
            PackCategory::NetworkDns => "Network and DNS",
            PackCategory::HostContainer => "Host and container",
            PackCategory::ApplicationWeb => "Application and web",
            PackCategory::ThreatIntelligence => "Threat intelligence",
        }
    }
}

spelled_enum! {
    /// docs/product.md §1: a content pack's health.
    PackHealth, "content pack health" {
        Active => "active",
        Warning => "warning",
        Broken => "broken",
        Disabled => "disabled",
    }
}

spelled_enum! {
    /// A case's status.
    CaseStatus, "case status" {
        Open => "open",
        InProgress => "in_progress",
        Closed => "closed",
    }
}

spelled_enum! {
    /// A case's priority, P1 the most urgent.
    CasePriority, "case priority" {
        P1 => "P1",
        P2 => "P2",
        P3 => "P3",
        P4 => "P4",
        P5 => "P5",
    }
}

spelled_enum! {
    /// An incident's severity, SEV-1 the worst.
    IncidentSeverity, "incident severity" {
        Sev1 => "SEV-1",
        Sev2 => "SEV-2",
        Sev3 => "SEV-3",
        Sev4 => "SEV-4",
        Sev5 => "SEV-5",
    }
}

spelled_enum! {
    /// An incident's status.
    IncidentStatus, "incident status" {
        Active => "active",
        Stable => "stable",
        Resolved => "resolved",
    }
}

spelled_enum! {
    /// docs/product.md §2: what a user may do.
    Role, "role" {
        Viewer => "viewer",
        Analyst => "analyst",
        Admin => "admin",
    }
}

impl Role {
    /// docs/product.md §2: `security_monitoring_signals_write` is held by analysts and admins.
    pub const fn can_write_signals(self) -> bool {
        matches!(self, Role::Analyst | Role::Admin)
    }
}

spelled_enum! {
    /// Threat-intelligence category of the attacker address.
    ThreatCategory, "threat intel category" {
        Anonymizer => "anonymizer",
        Scanner => "scanner",
        Malware => "malware",
        Botnet => "botnet",
    }
}

spelled_enum! {
    /// Threat-intelligence intention.
    ThreatIntention, "threat intel intention" {
        Malicious => "malicious",
        Unknown => "unknown",
    }
}

spelled_enum! {
    /// Threat-intelligence subcategory (for anonymizers).
    ThreatSubcategory, "threat intel subcategory" {
        Proxy => "proxy",
        Tor => "tor",
        Vpn => "vpn",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Ok(*s));
        }
        for r in ArchiveReason::ALL {
            assert_eq!(r.as_str().parse::<ArchiveReason>(), Ok(*r));
        }
        assert_eq!(IncidentSeverity::parse("sev-2"), Ok(IncidentSeverity::Sev2));
    }

    #[test]
    fn unknown_value_names_the_kind_and_the_choices() {
        let err = TriageState::parse("closed").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown triage state 'closed': expected one of open, under_review, archived"
        );
    }

    #[test]
    fn important_means_critical_or_high() {
        let important: Vec<_> = Severity::ALL.iter().filter(|s| s.is_important()).collect();
        assert_eq!(important, [&Severity::Critical, &Severity::High]);
    }

    #[test]
    fn severities_order_from_most_severe() {
        assert!(Severity::Critical < Severity::High && Severity::Low < Severity::Info);
        assert_eq!(Severity::Critical.index(), 0);
    }

    #[test]
    fn only_analysts_and_admins_write_signals() {
        assert!(!Role::Viewer.can_write_signals());
        assert!(Role::Analyst.can_write_signals());
        assert!(Role::Admin.can_write_signals());
    }

    #[test]
    fn serde_uses_the_wire_spelling() {
        assert_eq!(serde_json::to_string(&TriageState::UnderReview).unwrap(), "\"under_review\"");
        assert_eq!(
            serde_json::from_str::<ArchiveReason>("\"true_positive_benign\"").unwrap(),
            ArchiveReason::TruePositiveBenign
        );
    }
}
