//! The signal workflow (docs/product.md §2): which triage changes are allowed, and what each one
//! writes to the immutable history. Pure functions over plain values: the server checks with
//! them, the storage layer writes what they plan, and the browser can use them to offer only
//! the moves that will succeed.

use serde::{Deserialize, Serialize};

use crate::time::{Millis, DAY_MS};
use crate::model::*;

/// Only signals detected within this long before now can be changed at all, and an archived
/// signal can be reopened only within it.
pub const MODIFIABLE_MS: Millis = 30 * DAY_MS;

/// The triage fields of one signal: what a change reads and writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub state: TriageState,
    pub assignee_id: Option<i64>,
    pub archive_reason: Option<ArchiveReason>,
    pub archive_comment: Option<String>,
    pub case_id: Option<i64>,
}

/// One change an analyst asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Move to another triage state. Archiving needs a reason; the comment is optional.
    State {
        to: TriageState,
        #[serde(default)]
        reason: Option<ArchiveReason>,
        #[serde(default)]
        comment: Option<String>,
    },
    /// Assign to a user, or unassign with `None`.
    Assign { assignee_id: Option<i64> },
    /// Link to a case, or unlink with `None`.
    Case { case_id: Option<i64> },
}

/// One entry the change appends to the history (the id, time and actor are the writer's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryDraft {
    /// `state`, `assignee` or `case`.
    pub action: &'static str,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

/// Why a change is refused. The messages are for the analyst who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum WorkflowError {
    #[error("signal {signal_id} was detected {days} days ago; only signals detected in the last 30 days can be changed")]
    TooOld { signal_id: i64, days: i64 },
    #[error("signal {signal_id} was archived and was detected {days} days ago; an archived signal can be reopened only within 30 days of its detection")]
    ReopenTooLate { signal_id: i64, days: i64 },
    #[error("a signal cannot move from {from} to {to}")]
    NotAllowed { from: TriageState, to: TriageState },
    #[error("signal {signal_id} is already {state}")]
    AlreadyInState { signal_id: i64, state: TriageState },
    #[error("archiving needs a reason: one of false_positive, testing_or_maintenance, investigated_elsewhere, true_positive_benign, true_positive_malicious, other")]
    ReasonRequired,
    #[error("a reason or comment is only given when archiving")]
    ReasonWithoutArchive,
    #[error("the comment is too long ({length} characters; at most {max})")]
    CommentTooLong { length: usize, max: usize },
}

/// The longest archive comment kept.
pub const MAX_COMMENT: usize = 2_000;

/// Whether `from → to` is one of the allowed transitions (docs/product.md §2), ignoring time.
pub const fn transition_allowed(from: TriageState, to: TriageState) -> bool {
    use TriageState::*;
    matches!(
        (from, to),
        (Open, UnderReview) | (Open, Archived) | (UnderReview, Archived) | (UnderReview, Open) | (Archived, Open)
    )
}

/// The states a signal in `from` can move to, in the order the page offers them.
pub fn next_states(from: TriageState) -> Vec<TriageState> {
    TriageState::ALL.iter().copied().filter(|&to| transition_allowed(from, to)).collect()
}

/// Whether a signal detected at `detected_at_ms` can still be changed at `now`.
pub fn modifiable(detected_at_ms: Millis, now: Millis) -> bool {
    now - detected_at_ms <= MODIFIABLE_MS
}

