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

/// SQLite answers "database is locked" at once when a transaction that has read must become a
/// writer while another connection writes; it waits only for a transaction that asks for the
/// write lock first. Every write here asks first, so it waits for the other writer and succeeds.
#[tokio::test]
async fn a_write_waits_for_another_writer_on_sqlite() {
    let test_db = TestDatabase::create(Backend::Sqlite).await;
    let Database::Sqlite(pool) = &test_db.db else { unreachable!("a SQLite test database") };
    let mut other = pool.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *other).await.unwrap();
    sqlx::query("INSERT INTO sign_in_failures (username, address, at_ms) VALUES ('x', 'y', 1)").execute(&mut *other).await.unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::query("COMMIT").execute(&mut *other).await.unwrap();
    });
    let new = storage::NewAccount {
        username: "waits",
        display_name: "Waits",
        email: None,
        role: analytics::Role::Analyst,
        password_hash: None,
        must_change_password: false,
        service: false,
    };
    // Reads whether the name is taken, then inserts: the read must not strand it.
    let created = test_db.db.create_account(&new, 2).await;
    release.await.unwrap();
    assert_eq!(created.unwrap().username, "waits");
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures").fetch_one(pool).await.unwrap();
    assert_eq!(failures, 1, "the other writer's row is committed too");
    test_db.drop().await;
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
        // PostgreSQL's TRUNCATE skips row triggers: a statement trigger refuses it too.
        if let Database::Postgres(pool) = &db {
            let message = sqlx::query("TRUNCATE history CASCADE").execute(pool).await.expect_err("no truncate").to_string();
            assert!(message.contains("the history is append-only"), "{message}");
        }
        assert_eq!(db.load_dataset().await.unwrap().history_events(), data.history_events());
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

fn demo(signals: usize) -> analytics::dataset::Dataset {
    analytics::demo::generate(analytics::demo::DemoParams { signals, seed: 11, days: 5, now_ms: 1_795_262_400_000 })
}

