//! Cases, incidents and workflow runs: `POST /cases`, `PATCH /cases/{id}`,
//! `POST /cases/{id}/signals`, `POST /incidents`, `PATCH /incidents/{id}`,
//! `POST /signals/{id}/workflow`.

use analytics::dataset::{Case, Incident};
use analytics::time::rfc3339;
use analytics::{CasePriority, CaseStatus, IncidentSeverity};
use serde::{Deserialize, Serialize};

use super::{check_selection, present, RefusedSignal, Selected, TriageOutcome, MAX_DESCRIPTION, MAX_TITLE};

// --- cases: POST /cases, PATCH /cases/{id}, POST /cases/{id}/signals ---------------------------

/// A new case, optionally with signals to link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_priority")]
    pub priority: CasePriority,
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// Signals to link to the new case, with the versions the caller read.
    #[serde(default)]
    pub signals: Vec<Selected>,
}

fn default_priority() -> CasePriority {
    CasePriority::P3
}

impl CaseRequest {
    /// A case with this title and these signals, everything else as the server's defaults.
    pub fn titled(title: String, signals: Vec<Selected>) -> CaseRequest {
        CaseRequest { title, description: String::new(), priority: default_priority(), assignee_id: None, signals }
    }
}

impl CaseRequest {
    /// The title and description as kept (trimmed), or why the request is refused.
    pub fn check(&self) -> Result<(String, String), String> {
        let title = check_title(&self.title)?;
        let description = check_description(&self.description)?;
        check_selection(&self.signals, true)?;
        Ok((title, description))
    }
}

/// A change to a case; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CaseStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<CasePriority>,
    /// `Some(None)` (`null`) unassigns; `None` (absent) leaves it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Option<i64>>,
}

/// Signals to link to an existing case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    pub signals: Vec<Selected>,
}

impl LinkRequest {
    pub fn check(&self) -> Result<(), String> {
        check_selection(&self.signals, false)
    }
}

/// A case as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub assignee_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

impl From<&Case> for CaseView {
    fn from(case: &Case) -> Self {
        CaseView {
            id: case.id,
            title: case.title.clone(),
            description: case.description.clone(),
            status: case.status,
            priority: case.priority,
            assignee_id: case.assignee_id,
            created_at: rfc3339(case.created_at_ms),
            updated_at: rfc3339(case.updated_at_ms),
            closed_at: case.closed_at_ms.map(rfc3339),
        }
    }
}

/// The answer to `POST /cases` (201): the case and what became of each signal to link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCreated {
    pub case: CaseView,
    pub linked: Vec<TriageOutcome>,
    pub refused: Vec<RefusedSignal>,
}

/// The answer to `PATCH /cases/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseAnswer {
    pub case: CaseView,
}

/// The answer to `POST /cases/{id}/signals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOutcome {
    pub linked: Vec<TriageOutcome>,
    pub refused: Vec<RefusedSignal>,
}

/// A case or incident title: trimmed, 1 to [`MAX_TITLE`] characters.
pub fn check_title(title: &str) -> Result<String, String> {
    let title = title.trim();
    if title.is_empty() {
        return Err("title: a title is needed".to_owned());
    }
    let length = title.chars().count();
    if length > MAX_TITLE {
        return Err(format!("title: {length} characters; at most {MAX_TITLE}"));
    }
    Ok(title.to_owned())
}

/// A case description: trimmed, at most [`MAX_DESCRIPTION`] characters.
pub fn check_description(description: &str) -> Result<String, String> {
    let description = description.trim();
    let length = description.chars().count();
    if length > MAX_DESCRIPTION {
        return Err(format!("description: {length} characters; at most {MAX_DESCRIPTION}"));
    }
    Ok(description.to_owned())
}

// --- incidents: POST /incidents, PATCH /incidents/{id} -----------------------------------------

/// An incident declared from a case or a signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRequest {
    pub title: String,
    pub severity: IncidentSeverity,
    #[serde(default)]
    pub commander_id: Option<i64>,
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub signal_id: Option<i64>,
}

impl IncidentRequest {
    /// The title as kept (trimmed), or why the request is refused.
    pub fn check(&self) -> Result<String, String> {
        let title = check_title(&self.title)?;
        if self.case_id.is_none() && self.signal_id.is_none() {
            return Err("declare an incident from a case (case_id) or a signal (signal_id)".to_owned());
        }
        Ok(title)
    }
}

/// A change to an incident; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<analytics::IncidentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<IncidentSeverity>,
    /// `Some(None)` (`null`) removes the commander; `None` (absent) leaves it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub commander_id: Option<Option<i64>>,
}

/// The answer to `POST /incidents` (201) and `PATCH /incidents/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentAnswer {
    pub incident: Incident,
}

// --- workflows: POST /signals/{id}/workflow (no body) -------------------------------------------

/// The answer to a workflow run the webhook accepted: the status it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowOutcome {
    pub status: i32,
}
