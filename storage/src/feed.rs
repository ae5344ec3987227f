//! The change feed: how several instances on one PostgreSQL follow each other's writes
//! (docs/product.md §6).
//!
//! Every committed change appends to the history, and the history's ids are the feed's sequence
//! numbers. On PostgreSQL, each transaction that appends takes one advisory lock just before it
//! does, held to its commit, so ids are handed out in commit order: an instance that has applied
//! everything up to id N has missed nothing below it. The same transaction sends a notification
//! (delivered at commit) on [`CHANNEL`]; a follower wakes on it, and also on a timer, reads the
//! history after the last id it applied, and re-reads the rows those events are about. SQLite is
//! one instance by design: there the lock and the notification are no-ops.

use std::time::Duration;

use analytics::dataset::*;
use analytics::model::*;
use analytics::workflow::Triage;
use sqlx::Row;

use crate::data::{case_row, incident_row, on_pool, user_row, CASES_SQL, INCIDENTS_SQL, USERS_SQL};
use crate::decode::{corrupt, history_from, Fetch};
use crate::{Database, StorageError};

/// The notification channel every write announces itself on.
pub const CHANNEL: &str = "signalboard_history";

/// The advisory lock key that orders history appends across instances ("sbhist" in ASCII).
const HISTORY_LOCK: i64 = 0x7362_6869_7374;

/// What a transaction does around its history append, per backend.
pub(crate) trait Sequenced {
    /// Before the first insert: wait for every other appending transaction to end.
    async fn before_append(&mut self) -> Result<(), sqlx::Error>;
    /// After the inserts: tell the followers (delivered when the transaction commits).
    async fn after_append(&mut self, newest: i64) -> Result<(), sqlx::Error>;
}

impl Sequenced for sqlx::SqliteConnection {
    async fn before_append(&mut self) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn after_append(&mut self, _newest: i64) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

impl Sequenced for sqlx::PgConnection {
    async fn before_append(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(HISTORY_LOCK).execute(self).await?;
        Ok(())
    }

    async fn after_append(&mut self, newest: i64) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(newest.to_string()).execute(self).await?;
        Ok(())
    }
}

/// How a pool begins a transaction that writes, per backend.
///
/// SQLite's is `BEGIN IMMEDIATE`: it takes the write lock up front, waiting for it up to the busy
/// timeout. A deferred transaction that reads first and writes later cannot wait: SQLite answers
/// "database is locked" at once when its read has to become a write while another connection
/// writes (a CI run failed on exactly that).
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for sqlx::PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// The current triage fields of one signal and its version.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalState {
    pub id: i64,
    pub triage: Triage,
    pub version: i64,
}

