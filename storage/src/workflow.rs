//! Writes of the signal workflow (docs/product.md §2): triage changes with optimistic versioning,
//! cases, incidents and workflow runs. Each write and the history entries it causes commit
//! together, or not at all.

use analytics::dataset::{AssetType, Case, HistoryEntry, HistoryEvent, Incident};
use analytics::workflow::Triage;
use analytics::{CasePriority, CaseStatus, IncidentSeverity, IncidentStatus};

use crate::data::on_pool;
use crate::feed::BeginWrite as _;
use crate::{Database, StorageError};

/// Why a triage write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Someone else changed the signal since the writer read it: nothing was written.
    #[error("signal {signal_id} was changed by someone else (it is now at version {current}, you had version {expected}); reload it and try again")]
    Conflict { signal_id: i64, expected: i64, current: i64 },
    #[error("signal {0} does not exist")]
    NotFound(i64),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for ChangeError {
    fn from(error: sqlx::Error) -> Self {
        ChangeError::Storage(error.into())
    }
}

pub(crate) const INSERT_HISTORY: &str = "INSERT INTO history (at_ms, actor_id, asset_type, asset_id, action, old_value, new_value, reason, comment, api_key_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";

/// Appends entries inside an open transaction; answers them as stored. The append is the
/// transaction's last write, and is sequenced for the change feed ([`crate::feed`]).
macro_rules! insert_history {
    ($tx:expr, $entries:expr) => {{
        use $crate::feed::Sequenced as _;
        let mut stored = Vec::new();
        (*$tx).before_append().await?;
        for entry in $entries {
            let id: i64 = sqlx::query_scalar($crate::workflow::INSERT_HISTORY)
                .bind(entry.at_ms)
                .bind(entry.actor_id)
                .bind(entry.asset_type.as_str())
                .bind(&entry.asset_id)
                .bind(&entry.action)
                .bind(&entry.old_value)
                .bind(&entry.new_value)
                .bind(&entry.reason)
                .bind(&entry.comment)
                .bind(entry.api_key_id)
                .fetch_one(&mut *$tx)
                .await?;
            stored.push(entry.stored(id));
        }
        if let Some(newest) = stored.last() {
            (*$tx).after_append(newest.id).await?;
        }
        stored
    }};
}
pub(crate) use insert_history;

/// A new case.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub title: String,
    pub description: String,
    pub priority: CasePriority,
    pub assignee_id: Option<i64>,
    /// The API key the case is created with, if it is.
    pub api_key_id: Option<i64>,
}

/// A new incident.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: String,
    pub severity: IncidentSeverity,
    pub commander_id: Option<i64>,
    pub case_id: Option<i64>,
    pub signal_id: Option<i64>,
    /// The API key the incident is declared with, if it is.
    pub api_key_id: Option<i64>,
}

