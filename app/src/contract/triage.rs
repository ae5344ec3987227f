//! Triage: `POST /signals/{id}/triage` and `POST /signals/triage`.

use analytics::{ArchiveReason, TriageState};
use serde::{Deserialize, Serialize};

use super::{Change, MAX_BULK};

/// A change to one signal, made against the version the caller read:
/// `{"version": 3, "change": "state", "to": "archived", "reason": "false_positive"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageRequest {
    pub version: i64,
    #[serde(flatten)]
    pub change: Change,
}

/// One signal of a selection, with the version the caller read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selected {
    pub id: i64,
    pub version: i64,
}

/// The same change for several signals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    pub signals: Vec<Selected>,
    #[serde(flatten)]
    pub change: Change,
}

impl BulkRequest {
    pub fn check(&self) -> Result<(), String> {
        check_selection(&self.signals, false)
    }
}

/// A signal's triage after a change (the answer to a change of one signal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageOutcome {
    pub id: i64,
    pub version: i64,
    pub state: TriageState,
    pub assignee_id: Option<i64>,
    pub archive_reason: Option<ArchiveReason>,
    pub archive_comment: Option<String>,
    pub case_id: Option<i64>,
}

/// A signal of a selection that was not changed: the status a change of it alone would have
/// been answered with, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedSignal {
    pub id: i64,
    pub status: u16,
    pub error: String,
}

/// The answer to a bulk change: each selected signal is changed or refused on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub changed: Vec<TriageOutcome>,
    pub refused: Vec<RefusedSignal>,
}

/// A selection of signals to change at once: at least one (unless `allow_empty`), at most
/// [`MAX_BULK`].
pub fn check_selection(signals: &[Selected], allow_empty: bool) -> Result<(), String> {
    if signals.is_empty() && !allow_empty {
        return Err("signals: select at least one signal".to_owned());
    }
    if signals.len() > MAX_BULK {
        return Err(format!("signals: {} selected; at most {MAX_BULK} at once", signals.len()));
    }
    Ok(())
}
