//! The demo catalogue: the static, realistic material that the deterministic demo-data generator
//! draws from (content packs, log sources, detection rules, attacker geography, entity names,
//! the SOC team, case titles, archive comments, research articles and release notes).
//!
//! Everything here is plain `'static` data: no allocation, no external crates. The generator
//! decides volumes, times and randomness; this file only says what exists and in what proportions.
//!
//! All people, companies, accounts, projects and domains in this file are fictional. `acme-corp.com`
//! and the AWS account ids, GCP projects and Azure tenants named here belong to no real
//! organisation; URLs use the reserved `.example` top-level domain. Country, ISP and ASN data
//! describe real networks only so that the threat map looks plausible; the demo addresses built
//! from them are random and attribute nothing to anyone.
//!
//! Rule techniques and tactics are MITRE ATT&CK® Enterprise (v18.1) identifiers; every one was
//! checked against `data/attack/enterprise-attack.tsv` (active entries only, and each tactic one of
//! the technique's own tactics).

use crate::model::{
    EntityKind, PackCategory, PackHealth, Product, Severity, ThreatCategory, ThreatSubcategory,
};

/// A content pack: detection rules and parsing for one integration (docs/product.md §1).
#[derive(Debug, Clone, Copy)]
pub struct PackSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub category: PackCategory,
    pub enabled: bool,
    pub health: PackHealth,
    /// What is wrong, for packs in `warning` or `broken`; the generator adds since when.
    pub health_detail: Option<&'static str>,
}

/// A log source: one stream of logs, parsed by one content pack.
#[derive(Debug, Clone, Copy)]
pub struct SourceSpec {
    pub id: &'static str,
    pub name: &'static str,
    /// The [`PackSpec::id`] that parses this source.
    pub pack: &'static str,
    /// The product whose signals this source's rules raise.
    pub product: Product,
    /// Typical volume of a working source; the generator adds daily shape and noise.
    pub events_per_hour: u32,
    /// The entities this source's logs name, besides the remote address: a rule only raises
    /// signals on entities its source can produce (a flow log names hosts, never an e-mail).
    pub entities: &'static [EntitySlot],
}

/// An entity a log source names: its kind, which names of that kind (each pattern matches a name
/// it starts or ends with; none means any), and the share of signals that name one.
#[derive(Debug, Clone, Copy)]
pub struct EntitySlot {
    pub kind: EntityKind,
    pub names: &'static [&'static str],
    pub share: f32,
}

impl EntitySlot {
    const fn always(kind: EntityKind, names: &'static [&'static str]) -> EntitySlot {
        EntitySlot { kind, names, share: 1.0 }
    }

    const fn sometimes(kind: EntityKind, names: &'static [&'static str], share: f32) -> EntitySlot {
        EntitySlot { kind, names, share }
    }

    /// Whether this slot can name `name` (of its kind).
    pub fn admits(&self, name: &str) -> bool {
        self.names.is_empty() || self.names.iter().any(|p| name.starts_with(p) || name.ends_with(p))
    }
}

use EntityKind::{CloudIdentity, CloudResource, Host, User};

/// Hosts in the AWS VPCs (EC2 instances, EKS nodes, the services running on them).
const AWS_HOSTS: &[&str] = &[
    "ip-", "eks-", "build-runner-", "jump-host-", "bastion-", "vpn-gw-", "web-frontend-", "api-gateway-",
    "payments-api-", "postgres-", "kafka-", "redis-", "elastic-", "legacy-ftp-", "grafana-", "dev-sandbox-",
];
/// Hosts that serve the web: what the WAF and the CDN stand in front of.
const WEB_HOSTS: &[&str] = &["web-frontend-", "api-gateway-", "payments-api-"];
const KUBERNETES_NODES: &[&str] = &["gke-", "eks-", "aks-"];
const AWS_IDENTITIES: &[&str] = &["arn:aws:iam::"];
const AWS_RESOURCES: &[&str] = &["s3://", "arn:aws:"];
const GCP_IDENTITIES: &[&str] = &["gserviceaccount.com"];
const GCP_RESOURCES: &[&str] = &["gs://", "projects/"];
const AZURE_IDENTITIES: &[&str] = &["sp-", "managed-identity-"];
const AZURE_RESOURCES: &[&str] = &["/subscriptions/"];
const ANY: &[&str] = &[];

/// A detection rule (docs/product.md §1).
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec {
    /// `def-NNNN` for rules shipped with the product, `cus-NNNN` for the SOC's own.
    pub id: &'static str,
    pub name: &'static str,
    /// The [`SourceSpec::id`] this rule reads.
    pub source: &'static str,
    pub severity: Severity,
    /// MITRE ATT&CK Enterprise technique or sub-technique ids (1 to 3).
    pub techniques: &'static [&'static str],
    /// MITRE ATT&CK tactic ids (`TA00xx`); each is a tactic of at least one of `techniques`.
    pub tactics: &'static [&'static str],
    pub enabled: bool,
    pub custom: bool,
    /// Relative signal frequency: a few rules are very noisy, most are moderate, some are rare.
    pub weight: u32,
    /// Share of this rule's archived signals archived as `false_positive`.
    pub false_positive_rate: f32,
    /// Share of this rule's archived signals archived as `true_positive_malicious`.
    pub malicious_rate: f32,
}

/// A country attacks are drawn from, with where in it and through which networks.
#[derive(Debug, Clone, Copy)]
pub struct CountrySpec {
    /// ISO 3166-1 alpha-2.
    pub iso: &'static str,
    pub name: &'static str,
    /// Relative share of attacker addresses.
    pub weight: u32,
    /// (subdivision, a city in it).
    pub regions: &'static [(&'static str, &'static str)],
    /// (organisation as named in ASN data, its autonomous system number).
    pub isps: &'static [(&'static str, u32)],
    /// IPv4 /16 prefixes (`"a.b"`) allocated to networks in this country.
    pub ip_prefixes: &'static [&'static str],
}

/// A research article or a release note (docs/product.md §4.8).
#[derive(Debug, Clone, Copy)]
pub struct ArticleSpec {
    /// `"research"` or `"release_note"`.
    pub kind: &'static str,
    pub title: &'static str,
    pub url: &'static str,
    pub summary: &'static str,
    /// Age of the article when the demo data is generated.
    pub days_ago: u32,
}

// ------------------------------------------------------------------------------------------------
// Content packs and log sources
// ------------------------------------------------------------------------------------------------

/// The content packs installed in the demo organisation: every category is present, one pack is
/// broken, three are in warning, two are disabled.
pub const CONTENT_PACKS: &[PackSpec] = &[
    PackSpec {
        id: "aws-cloudtrail",
        name: "AWS CloudTrail",
        category: PackCategory::CloudAudit,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "gcp-audit-logs",
        name: "Google Cloud Audit Logs",
        category: PackCategory::CloudAudit,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "azure-activity",
        name: "Azure Activity Logs",
        category: PackCategory::CloudAudit,
        enabled: true,
        health: PackHealth::Warning,
        health_detail: Some(
            "Logs arriving late: the Event Hub consumer group is about 40 minutes behind",
        ),
    },
    PackSpec {
        id: "okta",
        name: "Okta",
        category: PackCategory::Identity,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "entra-id",
        name: "Microsoft Entra ID",
        category: PackCategory::Identity,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "1password",
        name: "1Password",
        category: PackCategory::Identity,
        enabled: true,
        health: PackHealth::Warning,
        health_detail: Some(
            "Partial parse failures: 3% of item usage events carry an unknown schema version",
        ),
    },
    PackSpec {
        id: "google-workspace",
        name: "Google Workspace",
        category: PackCategory::SaasCollaboration,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "github",
        name: "GitHub Audit Log",
        category: PackCategory::SaasCollaboration,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "slack",
        name: "Slack Audit Logs",
        category: PackCategory::SaasCollaboration,
        enabled: false,
        health: PackHealth::Disabled,
        health_detail: None,
    },
    PackSpec {
        id: "aws-vpc-flow",
        name: "AWS VPC Flow Logs",
        category: PackCategory::NetworkDns,
        enabled: true,
        health: PackHealth::Broken,
        health_detail: Some(
            "No logs received: the S3 bucket notification feeding the ingestion queue was removed",
        ),
    },
    PackSpec {
        id: "route53-resolver",
        name: "Amazon Route 53 Resolver DNS",
        category: PackCategory::NetworkDns,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "kubernetes",
        name: "Kubernetes Audit",
        category: PackCategory::HostContainer,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "linux-auditd",
        name: "Linux auditd",
        category: PackCategory::HostContainer,
        enabled: true,
        health: PackHealth::Warning,
        health_detail: Some("Partial: 4 of 38 hosts have stopped forwarding auditd events"),
    },
    PackSpec {
        id: "cloudflare",
        name: "Cloudflare",
        category: PackCategory::ApplicationWeb,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "appsec",
        name: "Application and API Protection",
        category: PackCategory::ApplicationWeb,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "threat-intel",
        name: "Signalboard Threat Intelligence",
        category: PackCategory::ThreatIntelligence,
        enabled: true,
        health: PackHealth::Active,
        health_detail: None,
    },
    PackSpec {
        id: "abusech-threatfox",
        name: "abuse.ch ThreatFox",
        category: PackCategory::ThreatIntelligence,
        enabled: false,
        health: PackHealth::Disabled,
        health_detail: None,
    },
];

