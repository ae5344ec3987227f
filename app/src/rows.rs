//! What the pages read, row by row: the data of one overview module, signal list rows and
//! pages, facets, a signal's detail, history rows, cases, incidents, accounts and API keys.
//! The server fills them (see [`crate::engine`]); they travel as server function answers.

use analytics::overview::ModuleData;
use serde::{Deserialize, Serialize};

/// One module's data and when it was computed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModuleResult {
    pub computed_at: String,
    pub data: ModuleData,
}

/// One row of the signal list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalRow {
    pub id: i64,
    pub detected_at: String,
    pub severity: analytics::Severity,
    pub title: String,
    pub rule_name: String,
    pub source: String,
    pub state: analytics::TriageState,
    pub archive_reason: Option<analytics::ArchiveReason>,
    pub country: Option<String>,
    pub ip: Option<String>,
    pub assignee: Option<String>,
    pub case_id: Option<i64>,
    /// What a change must name (optimistic versioning).
    pub version: i64,
    /// Events grouped into it.
    pub events: i64,
}

/// A page of the signal list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalPage {
    pub total: usize,
    pub rows: Vec<SignalRow>,
    pub next_cursor: Option<String>,
}

/// One case in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: analytics::CaseStatus,
    pub priority: analytics::CasePriority,
    pub assignee: Option<String>,
    pub assignee_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub signals: usize,
}

/// A name and how many signals have it: one entry of a facet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetValue {
    /// What a click adds to the query.
    pub value: String,
    /// What the page shows (a tactic's name with its ID, say).
    pub label: String,
    pub count: usize,
}

/// The counts of one attribute's values over the whole result (most frequent first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facet {
    pub label: String,
    /// The query attribute a click adds (`status`, `source`, …).
    pub attribute: String,
    pub values: Vec<FacetValue>,
}

/// One entry of a signal's history, names resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub at: String,
    pub actor: Option<String>,
    pub asset_type: String,
    pub asset_id: String,
    pub action: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

/// A person a signal or case can be assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignable {
    pub id: i64,
    pub display_name: String,
}

/// Everything the side panel shows about one signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalDetail {
    pub row: SignalRow,
    pub product: String,
    pub first_seen: String,
    pub rule_id: String,
    pub tactics: Vec<(String, String)>,
    pub techniques: Vec<(String, String)>,
    /// (type, name)
    pub entities: Vec<(String, String)>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub isp: Option<String>,
    pub asn: Option<i64>,
    pub ti_indicator: Option<String>,
    pub ti_category: Option<String>,
    pub ti_intention: Option<String>,
    pub ti_subcategory: Option<String>,
    pub archive_comment: Option<String>,
    pub assignee_id: Option<i64>,
    /// Signals sharing an entity or the IP, newest first (at most 10).
    pub related: Vec<SignalRow>,
    pub history: Vec<HistoryRow>,
    /// Whether the 30-day rule still lets it change.
    pub modifiable: bool,
    pub next_states: Vec<analytics::TriageState>,
    pub assignable: Vec<Assignable>,
    /// Open cases it can be added to: (id, title).
    pub open_cases: Vec<(i64, String)>,
    /// The newest grouped event's time.
    pub last_seen: String,
    /// Up to ten of its events, as received (pretty-printed JSON).
    pub samples: Vec<String>,
}

/// An incident as the incident list and a case page list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub severity: analytics::IncidentSeverity,
    pub status: analytics::IncidentStatus,
    pub commander: Option<String>,
    pub commander_id: Option<i64>,
    pub declared_at: String,
    /// How long ago it was declared, when the server answered.
    pub age_ms: i64,
    /// The case it was declared from, or the signal (outside any case).
    pub case_id: Option<i64>,
    pub signal_id: Option<i64>,
}

/// One incident's page: the incident, the case it belongs to, its signals (the case's, or the
/// one it was declared from), what happened to it, and who may command it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDetail {
    pub incident: IncidentRow,
    pub case: Option<CaseRow>,
    /// At most 200, newest first, and how many there are.
    pub signals: Vec<SignalRow>,
    pub signals_total: usize,
    pub timeline: Vec<HistoryRow>,
    pub assignable: Vec<Assignable>,
}

/// An account as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: analytics::Role,
    pub active: bool,
    pub can_sign_in: bool,
    /// A service account (API keys act as it; nobody signs in as it).
    pub service: bool,
}

/// An API key as the admin page lists it (never the key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub revoked: bool,
    /// `read,write`, `ingest`, …
    pub scopes: String,
}

/// What the admin page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminData {
    pub accounts: Vec<AccountRow>,
    pub keys: Vec<ApiKeyRow>,
    pub webhook: Option<String>,
    pub intel: Vec<crate::contract::IntelListView>,
    /// The case SLA targets in force, P1 first.
    pub case_sla: Vec<analytics::overview::SlaTarget>,
}

/// One rule in the detection rule explorer (`/rules`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub severity: analytics::Severity,
    pub enabled: bool,
    pub custom: bool,
    pub source_id: String,
    pub source: String,
    /// (id, name)
    pub tactics: Vec<(String, String)>,
    pub techniques: Vec<(String, String)>,
    pub evaluable: bool,
    /// Why it cannot run, if it cannot.
    pub problem: Option<String>,
    /// `stable`, `test` or `experimental` for a Sigma rule.
    pub status: Option<String>,
    /// Signals of the last 30 days.
    pub signals_30d: usize,
    /// Of its archived signals, the share archived as false positive or testing (`None`: none
    /// archived).
    pub false_positive_rate: Option<f64>,
}

/// The detection rule explorer: the rules the filters select, and what the filters can choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesData {
    pub rules: Vec<RuleRow>,
    /// Rules in all, before filtering.
    pub total: usize,
    /// (id, name) of every tactic and of every log source a rule reads.
    pub tactics: Vec<(String, String)>,
    pub sources: Vec<(String, String)>,
    pub admin: bool,
}

/// One rule's page (`/rules/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleDetailData {
    pub row: RuleRow,
    pub description: String,
    pub author: String,
    pub references: Vec<String>,
    pub sigma_logsource: Option<String>,
    pub sigma_yaml: Option<String>,
    pub group_window_ms: i64,
    pub created_at: String,
    /// Signals per day over the last 30 days: (day `YYYY-MM-DD`, count), oldest first.
    pub daily: Vec<(String, usize)>,
    /// Its signals by triage state over 30 days: open, under review, archived.
    pub by_state: [usize; 3],
    /// Archived as false positive or testing, of all archived.
    pub false_positives: usize,
    pub archived: usize,
    pub admin: bool,
}
