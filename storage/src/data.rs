//! Writing and reading the data model: a whole [`Dataset`] at once (seeding, start-up) in
//! batched multi-row statements inside one transaction, so a million signals load quickly and a
//! failed write leaves nothing behind.

use std::collections::HashMap;

use analytics::dataset::*;
use analytics::model::*;
use futures_util::TryStreamExt;
use sqlx::{QueryBuilder, Row};

use crate::decode::{corrupt, history_from, signal_from, Fetch, HISTORY_SQL, LINKS_SQL, SIGNALS_SQL};
use crate::feed::BeginWrite as _;
use crate::{Database, StorageError};

/// Rows per multi-row INSERT: under SQLite's 32,766 bound parameters for the widest table.
const BATCH: usize = 1_000;

/// Runs the same code against whichever pool the database holds. The SQL is shared: both
/// backends accept `$n` placeholders and the schema uses the same types by name.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Database::Sqlite($pool) => $body,
            Database::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

pub(crate) const USERS_SQL: &str = "SELECT id, username, display_name, role, active, created_at_ms FROM users WHERE id > 0 ORDER BY id";
pub(crate) const CASES_SQL: &str = "SELECT id, title, description, status, priority, assignee_id, created_at_ms, updated_at_ms, closed_at_ms FROM cases ORDER BY id";
pub(crate) const INCIDENTS_SQL: &str = "SELECT id, title, severity, status, commander_id, case_id, signal_id, declared_at_ms FROM incidents ORDER BY id";

/// A row of [`USERS_SQL`] as a dataset user (either backend).
macro_rules! user_row {
    ($r:expr) => {
        Ok::<_, StorageError>(User {
            id: $r.try_get("id")?,
            username: $r.try_get("username")?,
            display_name: $r.try_get("display_name")?,
            role: Role::parse($r.try_get("role")?).map_err(corrupt)?,
            active: $r.try_get("active")?,
            created_at_ms: $r.try_get("created_at_ms")?,
        })
    };
}
pub(crate) use user_row;

/// A row of [`CASES_SQL`] as a case (either backend).
macro_rules! case_row {
    ($r:expr) => {
        Ok::<_, StorageError>(Case {
            id: $r.try_get("id")?,
            title: $r.try_get("title")?,
            description: $r.try_get("description")?,
            status: CaseStatus::parse($r.try_get("status")?).map_err(corrupt)?,
            priority: CasePriority::parse($r.try_get("priority")?).map_err(corrupt)?,
            assignee_id: $r.try_get("assignee_id")?,
            created_at_ms: $r.try_get("created_at_ms")?,
            updated_at_ms: $r.try_get("updated_at_ms")?,
            closed_at_ms: $r.try_get("closed_at_ms")?,
        })
    };
}
pub(crate) use case_row;

/// A row of [`INCIDENTS_SQL`] as an incident (either backend).
macro_rules! incident_row {
    ($r:expr) => {
        Ok::<_, StorageError>(Incident {
            id: $r.try_get("id")?,
            title: $r.try_get("title")?,
            severity: IncidentSeverity::parse($r.try_get("severity")?).map_err(corrupt)?,
            status: IncidentStatus::parse($r.try_get("status")?).map_err(corrupt)?,
            commander_id: $r.try_get("commander_id")?,
            case_id: $r.try_get("case_id")?,
            signal_id: $r.try_get("signal_id")?,
            declared_at_ms: $r.try_get("declared_at_ms")?,
        })
    };
}
pub(crate) use incident_row;