/// The log sources feeding the demo organisation, with typical hourly volumes.
pub const LOG_SOURCES: &[SourceSpec] = &[
    SourceSpec {
        id: "cloudtrail",
        name: "AWS CloudTrail",
        pack: "aws-cloudtrail",
        product: Product::Siem,
        entities: &[EntitySlot::always(CloudIdentity, AWS_IDENTITIES), EntitySlot::sometimes(CloudResource, AWS_RESOURCES, 0.4)],
        events_per_hour: 185_000,
    },
    SourceSpec {
        id: "vpc-flow",
        name: "AWS VPC Flow Logs",
        pack: "aws-vpc-flow",
        product: Product::Siem,
        entities: &[EntitySlot::always(Host, AWS_HOSTS)],
        events_per_hour: 240_000,
    },
    SourceSpec {
        id: "dns",
        name: "Route 53 Resolver query logs",
        pack: "route53-resolver",
        product: Product::Siem,
        entities: &[EntitySlot::always(Host, AWS_HOSTS)],
        events_per_hour: 310_000,
    },
    SourceSpec {
        id: "gcp-audit",
        name: "GCP Audit Logs",
        pack: "gcp-audit-logs",
        product: Product::Siem,
        entities: &[EntitySlot::always(CloudIdentity, GCP_IDENTITIES), EntitySlot::sometimes(CloudResource, GCP_RESOURCES, 0.4)],
        events_per_hour: 64_000,
    },
    SourceSpec {
        id: "azure-activity",
        name: "Azure Activity",
        pack: "azure-activity",
        product: Product::Siem,
        entities: &[EntitySlot::always(CloudIdentity, AZURE_IDENTITIES), EntitySlot::sometimes(CloudResource, AZURE_RESOURCES, 0.4)],
        events_per_hour: 21_000,
    },
    SourceSpec {
        id: "okta",
        name: "Okta System Log",
        pack: "okta",
        product: Product::Siem,
        entities: &[EntitySlot::always(User, ANY)],
        events_per_hour: 8_600,
    },
    SourceSpec {
        id: "entra-id",
        name: "Entra ID sign-in and audit logs",
        pack: "entra-id",
        product: Product::Siem,
        entities: &[EntitySlot::always(User, ANY)],
        events_per_hour: 13_500,
    },
    SourceSpec {
        id: "1password",
        name: "1Password Events API",
        pack: "1password",
        product: Product::Siem,
        entities: &[EntitySlot::always(User, ANY)],
        events_per_hour: 340,
    },
    SourceSpec {
        id: "google-workspace",
        name: "Google Workspace Reports",
        pack: "google-workspace",
        product: Product::Siem,
        entities: &[EntitySlot::always(User, ANY)],
        events_per_hour: 5_200,
    },
    SourceSpec {
        id: "github-audit",
        name: "GitHub Enterprise audit log",
        pack: "github",
        product: Product::Siem,
        entities: &[EntitySlot::always(User, ANY), EntitySlot::sometimes(CloudResource, &["github:"], 0.5)],
        events_per_hour: 3_900,
    },
    SourceSpec {
        id: "kubernetes-audit",
        name: "Kubernetes API server audit",
        pack: "kubernetes",
        product: Product::Workload,
        entities: &[EntitySlot::always(Host, KUBERNETES_NODES), EntitySlot::sometimes(CloudIdentity, &["system:serviceaccount:"], 0.4), EntitySlot::sometimes(CloudResource, &["k8s:"], 0.4)],
        events_per_hour: 72_000,
    },
    SourceSpec {
        id: "linux-auditd",
        name: "Linux auditd",
        pack: "linux-auditd",
        product: Product::Workload,
        entities: &[EntitySlot::always(Host, ANY)],
        events_per_hour: 118_000,
    },
    SourceSpec {
        id: "cloudflare",
        name: "Cloudflare HTTP and firewall events",
        pack: "cloudflare",
        product: Product::Siem,
        entities: &[EntitySlot::sometimes(Host, WEB_HOSTS, 0.3)],
        events_per_hour: 96_000,
    },
    SourceSpec {
        id: "appsec-waf",
        name: "App and API Protection traces",
        pack: "appsec",
        product: Product::Appsec,
        entities: &[EntitySlot::always(CloudResource, &["k8s:deployment/"]), EntitySlot::sometimes(Host, WEB_HOSTS, 0.25)],
        events_per_hour: 41_000,
    },
];

// ------------------------------------------------------------------------------------------------
// Detection rules
// ------------------------------------------------------------------------------------------------

