//! Several instances on one PostgreSQL (docs/product.md §6): two real `signalboard serve`
//! processes on one database follow each other's writes through the change feed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use storage::Backend;

use crate::helpers::{create_accounts, Role, ServerProcess};
use crate::support::TestDatabase;

/// How long a change may take to show on the other instance before the test fails. The feed
/// delivers in milliseconds (the log of a run prints the figure); the margin is for a loaded CI.
const VISIBLE_WITHIN: Duration = Duration::from_secs(5);

/// A 30-day range ending at the next whole hour, fixed for the test's run.
fn range() -> &'static (String, String) {
    static RANGE: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    RANGE.get_or_init(|| {
        let hour = 3_600_000;
        let to = (analytics::time::now_ms() / hour + 1) * hour;
        let from = to - 30 * 24 * hour;
        (analytics::time::rfc3339(from), analytics::time::rfc3339(to))
    })
}

/// Removes the keys `names` wherever they are in `value`.
fn strip(value: &mut Value, names: &[&str]) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !names.contains(&k.as_str()));
            map.values_mut().for_each(|v| strip(v, names));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip(v, names)),
        _ => {}
    }
}

/// Asserts two overviews are equal, naming the first module that differs.
fn same_overview(a: &Value, b: &Value, what: &str) {
    for (id, module) in a.as_object().unwrap() {
        assert_eq!(Some(module), b.get(id), "{what}: module {id} differs");
    }
    assert_eq!(a, b, "{what}");
}

struct Instance {
    process: ServerProcess,
    addr: SocketAddr,
}

fn start(url: &str, site: &std::path::Path) -> Instance {
    start_with(url, site, &[])
}

fn start_with(url: &str, site: &std::path::Path, more: &[&str]) -> Instance {
    let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--database-url", url, "--no-demo", "--site-root", site.to_str().unwrap()];
    args.extend_from_slice(more);
    let mut process = ServerProcess::start(&args);
    let addr = process.wait_for_address();
    Instance { process, addr }
}

struct Client {
    http: reqwest::Client,
    cookie: String,
}

