//! The intake over real HTTP (docs/product.md §7): real attack logs (Stratus Red Team's
//! CloudTrail detonations) through both endpoints, enrichment from MaxMind's test databases,
//! the requests stock shippers send, and bad input refused with nothing written.

use std::io::Write;
use std::path::PathBuf;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Options, Role, TestApp};

pub(crate) fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data").join(path)
}

fn intake_with_geoip() -> Options {
    Options {
        intake: signalboard::intake::IntakeSettings {
            geoip_city: Some(shared("maxmind-test-data/GeoIP2-City-Test.mmdb")),
            geoip_asn: Some(shared("maxmind-test-data/GeoLite2-ASN-Test.mmdb")),
            ..Default::default()
        },
        ..Options::default()
    }
}

/// The Stratus Red Team detonation logs, sorted by name.
pub(crate) fn stratus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared("stratus-red-team/detonation-logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 35, "35 attack techniques");
    files
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Creates an API key with these scopes as the admin; answers the key.
async fn key_with(app: &TestApp, scopes: &[&str]) -> String {
    let (status, created) = app
        .send_json(Some(Role::Admin), Method::POST, "/api/v1/api-keys", json!({ "name": format!("{scopes:?}"), "scopes": scopes }))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["scopes"], json!(scopes));
    created["key"].as_str().unwrap().to_owned()
}

/// Posts a body with an `Authorization` header; answers the status and the JSON reply.
async fn post(app: &TestApp, path: &str, authorization: Option<String>, body: Vec<u8>, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = app.client.post(format!("http://{}{path}", app.addr)).body(body);
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn counted(app: &TestApp, source: &str) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) FROM log_volume WHERE log_source_id = $1")
        .bind(source)
        .fetch_one(sqlite(app))
        .await
        .unwrap()
}

fn sqlite(app: &TestApp) -> &sqlx::SqlitePool {
    match &app.db {
        storage::Database::Sqlite(pool) => pool,
        storage::Database::Postgres(_) => unreachable!("the test app is on SQLite"),
    }
}

/// What the engine holds for a source: the events counted over every hour.
fn held(app: &TestApp, source: &str) -> i64 {
    let data = app.engine.snapshot();
    let index = data.source_by_id(source).expect("the source is registered");
    data.volume.iter().filter(|v| v.source == index).map(|v| v.events).sum()
}