/// The detection rules: shipped defaults (`def-`) and the SOC's own (`cus-`).
pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        id: "def-0001",
        name: "AWS IAM user created with console access and no MFA",
        source: "cloudtrail",
        severity: Severity::High,
        techniques: &["T1136.003"],
        tactics: &["TA0003"],
        enabled: true,
        custom: false,
        weight: 12,
        false_positive_rate: 0.15,
        malicious_rate: 0.04,
    },
    RuleSpec {
        id: "def-0002",
        name: "AWS CloudTrail trail stopped or deleted",
        source: "cloudtrail",
        severity: Severity::Critical,
        techniques: &["T1562.008"],
        tactics: &["TA0005"],
        enabled: true,
        custom: false,
        weight: 2,
        false_positive_rate: 0.05,
        malicious_rate: 0.35,
    },
    RuleSpec {
        id: "def-0003",
        name: "AWS GuardDuty detector disabled or findings suppressed",
        source: "cloudtrail",
        severity: Severity::High,
        techniques: &["T1562.001", "T1562.008"],
        tactics: &["TA0005"],
        enabled: true,
        custom: false,
        weight: 3,
        false_positive_rate: 0.1,
        malicious_rate: 0.25,
    },
    RuleSpec {
        id: "def-0004",
        name: "AWS root account used for API or console activity",
        source: "cloudtrail",
        severity: Severity::Medium,
        techniques: &["T1078.004"],
        tactics: &["TA0001", "TA0004"],
        enabled: true,
        custom: false,
        weight: 4,
        false_positive_rate: 0.1,
        malicious_rate: 0.03,
    },
    RuleSpec {
        id: "def-0005",
        name: "AWS IAM access key created for another user",
        source: "cloudtrail",
        severity: Severity::Medium,
        techniques: &["T1098.001"],
        tactics: &["TA0003"],
        enabled: true,
        custom: false,
        weight: 18,
        false_positive_rate: 0.25,
        malicious_rate: 0.03,
    },
    RuleSpec {
        id: "def-0006",
        name: "AWS IAM AdministratorAccess policy attached to a user or role",
        source: "cloudtrail",
        severity: Severity::Medium,
        techniques: &["T1098.003"],
        tactics: &["TA0003", "TA0004"],
        enabled: true,
        custom: false,
        weight: 9,
        false_positive_rate: 0.2,
        malicious_rate: 0.05,
    },
    RuleSpec {
        id: "def-0007",
        name: "AWS S3 bucket policy changed to allow public access",
        source: "cloudtrail",
        severity: Severity::Medium,
        techniques: &["T1530"],
        tactics: &["TA0009"],
        enabled: true,
        custom: false,
        weight: 6,
        false_positive_rate: 0.3,
        malicious_rate: 0.05,
    },
    RuleSpec {
        id: "def-0008",
        name: "AWS EC2 instance role credentials used from outside AWS",
        source: "cloudtrail",
        severity: Severity::High,
        techniques: &["T1552.005", "T1078.004"],
        tactics: &["TA0006", "TA0005"],
        enabled: true,
        custom: false,
        weight: 2,
        false_positive_rate: 0.05,
        malicious_rate: 0.5,
    },
    RuleSpec {
        id: "def-0009",
        name: "AWS enumeration burst: many Describe and List calls from one identity",
        source: "cloudtrail",
        severity: Severity::Low,
        techniques: &["T1580", "T1526", "T1087.004"],
        tactics: &["TA0007"],
        enabled: true,
        custom: false,
        weight: 110,
        false_positive_rate: 0.62,
        malicious_rate: 0.01,
    },
    RuleSpec {
        id: "def-0010",
        name: "AWS GPU instances launched in a previously unused region",
        source: "cloudtrail",
        severity: Severity::High,
        techniques: &["T1535", "T1496.001"],
        tactics: &["TA0005", "TA0040"],
        enabled: true,
        custom: false,
        weight: 2,
        false_positive_rate: 0.05,
        malicious_rate: 0.45,
    },
    RuleSpec {
        id: "def-0011",
        name: "AWS KMS key scheduled for deletion",
        source: "cloudtrail",
        severity: Severity::Low,
        techniques: &["T1485"],
        tactics: &["TA0040"],
        enabled: true,
        custom: false,
        weight: 5,
        false_positive_rate: 0.2,
        malicious_rate: 0.05,
    },
    RuleSpec {
        id: "def-0012",
        name: "AWS security group opened to 0.0.0.0/0 on SSH or RDP",
        source: "cloudtrail",
        severity: Severity::Low,
        techniques: &["T1562.007"],
        tactics: &["TA0005"],
        enabled: true,
        custom: false,
        weight: 40,
        false_positive_rate: 0.55,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "def-0013",
        name: "AWS Secrets Manager: many secrets read by one identity",
        source: "cloudtrail",
        severity: Severity::Medium,
        techniques: &["T1555.006"],
        tactics: &["TA0006"],
        enabled: true,
        custom: false,
        weight: 8,
        false_positive_rate: 0.3,
        malicious_rate: 0.08,
    },
    RuleSpec {
        id: "def-0014",
        name: "GCP service account key created",
        source: "gcp-audit",
        severity: Severity::Medium,
        techniques: &["T1098.001"],
        tactics: &["TA0003"],
        enabled: true,
        custom: false,
        weight: 22,
        false_positive_rate: 0.3,
        malicious_rate: 0.03,
    },
    RuleSpec {
        id: "def-0015",
        name: "GCP logging sink deleted or disabled",
        source: "gcp-audit",
        severity: Severity::Medium,
        techniques: &["T1562.008"],
        tactics: &["TA0005"],
        enabled: true,
        custom: false,
        weight: 2,
        false_positive_rate: 0.1,
        malicious_rate: 0.2,
    },
    RuleSpec {
        id: "def-0016",
        name: "GCP project moved out of the organization",
        source: "gcp-audit",
        severity: Severity::Medium,
        techniques: &["T1666"],
        tactics: &["TA0005"],
        enabled: false,
        custom: false,
        weight: 1,
        false_positive_rate: 0.0,
        malicious_rate: 0.2,
    },
    RuleSpec {
        id: "def-0017",
        name: "Azure diagnostic settings deleted for a subscription",
        source: "azure-activity",
        severity: Severity::Medium,
        techniques: &["T1562.008"],
        tactics: &["TA0005"],
        enabled: true,
        custom: false,
        weight: 4,
        false_positive_rate: 0.3,
        malicious_rate: 0.05,
    },
    RuleSpec {
        id: "def-0018",
        name: "Azure VM Run Command executed",
        source: "azure-activity",
        severity: Severity::Medium,
        techniques: &["T1651"],
        tactics: &["TA0002"],
        enabled: true,
        custom: false,
        weight: 9,
        false_positive_rate: 0.35,
        malicious_rate: 0.04,
    },
    RuleSpec {
        id: "def-0019",
        name: "Azure AD: new federated domain added",
        source: "entra-id",
        severity: Severity::Critical,
        techniques: &["T1484.002"],
        tactics: &["TA0004", "TA0005"],
        enabled: true,
        custom: false,
        weight: 1,
        false_positive_rate: 0.0,
        malicious_rate: 0.3,
    },
    RuleSpec {
        id: "def-0020",
        name: "Entra ID: sign-in with a legacy authentication protocol",
        source: "entra-id",
        severity: Severity::Low,
        techniques: &["T1078.004", "T1110.003"],
        tactics: &["TA0001", "TA0006"],
        enabled: true,
        custom: false,
        weight: 60,
        false_positive_rate: 0.45,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "def-0021",
        name: "Entra ID: application granted tenant-wide admin consent",
        source: "entra-id",
        severity: Severity::Medium,
        techniques: &["T1528", "T1671"],
        tactics: &["TA0006", "TA0003"],
        enabled: true,
        custom: false,
        weight: 3,
        false_positive_rate: 0.15,
        malicious_rate: 0.2,
    },
    RuleSpec {
        id: "def-0022",
        name: "Entra ID: Conditional Access policy disabled or weakened",
        source: "entra-id",
        severity: Severity::High,
        techniques: &["T1556.009"],
        tactics: &["TA0005"],
        enabled: true,
        custom: false,
        weight: 2,
        false_positive_rate: 0.15,
        malicious_rate: 0.1,
    },
    RuleSpec {
        id: "def-0023",
        name: "Okta MFA push fatigue (many denied pushes followed by an accept)",
        source: "okta",
        severity: Severity::High,
        techniques: &["T1621"],
        tactics: &["TA0006"],
        enabled: true,
        custom: false,
        weight: 6,
        false_positive_rate: 0.1,
        malicious_rate: 0.45,
    },
    RuleSpec {
        id: "def-0024",
        name: "Okta password spraying from one IP against many users",
        source: "okta",
        severity: Severity::High,
        techniques: &["T1110.003"],
        tactics: &["TA0006"],
        enabled: true,
        custom: false,
        weight: 15,
        false_positive_rate: 0.15,
        malicious_rate: 0.3,
    },
    RuleSpec {
        id: "def-0025",
        name: "Okta MFA factor reset followed by enrolment from a new device",
        source: "okta",
        severity: Severity::Low,
        techniques: &["T1556.006", "T1098.005"],
        tactics: &["TA0003"],
        enabled: true,
        custom: false,
        weight: 18,
        false_positive_rate: 0.4,
        malicious_rate: 0.04,
    },
    RuleSpec {
        id: "def-0026",
        name: "Okta session cookie reused from a different IP and user agent",
        source: "okta",
        severity: Severity::High,
        techniques: &["T1539", "T1550.004"],
        tactics: &["TA0006", "TA0008"],
        enabled: true,
        custom: false,
        weight: 5,
        false_positive_rate: 0.2,
        malicious_rate: 0.35,
    },
    RuleSpec {
        id: "def-0027",
        name: "Okta sign-in from an anonymizing proxy or VPN",
        source: "okta",
        severity: Severity::Info,
        techniques: &["T1090.003", "T1078.004"],
        tactics: &["TA0011", "TA0001"],
        enabled: true,
        custom: false,
        weight: 160,
        false_positive_rate: 0.7,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "def-0028",
        name: "Impossible travel: sign-ins from distant countries within one hour",
        source: "okta",
        severity: Severity::Medium,
        techniques: &["T1078.004"],
        tactics: &["TA0001"],
        enabled: true,
        custom: false,
        weight: 200,
        false_positive_rate: 0.72,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "def-0029",
        name: "Google Workspace: Gmail forwarding to an external address",
        source: "google-workspace",
        severity: Severity::Medium,
        techniques: &["T1114.003"],
        tactics: &["TA0009"],
        enabled: true,
        custom: false,
        weight: 10,
        false_positive_rate: 0.35,
        malicious_rate: 0.08,
    },
    RuleSpec {
        id: "def-0030",
        name: "Google Workspace: Drive folder shared with an external domain",
        source: "google-workspace",
        severity: Severity::Low,
        techniques: &["T1537"],
        tactics: &["TA0010"],
        enabled: false,
        custom: false,
        weight: 35,
        false_positive_rate: 0.5,
        malicious_rate: 0.01,
    },
    RuleSpec {
        id: "def-0031",
        name: "GitHub personal access token used from a Tor exit node",
        source: "github-audit",
        severity: Severity::High,
        techniques: &["T1090.003", "T1550.001"],
        tactics: &["TA0011", "TA0008"],
        enabled: true,
        custom: false,
        weight: 2,
        false_positive_rate: 0.05,
        malicious_rate: 0.55,
    },
    RuleSpec {
        id: "def-0032",
        name: "GitHub: mass repository clone by one user",
        source: "github-audit",
        severity: Severity::Low,
        techniques: &["T1213.003"],
        tactics: &["TA0009"],
        enabled: true,
        custom: false,
        weight: 20,
        false_positive_rate: 0.4,
        malicious_rate: 0.03,
    },
    RuleSpec {
        id: "def-0033",
        name: "GitHub: deploy key with write access added to a repository",
        source: "github-audit",
        severity: Severity::Low,
        techniques: &["T1098.001"],
        tactics: &["TA0003"],
        enabled: true,
        custom: false,
        weight: 9,
        false_positive_rate: 0.45,
        malicious_rate: 0.01,
    },
    RuleSpec {
        id: "def-0034",
        name: "1Password: vault exported",
        source: "1password",
        severity: Severity::High,
        techniques: &["T1555.005"],
        tactics: &["TA0006"],
        enabled: true,
        custom: false,
        weight: 1,
        false_positive_rate: 0.1,
        malicious_rate: 0.2,
    },
    RuleSpec {
        id: "def-0035",
        name: "Kubernetes pod exec into a privileged container",
        source: "kubernetes-audit",
        severity: Severity::Medium,
        techniques: &["T1609"],
        tactics: &["TA0002"],
        enabled: true,
        custom: false,
        weight: 16,
        false_positive_rate: 0.3,
        malicious_rate: 0.05,
    },
    RuleSpec {
        id: "def-0036",
        name: "Kubernetes secrets listed by a service account",
        source: "kubernetes-audit",
        severity: Severity::Low,
        techniques: &["T1552.007", "T1613"],
        tactics: &["TA0006", "TA0007"],
        enabled: true,
        custom: false,
        weight: 25,
        false_positive_rate: 0.45,
        malicious_rate: 0.01,
    },
    RuleSpec {
        id: "def-0037",
        name: "Kubernetes CronJob created in kube-system",
        source: "kubernetes-audit",
        severity: Severity::Low,
        techniques: &["T1053.007"],
        tactics: &["TA0003"],
        enabled: false,
        custom: false,
        weight: 3,
        false_positive_rate: 0.4,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "def-0038",
        name: "Kubernetes pod created from a known cryptominer image",
        source: "kubernetes-audit",
        severity: Severity::High,
        techniques: &["T1204.003", "T1496.001"],
        tactics: &["TA0002", "TA0040"],
        enabled: true,
        custom: false,
        weight: 2,
        false_positive_rate: 0.0,
        malicious_rate: 0.55,
    },
    RuleSpec {
        id: "def-0039",
        name: "Linux: reverse shell spawned by a web server process",
        source: "linux-auditd",
        severity: Severity::Critical,
        techniques: &["T1059.004", "T1505.003"],
        tactics: &["TA0002", "TA0003"],
        enabled: true,
        custom: false,
        weight: 1,
        false_positive_rate: 0.0,
        malicious_rate: 0.6,
    },
    RuleSpec {
        id: "def-0040",
        name: "Linux: /etc/shadow read by an unexpected process",
        source: "linux-auditd",
        severity: Severity::Medium,
        techniques: &["T1003.008"],
        tactics: &["TA0006"],
        enabled: true,
        custom: false,
        weight: 3,
        false_positive_rate: 0.2,
        malicious_rate: 0.15,
    },
    RuleSpec {
        id: "def-0041",
        name: "Linux: new systemd service installed",
        source: "linux-auditd",
        severity: Severity::Low,
        techniques: &["T1543.002"],
        tactics: &["TA0003"],
        enabled: true,
        custom: false,
        weight: 30,
        false_positive_rate: 0.55,
        malicious_rate: 0.01,
    },
    RuleSpec {
        id: "def-0042",
        name: "Linux: sudo to root by a user outside the admin group",
        source: "linux-auditd",
        severity: Severity::Low,
        techniques: &["T1548.003"],
        tactics: &["TA0004"],
        enabled: true,
        custom: false,
        weight: 40,
        false_positive_rate: 0.5,
        malicious_rate: 0.01,
    },
    RuleSpec {
        id: "def-0043",
        name: "DNS query to a newly registered domain",
        source: "dns",
        severity: Severity::Low,
        techniques: &["T1583.001", "T1071.004"],
        tactics: &["TA0042", "TA0011"],
        enabled: true,
        custom: false,
        weight: 140,
        false_positive_rate: 0.6,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "def-0044",
        name: "DNS tunnelling: long high-entropy subdomains to one domain",
        source: "dns",
        severity: Severity::High,
        techniques: &["T1071.004", "T1048.003"],
        tactics: &["TA0011", "TA0010"],
        enabled: true,
        custom: false,
        weight: 3,
        false_positive_rate: 0.2,
        malicious_rate: 0.3,
    },
    RuleSpec {
        id: "def-0045",
        name: "DNS query to a Tor2web or onion gateway",
        source: "dns",
        severity: Severity::Info,
        techniques: &["T1090.003"],
        tactics: &["TA0011"],
        enabled: false,
        custom: false,
        weight: 12,
        false_positive_rate: 0.4,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "def-0046",
        name: "AWS VPC Flow: internal host scanning many ports",
        source: "vpc-flow",
        severity: Severity::Low,
        techniques: &["T1046"],
        tactics: &["TA0007"],
        enabled: true,
        custom: false,
        weight: 18,
        false_positive_rate: 0.5,
        malicious_rate: 0.03,
    },
    RuleSpec {
        id: "def-0047",
        name: "AWS VPC Flow: inbound traffic from a known mass scanner",
        source: "vpc-flow",
        severity: Severity::Info,
        techniques: &["T1595.001"],
        tactics: &["TA0043"],
        enabled: true,
        custom: false,
        weight: 190,
        false_positive_rate: 0.35,
        malicious_rate: 0.0,
    },
    RuleSpec {
        id: "def-0048",
        name: "Cloudflare WAF: SQL injection attempts from one IP",
        source: "cloudflare",
        severity: Severity::Medium,
        techniques: &["T1190"],
        tactics: &["TA0001"],
        enabled: true,
        custom: false,
        weight: 70,
        false_positive_rate: 0.2,
        malicious_rate: 0.1,
    },
    RuleSpec {
        id: "def-0049",
        name: "Cloudflare: vulnerability scanner user agent seen",
        source: "cloudflare",
        severity: Severity::Info,
        techniques: &["T1595.002"],
        tactics: &["TA0043"],
        enabled: true,
        custom: false,
        weight: 180,
        false_positive_rate: 0.3,
        malicious_rate: 0.0,
    },
    RuleSpec {
        id: "def-0050",
        name: "AppSec: exploitation attempt of a known CVE (Log4Shell, Spring4Shell)",
        source: "appsec-waf",
        severity: Severity::Medium,
        techniques: &["T1190"],
        tactics: &["TA0001"],
        enabled: true,
        custom: false,
        weight: 45,
        false_positive_rate: 0.25,
        malicious_rate: 0.08,
    },
    RuleSpec {
        id: "def-0051",
        name: "AppSec: server-side request forgery to the cloud metadata service",
        source: "appsec-waf",
        severity: Severity::High,
        techniques: &["T1190", "T1552.005"],
        tactics: &["TA0001", "TA0006"],
        enabled: true,
        custom: false,
        weight: 4,
        false_positive_rate: 0.1,
        malicious_rate: 0.35,
    },
    RuleSpec {
        id: "def-0052",
        name: "AppSec: command injection reached a shell",
        source: "appsec-waf",
        severity: Severity::Critical,
        techniques: &["T1190", "T1059.004"],
        tactics: &["TA0001", "TA0002"],
        enabled: true,
        custom: false,
        weight: 1,
        false_positive_rate: 0.0,
        malicious_rate: 0.6,
    },
    RuleSpec {
        id: "def-0053",
        name: "AppSec: directory brute forcing with a wordlist",
        source: "appsec-waf",
        severity: Severity::Info,
        techniques: &["T1595.003"],
        tactics: &["TA0043"],
        enabled: true,
        custom: false,
        weight: 90,
        false_positive_rate: 0.35,
        malicious_rate: 0.0,
    },
    RuleSpec {
        id: "cus-0001",
        name: "Break-glass AWS role assumed outside a declared incident",
        source: "cloudtrail",
        severity: Severity::High,
        techniques: &["T1078.004"],
        tactics: &["TA0004"],
        enabled: true,
        custom: true,
        weight: 2,
        false_positive_rate: 0.1,
        malicious_rate: 0.05,
    },
    RuleSpec {
        id: "cus-0002",
        name: "Terraform state bucket read by an identity other than CI",
        source: "cloudtrail",
        severity: Severity::Medium,
        techniques: &["T1530", "T1552.001"],
        tactics: &["TA0009", "TA0006"],
        enabled: true,
        custom: true,
        weight: 8,
        false_positive_rate: 0.45,
        malicious_rate: 0.03,
    },
    RuleSpec {
        id: "cus-0003",
        name: "Okta sign-in to the AWS console app from an unmanaged device",
        source: "okta",
        severity: Severity::Low,
        techniques: &["T1078.004"],
        tactics: &["TA0001"],
        enabled: true,
        custom: true,
        weight: 50,
        false_positive_rate: 0.6,
        malicious_rate: 0.01,
    },
    RuleSpec {
        id: "cus-0004",
        name: "Data events removed from the organization CloudTrail",
        source: "cloudtrail",
        severity: Severity::High,
        techniques: &["T1562.008"],
        tactics: &["TA0005"],
        enabled: true,
        custom: true,
        weight: 1,
        false_positive_rate: 0.1,
        malicious_rate: 0.2,
    },
    RuleSpec {
        id: "cus-0005",
        name: "kubectl exec into the payments namespace",
        source: "kubernetes-audit",
        severity: Severity::Medium,
        techniques: &["T1609"],
        tactics: &["TA0002"],
        enabled: true,
        custom: true,
        weight: 12,
        false_positive_rate: 0.5,
        malicious_rate: 0.02,
    },
    RuleSpec {
        id: "cus-0006",
        name: "GitHub Actions workflow changed on a release branch without review",
        source: "github-audit",
        severity: Severity::Medium,
        techniques: &["T1677"],
        tactics: &["TA0002"],
        enabled: true,
        custom: true,
        weight: 6,
        false_positive_rate: 0.35,
        malicious_rate: 0.03,
    },
    RuleSpec {
        id: "cus-0007",
        name: "Honeytoken AWS access key used",
        source: "cloudtrail",
        severity: Severity::Critical,
        techniques: &["T1552.001", "T1078.004"],
        tactics: &["TA0006", "TA0001"],
        enabled: true,
        custom: true,
        weight: 1,
        false_positive_rate: 0.0,
        malicious_rate: 0.6,
    },
    RuleSpec {
        id: "cus-0008",
        name: "SSH to the jump host outside business hours",
        source: "linux-auditd",
        severity: Severity::Low,
        techniques: &["T1021.004"],
        tactics: &["TA0008"],
        enabled: false,
        custom: true,
        weight: 45,
        false_positive_rate: 0.65,
        malicious_rate: 0.01,
    },
];

