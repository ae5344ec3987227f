//! The data model as plain values: what the database stores, row by row.

use serde::{Deserialize, Serialize};

use crate::model::*;
use crate::time::Millis;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPack {
    pub id: String,
    pub name: String,
    pub category: PackCategory,
    pub enabled: bool,
    pub health: PackHealth,
    pub health_detail: Option<String>,
    pub health_since_ms: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogSource {
    pub id: String,
    pub name: String,
    /// Index into [`Dataset::packs`].
    pub pack: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub default_severity: Severity,
    pub enabled: bool,
    pub custom: bool,
    /// Index into [`Dataset::sources`].
    pub source: usize,
    /// Index into [`Dataset::packs`].
    pub pack: usize,
    pub created_at_ms: Millis,
    /// ATT&CK tactic IDs (`TA0001`).
    pub tactics: Vec<String>,
    /// ATT&CK technique or sub-technique IDs (`T1078`, `T1078.004`), as mapped, even if MITRE
    /// has since revoked or deprecated them.
    pub techniques: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at_ms: Millis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: i64,
    pub kind: EntityKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub assignee_id: Option<i64>,
    pub created_at_ms: Millis,
    pub updated_at_ms: Millis,
    pub closed_at_ms: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub severity: IncidentSeverity,
    pub status: IncidentStatus,
    pub commander_id: Option<i64>,
    pub case_id: Option<i64>,
    pub signal_id: Option<i64>,
    pub declared_at_ms: Millis,
}

/// What a history event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetType {
    SecuritySignal,
    Case,
    Rule,
    User,
}

impl AssetType {
    pub const fn as_str(self) -> &'static str {
        match self {
            AssetType::SecuritySignal => "security_signal",
            AssetType::Case => "case",
            AssetType::Rule => "rule",
            AssetType::User => "user",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [AssetType::SecuritySignal, AssetType::Case, AssetType::Rule, AssetType::User]
            .into_iter()
            .find(|a| a.as_str() == value)
    }
}

/// What one history event records: everything but its id, which the database gives it when the
/// entry is appended (docs/product.md §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at_ms: Millis,
    pub actor_id: Option<i64>,
    pub asset_type: AssetType,
    pub asset_id: String,
    /// `state`, `assignee`, `case`, `incident`, …
    pub action: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    /// The API key the change was made with, if it was.
    #[serde(default)]
    pub api_key_id: Option<i64>,
}

impl HistoryEntry {
    /// A change to signal `signal_id` that `actor_id` made at `at_ms`.
    pub fn signal(signal_id: i64, actor_id: i64, at_ms: Millis, draft: &crate::workflow::HistoryDraft) -> Self {
        HistoryEntry {
            at_ms,
            actor_id: Some(actor_id),
            asset_type: AssetType::SecuritySignal,
            asset_id: signal_id.to_string(),
            action: draft.action.to_owned(),
            old_value: draft.old_value.clone(),
            new_value: draft.new_value.clone(),
            reason: draft.reason.clone(),
            comment: draft.comment.clone(),
            api_key_id: None,
        }
    }

    /// The same entry, naming the API key it was made with.
    pub fn via_key(mut self, api_key_id: Option<i64>) -> Self {
        self.api_key_id = api_key_id;
        self
    }

    /// The entry as stored, with the id the database gave it.
    pub fn stored(self, id: i64) -> HistoryEvent {
        HistoryEvent { id, entry: self }
    }
}

/// One entry of the immutable history (docs/product.md §2): an entry and its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub id: i64,
    #[serde(flatten)]
    pub entry: HistoryEntry,
}

impl std::ops::Deref for HistoryEvent {
    type Target = HistoryEntry;

    fn deref(&self) -> &HistoryEntry {
        &self.entry
    }
}

impl std::ops::DerefMut for HistoryEvent {
    fn deref_mut(&mut self) -> &mut HistoryEntry {
        &mut self.entry
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumePoint {
    /// Index into [`Dataset::sources`].
    pub source: usize,
    pub hour_ms: Millis,
    pub events: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub url: String,
    pub summary: String,
    pub published_at_ms: Millis,
}

/// One signal as a plain value: what is written to and read from the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalRecord {
    pub id: i64,
    /// The rule's ID (`def-0001`).
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub product: Product,
    pub log_source_id: String,
    pub first_seen_ms: Millis,
    pub detected_at_ms: Millis,
    pub ip: Option<String>,
    pub country_iso: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub isp: Option<String>,
    pub asn: Option<i64>,
    pub ti_indicator: Option<String>,
    pub ti_category: Option<ThreatCategory>,
    pub ti_intention: Option<ThreatIntention>,
    pub ti_subcategory: Option<ThreatSubcategory>,
    pub triage_state: TriageState,
    pub assignee_id: Option<i64>,
    pub archive_reason: Option<ArchiveReason>,
    pub archive_comment: Option<String>,
    pub case_id: Option<i64>,
    pub tags: Vec<String>,
    pub version: i64,
    /// Events grouped into the signal (matches of its rule on one entity within the rule's
    /// grouping window).
    pub events: i64,
    /// The newest grouped event's time (`first_seen_ms` for a signal of one event).
    pub last_seen_ms: Millis,
    /// IDs of the entities involved.
    pub entity_ids: Vec<i64>,
}