#[tokio::test]
async fn stratus_red_team_logs_through_both_endpoints_are_counted_once_with_entities_and_geography() {
    let app = TestApp::spawn_without_demo(intake_with_geoip()).await;
    let key = key_with(&app, &["ingest"]).await;
    // 18.236.253.47 appears in the detonations; 81.2.69.0/24 is London in MaxMind's test data.
    let (status, list) = app
        .send_json(
            Some(Role::Admin),
            Method::POST,
            "/api/v1/intel-lists",
            json!({ "name": "tor exits", "category": "anonymizer", "subcategory": "tor", "intention": "malicious", "entries": "18.236.253.47\n81.2.69.0/24\n" }),
        )
        .await;
    assert_eq!((status, list["entries"].as_i64()), (201, Some(2)), "{list}");

    // Each file as its shipper would send it, every other one gzipped.
    let mut accepted = 0;
    let mut signals = 0;
    for (i, file) in stratus_files().iter().enumerate() {
        let body = std::fs::read(file).unwrap();
        let (body, headers): (Vec<u8>, &[(&str, &str)]) = match i % 2 {
            0 => (body, &[("content-type", "application/json")]),
            _ => (gzip(&body), &[("content-type", "application/json"), ("content-encoding", "gzip")]),
        };
        let (status, receipt) = post(&app, "/api/v1/logs?source=cloudtrail", Some(format!("Bearer {key}")), body, headers).await;
        assert_eq!(status, 202, "{}: {receipt}", file.display());
        assert_eq!(receipt["duplicates"], 0, "{}", file.display());
        accepted += receipt["accepted"].as_i64().unwrap();
        signals += receipt["signals"].as_i64().unwrap();
    }
    assert_eq!(accepted, 310, "every event of the 35 detonations is new");
    assert!(signals >= 1, "the listed address raised signals");

    // The same events again, through HEC (as Vector's splunk_hec_logs sink sends: several
    // envelopes per body, gzipped): all duplicates, nothing counted twice.
    let mut body = Vec::new();
    for file in stratus_files() {
        let records: Vec<Value> = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        for record in records {
            let envelope = json!({ "event": record, "fields": {}, "host": "vector-1", "sourcetype": "aws:cloudtrail", "time": 1_722_431_184.0 });
            body.extend(serde_json::to_vec(&envelope).unwrap());
        }
    }
    let (status, answer) =
        post(&app, "/services/collector/event", Some(format!("Splunk {key}")), gzip(&body), &[("content-encoding", "gzip")]).await;
    assert_eq!((status, answer["code"].as_i64()), (200, Some(0)), "{answer}");
    assert_eq!(counted(&app, "cloudtrail").await, 310, "the retry through HEC counted nothing again");
    assert_eq!(held(&app, "cloudtrail"), 310, "the engine counts what the database does");
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ingested_events").fetch_one(sqlite(&app)).await.unwrap();
    assert_eq!(keys, 310);

    // Actors and addresses became entities: 41 identities, 23 addresses (the detonations'
    // other 12 "addresses" are anonymised into invalid ones, like 253.252.51.07, and are not).
    let kinds: Vec<(String, i64)> = sqlx::query_as("SELECT kind, COUNT(*) FROM entities GROUP BY kind ORDER BY kind").fetch_all(sqlite(&app)).await.unwrap();
    let count = |kind: &str| kinds.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
    assert_eq!(count("user") + count("cloud_identity"), 41, "{kinds:?}");
    assert_eq!(count("ip"), 23, "{kinds:?}");
    let data = app.engine.snapshot();
    let names: Vec<(analytics::model::EntityKind, String)> = data.entities.iter().map(|e| (e.kind, e.name.clone())).collect();
    assert!(names.contains(&(analytics::model::EntityKind::User, "arn:aws:iam::143434273843:user/christophe".to_owned())));
    assert!(names.iter().any(|(k, n)| *k == analytics::model::EntityKind::CloudIdentity && n.contains(":assumed-role/")));
    assert!(!names.iter().any(|(_, n)| n == "253.252.51.07"));
    drop(data);

    // Geography from the test databases: the StopLogging event again, from a London address
    // on the list (a new event id).
    let mut stop: Vec<Value> = serde_json::from_slice(&std::fs::read(shared("stratus-red-team/detonation-logs/aws.defense-evasion.cloudtrail-stop.json")).unwrap()).unwrap();
    stop[0]["eventID"] = json!("signalboard-test-london-1");
    stop[0]["sourceIPAddress"] = json!("81.2.69.142");
    let body = serde_json::to_vec(&json!({ "Records": stop })).unwrap();
    let (status, receipt) = post(&app, "/api/v1/logs?source=cloudtrail", Some(format!("Bearer {key}")), body, &[]).await;
    assert_eq!((status, receipt["accepted"].as_i64(), receipt["signals"].as_i64()), (202, Some(1), Some(1)), "{receipt}");
    let query = app::format::encode("@network.client.geoip.country.iso_code:GB @threat_intel.results.subcategory:tor");
    let (status, found) = app.send_json(Some(Role::Admin), Method::GET, &format!("/api/v1/signals?window=1h&query={query}"), Value::Null).await;
    assert_eq!(status, 200, "{found}");
    let found = found["signals"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1, "{found:?}");
    let (status, signal) = app.send_json(Some(Role::Admin), Method::GET, &format!("/api/v1/signals/{}", found[0]["id"]), Value::Null).await;
    assert_eq!(status, 200);
    let text = signal.to_string();
    for expected in ["81.2.69.142", "England", "London", "tor", "anonymizer", "malicious", "cloudtrail"] {
        assert!(text.contains(expected), "{expected} in {text}");
    }

    // "Logs analyzed" counts them in the hour they were received (a 4-hour window holds that hour
    // and the one before, should the test run across the hour).
    let (_, overview) = app.send_json(Some(Role::Admin), Method::GET, "/api/v1/overview?window=4h", Value::Null).await;
    let logs = &overview["modules"]["security-coverage"]["data"]["logs"];
    assert_eq!(logs["total"]["value"].as_f64(), Some(311.0), "{logs}");
}