// ------------------------------------------------------------------------------------------------
// Attacker geography
// ------------------------------------------------------------------------------------------------

/// Where attacker addresses come from, most frequent first. Hosting and cloud providers appear
/// beside consumer ISPs because most attack traffic is rented infrastructure.
pub const COUNTRIES: &[CountrySpec] = &[
    CountrySpec {
        iso: "US",
        name: "United States",
        weight: 220,
        regions: &[
            ("Virginia", "Ashburn"),
            ("California", "Santa Clara"),
            ("Texas", "Dallas"),
            ("New York", "New York"),
            ("Oregon", "Boardman"),
        ],
        isps: &[
            ("Comcast Cable Communications, LLC", 7922),
            ("Amazon.com, Inc.", 16509),
            ("Google LLC", 396982),
            ("The Constant Company, LLC", 20473),
        ],
        ip_prefixes: &["73.162", "3.80", "104.28"],
    },
    CountrySpec {
        iso: "CN",
        name: "China",
        weight: 160,
        regions: &[
            ("Zhejiang", "Hangzhou"),
            ("Jiangsu", "Nanjing"),
            ("Beijing", "Beijing"),
            ("Guangdong", "Shenzhen"),
            ("Shanghai", "Shanghai"),
        ],
        isps: &[
            ("Chinanet", 4134),
            ("China Unicom China169 Backbone", 4837),
            ("Hangzhou Alibaba Advertising Co., Ltd.", 37963),
            ("Shenzhen Tencent Computer Systems Company Limited", 45090),
        ],
        ip_prefixes: &["116.62", "218.92", "61.177"],
    },
    CountrySpec {
        iso: "RU",
        name: "Russia",
        weight: 120,
        regions: &[
            ("Moscow", "Moscow"),
            ("Saint Petersburg", "Saint Petersburg"),
            ("Novosibirsk Oblast", "Novosibirsk"),
            ("Sverdlovsk Oblast", "Yekaterinburg"),
            ("Tatarstan", "Kazan"),
        ],
        isps: &[
            ("Rostelecom", 12389),
            ("MTS PJSC", 8359),
            ("PJSC Vimpelcom", 3216),
            ("JSC Selectel", 49505),
        ],
        ip_prefixes: &["95.165", "109.252", "213.87"],
    },
    CountrySpec {
        iso: "DE",
        name: "Germany",
        weight: 90,
        regions: &[
            ("Hesse", "Frankfurt am Main"),
            ("Bavaria", "Nuremberg"),
            ("Saxony", "Falkenstein"),
            ("Berlin", "Berlin"),
            ("North Rhine-Westphalia", "Düsseldorf"),
        ],
        isps: &[
            ("Hetzner Online GmbH", 24940),
            ("Deutsche Telekom AG", 3320),
            ("Vodafone GmbH", 3209),
            ("Contabo GmbH", 51167),
        ],
        // 185.220 holds the best known German Tor exit relays (185.220.100.0/22, 185.220.101.0/24).
        ip_prefixes: &["5.9", "88.198", "185.220"],
    },
    CountrySpec {
        iso: "NL",
        name: "Netherlands",
        weight: 75,
        regions: &[
            ("North Holland", "Amsterdam"),
            ("South Holland", "Rotterdam"),
            ("Flevoland", "Almere"),
            ("Utrecht", "Utrecht"),
            ("Groningen", "Groningen"),
        ],
        isps: &[
            ("DigitalOcean, LLC", 14061),
            ("LeaseWeb Netherlands B.V.", 60781),
            ("KPN B.V.", 1136),
            ("Ziggo B.V.", 9143),
        ],
        ip_prefixes: &["85.17", "84.104", "188.166"],
    },
    CountrySpec {
        iso: "BR",
        name: "Brazil",
        weight: 60,
        regions: &[
            ("São Paulo", "São Paulo"),
            ("Rio de Janeiro", "Rio de Janeiro"),
            ("Minas Gerais", "Belo Horizonte"),
            ("Paraná", "Curitiba"),
        ],
        isps: &[
            ("Claro NXT Telecomunicacoes Ltda", 28573),
            ("Telefonica Brasil S.A", 27699),
            ("TIM S/A", 26615),
        ],
        ip_prefixes: &["177.37", "179.191", "187.44"],
    },
    CountrySpec {
        iso: "IN",
        name: "India",
        weight: 55,
        regions: &[
            ("Maharashtra", "Mumbai"),
            ("Karnataka", "Bengaluru"),
            ("Delhi", "New Delhi"),
            ("Tamil Nadu", "Chennai"),
            ("Telangana", "Hyderabad"),
        ],
        isps: &[
            ("Reliance Jio Infocomm Limited", 55836),
            ("Bharti Airtel Ltd., Telemedia Services", 24560),
            ("National Internet Backbone", 9829),
            ("Amazon.com, Inc.", 16509),
        ],
        ip_prefixes: &["49.36", "122.161", "117.196"],
    },
    CountrySpec {
        iso: "GB",
        name: "United Kingdom",
        weight: 45,
        regions: &[
            ("England", "London"),
            ("England", "Manchester"),
            ("Scotland", "Edinburgh"),
            ("Wales", "Cardiff"),
        ],
        isps: &[
            ("British Telecommunications PLC", 2856),
            ("Virgin Media Limited", 5089),
            ("Sky UK Limited", 5607),
            ("DigitalOcean, LLC", 14061),
        ],
        ip_prefixes: &["86.128", "92.40", "51.140"],
    },
    CountrySpec {
        iso: "VN",
        name: "Vietnam",
        weight: 40,
        regions: &[
            ("Hanoi", "Hanoi"),
            ("Ho Chi Minh City", "Ho Chi Minh City"),
            ("Da Nang", "Da Nang"),
            ("Dong Nai", "Bien Hoa"),
        ],
        isps: &[
            ("VNPT Corp", 45899),
            ("Viettel Group", 7552),
            ("FPT Telecom Company", 18403),
        ],
        ip_prefixes: &["113.160", "171.224", "14.161"],
    },
    CountrySpec {
        iso: "FR",
        name: "France",
        weight: 35,
        regions: &[
            ("Île-de-France", "Paris"),
            ("Hauts-de-France", "Roubaix"),
            ("Grand Est", "Strasbourg"),
            ("Auvergne-Rhône-Alpes", "Lyon"),
            ("Provence-Alpes-Côte d'Azur", "Marseille"),
        ],
        isps: &[
            ("OVH SAS", 16276),
            ("Scaleway S.a.s.", 12876),
            ("Orange S.A.", 3215),
            ("Free SAS", 12322),
        ],
        ip_prefixes: &["37.187", "163.172", "78.192"],
    },
    CountrySpec {
        iso: "KR",
        name: "South Korea",
        weight: 30,
        regions: &[
            ("Seoul", "Seoul"),
            ("Gyeonggi-do", "Seongnam"),
            ("Busan", "Busan"),
            ("Incheon", "Incheon"),
        ],
        isps: &[
            ("Korea Telecom", 4766),
            ("SK Broadband Co Ltd", 9318),
            ("LG DACOM Corporation", 3786),
        ],
        ip_prefixes: &["121.128", "175.192", "211.234"],
    },
    CountrySpec {
        iso: "SG",
        name: "Singapore",
        weight: 28,
        regions: &[
            ("Central Region", "Singapore"),
            ("West Region", "Jurong West"),
            ("East Region", "Tampines"),
            ("North-East Region", "Sengkang"),
        ],
        isps: &[
            ("DigitalOcean, LLC", 14061),
            ("Amazon.com, Inc.", 16509),
            ("SingNet Pte Ltd", 3758),
            ("StarHub Ltd", 4657),
        ],
        ip_prefixes: &["128.199", "13.228", "54.169"],
    },
    CountrySpec {
        iso: "IR",
        name: "Iran",
        weight: 22,
        regions: &[
            ("Tehran", "Tehran"),
            ("Isfahan", "Isfahan"),
            ("Razavi Khorasan", "Mashhad"),
            ("Fars", "Shiraz"),
        ],
        isps: &[
            ("Iran Telecommunication Company PJS", 58224),
            ("Mobile Communication Company of Iran PLC", 197207),
            ("Iran Cell Service and Communication Company", 44244),
        ],
        ip_prefixes: &["5.160", "2.176", "151.232"],
    },
    CountrySpec {
        iso: "UA",
        name: "Ukraine",
        weight: 20,
        regions: &[
            ("Kyiv City", "Kyiv"),
            ("Kharkiv Oblast", "Kharkiv"),
            ("Odesa Oblast", "Odesa"),
            ("Lviv Oblast", "Lviv"),
            ("Dnipropetrovsk Oblast", "Dnipro"),
        ],
        isps: &[
            ("Kyivstar PJSC", 15895),
            ("JSC Ukrtelecom", 6849),
            ("PrJSC VF Ukraine", 21497),
        ],
        ip_prefixes: &["46.211", "176.36", "37.57"],
    },
    CountrySpec {
        iso: "RO",
        name: "Romania",
        weight: 18,
        regions: &[
            ("Bucharest", "Bucharest"),
            ("Cluj", "Cluj-Napoca"),
            ("Timiș", "Timișoara"),
            ("Iași", "Iași"),
        ],
        isps: &[
            ("M247 Europe SRL", 9009),
            ("RCS & RDS SA", 8708),
            ("Telekom Romania Communications SA", 9050),
        ],
        ip_prefixes: &["86.120", "188.24"],
    },
    CountrySpec {
        iso: "JP",
        name: "Japan",
        weight: 16,
        regions: &[
            ("Tokyo", "Tokyo"),
            ("Osaka", "Osaka"),
            ("Kanagawa", "Yokohama"),
            ("Hokkaido", "Sapporo"),
        ],
        isps: &[
            ("NTT Communications Corporation", 4713),
            ("SoftBank Corp.", 17676),
            ("KDDI Corporation", 2516),
            ("SAKURA Internet Inc.", 9370),
        ],
        ip_prefixes: &["153.156", "126.227", "160.16"],
    },
    CountrySpec {
        iso: "CA",
        name: "Canada",
        weight: 15,
        regions: &[
            ("Ontario", "Toronto"),
            ("Quebec", "Montreal"),
            ("Quebec", "Beauharnois"),
            ("British Columbia", "Vancouver"),
            ("Alberta", "Calgary"),
        ],
        isps: &[
            ("OVH SAS", 16276),
            ("Rogers Communications Canada Inc.", 812),
            ("Bell Canada", 577),
            ("Shaw Communications Inc.", 6327),
        ],
        ip_prefixes: &["144.217", "99.224", "184.144"],
    },
    CountrySpec {
        iso: "ID",
        name: "Indonesia",
        weight: 14,
        regions: &[
            ("Jakarta", "Jakarta"),
            ("West Java", "Bandung"),
            ("East Java", "Surabaya"),
            ("Banten", "Tangerang"),
        ],
        isps: &[
            ("PT Telekomunikasi Indonesia", 7713),
            ("PT Telekomunikasi Selular", 23693),
            ("PT Indosat Tbk", 4761),
            ("PT. Biznet Gio Nusantara", 17451),
        ],
        ip_prefixes: &["36.68", "180.241", "110.137"],
    },
    CountrySpec {
        iso: "HK",
        name: "Hong Kong",
        weight: 13,
        regions: &[
            ("Hong Kong Island", "Victoria"),
            ("Kowloon", "Mong Kok"),
            ("New Territories", "Tsuen Wan"),
            ("New Territories", "Sha Tin"),
        ],
        isps: &[
            ("Alibaba (US) Technology Co., Ltd.", 45102),
            ("Tencent Building, Kejizhongyi Avenue", 132203),
            ("HKT Limited", 4760),
            ("Hong Kong Broadband Network Ltd.", 9269),
        ],
        ip_prefixes: &["8.210", "43.198", "112.118"],
    },
    CountrySpec {
        iso: "TR",
        name: "Türkiye",
        weight: 12,
        regions: &[
            ("Istanbul", "Istanbul"),
            ("Ankara", "Ankara"),
            ("Izmir", "Izmir"),
            ("Bursa", "Bursa"),
        ],
        isps: &[
            ("Turk Telekom", 9121),
            ("Superonline Iletisim Hizmetleri A.S.", 34984),
            ("Vodafone Net Iletisim Hizmetleri A.S.", 15924),
        ],
        ip_prefixes: &["78.160", "88.224", "176.232"],
    },
    CountrySpec {
        iso: "NG",
        name: "Nigeria",
        weight: 10,
        regions: &[
            ("Lagos", "Lagos"),
            ("Federal Capital Territory", "Abuja"),
            ("Kano", "Kano"),
            ("Rivers", "Port Harcourt"),
        ],
        isps: &[
            ("MTN Nigeria Communication Limited", 29465),
            ("Airtel Networks Limited", 36873),
            ("Globacom Limited", 37148),
            ("MainOne Cable Company", 37282),
        ],
        ip_prefixes: &["197.210", "105.112", "41.184"],
    },
    CountrySpec {
        iso: "PL",
        name: "Poland",
        weight: 9,
        regions: &[
            ("Masovia", "Warsaw"),
            ("Lesser Poland", "Kraków"),
            ("Lower Silesia", "Wrocław"),
            ("Pomerania", "Gdańsk"),
        ],
        isps: &[
            ("Orange Polska Spolka Akcyjna", 5617),
            ("Liberty Global B.V.", 6830),
            ("Netia SA", 12741),
        ],
        ip_prefixes: &["83.20", "79.184", "89.64"],
    },
    CountrySpec {
        iso: "SE",
        name: "Sweden",
        weight: 8,
        regions: &[
            ("Stockholm County", "Stockholm"),
            ("Västra Götaland", "Gothenburg"),
            ("Skåne", "Malmö"),
            ("Uppsala County", "Uppsala"),
        ],
        isps: &[
            ("Telia Company AB", 3301),
            ("Bahnhof AB", 8473),
            ("Tele2 Sverige AB", 1257),
            ("31173 Services AB", 39351),
        ],
        ip_prefixes: &["81.224", "78.72", "90.224"],
    },
    CountrySpec {
        iso: "AR",
        name: "Argentina",
        weight: 6,
        regions: &[
            ("Buenos Aires City", "Buenos Aires"),
            ("Buenos Aires Province", "La Plata"),
            ("Córdoba", "Córdoba"),
            ("Santa Fe", "Rosario"),
        ],
        isps: &[
            ("Telecom Argentina S.A.", 7303),
            ("Telefonica de Argentina", 22927),
            ("Telecentro S.A.", 27747),
        ],
        ip_prefixes: &["181.44", "186.22", "190.17"],
    },
    CountrySpec {
        iso: "ZA",
        name: "South Africa",
        weight: 5,
        regions: &[
            ("Gauteng", "Johannesburg"),
            ("Gauteng", "Pretoria"),
            ("Western Cape", "Cape Town"),
            ("KwaZulu-Natal", "Durban"),
        ],
        isps: &[
            ("Vodacom", 29975),
            ("MTN SA", 16637),
            ("Telkom SA Ltd.", 37457),
        ],
        ip_prefixes: &["41.13", "105.224", "197.245"],
    },
];