#[tokio::test]
async fn accounts_sessions_keys_and_failures() {
    use analytics::Role;
    use analytics::dataset::HistoryEntry;
    use storage::NewAccount;
    on_both_backends(|db: Database| async move {
        // After a bulk load with explicit ids, new accounts get ids after them.
        let data = demo(100);
        db.save_dataset(&data).await.unwrap();
        let max_demo = data.users.iter().map(|u| u.id).max().unwrap();
        let new = NewAccount {
            username: "ana",
            display_name: "Ana",
            email: Some("ana@example.com"),
            role: Role::Analyst,
            password_hash: Some("$argon2id$x"),
            must_change_password: false,
            service: false,
        };
        let ana = db.create_account(&new, 5).await.unwrap();
        assert!(ana.id > max_demo, "{} after {max_demo}", ana.id);
        assert_eq!((ana.role, ana.active, ana.password_hash.as_deref()), (Role::Analyst, true, Some("$argon2id$x")));
        let taken = db.create_account(&new, 6).await.unwrap_err();
        assert_eq!(taken.to_string(), "the username 'ana' is taken");
        assert_eq!(db.account_by_username("anonymous").await.unwrap(), None, "the reserved account is not an account");

        // A session ends when it expires, and when it has not been used for a while.
        db.create_session("hash-1", ana.id, 10, 1_000).await.unwrap();
        assert_eq!(db.session_account("hash-1", 500, 0).await.unwrap().unwrap().username, "ana");
        assert_eq!(db.session_account("hash-1", 1_000, 0).await.unwrap(), None, "expired");
        assert_eq!(db.session_account("hash-1", 500, 11).await.unwrap(), None, "idle since 10");
        assert_eq!(db.session_account("hash-2", 500, 0).await.unwrap(), None);
        db.create_session("hash-3", ana.id, 10, 1_000_000).await.unwrap();
        assert!(db.session_account("hash-3", 100_000, 0).await.unwrap().is_some(), "use moves the last use");
        assert!(db.session_account("hash-3", 100_001, 90_000).await.unwrap().is_some(), "used at 100,000");
        // A new password ends every session.
        db.set_password_hash(ana.id, "$argon2id$y", true).await.unwrap();
        assert_eq!(db.session_account("hash-3", 100_002, 0).await.unwrap(), None);
        assert!(db.account(ana.id).await.unwrap().unwrap().must_change_password);
        db.create_session("hash-1", ana.id, 10, 1_000).await.unwrap();

        let record = |what: &str| HistoryEntry {
            at_ms: 20,
            actor_id: Some(ana.id),
            asset_type: analytics::dataset::AssetType::User,
            asset_id: ana.id.to_string(),
            action: what.to_owned(),
            old_value: None,
            new_value: None,
            reason: None,
            comment: None,
            api_key_id: None,
        };
        let (key, stored) = db.create_api_key("ci", "key-hash", ana.id, ana.id, "read,write", 20, vec![record("api_key_created")]).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(db.api_key_account("key-hash").await.unwrap().map(|(id, scopes, a)| (id, scopes, a.id)), Some((key, "read,write".to_owned(), ana.id)));

        // Deactivating ends sessions and keys at once, and writes its history in the same step.
        let (before, after, stored) = db.update_account(ana.id, Role::Viewer, false, 30, |b| vec![record(b.role.as_str())]).await.unwrap();
        assert_eq!((before.role, after.role, after.active), (Role::Analyst, Role::Viewer, false));
        assert_eq!(stored[0].action, "analyst");
        assert_eq!(db.session_account("hash-1", 500, 0).await.unwrap(), None);
        assert_eq!(db.api_key_account("key-hash").await.unwrap(), None);
        assert!(db.api_keys().await.unwrap().iter().any(|k| k.id == key && k.revoked_at_ms == Some(30)));
        assert_eq!(db.revoke_api_key(key, 40, vec![record("api_key_revoked")]).await.unwrap(), None, "already revoked");

        // The last active admin cannot be demoted or deactivated, and nothing is written.
        let boss = db.create_account(&NewAccount { username: "boss", role: Role::Admin, ..new.clone() }, 50).await.unwrap();
        let demo_admins: Vec<i64> = db.accounts().await.unwrap().iter().filter(|a| a.role == Role::Admin && a.active && a.id != boss.id).map(|a| a.id).collect();
        for id in demo_admins {
            db.update_account(id, Role::Viewer, true, 51, |_| Vec::new()).await.unwrap();
        }
        let history_before = db.load_dataset().await.unwrap().history_events().len();
        let refused = db.update_account(boss.id, Role::Analyst, true, 52, |_| vec![record("role")]).await.unwrap_err();
        assert_eq!(refused.to_string(), "boss is the last active admin: make another account an admin first");
        assert_eq!(db.account(boss.id).await.unwrap().unwrap().role, Role::Admin);
        assert_eq!(db.load_dataset().await.unwrap().history_events().len(), history_before);

        // Sign-in attempts are reserved one at a time: parallel attempts each see the ones before.
        let since = 0;
        let mut seen = Vec::new();
        let attempts: Vec<_> = (0..8).map(|k| {
            let db = db.clone();
            async move { db.reserve_sign_in_attempt("ana", "10.0.0.1", 100 + k, since, |c| c.pair < 5).await.unwrap() }
        }).collect();
        for (counts, reserved) in futures_join_all(attempts).await {
            seen.push(counts.pair);
            assert_eq!(reserved.is_some(), counts.pair < 5);
        }
        seen.sort();
        assert_eq!(seen, [0, 1, 2, 3, 4, 5, 5, 5], "each reservation counted the ones committed before it");
        let (counts, _) = db.reserve_sign_in_attempt("bob", "10.0.0.1", 300, since, |_| false).await.unwrap();
        assert_eq!((counts.pair, counts.address), (0, 5), "refused attempts are not recorded");
        db.clear_sign_in_failures("ana", "10.0.0.1").await.unwrap();
        let (counts, _) = db.reserve_sign_in_attempt("ana", "10.0.0.2", 400, since, |_| true).await.unwrap();
        assert_eq!((counts.pair, counts.pair_last_ms, counts.address), (0, None, 0));
        let (counts, _) = db.reserve_sign_in_attempt("ana", "10.0.0.2", 500, since, |_| true).await.unwrap();
        assert_eq!((counts.pair, counts.pair_last_ms), (1, Some(400)));

        assert_eq!(db.setting("x").await.unwrap(), None);
        db.set_setting("x", "1", 1, Vec::new()).await.unwrap();
        let stored = db.set_setting("x", "2", 2, vec![record("setting")]).await.unwrap();
        assert_eq!(stored[0].action, "setting");
        assert_eq!(db.setting("x").await.unwrap().as_deref(), Some("2"));
    })
    .await;
}