impl Database {
    /// Whether no signal, rule or content pack is stored yet.
    pub async fn is_empty(&self) -> Result<bool, StorageError> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM signals) + (SELECT COUNT(*) FROM detection_rules) + (SELECT COUNT(*) FROM content_packs)";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(SQL).fetch_one(pool).await?);
        Ok(n == 0)
    }

    pub async fn count_signals(&self) -> Result<i64, StorageError> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM signals").fetch_one(pool).await?);
        Ok(n)
    }

    /// Writes a whole dataset into an empty database, in one transaction: everything or nothing.
    /// On a SQLite file the rows go through a direct SQLite connection (prepared statements,
    /// no per-value overhead), elsewhere through batched multi-row statements.
    pub async fn save_dataset(&self, data: &Dataset) -> Result<(), StorageError> {
        if let Some(path) = self.sqlite_file() {
            // Synchronous on purpose: it runs while seeding, before the server answers anything.
            return crate::bulk::save(&path, data);
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for table in crate::rows::TABLES {
                let mut rows = crate::rows::rows(data, table).peekable();
                while rows.peek().is_some() {
                    let batch: Vec<Vec<crate::rows::Val>> = rows.by_ref().take(BATCH).collect();
                    let mut q = QueryBuilder::new(format!("INSERT INTO {} ({}) ", table.name, table.columns.join(", ")));
                    q.push_values(batch, |mut b, row| {
                        for value in row {
                            value.bind_to(&mut b);
                        }
                    });
                    q.build().execute(&mut *tx).await?;
                }
            }
            if let Database::Postgres(_) = self {
                // Rows written with explicit ids: new ones must come after them (migration 0004).
                for (sequence, table) in [("users_ids", "users"), ("cases_ids", "cases"), ("incidents_ids", "incidents"), ("history_ids", "history")] {
                    sqlx::query(&format!("SELECT setval('{sequence}', GREATEST((SELECT MAX(id) FROM {table}), 1))"))
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The file behind a SQLite database (not an in-memory one).
    /// The SQLite database's file (none in memory or on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        match self {
            Database::Sqlite(pool) => {
                let options = pool.connect_options();
                let path = options.get_filename();
                let name = path.to_string_lossy();
                (!name.is_empty() && !name.contains(":memory:")).then(|| path.to_path_buf())
            }
            Database::Postgres(_) => None,
        }
    }

    /// Reads everything into memory: what the overview is computed from.
    pub async fn load_dataset(&self) -> Result<Dataset, StorageError> {
        // The big tables (signals, their entities, the history) come through a direct SQLite
        // connection when there is a file: sqlx's per-value overhead makes a million wide rows
        // take half a minute, SQLite itself a few seconds.
        let sqlite_file = self.sqlite_file();
        on_pool!(self, pool => {
            let packs: Vec<ContentPack> = sqlx::query("SELECT id, name, category, enabled, health, health_detail, health_since_ms FROM content_packs ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(ContentPack {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    category: PackCategory::parse(r.try_get("category")?).map_err(corrupt)?,
                    enabled: r.try_get("enabled")?,
                    health: PackHealth::parse(r.try_get("health")?).map_err(corrupt)?,
                    health_detail: r.try_get("health_detail")?,
                    health_since_ms: r.try_get("health_since_ms")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            let pack_index: HashMap<String, usize> = packs.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
            let pack_of = |id: &str| pack_index.get(id).copied().ok_or_else(|| corrupt(format!("content pack '{id}' does not exist")));

            let sources: Vec<LogSource> = sqlx::query("SELECT id, name, content_pack_id FROM log_sources ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(LogSource {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    pack: pack_of(r.try_get("content_pack_id")?)?,
                }))
                .collect::<Result<_, StorageError>>()?;
            let source_index: HashMap<String, usize> = sources.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
            let source_of = |id: &str| source_index.get(id).copied().ok_or_else(|| corrupt(format!("log source '{id}' does not exist")));

            let mut tactics: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query("SELECT rule_id, tactic_id FROM rule_tactics ORDER BY rule_id, tactic_id").fetch_all(pool).await? {
                tactics.entry(r.try_get("rule_id")?).or_default().push(r.try_get("tactic_id")?);
            }
            let mut techniques: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query("SELECT rule_id, technique_id FROM rule_techniques ORDER BY rule_id, technique_id").fetch_all(pool).await? {
                techniques.entry(r.try_get("rule_id")?).or_default().push(r.try_get("technique_id")?);
            }
            let rules: Vec<Rule> = sqlx::query("SELECT id, name, default_severity, enabled, origin, log_source_id, content_pack_id, created_at_ms FROM detection_rules ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| {
                    let id: String = r.try_get("id")?;
                    Ok(Rule {
                        name: r.try_get("name")?,
                        default_severity: Severity::parse(r.try_get("default_severity")?).map_err(corrupt)?,
                        enabled: r.try_get("enabled")?,
                        custom: r.try_get::<&str, _>("origin")? == "custom",
                        source: source_of(r.try_get("log_source_id")?)?,
                        pack: pack_of(r.try_get("content_pack_id")?)?,
                        created_at_ms: r.try_get("created_at_ms")?,
                        tactics: tactics.remove(&id).unwrap_or_default(),
                        techniques: techniques.remove(&id).unwrap_or_default(),
                        id,
                    })
                })
                .collect::<Result<_, StorageError>>()?;

            let users: Vec<User> = sqlx::query(USERS_SQL).fetch_all(pool).await?.iter().map(|r| user_row!(r)).collect::<Result<_, StorageError>>()?;
            let entities: Vec<Entity> = sqlx::query("SELECT id, kind, name FROM entities ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(Entity {
                    id: r.try_get("id")?,
                    kind: EntityKind::parse(r.try_get("kind")?).map_err(corrupt)?,
                    name: r.try_get("name")?,
                }))
                .collect::<Result<_, StorageError>>()?;

            let history: Vec<HistoryEvent> = match &sqlite_file {
                Some(path) => crate::bulk::load_history(path)?,
                None => sqlx::query(HISTORY_SQL)
                    .fetch_all(pool).await?
                    .iter()
                    .map(history_from)
                    .collect::<Result<_, StorageError>>()?,
            };

            let mut data = Dataset::assemble(packs, sources, rules, users, entities, Vec::new(), Vec::new())
                .map_err(corrupt)?;

            match &sqlite_file {
                Some(path) => crate::bulk::load_signals(path, &mut data)?,
                None => {
                    let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
                    {
                        let mut rows = sqlx::query(LINKS_SQL).fetch(pool);
                        while let Some(r) = rows.try_next().await? {
                            links.entry(r.int(0)?).or_default().push(r.int(1)?);
                        }
                    }
                    let mut rows = sqlx::query(SIGNALS_SQL).fetch(pool);
                    while let Some(r) = rows.try_next().await? {
                        let record = signal_from(&r, &mut links)?;
                        data.push_signal(&record).map_err(corrupt)?;
                    }
                }
            }
            data.set_history(history);

            data.cases = sqlx::query(CASES_SQL).fetch_all(pool).await?.iter().map(|r| case_row!(r)).collect::<Result<_, StorageError>>()?;
            data.incidents = sqlx::query(INCIDENTS_SQL).fetch_all(pool).await?.iter().map(|r| incident_row!(r)).collect::<Result<_, StorageError>>()?;
            let volume_rows = sqlx::query("SELECT log_source_id, hour_ms, events FROM log_volume ORDER BY hour_ms, log_source_id")
                .fetch_all(pool).await?;
            data.volume = volume_rows
                .iter()
                .map(|r| Ok(VolumePoint {
                    source: source_of(r.try_get("log_source_id")?)?,
                    hour_ms: r.try_get("hour_ms")?,
                    events: r.try_get("events")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            data.articles = sqlx::query("SELECT id, kind, title, url, summary, published_at_ms FROM articles ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(Article {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    url: r.try_get("url")?,
                    summary: r.try_get("summary")?,
                    published_at_ms: r.try_get("published_at_ms")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            Ok(data)
        })
    }
}