/// Threat-intelligence matches for attacker addresses: (category, subcategory for anonymizers,
/// relative weight). Addresses with no match are the generator's business.
pub const THREAT_INTEL_MIX: &[(ThreatCategory, Option<ThreatSubcategory>, u32)] = &[
    (ThreatCategory::Anonymizer, Some(ThreatSubcategory::Tor), 18),
    (ThreatCategory::Anonymizer, Some(ThreatSubcategory::Vpn), 30),
    (
        ThreatCategory::Anonymizer,
        Some(ThreatSubcategory::Proxy),
        22,
    ),
    (ThreatCategory::Scanner, None, 45),
    (ThreatCategory::Botnet, None, 12),
    (ThreatCategory::Malware, None, 6),
];

// ------------------------------------------------------------------------------------------------
// Entity names
// ------------------------------------------------------------------------------------------------

/// Employees of the fictional Acme Corp, as identity providers name them.
pub const USER_NAMES: &[&str] = &[
    "maria.gonzalez@acme-corp.com",
    "james.oconnor@acme-corp.com",
    "priya.raman@acme-corp.com",
    "wei.zhang@acme-corp.com",
    "fatima.haddad@acme-corp.com",
    "lukas.schneider@acme-corp.com",
    "aisha.okafor@acme-corp.com",
    "daniel.kim@acme-corp.com",
    "sofia.rossi@acme-corp.com",
    "mateo.fernandez@acme-corp.com",
    "emily.carter@acme-corp.com",
    "noah.williams@acme-corp.com",
    "hannah.becker@acme-corp.com",
    "arjun.mehta@acme-corp.com",
    "olivia.martin@acme-corp.com",
    "kenji.tanaka@acme-corp.com",
    "chloe.dubois@acme-corp.com",
    "samuel.adeyemi@acme-corp.com",
    "isabella.silva@acme-corp.com",
    "ethan.nguyen@acme-corp.com",
    "grace.lee@acme-corp.com",
    "mohammed.alsayed@acme-corp.com",
    "anna.kowalska@acme-corp.com",
    "liam.murphy@acme-corp.com",
    "zoe.anderson@acme-corp.com",
    "ravi.krishnan@acme-corp.com",
    "julia.novak@acme-corp.com",
    "david.cohen@acme-corp.com",
    "mei.lin@acme-corp.com",
    "oscar.lindqvist@acme-corp.com",
    "nadia.petrova@acme-corp.com",
    "thomas.muller@acme-corp.com",
    "camila.torres@acme-corp.com",
    "benjamin.clarke@acme-corp.com",
    "yuki.sato@acme-corp.com",
    "lucas.moreau@acme-corp.com",
    "amara.nwosu@acme-corp.com",
    "henrik.johansson@acme-corp.com",
    "leila.karimi@acme-corp.com",
    "marco.bianchi@acme-corp.com",
    "sarah.thompson@acme-corp.com",
    "diego.ramirez@acme-corp.com",
    "elena.popescu@acme-corp.com",
    "jacob.wright@acme-corp.com",
    "ines.costa@acme-corp.com",
    "kwame.mensah@acme-corp.com",
    "laura.schmidt@acme-corp.com",
    "ryan.patel@acme-corp.com",
    "sophie.janssen@acme-corp.com",
    "tariq.hussain@acme-corp.com",
    "vanessa.oliveira@acme-corp.com",
    "william.chen@acme-corp.com",
    "yasmin.farouk@acme-corp.com",
    "adrian.horvath@acme-corp.com",
    "bianca.ferreira@acme-corp.com",
    "connor.walsh@acme-corp.com",
    "dana.levi@acme-corp.com",
    "svc-backup@acme-corp.com",
    "svc-jenkins@acme-corp.com",
    "it-helpdesk@acme-corp.com",
];