impl Database {
    /// Writes a signal's new triage fields if it is still at `expected_version`, with its history
    /// entries, in one transaction. Answers the new version and the entries as stored.
    pub async fn change_signal(
        &self,
        signal_id: i64,
        expected_version: i64,
        next: &Triage,
        entries: Vec<HistoryEntry>,
    ) -> Result<(i64, Vec<HistoryEvent>), ChangeError> {
        const UPDATE: &str = "UPDATE signals SET triage_state = $1, assignee_id = $2, archive_reason = $3, archive_comment = $4, \
             case_id = $5, version = version + 1 WHERE id = $6 AND version = $7";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(UPDATE)
                .bind(next.state.as_str())
                .bind(next.assignee_id)
                .bind(next.archive_reason.map(|r| r.as_str()))
                .bind(next.archive_comment.as_deref())
                .bind(next.case_id)
                .bind(signal_id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                let current: Option<i64> = sqlx::query_scalar("SELECT version FROM signals WHERE id = $1")
                    .bind(signal_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match current {
                    None => ChangeError::NotFound(signal_id),
                    Some(current) => ChangeError::Conflict { signal_id, expected: expected_version, current },
                });
            }
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok((expected_version + 1, stored))
        })
    }

    /// Appends history entries on their own (changes to users, rules or settings).
    pub async fn append_history(&self, entries: Vec<HistoryEntry>) -> Result<Vec<HistoryEvent>, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Creates a case and records it in the history.
    pub async fn create_case(&self, new: &NewCase, actor_id: i64, now_ms: i64) -> Result<(Case, Vec<HistoryEvent>), StorageError> {
        const SQL: &str = "INSERT INTO cases (title, description, status, priority, assignee_id, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, 'open', $3, $4, $5, $5) RETURNING id";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(SQL)
                .bind(&new.title)
                .bind(&new.description)
                .bind(new.priority.as_str())
                .bind(new.assignee_id)
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?;
            let entry = HistoryEntry {
                at_ms: now_ms,
                actor_id: Some(actor_id),
                asset_type: AssetType::Case,
                asset_id: id.to_string(),
                action: "created".into(),
                old_value: None,
                new_value: Some(new.title.clone()),
                reason: None,
                comment: None,
                api_key_id: new.api_key_id,
            };
            let stored = insert_history!(tx, [entry]);
            tx.commit().await?;
            let case = Case {
                id,
                title: new.title.clone(),
                description: new.description.clone(),
                status: CaseStatus::Open,
                priority: new.priority,
                assignee_id: new.assignee_id,
                created_at_ms: now_ms,
                updated_at_ms: now_ms,
                closed_at_ms: None,
            };
            Ok((case, stored))
        })
    }

    /// Writes a case's new fields (the caller has checked them) with the history of what changed.
    pub async fn update_case(&self, case: &Case, entries: Vec<HistoryEntry>) -> Result<Vec<HistoryEvent>, StorageError> {
        const SQL: &str = "UPDATE cases SET title = $1, description = $2, status = $3, priority = $4, assignee_id = $5, \
             updated_at_ms = $6, closed_at_ms = $7 WHERE id = $8";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(SQL)
                .bind(&case.title)
                .bind(&case.description)
                .bind(case.status.as_str())
                .bind(case.priority.as_str())
                .bind(case.assignee_id)
                .bind(case.updated_at_ms)
                .bind(case.closed_at_ms)
                .bind(case.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StorageError::NotFound(format!("case {} does not exist", case.id)));
            }
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Declares an incident, recorded in the history of the case or signal it comes from.
    pub async fn declare_incident(&self, new: &NewIncident, actor_id: i64, now_ms: i64) -> Result<(Incident, Vec<HistoryEvent>), StorageError> {
        const SQL: &str = "INSERT INTO incidents (title, severity, status, commander_id, case_id, signal_id, declared_at_ms) \
             VALUES ($1, $2, 'active', $3, $4, $5, $6) RETURNING id";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(SQL)
                .bind(&new.title)
                .bind(new.severity.as_str())
                .bind(new.commander_id)
                .bind(new.case_id)
                .bind(new.signal_id)
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?;
            let (asset_type, asset_id) = match (new.case_id, new.signal_id) {
                (Some(case), _) => (AssetType::Case, case.to_string()),
                (None, Some(signal)) => (AssetType::SecuritySignal, signal.to_string()),
                (None, None) => (AssetType::Case, String::new()),
            };
            let entry = HistoryEntry {
                at_ms: now_ms,
                actor_id: Some(actor_id),
                asset_type,
                asset_id,
                action: "incident".into(),
                old_value: None,
                new_value: Some(format!("incident {id} ({})", new.severity.as_str())),
                reason: None,
                comment: Some(new.title.clone()),
                api_key_id: new.api_key_id,
            };
            let stored = insert_history!(tx, [entry]);
            tx.commit().await?;
            let incident = Incident {
                id,
                title: new.title.clone(),
                severity: new.severity,
                status: IncidentStatus::Active,
                commander_id: new.commander_id,
                case_id: new.case_id,
                signal_id: new.signal_id,
                declared_at_ms: now_ms,
            };
            Ok((incident, stored))
        })
    }

    /// Writes an incident's new status, severity and commander with the history of what changed.
    pub async fn update_incident(&self, incident: &Incident, entries: Vec<HistoryEntry>) -> Result<Vec<HistoryEvent>, StorageError> {
        const SQL: &str = "UPDATE incidents SET status = $1, severity = $2, commander_id = $3 WHERE id = $4";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(SQL)
                .bind(incident.status.as_str())
                .bind(incident.severity.as_str())
                .bind(incident.commander_id)
                .bind(incident.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StorageError::NotFound(format!("incident {} does not exist", incident.id)));
            }
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Records one run of a workflow and how the webhook answered.
    pub async fn record_workflow_run(
        &self,
        signal_id: i64,
        actor_id: i64,
        url: &str,
        status_code: Option<i32>,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO workflow_runs (signal_id, actor_id, url, status_code, error, at_ms) VALUES ($1, $2, $3, $4, $5, $6)";
        on_pool!(self, pool => sqlx::query(SQL)
            .bind(signal_id)
            .bind(actor_id)
            .bind(url)
            .bind(status_code)
            .bind(error)
            .bind(now_ms)
            .execute(pool)
            .await.map(|_| ())?);
        Ok(())
    }
}