#[tokio::test]
async fn bad_input_is_refused_with_its_line_and_changes_nothing() {
    let app = TestApp::spawn_without_demo(Options {
        intake: signalboard::intake::IntakeSettings {
            limits: ingest::body::Limits { max_body: 64 * 1024, max_event: 2 * 1024 },
            ..Default::default()
        },
        ..Options::default()
    })
    .await;
    let key = key_with(&app, &["ingest"]).await;
    let bearer = || Some(format!("Bearer {key}"));
    let good = b"{\"uuid\":\"u-1\",\"actor\":{\"alternateId\":\"ana@example.com\"}}\n".to_vec();

    // A malformed third line: the whole batch refused, the line named.
    let body = b"{\"uuid\":\"u-2\"}\n{\"uuid\":\"u-3\"}\n{\"uuid\": \n".to_vec();
    let (status, answer) = post(&app, "/api/v1/logs?source=okta", bearer(), body, &[]).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().starts_with("line 3: not valid JSON"), "{answer}");
    assert_eq!(counted(&app, "okta").await, 0, "nothing of the batch was written");
    // A source that only sent refused events is broken, saying why and since when.
    let pack = app.engine.snapshot().packs.iter().find(|p| p.id == "okta").cloned().unwrap();
    assert_eq!(pack.health, analytics::model::PackHealth::Broken);
    assert!(pack.health_detail.as_deref().unwrap().contains("line 3: not valid JSON"), "{pack:?}");

    // Too big: compressed, decompressed (a gzip bomb), and one event over its limit.
    let (status, answer) = post(&app, "/api/v1/logs?source=okta", bearer(), vec![b' '; 65 * 1024], &[]).await;
    assert_eq!(status, 413, "{answer}");
    let bomb = gzip(&vec![b' '; 8 << 20]);
    let (status, answer) = post(&app, "/api/v1/logs?source=okta", bearer(), bomb, &[("content-encoding", "gzip")]).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("once decompressed"), "{answer}");
    let big = format!("{{\"uuid\":\"u-4\"}}\n{{\"uuid\":\"u-5\",\"pad\":\"{}\"}}\n", "x".repeat(3_000));
    let (status, answer) = post(&app, "/api/v1/logs?source=okta", bearer(), big.into_bytes(), &[]).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], "line 2: the event is 3023 bytes, over the limit of 2048 bytes per event");

    // An unknown source is refused with the list of known ones.
    let (status, answer) = post(&app, "/api/v1/logs?source=syslog", bearer(), good.clone(), &[]).await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["error"],
        "source: unknown log source 'syslog': the known sources are cloudtrail, okta, github-audit, gcp-audit, azure-activity, kubernetes-audit, json"
    );

    // Keys: none or a wrong one is 401; a key without the scope, or a session, is 403; an
    // ingest key can do nothing else.
    let (status, _) = post(&app, "/api/v1/logs?source=okta", None, good.clone(), &[]).await;
    assert_eq!(status, 401);
    let (status, _) = post(&app, "/api/v1/logs?source=okta", Some("Bearer sb_wrong".into()), good.clone(), &[]).await;
    assert_eq!(status, 401);
    let (status, _) = post(&app, "/services/collector/event", Some("Splunk sb_wrong".into()), b"{\"event\":{}}".to_vec(), &[]).await;
    assert_eq!(status, 401);
    let read_write = key_with(&app, &["read", "write"]).await;
    let (status, answer) = post(&app, "/api/v1/logs?source=okta", Some(format!("Bearer {read_write}")), good.clone(), &[]).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"], "this API key's scopes are read,write: sending logs needs the 'ingest' scope");
    let response = app.request(Some(Role::Admin), Method::POST, "/api/v1/logs?source=okta").body(good.clone()).send().await.unwrap();
    assert_eq!(response.status(), 403, "a session cannot ingest");
    let response = app.client.get(format!("http://{}/api/v1/signals", app.addr)).bearer_auth(&key).send().await.unwrap();
    assert_eq!(response.status(), 403, "an ingest key cannot read");
    let response = app.client.get(format!("http://{}/api/v1/signals", app.addr)).bearer_auth(&read_write).send().await.unwrap();
    assert_eq!(response.status(), 200, "a read key still reads");
    assert_eq!(counted(&app, "okta").await, 0, "none of the refused requests wrote anything");

    // A good batch, then its retry: counted once. The pack has events again (only a warning
    // while the refusals are recent).
    for _ in 0..2 {
        let (status, _) = post(&app, "/api/v1/logs?source=okta", bearer(), good.clone(), &[]).await;
        assert_eq!(status, 202);
    }
    assert_eq!(counted(&app, "okta").await, 1);
    let pack = app.engine.snapshot().packs.iter().find(|p| p.id == "okta").cloned().unwrap();
    assert_eq!(pack.health, analytics::model::PackHealth::Warning, "{pack:?}");
}