/// Hosts: EC2 instances, GKE and EKS nodes, build runners and the few pets every company has.
pub const HOST_NAMES: &[&str] = &[
    "ip-10-0-12-34.ec2.internal",
    "ip-10-0-14-201.ec2.internal",
    "ip-10-0-33-17.ec2.internal",
    "ip-10-0-47-88.ec2.internal",
    "ip-10-1-3-152.eu-west-1.compute.internal",
    "ip-10-1-9-66.eu-west-1.compute.internal",
    "ip-10-2-20-5.us-west-2.compute.internal",
    "ip-172-31-5-240.ec2.internal",
    "gke-prod-pool-1-a1b2",
    "gke-prod-pool-1-c3d4",
    "gke-prod-pool-2-e5f6",
    "gke-prod-highmem-7g8h",
    "gke-staging-default-9j0k",
    "eks-prod-ng-general-4f2a",
    "eks-prod-ng-general-8b1c",
    "eks-prod-ng-gpu-2d7e",
    "eks-data-ng-spot-5c9f",
    "aks-payments-nodes-31274",
    "aks-payments-nodes-31275",
    "build-runner-01",
    "build-runner-02",
    "build-runner-05",
    "build-runner-07",
    "build-runner-11",
    "jump-host-01",
    "jump-host-02",
    "bastion-eu-west-1",
    "vpn-gw-01",
    "web-frontend-01",
    "web-frontend-02",
    "web-frontend-03",
    "api-gateway-01",
    "api-gateway-02",
    "payments-api-01",
    "postgres-primary-01",
    "postgres-replica-02",
    "kafka-broker-03",
    "redis-cache-01",
    "elastic-logs-02",
    "legacy-ftp-01",
    "grafana-01",
    "dev-sandbox-ops",
];

/// Cloud identities: IAM users and roles, GCP service accounts, Entra ID service principals.
pub const CLOUD_IDENTITIES: &[&str] = &[
    "arn:aws:iam::123456789012:role/ci-deployer",
    "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
    "arn:aws:iam::123456789012:role/break-glass-admin",
    "arn:aws:iam::123456789012:role/eks-node-role",
    "arn:aws:iam::123456789012:role/lambda-invoice-exporter",
    "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_3f2a9c1d7e5b4a60",
    "arn:aws:iam::123456789012:user/svc-legacy-backup",
    "arn:aws:iam::123456789012:user/terraform-bootstrap",
    "arn:aws:iam::210987654321:role/data-platform-etl",
    "arn:aws:iam::210987654321:role/staging-deployer",
    "arn:aws:iam::210987654321:user/qa-automation",
    "arn:aws:iam::345678901234:role/security-audit",
    "arn:aws:iam::345678901234:role/guardduty-responder",
    "arn:aws:iam::123456789012:root",
    "terraform@acme-prod.iam.gserviceaccount.com",
    "gke-workload@acme-prod.iam.gserviceaccount.com",
    "bq-reporting@acme-data.iam.gserviceaccount.com",
    "dataflow-runner@acme-data.iam.gserviceaccount.com",
    "ci-builder@acme-staging.iam.gserviceaccount.com",
    "412987650013-compute@developer.gserviceaccount.com",
    "acme-prod@appspot.gserviceaccount.com",
    "sp-payments-deploy",
    "sp-backup-vault",
    "managed-identity-aks-payments",
    "system:serviceaccount:payments:payments-api",
    "system:serviceaccount:kube-system:cluster-autoscaler",
];

