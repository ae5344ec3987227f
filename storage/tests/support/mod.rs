//! Test databases on both backends. Each test gets a database of its own: a SQLite file in a
//! temporary folder, or a freshly created PostgreSQL database that is dropped afterwards, even
//! when the test fails.

#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use storage::{Backend, Database};

/// The PostgreSQL server the tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("SIGNALBOARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub struct TestDatabase {
    pub db: Database,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { name: String },
}

impl TestDatabase {
    /// A new, migrated, empty database.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let db = Database::open(&url).await.expect("open SQLite test database");
                TestDatabase { db, url, cleanup: Cleanup::Sqlite(dir) }
            }
            Backend::Postgres => {
                static COUNTER: AtomicU32 = AtomicU32::new(0);
                let name = format!(
                    "signalboard_test_{}_{}_{}",
                    std::process::id(),
                    chrono::Utc::now().timestamp_micros(),
                    COUNTER.fetch_add(1, Ordering::Relaxed)
                );
                let admin = admin_pool().await;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create PostgreSQL test database");
                admin.close().await;
                let url = with_database(&postgres_admin_url(), &name);
                let db = Database::open(&url).await.expect("open PostgreSQL test database");
                TestDatabase { db, url, cleanup: Cleanup::Postgres { name } }
            }
        }
    }

    /// Closes the pool and removes the database.
    pub async fn drop(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { name } => {
                let admin = admin_pool().await;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await
                    .expect("drop PostgreSQL test database");
                admin.close().await;
            }
        }
    }
}

async fn admin_pool() -> sqlx::PgPool {
    let url = postgres_admin_url();
    sqlx::PgPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL for tests at {url} is not reachable: {e}"))
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let server = base.rsplit_once('/').map(|(server, _)| server).unwrap_or(base);
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// Runs `test` once against SQLite and once against PostgreSQL, each on a fresh database that is
/// removed afterwards whether the test passed or not.
pub async fn on_both_backends<F, Fut>(test: F)
where
    F: Fn(Database) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let test_db = TestDatabase::create(backend).await;
        let outcome = tokio::spawn(test(test_db.db.clone())).await;
        test_db.drop().await;
        if let Err(error) = outcome {
            if error.is_panic() {
                eprintln!("failed on {}", backend.as_str());
                std::panic::resume_unwind(error.into_panic());
            }
            panic!("test task on {} did not finish: {error}", backend.as_str());
        }
    }
}