#[tokio::test]
async fn the_requests_stock_shippers_send_are_taken() {
    let app = TestApp::spawn_without_demo(Options::default()).await;
    let key = key_with(&app, &["ingest"]).await;
    let okta = |n: usize| json!({ "uuid": format!("okta-{n}"), "published": "2026-01-02T03:04:05.000Z", "eventType": "user.session.start",
        "actor": { "alternateId": "ana@example.com" }, "client": { "ipAddress": "81.2.69.142" } });

    // Vector's `http` sink, NDJSON framing, gzip, bearer auth.
    let ndjson: String = (0..3).map(|n| format!("{}\n", okta(n))).collect();
    let (status, receipt) = post(
        &app,
        "/api/v1/logs?source=okta",
        Some(format!("Bearer {key}")),
        gzip(ndjson.as_bytes()),
        &[("content-type", "application/x-ndjson"), ("content-encoding", "gzip"), ("user-agent", "Vector/0.49.0")],
    )
    .await;
    assert_eq!((status, receipt["accepted"].as_i64()), (202, Some(3)), "{receipt}");

    // Fluent Bit's `http` output, `Format json`: one JSON array, each record with its `date`.
    let array = json!([ { "date": 1_767_323_045.5, "uuid": "okta-3", "actor": { "alternateId": "bo@example.com" } }, { "date": 1_767_323_046.0, "uuid": "okta-4" } ]);
    let (status, receipt) = post(
        &app,
        "/api/v1/logs?source=okta",
        Some(format!("Bearer {key}")),
        gzip(array.to_string().as_bytes()),
        &[("content-type", "application/json"), ("content-encoding", "gzip"), ("user-agent", "Fluent-Bit")],
    )
    .await;
    assert_eq!((status, receipt["accepted"].as_i64()), (202, Some(2)), "{receipt}");

    // Fluent Bit's `splunk` output: envelopes one after another, `time` as float seconds,
    // `event_sourcetype` set, gzip.
    let envelopes: String = (5..8)
        .map(|n| json!({ "time": 1_767_323_045.25, "sourcetype": "okta:im2:log", "event": okta(n) }).to_string())
        .collect();
    let (status, answer) = post(&app, "/services/collector/event", Some(format!("Splunk {key}")), gzip(envelopes.as_bytes()), &[("content-encoding", "gzip")]).await;
    assert_eq!((status, answer), (200, json!({ "text": "Success", "code": 0 })));

    // A HEC event without a sourcetype is generic JSON (the raw string event becomes a message);
    // the health check Vector makes answers without a key.
    let (status, _) = post(&app, "/services/collector", Some(format!("Splunk {key}")), br#"{"event":"plain text line","host":"web-1"}"#.to_vec(), &[]).await;
    assert_eq!(status, 200);
    let health = app.client.get(format!("http://{}/services/collector/health/1.0", app.addr)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["code"], 17);

    assert_eq!(counted(&app, "okta").await, 8);
    assert_eq!(counted(&app, "json").await, 1);
    assert_eq!(held(&app, "okta"), 8);
    // An unknown sourcetype names the envelope's line.
    let (status, answer) = post(&app, "/services/collector/event", Some(format!("Splunk {key}")), b"{\"event\":{},\"sourcetype\":\"syslog\"}".to_vec(), &[]).await;
    assert_eq!(status, 400);
    assert!(answer["text"].as_str().unwrap().starts_with("line 1: sourcetype: unknown log source 'syslog'"), "{answer}");
    assert_eq!(counted(&app, "json").await, 1);
}

/// Runs the `signalboard` binary to completion: (success, stdout, stderr).
pub(crate) fn run(args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_signalboard"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run the signalboard binary");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_command_line_creates_an_ingest_key_imports_intel_and_replays_files() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let (ok, out, err) = run(&["keys", "create", "--name", "vector", "--scope", "ingest", "--database-url", &url]);
    assert!(ok, "{err}");
    assert!(out.contains("(scopes: ingest), acting as shipper"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("key (shown once): sb_")), "{out}");
    let (ok, _, err) = run(&["keys", "create", "--name", "ci", "--scope", "read", "--database-url", &url]);
    assert!(!ok && err.contains("--user: a key that can read or write acts as an account"), "{err}");

    let list = dir.path().join("tor.txt");
    std::fs::write(&list, "# exits\n18.236.253.47\n").unwrap();
    let (ok, out, err) = run(&["intel", "import", list.to_str().unwrap(), "--category", "anonymizer", "--subcategory", "tor", "--database-url", &url]);
    assert!(ok, "{err}");
    assert!(out.starts_with("imported 'tor' (list "), "{out}");
    let (ok, _, err) = run(&["intel", "import", list.to_str().unwrap(), "--category", "spyware", "--database-url", &url]);
    assert!(!ok && err.contains("unknown threat intel category 'spyware'"), "{err}");

    // Two detonations (one gzipped), one of them twice, and a file that is not JSON.
    let files = stratus_files();
    let gz = dir.path().join("stop.json.gz");
    std::fs::write(&gz, gzip(&std::fs::read(&files[7]).unwrap())).unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"eventID\": \"x\"}\nnot json\n").unwrap();
    let count = |file: &PathBuf| serde_json::from_slice::<Vec<Value>>(&std::fs::read(file).unwrap()).unwrap().len();
    let (first, stop) = (count(&files[0]), count(&files[7]));
    let (ok, out, err) = run(&[
        "ingest",
        "--source",
        "cloudtrail",
        files[0].to_str().unwrap(),
        gz.to_str().unwrap(),
        files[7].to_str().unwrap(),
        broken.to_str().unwrap(),
        "--database-url",
        &url,
    ]);
    assert!(!ok, "a refused file fails the run");
    assert!(err.contains("broken.json: refused: line 2: not valid JSON"), "{err}");
    assert!(err.contains("1 of 4 files refused"), "{err}");
    let expected = format!("{} events new, {stop} duplicates, 2 refused, ", first + stop);
    assert!(out.starts_with(&expected), "{out} (expected {expected})");

    // A second replay changes nothing.
    let (ok, out, _) = run(&["ingest", "--source", "cloudtrail", files[0].to_str().unwrap(), "--database-url", &url]);
    assert!(ok);
    assert!(out.starts_with(&format!("0 events new, {first} duplicates, 0 refused, 0 signals created")), "{out}");
}

#[test]
fn a_damaged_ip_database_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("geo.db").display());
    for broken in ["MaxMind-DB-test-broken-pointers-24.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb"] {
        let path = shared(&format!("maxmind-test-data/{broken}"));
        let (ok, out, err) = run(&["serve", "--addr", "127.0.0.1:0", "--no-demo", "--database-url", &url, "--geoip-city", path.to_str().unwrap()]);
        assert!(!ok, "{out}");
        assert!(err.contains(&format!("the IP database '{}' is damaged", path.display())), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let asn = shared("maxmind-test-data/GeoLite2-ASN-Test.mmdb");
    let (ok, _, err) = run(&["serve", "--addr", "127.0.0.1:0", "--no-demo", "--database-url", &url, "--geoip-city", asn.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("is a 'GeoLite2-ASN' database; --geoip-city takes a City or Country database"), "{err}");
}