/// Cloud resources: buckets, keys, secrets, clusters, namespaces and deployments.
pub const CLOUD_RESOURCES: &[&str] = &[
    "s3://acme-prod-customer-exports",
    "s3://acme-prod-terraform-state",
    "s3://acme-prod-cloudtrail-logs",
    "s3://acme-vpc-flow-logs",
    "s3://acme-marketing-site-assets",
    "s3://acme-data-lake-raw",
    "gs://acme-prod-backups",
    "gs://acme-data-analytics-exports",
    "gs://acme-staging-uploads",
    "arn:aws:kms:us-east-1:123456789012:key/6f1c2a9e-4b7d-4e3a-9c85-2d0f7e1b3a46",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments/stripe-api-key-Xy12Ab",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/postgres/master-Qw34Er",
    "arn:aws:eks:us-east-1:123456789012:cluster/prod-main",
    "projects/acme-prod/locations/europe-west1/clusters/gke-prod",
    "projects/acme-prod/locations/global/keyRings/prod/cryptoKeys/backup-encryption",
    "projects/acme-data/datasets/finance_reporting",
    "/subscriptions/7c1e4b2a-93f0-4d6e-8a15-0b9f2c3d4e5f/resourceGroups/rg-payments-prod",
    "/subscriptions/7c1e4b2a-93f0-4d6e-8a15-0b9f2c3d4e5f/providers/Microsoft.KeyVault/vaults/kv-payments-prod",
    "k8s:namespace/payments",
    "k8s:namespace/kube-system",
    "k8s:namespace/monitoring",
    "k8s:deployment/payments/payments-api",
    "k8s:deployment/checkout/checkout-web",
    "k8s:deployment/storefront/storefront-web",
    "k8s:deployment/identity/auth-api",
    "k8s:deployment/search/search-api",
    "k8s:deployment/partners/partner-api",
    "k8s:daemonset/kube-system/aws-node",
    "k8s:secret/payments/db-credentials",
    "github:acme-corp/platform-infrastructure",
    "github:acme-corp/payments-service",
];

/// The name pools by entity kind; IP addresses are built from [`COUNTRIES`] and internal ranges.
pub const ENTITY_NAME_POOLS: &[(EntityKind, &[&str])] = &[
    (EntityKind::User, USER_NAMES),
    (EntityKind::Host, HOST_NAMES),
    (EntityKind::CloudIdentity, CLOUD_IDENTITIES),
    (EntityKind::CloudResource, CLOUD_RESOURCES),
];

// ------------------------------------------------------------------------------------------------
// The SOC team, cases and archive comments
// ------------------------------------------------------------------------------------------------

/// The SOC team: (username, display name, role).
pub const ANALYSTS: &[(&str, &str, &str)] = &[
    ("rachel.adams", "Rachel Adams", "admin"),
    ("tomasz.wojcik", "Tomasz Wójcik", "analyst"),
    ("nia.campbell", "Nia Campbell", "analyst"),
    ("hiroshi.mori", "Hiroshi Mori", "analyst"),
    ("lena.fischer", "Lena Fischer", "analyst"),
    ("omar.benali", "Omar Benali", "analyst"),
    ("greta.holm", "Greta Holm", "viewer"),
    ("paul.mensah", "Paul Mensah", "viewer"),
];

/// Investigation titles for demo cases.
pub const CASE_TITLES: &[&str] = &[
    "Suspicious console login to production AWS account from Tor",
    "MFA fatigue attack against finance team Okta accounts",
    "Possible credential stuffing on customer login endpoint",
    "Cryptominer pods found in the data-processing EKS cluster",
    "Leaked AWS access key in public GitHub gist",
    "Reverse shell on web-frontend-02 after WordPress plugin exploit",
    "Unexpected AdministratorAccess grant to the data-platform-etl role",
    "Bulk Google Drive download by departing employee",
    "CloudTrail logging disabled in the staging account",
    "New federated domain added to the Entra ID tenant",
    "Password spraying from a residential proxy network",
    "SSRF against the payments API reaching instance metadata",
    "Honeytoken access key used from a VPS in Amsterdam",
    "DNS tunnelling from build-runner-07",
    "Impossible travel for a sales executive: Lisbon and Singapore",
    "Terraform state bucket read outside CI",
    "1Password vault export by an IT administrator",
    "GitHub personal access token used from a Tor exit node",
    "Kubernetes cluster-admin binding created by an unknown user",
    "Mass scanning of the public API from a single ASN",
    "Gmail auto-forwarding rule to a personal address",
    "Security group opened to the internet on the bastion host",
    "Suspicious OAuth app granted tenant-wide consent",
    "auditd stopped on two payment hosts during maintenance window",
    "Phishing campaign impersonating the IT helpdesk",
    "GPU instances launched in ap-southeast-3 overnight",
];

/// Short analyst comments by archive reason (docs/product.md §2 spellings).
pub const ARCHIVE_COMMENTS: &[(&str, &str)] = &[
    (
        "false_positive",
        "Known corporate VPN egress; added the range to the suppression list.",
    ),
    (
        "false_positive",
        "Backup job reads every secret nightly; rule threshold needs tuning.",
    ),
    (
        "false_positive",
        "User travelling; confirmed with them on Slack, same device fingerprint.",
    ),
    (
        "testing_or_maintenance",
        "Red team exercise RT-17, scheduled and approved.",
    ),
    (
        "testing_or_maintenance",
        "Planned maintenance: auditd restarted during the kernel upgrade.",
    ),
    (
        "testing_or_maintenance",
        "Terraform apply from the platform team's change CHG-4821.",
    ),
    (
        "investigated_elsewhere",
        "Tracked in the incident channel and the IR ticket, closing here.",
    ),
    (
        "investigated_elsewhere",
        "Duplicate of the signal already attached to the open case.",
    ),
    (
        "investigated_elsewhere",
        "Handled by the cloud platform team in their own queue.",
    ),
    (
        "true_positive_benign",
        "Admin created the user for the new contractor; MFA enrolled next day.",
    ),
    (
        "true_positive_benign",
        "Approved vulnerability scan by our external pentest vendor.",
    ),
    (
        "true_positive_benign",
        "Developer made the repository public on purpose for the OSS launch.",
    ),
    (
        "true_positive_malicious",
        "Confirmed compromise; credentials rotated and sessions revoked.",
    ),
    (
        "true_positive_malicious",
        "Attacker IP blocked at the edge, access key deactivated.",
    ),
    (
        "true_positive_malicious",
        "Miner pods deleted, node drained and image blocked in admission.",
    ),
    (
        "other",
        "Rule misfired after the log schema change; reported to the content team.",
    ),
    (
        "other",
        "Asset already decommissioned, nothing left to investigate.",
    ),
    (
        "other",
        "Not enough context in the logs to decide; revisit if it recurs.",
    ),
];

// ------------------------------------------------------------------------------------------------
// Research and release notes
// ------------------------------------------------------------------------------------------------