impl Client {
    async fn get(&self, at: SocketAddr, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("http://{at}{path}"))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} on {at}: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn triage(&self, at: SocketAddr, id: i64, version: i64, to: &str) -> Result<(u16, Value), reqwest::Error> {
        let response = self
            .http
            .post(format!("http://{at}/api/v1/signals/{id}/triage"))
            .header(reqwest::header::COOKIE, &self.cookie)
            .json(&json!({ "version": version, "change": "state", "to": to }))
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    async fn signal(&self, at: SocketAddr, id: i64) -> Value {
        let (status, body) = self.get(at, &format!("/api/v1/signals/{id}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The overview's module data over one fixed range (the same whenever it is asked for),
    /// without what depends on the moment it was asked: when each module was computed, and
    /// the ages of cases.
    async fn overview(&self, at: SocketAddr) -> Value {
        let (status, mut body) = self.get(at, &format!("/api/v1/overview?from={}&to={}", range().0, range().1)).await;
        assert_eq!(status, 200, "{body}");
        // What depends on the instant it was computed at, not on the data: ages and idle times.
        strip(&mut body["modules"], &["computed_at", "age_ms", "idle_ms", "mean_age_ms", "p90_age_ms"]);
        body["modules"].take()
    }

    /// Waits until signal `id` on `at` is in `state`; answers how long it took.
    async fn until_state(&self, at: SocketAddr, id: i64, state: &str) -> Duration {
        let started = Instant::now();
        loop {
            let signal = self.signal(at, id).await;
            if signal["triage"]["state"] == state {
                return started.elapsed();
            }
            assert!(started.elapsed() < VISIBLE_WITHIN, "signal {id} on {at} is still {} after {VISIBLE_WITHIN:?}", signal["triage"]["state"]);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Open signals that can still be acted on (detected in the last 30 days), newest first.
async fn open_signals(client: &Client, at: SocketAddr, n: usize) -> Vec<(i64, i64)> {
    let (status, body) = client
        .get(at, &format!("/api/v1/signals?window=7d&limit={n}&query=%40workflow.triage.state%3Aopen"))
        .await;
    assert_eq!(status, 200, "{body}");
    let signals: Vec<(i64, i64)> = body["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_i64().unwrap(), s["version"].as_i64().unwrap()))
        .collect();
    assert_eq!(signals.len(), n, "enough open signals in the demo data");
    signals
}

async fn setup() -> (TestDatabase, Client, tempfile::TempDir) {
    setup_on(Backend::Postgres).await
}

async fn setup_on(backend: Backend) -> (TestDatabase, Client, tempfile::TempDir) {
    let database = TestDatabase::create(backend).await;
    signalboard::startup::seed_demo(&database.db, signalboard::DemoSize { signals: 3_000, days: 30, seed: 11 }).await.unwrap();
    let (sessions, _) = create_accounts(&database.db).await;
    let token = &sessions.iter().find(|(r, _)| *r == Role::Analyst).unwrap().1;
    let client = Client {
        http: reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap(),
        cookie: format!("{}={token}", signalboard::auth::SESSION_COOKIE),
    };
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    (database, client, site)
}

/// A triage on one instance shows on the other's explorer and overview; a conflicting change
/// made on both at once has one winner and one clear conflict; a restarted instance has every
/// change made while it was down. The session is the same on both: sessions live in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_follow_each_other() {
    let (database, client, site) = setup().await;
    let mut a = start(&database.url, site.path());
    let mut b = start(&database.url, site.path());
    let picked = open_signals(&client, a.addr, 3).await;

    // A change on A shows on B: its explorer (the signal) and its overview (every module equal
    // to A's, and different from before).
    let before = client.overview(b.addr).await;
    let (id, version) = picked[0];
    let (status, answer) = client.triage(a.addr, id, version, "under_review").await.unwrap();
    assert_eq!(status, 200, "{answer}");
    let took = client.until_state(b.addr, id, "under_review").await;
    eprintln!("a triage on A showed on B after {took:?}");
    assert_eq!(client.signal(b.addr, id).await["version"], version + 1);
    let on_a = client.overview(a.addr).await;
    let on_b = client.overview(b.addr).await;
    same_overview(&on_a, &on_b, "both instances compute the overview from the same data");
    assert_ne!(on_b, before, "the change reached B's overview");

    // And the other way round, with the history (the signal's timeline) on both.
    let (status, answer) = client.triage(b.addr, id, version + 1, "open").await.unwrap();
    assert_eq!(status, 200, "{answer}");
    client.until_state(a.addr, id, "open").await;
    let timeline = |signal: &Value| signal["history"].as_array().map(|h| h.len());
    assert_eq!(timeline(&client.signal(a.addr, id).await), timeline(&client.signal(b.addr, id).await));

    // The same signal changed on both at once from the same version: one wins, one conflicts.
    let (id, version) = picked[1];
    let (x, y) = tokio::join!(client.triage(a.addr, id, version, "under_review"), client.triage(b.addr, id, version, "under_review"));
    let (x, y) = (x.unwrap(), y.unwrap());
    let mut statuses = [x.0, y.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "one winner and one conflict: {x:?} {y:?}");
    let refused = if x.0 == 409 { &x.1 } else { &y.1 };
    assert!(refused["error"].as_str().unwrap().contains("was changed by"), "{refused}");
    client.until_state(a.addr, id, "under_review").await;
    client.until_state(b.addr, id, "under_review").await;
    assert_eq!(client.signal(a.addr, id).await["version"], version + 1);
    assert_eq!(client.signal(b.addr, id).await["version"], version + 1);

    // B stops; A changes a signal; B starts again and has it.
    b.process.terminate();
    let (id, version) = picked[2];
    let (status, answer) = client.triage(a.addr, id, version, "under_review").await.unwrap();
    assert_eq!(status, 200, "{answer}");
    let b = start(&database.url, site.path());
    assert_eq!(client.signal(b.addr, id).await["triage"]["state"], "under_review");
    same_overview(&client.overview(a.addr).await, &client.overview(b.addr).await, "the restarted instance");

    a.process.terminate();
    drop(b);
    database.drop().await;
}

/// One instance is killed (SIGKILL) in the middle of a burst of writes: every change it
/// acknowledged is in the database and on the other instance, which keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_an_instance_mid_burst_loses_nothing_acknowledged() {
    let (database, client, site) = setup().await;
    let mut a = start(&database.url, site.path());
    let b = start(&database.url, site.path());
    let picked = open_signals(&client, b.addr, 30).await;

    let addr = a.addr;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let burst = {
        let client = Client { http: client.http.clone(), cookie: client.cookie.clone() };
        let picked = picked.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for (id, version) in picked {
                match client.triage(addr, id, version, "under_review").await {
                    Ok((200, _)) => acknowledged.push(id),
                    Ok((status, body)) => panic!("signal {id}: {status} {body}"),
                    Err(_) => break, // the instance is gone
                }
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            acknowledged
        })
    };
    // Let a few changes through, then kill A without warning while the burst goes on.
    while done.load(std::sync::atomic::Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    a.process.kill();
    let acknowledged = burst.await.unwrap();
    eprintln!("{} of {} changes acknowledged before the kill", acknowledged.len(), picked.len());
    assert!(acknowledged.len() < picked.len(), "the kill came during the burst");

    // B has every acknowledged change, and still answers.
    for &id in &acknowledged {
        client.until_state(b.addr, id, "under_review").await;
    }
    let (status, _) = client.get(b.addr, "/healthz").await;
    assert_eq!(status, 200);
    let loaded = database.db.load_dataset().await.unwrap();
    for &id in &acknowledged {
        let i = loaded.signal_by_id(id).unwrap();
        assert_eq!(loaded.signals.state[i], analytics::TriageState::UnderReview, "signal {id} is stored");
    }
    // B's overview is what a fresh load of the database computes (a third instance).
    let c = start(&database.url, site.path());
    same_overview(&client.overview(b.addr).await, &client.overview(c.addr).await, "B and a fresh load");
    drop((b, c));
    database.drop().await;
}

/// A restart reads the dataset's snapshot instead of every row, and has every change: those the
/// snapshot holds (written when the server stopped) and those committed after it (before a crash).
#[tokio::test]
async fn a_restart_reads_the_snapshot_and_applies_what_came_after_it() {
    let (database, client, site) = setup_on(Backend::Sqlite).await;
    let snapshot = {
        let mut name = database.db.sqlite_file().unwrap().into_os_string();
        name.push(".snapshot");
        std::path::PathBuf::from(name)
    };
    // The first start loads every row, and writes the snapshot beside the database.
    let mut a = start(&database.url, site.path());
    assert!(a.process.log().contains("dataset loaded"), "{}", a.process.log());
    let started = Instant::now();
    while !a.process.log().contains("dataset snapshot written") {
        assert!(started.elapsed() < Duration::from_secs(60), "no snapshot written:\n{}", a.process.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(snapshot.is_file());
    let picked = open_signals(&client, a.addr, 2).await;
    let (status, answer) = client.triage(a.addr, picked[0].0, picked[0].1, "under_review").await.unwrap();
    assert_eq!(status, 200, "{answer}");

    // Stopped cleanly, it writes the snapshot again with the change; the next start reads it.
    assert!(a.process.terminate().success(), "{}", a.process.log());
    let mut b = start(&database.url, site.path());
    let log = b.process.log();
    assert!(log.contains("dataset read from its snapshot") && log.contains("applied=0"), "{log}");
    assert_eq!(client.signal(b.addr, picked[0].0).await["triage"]["state"], "under_review");

    // Killed after a change, it leaves the snapshot behind the database: the next start reads it
    // and applies the change committed after it.
    let (status, answer) = client.triage(b.addr, picked[1].0, picked[1].1, "under_review").await.unwrap();
    assert_eq!(status, 200, "{answer}");
    b.process.kill();
    let c = start(&database.url, site.path());
    let log = c.process.log();
    assert!(log.contains("dataset read from its snapshot") && !log.contains("applied=0"), "{log}");
    assert_eq!(client.signal(c.addr, picked[1].0).await["triage"]["state"], "under_review");

    // What it holds computes the same overview as every row read again.
    let d = start_with(&database.url, site.path(), &["--no-snapshot"]);
    assert!(d.process.log().contains("dataset loaded"), "{}", d.process.log());
    same_overview(&client.overview(c.addr).await, &client.overview(d.addr).await, "the snapshot and a full load");
    drop((c, d));

    // A snapshot of another database is not used, even at the same path.
    let other = TestDatabase::create(Backend::Sqlite).await;
    signalboard::startup::seed_demo(&other.db, signalboard::DemoSize { signals: 3_000, days: 30, seed: 11 }).await.unwrap();
    let e = start_with(&other.url, site.path(), &["--snapshot", snapshot.to_str().unwrap()]);
    let log = e.process.log();
    assert!(log.contains("it is of another database") && log.contains("dataset loaded"), "{log}");
    drop(e);
    other.drop().await;
    database.drop().await;
}