#[tokio::test]
async fn a_triage_write_checks_the_version_and_appends_its_history_together() {
    use analytics::workflow::{plan, Change};
    use analytics::{ArchiveReason, TriageState};
    use analytics::dataset::HistoryEntry;
    use storage::ChangeError;
    on_both_backends(|db: Database| async move {
        let data = demo(200);
        db.save_dataset(&data).await.unwrap();
        let i = (0..data.signals.len()).rev().find(|&i| data.signals.state[i] == TriageState::Open).unwrap();
        let id = data.signals.id[i];
        let version = data.signals.version[i];
        let actor = data.users[0].id;
        let now = data.signals.detected_at_ms[i] + 1_000;
        let change = Change::State { to: TriageState::Archived, reason: Some(ArchiveReason::FalsePositive), comment: Some("ok".into()) };
        let (next, drafts) = plan(id, data.signals.detected_at_ms[i], &data.triage_of(i), &change, now).unwrap();
        let entries: Vec<HistoryEntry> = drafts.iter().map(|d| HistoryEntry::signal(id, actor, now, d)).collect();

        let (new_version, stored) = db.change_signal(id, version, &next, entries.clone()).await.unwrap();
        assert_eq!(new_version, version + 1);
        assert_eq!(stored.len(), 1);
        let newest_before = data.history().map(|h| h.id()).max().unwrap_or(0);
        assert!(stored[0].id > newest_before, "new history ids come after the loaded ones");

        // The same write again names a stale version: refused, nothing written.
        match db.change_signal(id, version, &next, entries).await {
            Err(ChangeError::Conflict { current, expected, .. }) => assert_eq!((current, expected), (version + 1, version)),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let loaded = db.load_dataset().await.unwrap();
        let j = loaded.signal_by_id(id).unwrap();
        assert_eq!(loaded.triage_of(j), next);
        assert_eq!(loaded.signals.version[j], version + 1);
        let events: Vec<_> = loaded.history_of(j).filter(|h| h.at_ms == now).collect();
        assert_eq!(events.len(), 1, "one entry, not two");
        assert_eq!(events[0].reason.as_deref(), Some("false_positive"));
        assert!(matches!(db.change_signal(-5, 1, &next, vec![]).await, Err(ChangeError::NotFound(-5))));
    })
    .await;
}

#[tokio::test]
async fn cases_and_incidents_get_new_ids_and_history() {
    use analytics::{CasePriority, CaseStatus, IncidentSeverity};
    use storage::{NewCase, NewIncident};
    on_both_backends(|db: Database| async move {
        let data = demo(100);
        db.save_dataset(&data).await.unwrap();
        let actor = data.users[0].id;
        let (case, history) = db
            .create_case(&NewCase { title: "T".into(), description: "D".into(), priority: CasePriority::P2, assignee_id: Some(actor), api_key_id: None }, actor, 77)
            .await
            .unwrap();
        assert!(data.cases.iter().all(|c| c.id < case.id));
        assert_eq!((case.status, history[0].action.as_str()), (CaseStatus::Open, "created"));
        let mut closed = case.clone();
        closed.status = CaseStatus::Closed;
        closed.closed_at_ms = Some(90);
        db.update_case(&closed, vec![]).await.unwrap();
        let (incident, history) = db
            .declare_incident(&NewIncident { title: "I".into(), severity: IncidentSeverity::Sev1, commander_id: None, case_id: Some(case.id), signal_id: None, api_key_id: None }, actor, 99)
            .await
            .unwrap();
        assert_eq!(history[0].asset_id, case.id.to_string());
        let loaded = db.load_dataset().await.unwrap();
        assert_eq!(loaded.cases.iter().find(|c| c.id == case.id), Some(&closed));
        assert!(loaded.incidents.iter().any(|i| i.id == incident.id));
        let mut missing = closed.clone();
        missing.id = 999_999;
        assert!(db.update_case(&missing, vec![]).await.is_err());
    })
    .await;
}

/// Runs futures concurrently on the current task and collects their outputs in order.
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (k, f) in set.iter_mut().enumerate() {
            if out[k].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[k] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn attack_layers_are_kept_per_user() {
    on_both_backends(|db: Database| async move {
        let new = |username| storage::NewAccount {
            username,
            display_name: username,
            email: None,
            role: analytics::Role::Analyst,
            password_hash: None,
            must_change_password: false,
            service: false,
        };
        let user = db.create_account(&new("layers"), 1).await.unwrap().id;
        let other = db.create_account(&new("other"), 1).await.unwrap().id;
        let ids = vec!["T1078.004".to_owned(), "T1002".to_owned()];
        let saved = db.save_attack_layer(user, "APT test", &ids, 5).await.unwrap().unwrap();
        assert_eq!(db.attack_layers(user).await.unwrap(), vec![saved.clone()]);
        assert!(db.attack_layers(other).await.unwrap().is_empty());
        assert_eq!(db.attack_layer(other, saved.id).await.unwrap(), None, "not someone else's");
        assert!(!db.delete_attack_layer(other, saved.id).await.unwrap());
        assert!(db.delete_attack_layer(user, saved.id).await.unwrap());
        assert!(db.attack_layers(user).await.unwrap().is_empty());
    })
    .await;
}
