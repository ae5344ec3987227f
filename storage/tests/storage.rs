//! Storage tests run against both real backends: a SQLite file in a temporary folder and the
//! PostgreSQL server at 127.0.0.1:5432 (a database of its own per test, dropped afterwards).

mod metrics;
mod support;

use storage::{Backend, Database};
use support::{on_both_backends, TestDatabase};

#[tokio::test]
async fn migrations_apply_on_both_backends() {
    on_both_backends(|db: Database| async move {
        let known = db.known_migrations();
        assert!(!known.is_empty());
        assert_eq!(db.applied_migrations().await.unwrap(), known);
        db.ping().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    on_both_backends(|db: Database| async move {
        db.migrate().await.unwrap();
        assert_eq!(db.applied_migrations().await.unwrap(), db.known_migrations());
        let rows: i64 = match &db {
            Database::Sqlite(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM installation")
                .fetch_one(pool)
                .await
                .unwrap(),
            Database::Postgres(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM installation")
                .fetch_one(pool)
                .await
                .unwrap(),
        };
        assert_eq!(rows, 1, "the installation row is written once");
    })
    .await;
}

#[tokio::test]
async fn sqlite_creates_its_folder_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/signalboard.db");
    let url = format!("sqlite://{}", path.display());
    let db = Database::open(&url).await.unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    assert!(path.exists(), "the SQLite file is created on first start");
    db.close().await;
}

#[tokio::test]
async fn a_closed_database_fails_its_ping() {
    let test_db = TestDatabase::create(Backend::Sqlite).await;
    test_db.db.close().await;
    assert!(test_db.db.ping().await.is_err());
    test_db.drop().await;
}

#[tokio::test]
async fn an_unreachable_postgres_is_an_error_not_a_hang() {
    // Port 1 on loopback refuses connections at once.
    let err = Database::connect("postgres://nobody@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("database error"), "{err}");
}

#[tokio::test]
async fn the_history_is_append_only() {
    on_both_backends(|db: Database| async move {
        let data = analytics::demo::generate(analytics::demo::DemoParams {
            signals: 200,
            seed: 1,
            days: 7,
            now_ms: 1_795_262_400_000,
        });
        db.save_dataset(&data).await.unwrap();
        let (update, delete) = match &db {
            Database::Sqlite(pool) => (
                sqlx::query("UPDATE history SET comment = 'rewritten'").execute(pool).await.map(drop),
                sqlx::query("DELETE FROM history").execute(pool).await.map(drop),
            ),
            Database::Postgres(pool) => (
                sqlx::query("UPDATE history SET comment = 'rewritten'").execute(pool).await.map(drop),
                sqlx::query("DELETE FROM history").execute(pool).await.map(drop),
            ),
        };
        for outcome in [update, delete] {
            let message = outcome.expect_err("history rows cannot change").to_string();
            assert!(message.contains("the history is append-only"), "{message}");
        }
        assert_eq!(db.load_dataset().await.unwrap().history, data.history);
    })
    .await;
}

#[tokio::test]
async fn a_failed_save_writes_nothing() {
    on_both_backends(|db: Database| async move {
        let data = analytics::demo::generate(analytics::demo::DemoParams {
            signals: 300,
            seed: 2,
            days: 7,
            now_ms: 1_795_262_400_000,
        });
        assert!(db.is_empty().await.unwrap());
        db.save_dataset(&data).await.unwrap();
        assert!(!db.is_empty().await.unwrap());
        // Saving again collides on every primary key: refused whole, nothing added.
        assert!(db.save_dataset(&data).await.is_err());
        assert_eq!(db.count_signals().await.unwrap(), 300);
        let loaded = db.load_dataset().await.unwrap();
        assert_eq!(loaded.signals.len(), 300);
        assert_eq!(loaded.cases, data.cases);
        // Indexes may differ after a round trip (tables are read in id order): compare by id.
        let volume = |d: &analytics::dataset::Dataset| {
            let mut v: Vec<_> = d.volume.iter().map(|p| (d.sources[p.source].id.clone(), p.hour_ms, p.events)).collect();
            v.sort();
            v
        };
        assert_eq!(volume(&loaded), volume(&data));
        let rules = |d: &analytics::dataset::Dataset| {
            let mut v: Vec<_> = d
                .rules
                .iter()
                .map(|r| {
                    let mut techniques = r.techniques.clone();
                    techniques.sort();
                    (r.id.clone(), r.name.clone(), d.sources[r.source].id.clone(), techniques, r.enabled)
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(rules(&loaded), rules(&data));
    })
    .await;
}

#[tokio::test]
async fn a_layout_is_saved_replaced_and_forgotten_per_user() {
    use storage::{StoredLayout, ANONYMOUS_USER_ID};
    on_both_backends(|db: Database| async move {
        assert_eq!(db.layout(ANONYMOUS_USER_ID).await.unwrap(), None, "nothing stored at first");
        let first = StoredLayout { schema_version: 1, layout: r#"{"modules":[]}"#.into(), updated_at_ms: 10 };
        db.save_layout(ANONYMOUS_USER_ID, &first).await.unwrap();
        assert_eq!(db.layout(ANONYMOUS_USER_ID).await.unwrap(), Some(first));

        let second = StoredLayout { schema_version: 2, layout: r#"{"modules":["x"]}"#.into(), updated_at_ms: 20 };
        db.save_layout(ANONYMOUS_USER_ID, &second).await.unwrap();
        assert_eq!(db.layout(ANONYMOUS_USER_ID).await.unwrap(), Some(second), "a save replaces");

        assert!(db.layout(1).await.unwrap().is_none(), "another user has their own");
        assert!(
            db.save_layout(4242, &StoredLayout { schema_version: 1, layout: "{}".into(), updated_at_ms: 1 }).await.is_err(),
            "a layout for a user who does not exist is refused"
        );

        assert!(db.delete_layout(ANONYMOUS_USER_ID).await.unwrap());
        assert_eq!(db.layout(ANONYMOUS_USER_ID).await.unwrap(), None);
        assert!(!db.delete_layout(ANONYMOUS_USER_ID).await.unwrap(), "deleting twice finds nothing");
    })
    .await;
}

#[tokio::test]
async fn the_anonymous_account_is_reserved_and_not_a_team_member() {
    on_both_backends(|db: Database| async move {
        let data = analytics::demo::generate(analytics::demo::DemoParams { signals: 200, seed: 7, days: 3, now_ms: 1_760_000_000_000 });
        db.save_dataset(&data).await.unwrap();
        let loaded = db.load_dataset().await.unwrap();
        assert_eq!(loaded.users.len(), data.users.len(), "the reserved account is not loaded as a user");
        assert!(loaded.users.iter().all(|u| u.username != "anonymous"));
    })
    .await;
}