/// Security research the product cites, at its real public addresses, and Signalboard's own
/// release notes (`docs/release-notes.md`, shown at `/release-notes`) (docs/product.md §4.8).
pub const ARTICLES: &[ArticleSpec] = &[
    ArticleSpec {
        kind: "release_note",
        title: "Entity and incident pages",
        url: "/release-notes#entity-and-incident-pages",
        summary: "Every entity has a page with its risk history and the signals behind it; \
                  incidents have their own list and timeline.",
        days_ago: 1,
    },
    ArticleSpec {
        kind: "research",
        title: "MITRE ATT&CK T1621: Multi-Factor Authentication Request Generation",
        url: "https://attack.mitre.org/techniques/T1621/",
        summary: "How adversaries flood users with MFA push requests until one is accepted, and \
                  the identity-provider events that reveal it.",
        days_ago: 3,
    },
    ArticleSpec {
        kind: "release_note",
        title: "Sigma rules drive detection",
        url: "/release-notes#sigma-rules-drive-detection",
        summary: "Import SigmaHQ rules; each runs on the log source it names and its matches are \
                  grouped into signals by entity.",
        days_ago: 6,
    },
    ArticleSpec {
        kind: "research",
        title: "Defense in depth against SSRF with the EC2 Instance Metadata Service v2",
        url: "https://aws.amazon.com/blogs/security/defense-in-depth-open-firewalls-reverse-proxies-ssrf-vulnerabilities-ec2-instance-metadata-service/",
        summary: "AWS on how open firewalls, reverse proxies and server-side request forgery \
                  reach instance credentials, and how IMDSv2 stops them.",
        days_ago: 9,
    },
    ArticleSpec {
        kind: "research",
        title: "Stratus Red Team: adversary emulation for the cloud",
        url: "https://github.com/DataDog/stratus-red-team",
        summary: "Granular attack techniques for AWS, Azure, GCP and Kubernetes; Signalboard's \
                  detection tests replay the CloudTrail logs of its detonations.",
        days_ago: 12,
    },
    ArticleSpec {
        kind: "release_note",
        title: "Archive signals with a reason, and see your noisiest rules",
        url: "/release-notes#archive-signals-with-a-reason-and-see-your-noisiest-rules",
        summary: "Every archive records a reason and an optional comment, and the detection rule \
                  performance module ranks rules by false positive rate.",
        days_ago: 14,
    },
    ArticleSpec {
        kind: "research",
        title: "Threat Matrix for Kubernetes",
        url: "https://microsoft.github.io/Threat-Matrix-for-Kubernetes/",
        summary: "Microsoft's ATT&CK-style matrix of the techniques used against Kubernetes \
                  clusters, cryptomining among them, with mitigations.",
        days_ago: 18,
    },
    ArticleSpec {
        kind: "research",
        title: "MITRE ATT&CK T1110.003: Password Spraying",
        url: "https://attack.mitre.org/techniques/T1110/003/",
        summary: "One password tried against many accounts to stay under lockout thresholds; \
                  detection from failed sign-ins across accounts.",
        days_ago: 27,
    },
    ArticleSpec {
        kind: "release_note",
        title: "Customize your overview",
        url: "/release-notes#customize-your-overview",
        summary: "Drag modules into the order you want or use the keyboard, hide what you do not \
                  need, and your layout follows you to every browser.",
        days_ago: 33,
    },
    ArticleSpec {
        kind: "research",
        title: "OWASP CICD-SEC-4: Poisoned Pipeline Execution",
        url: "https://owasp.org/www-project-top-10-ci-cd-security-risks/CICD-SEC-04-Poisoned-Pipeline-Execution",
        summary: "How attackers run commands in CI pipelines through the code and configuration \
                  those pipelines build, and how to limit it.",
        days_ago: 41,
    },
    ArticleSpec {
        kind: "research",
        title: "Sigma: generic detection rules for SIEM systems",
        url: "https://github.com/SigmaHQ/sigma",
        summary: "The open rule format and the community rule set Signalboard imports, with its \
                  detection rule licence.",
        days_ago: 52,
    },
    ArticleSpec {
        kind: "research",
        title: "MITRE ATT&CK T1562.008: Impair Defenses: Disable or Modify Cloud Logs",
        url: "https://attack.mitre.org/techniques/T1562/008/",
        summary: "Stopping trails is loud; changing event selectors and log sinks is not. The \
                  technique and the data sources that detect it.",
        days_ago: 66,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArchiveReason, Role};
    use std::collections::HashSet;

    fn assert_unique<'a>(what: &str, ids: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for id in ids {
            assert!(seen.insert(id), "duplicate {what} '{id}'");
        }
    }

    #[test]
    fn ids_and_names_are_unique() {
        assert_unique("pack id", CONTENT_PACKS.iter().map(|p| p.id));
        assert_unique("pack name", CONTENT_PACKS.iter().map(|p| p.name));
        assert_unique("source id", LOG_SOURCES.iter().map(|s| s.id));
        assert_unique("rule id", RULES.iter().map(|r| r.id));
        assert_unique("rule name", RULES.iter().map(|r| r.name));
        assert_unique("country", COUNTRIES.iter().map(|c| c.iso));
        assert_unique("user", USER_NAMES.iter().copied());
        assert_unique("host", HOST_NAMES.iter().copied());
        assert_unique("cloud identity", CLOUD_IDENTITIES.iter().copied());
        assert_unique("cloud resource", CLOUD_RESOURCES.iter().copied());
        assert_unique("analyst", ANALYSTS.iter().map(|a| a.0));
        assert_unique("case title", CASE_TITLES.iter().copied());
        assert_unique("article url", ARTICLES.iter().map(|a| a.url));
    }

    #[test]
    fn every_rule_reads_a_known_source() {
        for rule in RULES {
            assert!(
                LOG_SOURCES.iter().any(|s| s.id == rule.source),
                "rule {} reads unknown source '{}'",
                rule.id,
                rule.source
            );
        }
    }

    #[test]
    fn every_source_belongs_to_a_known_pack_and_has_volume() {
        for source in LOG_SOURCES {
            assert!(
                CONTENT_PACKS.iter().any(|p| p.id == source.pack),
                "source {} belongs to unknown pack '{}'",
                source.id,
                source.pack
            );
            assert!(
                source.events_per_hour > 0,
                "source {} has no volume",
                source.id
            );
        }
        assert!(LOG_SOURCES.len() >= 12);
    }

    #[test]
    fn every_pack_category_appears() {
        for category in PackCategory::ALL {
            assert!(
                CONTENT_PACKS.iter().any(|p| p.category == *category),
                "no content pack in category {category}"
            );
        }
    }

    #[test]
    fn pack_health_is_consistent() {
        let count = |h: PackHealth| CONTENT_PACKS.iter().filter(|p| p.health == h).count();
        assert_eq!(count(PackHealth::Broken), 1, "exactly one pack is broken");
        assert!((2..=3).contains(&count(PackHealth::Warning)));
        assert!((1..=2).contains(&count(PackHealth::Disabled)));
        for pack in CONTENT_PACKS {
            assert_eq!(
                pack.enabled,
                pack.health != PackHealth::Disabled,
                "pack {}: disabled iff not enabled",
                pack.id
            );
            let troubled = matches!(pack.health, PackHealth::Warning | PackHealth::Broken);
            assert_eq!(
                pack.health_detail.is_some(),
                troubled,
                "pack {}: a detail exactly when in warning or broken",
                pack.id
            );
        }
    }

    #[test]
    fn rules_are_well_formed() {
        assert!((55..=65).contains(&RULES.len()), "{} rules", RULES.len());
        for rule in RULES {
            let prefix = if rule.custom { "cus-" } else { "def-" };
            assert!(rule.id.starts_with(prefix), "rule {}: id prefix", rule.id);
            assert!(
                (1..=3).contains(&rule.techniques.len()),
                "rule {}: 1 to 3 techniques",
                rule.id
            );
            assert!(!rule.tactics.is_empty(), "rule {}: no tactic", rule.id);
            for technique in rule.techniques {
                let (parent, sub) = match technique.split_once('.') {
                    Some((parent, sub)) => (parent, Some(sub)),
                    None => (*technique, None),
                };
                assert!(
                    parent.len() == 5
                        && parent.starts_with('T')
                        && parent[1..].bytes().all(|b| b.is_ascii_digit())
                        && sub
                            .is_none_or(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())),
                    "rule {}: malformed technique '{technique}'",
                    rule.id
                );
            }
            for tactic in rule.tactics {
                assert!(
                    tactic.len() == 6
                        && tactic.starts_with("TA")
                        && tactic[2..].bytes().all(|b| b.is_ascii_digit()),
                    "rule {}: malformed tactic '{tactic}'",
                    rule.id
                );
            }
            assert!(rule.weight > 0, "rule {}: zero weight", rule.id);
            assert!(
                (0.0..=0.9).contains(&rule.false_positive_rate),
                "rule {}",
                rule.id
            );
            assert!(
                (0.0..=0.6).contains(&rule.malicious_rate),
                "rule {}",
                rule.id
            );
            assert!(
                rule.false_positive_rate + rule.malicious_rate <= 1.0,
                "rule {}",
                rule.id
            );
        }
    }

    #[test]
    fn rule_mix_is_realistic() {
        let of = |s: Severity| RULES.iter().filter(|r| r.severity == s).count();
        assert!((3..=7).contains(&of(Severity::Critical)));
        assert!((12..=18).contains(&of(Severity::High)));
        assert!((16..=24).contains(&of(Severity::Medium)));
        assert!((12..=18).contains(&of(Severity::Low)));
        assert!((3..=7).contains(&of(Severity::Info)));
        let disabled = RULES.iter().filter(|r| !r.enabled).count();
        let custom = RULES.iter().filter(|r| r.custom).count();
        assert!((3..=7).contains(&disabled), "{disabled} disabled rules");
        assert!((6..=10).contains(&custom), "{custom} custom rules");
        let tactics: HashSet<_> = RULES.iter().flat_map(|r| r.tactics.iter()).collect();
        assert!(
            tactics.len() >= 12,
            "only {} tactics covered",
            tactics.len()
        );
        for source in LOG_SOURCES {
            assert!(
                RULES.iter().any(|r| r.source == source.id),
                "no rule reads source {}",
                source.id
            );
        }
    }

    #[test]
    fn countries_are_complete() {
        assert!(COUNTRIES.len() >= 20);
        for country in COUNTRIES {
            assert_eq!(country.iso.len(), 2, "{}", country.iso);
            assert!(country.weight > 0, "{}", country.iso);
            assert!(
                country.regions.len() >= 3,
                "{}: fewer than 3 regions",
                country.iso
            );
            assert!(
                country.isps.len() >= 2,
                "{}: fewer than 2 ISPs",
                country.iso
            );
            assert!(
                country.isps.iter().all(|(_, asn)| *asn > 0),
                "{}",
                country.iso
            );
            assert!(
                (2..=3).contains(&country.ip_prefixes.len()),
                "{}",
                country.iso
            );
            for prefix in country.ip_prefixes {
                let octets: Vec<_> = prefix.split('.').map(|o| o.parse::<u8>()).collect();
                assert!(
                    octets.len() == 2 && octets.iter().all(|o| o.is_ok()),
                    "{}: bad /16 prefix '{prefix}'",
                    country.iso
                );
            }
        }
        assert!(THREAT_INTEL_MIX.iter().all(|(_, _, w)| *w > 0));
    }

    #[test]
    fn name_pools_are_large_enough() {
        assert!(USER_NAMES.len() >= 50);
        assert!(USER_NAMES.iter().all(|u| u.ends_with("@acme-corp.com")));
        assert!(HOST_NAMES.len() >= 35);
        assert!(CLOUD_IDENTITIES.len() >= 20);
        assert!(CLOUD_RESOURCES.len() >= 20);
        assert!(ENTITY_NAME_POOLS.iter().all(|(_, pool)| !pool.is_empty()));
    }

    #[test]
    fn team_has_one_admin_and_valid_roles() {
        for (username, display, role) in ANALYSTS {
            assert!(
                Role::parse(role).is_ok(),
                "{username}: unknown role '{role}'"
            );
            assert!(!display.is_empty());
        }
        assert_eq!(ANALYSTS.iter().filter(|a| a.2 == "admin").count(), 1);
        assert!(ANALYSTS.iter().any(|a| a.2 == "viewer"));
    }

    #[test]
    fn archive_comments_cover_every_reason() {
        for (reason, comment) in ARCHIVE_COMMENTS {
            assert!(
                ArchiveReason::parse(reason).is_ok(),
                "unknown reason '{reason}'"
            );
            assert!(!comment.is_empty());
        }
        for reason in ArchiveReason::ALL {
            assert!(
                ARCHIVE_COMMENTS.iter().any(|(r, _)| *r == reason.as_str()),
                "no comment for {reason}"
            );
        }
        assert!(CASE_TITLES.len() >= 20);
    }

    #[test]
    fn articles_are_well_formed() {
        for article in ARTICLES {
            assert!(
                matches!(article.kind, "research" | "release_note"),
                "{}",
                article.title
            );
            // Real public pages, or the project's own release notes: never an invented host.
            match article.kind {
                "research" => assert!(article.url.starts_with("https://") && !article.url.contains(".example"), "{}", article.url),
                _ => {
                    let anchor = article.url.strip_prefix("/release-notes#").expect(article.url);
                    let notes = include_str!("../../../docs/release-notes.md");
                    assert!(
                        notes.lines().any(|l| l.strip_prefix("## ").is_some_and(|t| crate::release_notes::anchor(t) == anchor)),
                        "{anchor} is a heading of docs/release-notes.md"
                    );
                }
            }
            assert!(!article.summary.is_empty());
        }
        assert!(ARTICLES.iter().any(|a| a.kind == "research"));
        assert!(ARTICLES.iter().any(|a| a.kind == "release_note"));
    }
}
