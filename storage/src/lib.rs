#![warn(unreachable_pub)]
//! Signalboard's persistence. One [`Database`] handle over two backends: SQLite, the embedded
//! default, and PostgreSQL for teams that outgrow one machine. Each backend has its own
//! migrations, embedded in the binary and applied at start-up; an applied migration is never
//! edited, a change is always a new file in both folders.

mod accounts;
mod bulk;
pub mod ingest;
pub mod data;
mod decode;
pub mod feed;
mod layers;
mod layouts;
mod rows;
pub mod rules;
mod workflow;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use feed::{Listener, SignalState};
pub use accounts::{Account, ApiKey, AttemptCounts, NewAccount};
pub use layers::{SavedLayer, MAX_LAYERS_PER_USER};
pub use layouts::{StoredLayout, ANONYMOUS_USER_ID};
pub use workflow::{ChangeError, NewCase, NewIncident};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The default location of the embedded database, relative to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/signalboard.db";

/// The setting that holds the workflow webhook's URL (see [`Database::setting`]).
pub const WEBHOOK_SETTING: &str = "workflow.webhook_url";

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unsupported database URL '{0}': expected sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("invalid database URL '{url}': {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot create the folder '{path}' for the SQLite database: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("SQLite error: {0}")]
    Sqlite(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

/// Which engine a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Chooses the backend from the URL's scheme.
    pub fn of_url(url: &str) -> Result<Self, StorageError> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or("");
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StorageError::UnsupportedUrl(redact(url))),
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// A pooled connection to the configured backend. Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Database {
    /// Connects to `url`. A SQLite file and its folder are created when missing; PostgreSQL's
    /// database must exist.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| invalid(url, e))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // Every commit reaches the disk before it is acknowledged (an ingest's 202,
                    // a triage's answer), power loss included; about 0.2 ms a commit here.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                if let Some(parent) = options.get_filename().parent() {
                    create_dir(parent)?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await?;
                Ok(Database::Sqlite(pool))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(|e| invalid(url, e))?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await?;
                Ok(Database::Postgres(pool))
            }
        }
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Self, StorageError> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::Sqlite(_) => Backend::Sqlite,
            Database::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every embedded migration not yet applied. Safe to call on every start.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        let migrator = self.backend().migrator();
        match self {
            Database::Sqlite(pool) => migrator.run(pool).await?,
            Database::Postgres(pool) => migrator.run(pool).await?,
        }
        Ok(())
    }

    /// The versions of the migrations embedded in this binary, in order.
    pub fn known_migrations(&self) -> Vec<i64> {
        self.backend()
            .migrator()
            .iter()
            .map(|m| m.version)
            .collect()
    }

    /// The versions recorded as successfully applied in the database, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StorageError> {
        const SQL: &str = "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";
        let versions = match self {
            Database::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await?,
            Database::Postgres(pool) => sqlx::query_scalar(SQL).fetch_all(pool).await?,
        };
        Ok(versions)
    }

    /// A round trip to the database: what `/healthz` reports on.
    pub async fn ping(&self) -> Result<(), StorageError> {
        match self {
            Database::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Database::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Closes every connection; later calls fail. Used at shutdown.
    pub async fn close(&self) {
        match self {
            Database::Sqlite(pool) => pool.close().await,
            Database::Postgres(pool) => pool.close().await,
        }
    }
}

/// The URL with any password replaced, fit for logs and error messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

fn invalid(url: &str, error: sqlx::Error) -> StorageError {
    StorageError::InvalidUrl {
        url: redact(url),
        reason: error.to_string(),
    }
}

fn create_dir(path: &Path) -> Result<(), StorageError> {
    if path.as_os_str().is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(path).map_err(|source| StorageError::CreateDir {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::of_url("sqlite://data/x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
    }

    #[test]
    fn unsupported_scheme_is_named_in_the_error() {
        let err = Backend::of_url("mysql://root:hunter2@db/x").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("mysql://root:***@db/x"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(redact("postgres://sb:secret@127.0.0.1/sb"), "postgres://sb:***@127.0.0.1/sb");
        assert_eq!(redact("postgres://sb@127.0.0.1/sb"), "postgres://sb@127.0.0.1/sb");
        assert_eq!(redact("sqlite://data/signalboard.db"), "sqlite://data/signalboard.db");
    }

    #[test]
    fn both_backends_embed_the_same_migration_versions() {
        let sqlite: Vec<_> = SQLITE_MIGRATIONS.iter().map(|m| m.version).collect();
        let postgres: Vec<_> = POSTGRES_MIGRATIONS.iter().map(|m| m.version).collect();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}