/// Checks `change` against the signal's current triage and plans it: the triage after the
/// change and the history entries it appends. A change that changes nothing (assigning to the
/// current assignee) plans no entries.
pub fn plan(
    signal_id: i64,
    detected_at_ms: Millis,
    current: &Triage,
    change: &Change,
    now: Millis,
) -> Result<(Triage, Vec<HistoryDraft>), WorkflowError> {
    let days = (now - detected_at_ms).div_euclid(DAY_MS);
    if !modifiable(detected_at_ms, now) {
        let reopening = matches!(change, Change::State { to: TriageState::Open, .. })
            && current.state == TriageState::Archived;
        return Err(if reopening {
            WorkflowError::ReopenTooLate { signal_id, days }
        } else {
            WorkflowError::TooOld { signal_id, days }
        });
    }
    let mut next = current.clone();
    let mut events = Vec::new();
    match change {
        Change::State { to, reason, comment } => {
            let comment = comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
            if let Some(c) = comment {
                let length = c.chars().count();
                if length > MAX_COMMENT {
                    return Err(WorkflowError::CommentTooLong { length, max: MAX_COMMENT });
                }
            }
            if *to == current.state {
                return Err(WorkflowError::AlreadyInState { signal_id, state: *to });
            }
            if !transition_allowed(current.state, *to) {
                return Err(WorkflowError::NotAllowed { from: current.state, to: *to });
            }
            if *to == TriageState::Archived {
                let reason = reason.ok_or(WorkflowError::ReasonRequired)?;
                next.archive_reason = Some(reason);
                next.archive_comment = comment.map(str::to_owned);
            } else {
                if reason.is_some() || comment.is_some() {
                    return Err(WorkflowError::ReasonWithoutArchive);
                }
                next.archive_reason = None;
                next.archive_comment = None;
            }
            next.state = *to;
            events.push(HistoryDraft {
                action: "state",
                old_value: Some(current.state.as_str().to_owned()),
                new_value: Some(to.as_str().to_owned()),
                reason: next.archive_reason.filter(|_| *to == TriageState::Archived).map(|r| r.as_str().to_owned()),
                comment: next.archive_comment.clone().filter(|_| *to == TriageState::Archived),
            });
        }
        Change::Assign { assignee_id } => {
            if *assignee_id != current.assignee_id {
                events.push(HistoryDraft {
                    action: "assignee",
                    old_value: current.assignee_id.map(|id| id.to_string()),
                    new_value: assignee_id.map(|id| id.to_string()),
                    reason: None,
                    comment: None,
                });
                next.assignee_id = *assignee_id;
            }
        }
        Change::Case { case_id } => {
            if *case_id != current.case_id {
                events.push(HistoryDraft {
                    action: "case",
                    old_value: current.case_id.map(|id| id.to_string()),
                    new_value: case_id.map(|id| id.to_string()),
                    reason: None,
                    comment: None,
                });
                next.case_id = *case_id;
            }
        }
    }
    Ok((next, events))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 100 * DAY_MS;

    fn open() -> Triage {
        Triage { state: TriageState::Open, assignee_id: None, archive_reason: None, archive_comment: None, case_id: None }
    }

    fn to(state: TriageState) -> Change {
        Change::State { to: state, reason: None, comment: None }
    }

    fn archive(reason: ArchiveReason, comment: &str) -> Change {
        Change::State { to: TriageState::Archived, reason: Some(reason), comment: Some(comment.to_owned()) }
    }

    #[test]
    fn only_the_five_transitions_are_allowed() {
        use TriageState::*;
        let allowed: Vec<(TriageState, TriageState)> = TriageState::ALL
            .iter()
            .flat_map(|&a| TriageState::ALL.iter().map(move |&b| (a, b)))
            .filter(|&(a, b)| transition_allowed(a, b))
            .collect();
        assert_eq!(
            allowed,
            vec![(Open, UnderReview), (Open, Archived), (UnderReview, Open), (UnderReview, Archived), (Archived, Open)]
        );
        assert_eq!(next_states(Archived), vec![Open]);
    }

    #[test]
    fn archiving_needs_a_reason_and_keeps_the_comment() {
        let now = NOW;
        let err = plan(7, now - DAY_MS, &open(), &to(TriageState::Archived), now).unwrap_err();
        assert_eq!(err, WorkflowError::ReasonRequired);

        let (next, events) = plan(7, now - DAY_MS, &open(), &archive(ArchiveReason::FalsePositive, "  scanner of ours "), now).unwrap();
        assert_eq!(next.state, TriageState::Archived);
        assert_eq!(next.archive_reason, Some(ArchiveReason::FalsePositive));
        assert_eq!(next.archive_comment.as_deref(), Some("scanner of ours"));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, "state");
        assert_eq!(events[0].old_value.as_deref(), Some("open"));
        assert_eq!(events[0].new_value.as_deref(), Some("archived"));
        assert_eq!(events[0].reason.as_deref(), Some("false_positive"));
        assert_eq!(events[0].comment.as_deref(), Some("scanner of ours"));

        // Reopening clears the reason, and a reason without archiving is refused.
        let (reopened, events) = plan(7, now - DAY_MS, &next, &to(TriageState::Open), now).unwrap();
        assert_eq!(reopened.archive_reason, None);
        assert_eq!(reopened.archive_comment, None);
        assert_eq!(events[0].reason, None);
        let err = plan(7, now - DAY_MS, &open(), &Change::State { to: TriageState::UnderReview, reason: Some(ArchiveReason::Other), comment: None }, now)
            .unwrap_err();
        assert_eq!(err, WorkflowError::ReasonWithoutArchive);
    }

    #[test]
    fn refused_moves_name_the_states() {
        let archived = Triage { state: TriageState::Archived, archive_reason: Some(ArchiveReason::Other), ..open() };
        let err = plan(3, NOW - DAY_MS, &archived, &to(TriageState::UnderReview), NOW).unwrap_err();
        assert_eq!(err.to_string(), "a signal cannot move from archived to under_review");
        let err = plan(3, NOW - DAY_MS, &open(), &to(TriageState::Open), NOW).unwrap_err();
        assert_eq!(err.to_string(), "signal 3 is already open");
    }

    #[test]
    fn the_thirty_day_rule() {
        let archived = Triage { state: TriageState::Archived, archive_reason: Some(ArchiveReason::Other), ..open() };
        // Exactly 30 days old: still allowed.
        assert!(plan(1, NOW - 30 * DAY_MS, &archived, &to(TriageState::Open), NOW).is_ok());
        // A minute more: refused, with a message about reopening.
        let err = plan(1, NOW - 30 * DAY_MS - 60_000, &archived, &to(TriageState::Open), NOW).unwrap_err();
        assert_eq!(err, WorkflowError::ReopenTooLate { signal_id: 1, days: 30 });
        assert!(err.to_string().contains("reopened only within 30 days"), "{err}");
        // Any other change to an old signal is refused too.
        let err = plan(1, NOW - 45 * DAY_MS, &open(), &Change::Assign { assignee_id: Some(2) }, NOW).unwrap_err();
        assert_eq!(err, WorkflowError::TooOld { signal_id: 1, days: 45 });
    }

    #[test]
    fn assigning_and_linking_record_old_and_new_values() {
        let (next, events) = plan(1, NOW, &open(), &Change::Assign { assignee_id: Some(4) }, NOW).unwrap();
        assert_eq!(next.assignee_id, Some(4));
        assert_eq!((events[0].old_value.as_deref(), events[0].new_value.as_deref()), (None, Some("4")));
        let (unassigned, events) = plan(1, NOW, &next, &Change::Assign { assignee_id: None }, NOW).unwrap();
        assert_eq!(unassigned.assignee_id, None);
        assert_eq!(events[0].old_value.as_deref(), Some("4"));
        // The same assignee again changes nothing and writes nothing.
        let (same, events) = plan(1, NOW, &next, &Change::Assign { assignee_id: Some(4) }, NOW).unwrap();
        assert_eq!(same, next);
        assert!(events.is_empty());

        let (linked, events) = plan(1, NOW, &open(), &Change::Case { case_id: Some(9) }, NOW).unwrap();
        assert_eq!(linked.case_id, Some(9));
        assert_eq!(events[0].action, "case");
    }

    #[test]
    fn a_long_comment_is_refused() {
        let long = "x".repeat(MAX_COMMENT + 1);
        let err = plan(1, NOW, &open(), &archive(ArchiveReason::Other, &long), NOW).unwrap_err();
        assert_eq!(err, WorkflowError::CommentTooLong { length: MAX_COMMENT + 1, max: MAX_COMMENT });
    }

    #[test]
    fn changes_read_from_json() {
        let change: Change = serde_json::from_str(r#"{"change":"state","to":"archived","reason":"false_positive"}"#).unwrap();
        assert_eq!(change, Change::State { to: TriageState::Archived, reason: Some(ArchiveReason::FalsePositive), comment: None });
        let change: Change = serde_json::from_str(r#"{"change":"assign","assignee_id":null}"#).unwrap();
        assert_eq!(change, Change::Assign { assignee_id: None });
    }
}