impl Database {
    /// The newest history id (0 when the history is empty): where a follower that has just
    /// loaded everything starts.
    pub async fn newest_history_id(&self) -> Result<i64, StorageError> {
        Ok(on_pool!(self, pool => sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM history").fetch_one(pool).await?))
    }

    /// The database's installation stamp: when it was first migrated (a dataset snapshot names
    /// the database it was taken of by it).
    pub async fn installation(&self) -> Result<String, StorageError> {
        const SQLITE: &str = "SELECT created_at FROM installation";
        const POSTGRES: &str = "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM installation";
        Ok(match self {
            Database::Sqlite(pool) => sqlx::query_scalar(SQLITE).fetch_one(pool).await?,
            Database::Postgres(pool) => sqlx::query_scalar(POSTGRES).fetch_one(pool).await?,
        })
    }

    /// What the database holds now, in the terms of a dataset snapshot's stamp (docs/product.md
    /// §6): its installation stamp, newest history id, and how many signals up to which id.
    pub async fn snapshot_stamp(&self) -> Result<analytics::dataset::snapshot::Stamp, StorageError> {
        const SIGNALS: &str = "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM signals";
        let history_position = self.newest_history_id().await?;
        let installation = self.installation().await?;
        const INTAKE: &str = "SELECT (SELECT COUNT(*) FROM log_sources), (SELECT COUNT(*) FROM detection_rules), (SELECT COUNT(*) FROM entities), \
                              (SELECT COUNT(*) FROM log_volume), (SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM log_volume)";
        const HEALTH: &str = "SELECT id, health, health_since_ms, health_detail FROM content_packs ORDER BY id";
        let (signals, newest_signal_id) = on_pool!(self, pool => sqlx::query_as::<_, (i64, i64)>(SIGNALS).fetch_one(pool).await?);
        let (sources, rules, entities, volume_rows, volume_events) =
            on_pool!(self, pool => sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(INTAKE).fetch_one(pool).await?);
        let health: Vec<(String, String, Option<i64>, Option<String>)> = on_pool!(self, pool => sqlx::query_as(HEALTH).fetch_all(pool).await?);
        let health: Vec<String> = health
            .into_iter()
            .map(|(id, state, since, detail)| format!("{id}:{state}:{}:{}", since.unwrap_or(-1), detail.unwrap_or_default()))
            .collect();
        let intake = analytics::dataset::snapshot::intake_fingerprint(sources, rules, entities, volume_rows, volume_events, &health);
        Ok(analytics::dataset::snapshot::Stamp { installation, history_position, signals, newest_signal_id, intake })
    }

    /// Up to `limit` history events after id `after`, in id (commit) order.
    pub async fn history_after(&self, after: i64, limit: i64) -> Result<Vec<HistoryEvent>, StorageError> {
        const SQL: &str = "SELECT id, at_ms, actor_id, asset_type, asset_id, action, old_value, new_value, reason, comment, api_key_id \
             FROM history WHERE id > $1 ORDER BY id LIMIT $2";
        on_pool!(self, pool => {
            sqlx::query(SQL).bind(after).bind(limit).fetch_all(pool).await?.iter().map(history_from).collect()
        })
    }

    /// A signal's triage fields and version as stored.
    pub async fn signal_state(&self, id: i64) -> Result<Option<SignalState>, StorageError> {
        const SQL: &str = "SELECT triage_state, assignee_id, archive_reason, archive_comment, case_id, version FROM signals WHERE id = $1";
        on_pool!(self, pool => {
            let Some(r) = sqlx::query(SQL).bind(id).fetch_optional(pool).await? else { return Ok(None) };
            Ok(Some(SignalState {
                id,
                triage: Triage {
                    state: TriageState::parse(&r.text(0)?).map_err(corrupt)?,
                    assignee_id: r.opt_int(1)?,
                    archive_reason: r.opt_text(2)?.map(|v| ArchiveReason::parse(&v)).transpose().map_err(corrupt)?,
                    archive_comment: r.opt_text(3)?,
                    case_id: r.opt_int(4)?,
                },
                version: r.int(5)?,
            }))
        })
    }

    /// Every user as the dataset holds them.
    pub async fn dataset_users(&self) -> Result<Vec<User>, StorageError> {
        on_pool!(self, pool => sqlx::query(USERS_SQL).fetch_all(pool).await?.iter().map(|r| user_row!(r)).collect())
    }

    /// Every case.
    pub async fn cases(&self) -> Result<Vec<Case>, StorageError> {
        on_pool!(self, pool => sqlx::query(CASES_SQL).fetch_all(pool).await?.iter().map(|r| case_row!(r)).collect())
    }

    /// Every incident.
    pub async fn incidents(&self) -> Result<Vec<Incident>, StorageError> {
        on_pool!(self, pool => sqlx::query(INCIDENTS_SQL).fetch_all(pool).await?.iter().map(|r| incident_row!(r)).collect())
    }

    /// A listener for other instances' writes: `None` on SQLite (one instance by design).
    pub async fn listen(&self) -> Result<Option<Listener>, StorageError> {
        match self {
            Database::Sqlite(_) => Ok(None),
            Database::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(Listener { inner: listener }))
            }
        }
    }
}

/// Waits for other instances' writes (PostgreSQL `LISTEN`).
pub struct Listener {
    inner: sqlx::postgres::PgListener,
}

impl Listener {
    /// Returns when a write was announced or `at_most` has passed, whichever is first. A lost
    /// connection is re-made on the next call (notifications sent meanwhile are lost: the caller
    /// catches up from its last sequence number every time this returns, so none is missed).
    pub async fn wait(&mut self, at_most: Duration) {
        match tokio::time::timeout(at_most, self.inner.try_recv()).await {
            Ok(Ok(Some(_))) | Err(_) => {}
            Ok(Ok(None)) => tracing::warn!("the change feed's connection was lost; reconnecting"),
            Ok(Err(error)) => {
                tracing::warn!(%error, "the change feed's connection failed; retrying");
                tokio::time::sleep(at_most.min(Duration::from_secs(1))).await;
            }
        }
    }
}
