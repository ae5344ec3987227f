//! Hostile input against the running server (issue "Hardening"): every request here was once
//! able to crash, stall or fool it. Each test fails on the code before the fix.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Options, Role, ServerProcess, TestApp, PASSWORD};

mod webhooks;

use webhooks::counting_receiver;

fn encode(text: &str) -> String {
    app::format::encode(text)
}

/// The real binary on a seeded SQLite database with one admin who can sign in; answers the
/// process, its address and a session cookie.
fn start_seeded_server(dir: &std::path::Path) -> (ServerProcess, std::net::SocketAddr) {
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let bin = env!("CARGO_BIN_EXE_signalboard");
    let seeded = std::process::Command::new(bin).args(["seed", "--signals", "3000", "--database-url", &url]).output().unwrap();
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let mut create = std::process::Command::new(bin)
        .args(["users", "create", "--username", "h.admin", "--role", "admin", "--password-stdin", "--database-url", &url])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(create.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(create.wait().unwrap().success());
    let mut server = ServerProcess::start(&["serve", "--addr", "127.0.0.1:0", "--database-url", &url, "--no-demo"]);
    let addr = server.wait_for_address();
    (server, addr)
}

async fn session_cookie(client: &reqwest::Client, addr: std::net::SocketAddr, username: &str) -> String {
    let response = client
        .post(format!("http://{addr}/login"))
        .form(&[("username", username), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// `/healthz` answers, and fast.
async fn healthy_within_a_second(client: &reqwest::Client, addr: std::net::SocketAddr) {
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(1), client.get(format!("http://{addr}/healthz")).send())
        .await
        .expect("/healthz answers within a second")
        .unwrap()
        .status();
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// The acceptance run of the issue: deep queries, a flood of wrong passwords and a query of
/// thousands of wildcard terms, against the release-like binary; `/healthz` keeps answering
/// within a second, and it is the same process at the end.
#[test]
fn hostile_queries_and_sign_in_floods_do_not_stall_or_kill_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr) = start_seeded_server(dir.path());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let cookie = session_cookie(&client, addr, "h.admin").await;
        let get = |path: String| client.get(format!("http://{addr}{path}")).header("cookie", cookie.clone()).send();

        // 4,000 '(' through the REST API: a 400 that says where, not a crash.
        let response = get(format!("/api/v1/signals?window=30d&query={}", "(".repeat(4_000))).await.unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "parameter 'query': the query nests parentheses and negations more than 32 deep at position 32");
        healthy_within_a_second(&client, addr).await;
        // 100,000 '(' in a URL is longer than any URL the HTTP layer accepts: refused there,
        // with a status, and the server goes on.
        {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!("GET /api/v1/signals?window=30d&query={} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n", "(".repeat(100_000));
            let _ = stream.write_all(request.as_bytes()).await;
            let mut answer = vec![0u8; 64];
            let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await.unwrap().unwrap_or(0);
            let status = String::from_utf8_lossy(&answer[..n]).to_string();
            assert!(n == 0 || status.starts_with("HTTP/1.1 4"), "{status}");
        }
        healthy_within_a_second(&client, addr).await;
        // In a request body, 100,000 '(' reach the parser, which refuses them by length.
        let listed = client
            .post(format!("http://{addr}/api/signals"))
            .header("cookie", cookie.clone())
            .form(&[("query", "(".repeat(100_000)), ("window", "7d".to_owned()), ("sort", "newest".to_owned())])
            .send()
            .await
            .unwrap();
        let text = listed.text().await.unwrap();
        assert!(text.contains("the query is too long (100000 characters; at most 4096)"), "{}", &text[..text.len().min(300)]);
        healthy_within_a_second(&client, addr).await;
        // The same through the page and the explorer's server functions.
        let page = get(format!("/signals?window=7d&query={}", "(".repeat(4_000))).await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("more than 32 deep at position 32"), "the page shows the error");
        let facets = client
            .post(format!("http://{addr}/api/signals/facets"))
            .header("cookie", cookie.clone())
            .form(&[("query", "(".repeat(4_000)), ("window", "7d".to_owned())])
            .send()
            .await
            .unwrap();
        assert!(facets.text().await.unwrap().contains("more than 32 deep"));
        // A query of 5,000 wildcard terms.
        let wild = vec!["*a*"; 5_000].join(" ");
        let response = get(format!("/api/v1/signals?window=30d&query={}", encode(&wild))).await.unwrap();
        assert_eq!(response.status(), 400);
        healthy_within_a_second(&client, addr).await;

        // 60 wrong passwords at once for the admin: Argon2 runs off the async workers, so the
        // health check answers meanwhile; only the first few are even checked.
        let started = Instant::now();
        let guesses: Vec<_> = (0..60)
            .map(|k| {
                let client = client.clone();
                tokio::spawn(async move {
                    client
                        .post(format!("http://{addr}/login"))
                        .form(&[("username", "h.admin"), ("password", &format!("guess number {k}")), ("next", "/")])
                        .send()
                        .await
                        .unwrap()
                        .headers()["location"]
                        .to_str()
                        .unwrap()
                        .to_owned()
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        healthy_within_a_second(&client, addr).await;
        let mut checked = 0;
        for guess in guesses {
            let location = guess.await.unwrap();
            if location.contains("username%20or%20password%20is%20wrong") {
                checked += 1;
            } else {
                assert!(location.contains("Too%20many%20failed%20sign-ins"), "{location}");
            }
        }
        assert!(checked <= signalboard::auth::FREE_FAILURES as usize + 1, "{checked} of 60 guesses were checked");
        assert!(started.elapsed() < Duration::from_secs(20));
        healthy_within_a_second(&client, addr).await;
    });
    assert!(server.is_running(), "the same server process is still serving:\n{}", server.log());
    assert!(server.terminate().success());
}

#[tokio::test]
async fn only_paths_of_this_app_are_followed_after_sign_in() {
    let app = TestApp::spawn().await;
    for (next, expected) in [("/\\evil.example/", "/"), ("/\n", "/"), ("//evil.example", "/"), ("https://evil.example", "/"), ("/cases", "/cases")] {
        let response = app
            .client
            .post(format!("http://{}/login", app.addr))
            .form(&[("username", "t-viewer"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
    // Signing in again never keeps the session the browser came with (no fixation).
    let old = app.cookie(Role::Viewer);
    let again = app
        .client
        .post(format!("http://{}/login", app.addr))
        .header("cookie", &old)
        .form(&[("username", "t-viewer"), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert!(again.headers().get("set-cookie").is_some());
    let with_old = app.client.get(format!("http://{}/api/v1/history", app.addr)).header("cookie", &old).send().await.unwrap();
    assert_eq!(with_old.status(), 401, "the old session ended");
}

#[tokio::test]
async fn a_megabyte_username_is_refused_without_reaching_the_log_or_the_database() {
    let app = TestApp::spawn().await;
    let huge = format!("{}\n2026-01-01 INFO forged line", "x".repeat(1_000_000));
    let response = app
        .client
        .post(format!("http://{}/login", app.addr))
        .form(&[("username", huge.as_str()), ("password", "whatever it is"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert!(response.headers()["location"].to_str().unwrap().contains("username%20or%20password%20is%20wrong"));
    let stored: Vec<(String,)> = match &app.db {
        storage::Database::Sqlite(pool) => sqlx::query_as("SELECT username FROM sign_in_failures").fetch_all(pool).await.unwrap(),
        storage::Database::Postgres(pool) => sqlx::query_as("SELECT username FROM sign_in_failures").fetch_all(pool).await.unwrap(),
    };
    assert_eq!(stored, vec![(String::new(),)], "counted against the address, the name not stored");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn_with_demo(200).await;
    let page = app.get("/").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the page's policy").to_owned();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the inline scripts carry the policy's nonce");
    assert!(!html.contains("<script>") && !html.contains("<script type=\"module\">"), "no inline script without the nonce");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self' 'nonce-"), "{csp}");
    for (name, value) in [("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin"), ("x-frame-options", "DENY"), ("cache-control", "no-store")] {
        assert_eq!(headers[name], value, "{name}");
    }
    assert!(headers.get("strict-transport-security").is_none(), "plain HTTP: no HSTS");

    let api = app.get("/api/v1/overview?window=1d").await;
    assert!(!api.headers()["content-security-policy"].to_str().unwrap().contains("nonce"));
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    let over_https = app.request(Some(Role::Admin), Method::GET, "/api/v1/history").header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(over_https.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let health = app.client.get(format!("http://{}/healthz", app.addr)).send().await.unwrap();
    assert!(health.headers().contains_key("content-security-policy"));

    // A new API key and an invite's password are never cached.
    let key = app.request(Some(Role::Admin), Method::POST, "/api/v1/api-keys").json(&json!({ "name": "ci" })).send().await.unwrap();
    assert_eq!(key.status(), 201);
    assert_eq!(key.headers()["cache-control"], "no-store");
    let invite = app.request(Some(Role::Admin), Method::POST, "/api/v1/users").json(&json!({ "username": "newbie", "role": "viewer" })).send().await.unwrap();
    assert_eq!(invite.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn cross_site_and_non_json_writes_are_refused_and_change_nothing() {
    let app = TestApp::spawn_with_demo(300).await;
    let (_, listed) = app.send_json(Some(Role::Analyst), Method::GET, "/api/v1/signals?window=7d&query=%40workflow.triage.state%3Aopen", Value::Null).await;
    let signal = &listed["signals"][0];
    let (id, version) = (signal["id"].as_i64().unwrap(), signal["version"].as_i64().unwrap());
    let body = json!({ "version": version, "change": "state", "to": "under_review" }).to_string();
    let path = format!("/api/v1/signals/{id}/triage");
    // A form a hostile page could post: text/plain.
    let plain = app.request(Some(Role::Analyst), Method::POST, &path).header("content-type", "text/plain").body(body.clone()).send().await.unwrap();
    assert_eq!(plain.status(), 415);
    assert!(plain.text().await.unwrap().contains("must be JSON"));
    // JSON, but from another origin, or a browser saying cross-site.
    for (header, value) in [("origin", "http://evil.example"), ("sec-fetch-site", "cross-site"), ("origin", "null")] {
        let forged = app
            .request(Some(Role::Analyst), Method::POST, &path)
            .header("content-type", "application/json")
            .header(header, value)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{header}: {value}");
    }
    let (_, after) = app.send_json(Some(Role::Analyst), Method::GET, &format!("/api/v1/signals/{id}"), Value::Null).await;
    assert_eq!(after["version"], version, "nothing changed");
    // The sign-in form from another site is refused too (login CSRF).
    let login = app
        .client
        .post(format!("http://{}/login", app.addr))
        .header("origin", "http://evil.example")
        .form(&[("username", "t-viewer"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    assert!(login.headers().get("set-cookie").is_none());
    // The app's own page, from its own origin, gets through.
    let own = app
        .request(Some(Role::Analyst), Method::POST, &path)
        .header("content-type", "application/json")
        .header("origin", format!("http://{}", app.addr))
        .header("sec-fetch-site", "same-origin")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
}

#[tokio::test]
async fn lists_text_and_time_ranges_are_capped() {
    let app = TestApp::spawn_with_demo(300).await;
    let many: Vec<Value> = (1..=501).map(|id| json!({ "id": id, "version": 1 })).collect();
    let (status, body) = app.send_json(Some(Role::Analyst), Method::POST, "/api/v1/cases", json!({ "title": "big", "signals": many })).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "signals: 501 selected; at most 500 at once");
    let (status, body) = app.send_json(Some(Role::Analyst), Method::POST, "/api/v1/cases", json!({ "title": "long", "description": "x".repeat(20_001) })).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("description: 20001 characters; at most 20000")));
    let (status, created) = app.send_json(Some(Role::Analyst), Method::POST, "/api/v1/cases", json!({ "title": "small" })).await;
    assert_eq!(status, 201);
    let case = created["case"]["id"].as_i64().unwrap();
    let (status, _) = app.send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/cases/{case}/signals"), json!({ "signals": many })).await;
    assert_eq!(status, 400);
    let (status, body) = app
        .send_json(Some(Role::Viewer), Method::GET, "/api/v1/signals?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", Value::Null)
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("longer than 90 days"), "{body}");
}

#[tokio::test]
async fn signals_older_than_thirty_days_take_no_workflow_or_incident() {
    let app = TestApp::spawn_with_options(2_000, Options { demo_days: 60, ..Options::default() }).await;
    let (hook, hits) = counting_receiver().await;
    let (status, _) = app.send_json(Some(Role::Admin), Method::PUT, "/api/v1/settings/webhook", json!({ "url": format!("http://{hook}/hook") })).await;
    assert_eq!(status, 200);
    let to = chrono::Utc::now() - chrono::Duration::days(31);
    let from = to - chrono::Duration::days(20);
    let (_, older) = app
        .send_json(
            Some(Role::Analyst),
            Method::GET,
            &format!("/api/v1/signals?from={}&to={}&limit=1", encode(&from.to_rfc3339()), encode(&to.to_rfc3339())),
            Value::Null,
        )
        .await;
    let id = older["signals"][0]["id"].as_i64().unwrap_or_else(|| panic!("the demo holds signals older than 31 days: {older}"));
    let (status, body) = app.send_json(Some(Role::Analyst), Method::POST, "/api/v1/incidents", json!({ "title": "late", "severity": "SEV-3", "signal_id": id })).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("only signals detected in the last 30 days can be changed"), "{body}");
    let (status, body) = app.send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{id}/workflow"), json!({})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing was posted");
    // A recent one still runs.
    let (_, recent) = app.send_json(Some(Role::Analyst), Method::GET, "/api/v1/signals?window=1d&limit=1", Value::Null).await;
    let recent = recent["signals"][0]["id"].as_i64().unwrap();
    let (status, body) = app.send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{recent}/workflow"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// The documented production path: `users create` on an empty database, then `serve` (demo
/// on by default). The database has an account and no data: it starts cleanly, without the
/// demo, on SQLite and on PostgreSQL.
#[test]
fn users_create_then_serve_starts_without_the_demo_on_both_backends() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for backend in [storage::Backend::Sqlite, storage::Backend::Postgres] {
        let test_db = runtime.block_on(crate::support::TestDatabase::create(backend));
        let url = test_db.url.clone();
        let bin = env!("CARGO_BIN_EXE_signalboard");
        let created = std::process::Command::new(bin)
            .args(["users", "create", "--username", "admin1", "--role", "admin", "--database-url", &url])
            .output()
            .unwrap();
        assert!(created.status.success(), "{backend:?}: {}", String::from_utf8_lossy(&created.stderr));
        assert!(String::from_utf8_lossy(&created.stdout).contains("password (shown once): "));
        let mut server = ServerProcess::start(&["serve", "--addr", "127.0.0.1:0", "--database-url", &url]);
        let addr = server.wait_for_address();
        let status = runtime.block_on(async { reqwest::get(format!("http://{addr}/healthz")).await.unwrap().status() });
        assert_eq!(status, 200, "{backend:?}");
        let log = server.log();
        assert!(log.contains("the database has accounts but no data: starting without the demo dataset"), "{backend:?}:\n{log}");
        assert!(!log.contains("DEMO MODE"), "{log}");
        assert_eq!(runtime.block_on(test_db.db.count_signals()).unwrap(), 0);
        assert!(server.terminate().success());
        // `seed` refuses such a database too, saying why.
        let seeded = std::process::Command::new(bin).args(["seed", "--signals", "100", "--database-url", &url]).output().unwrap();
        assert!(!seeded.status.success());
        assert!(String::from_utf8_lossy(&seeded.stderr).contains("the database already has accounts (admin1)"), "{}", String::from_utf8_lossy(&seeded.stderr));
        runtime.block_on(test_db.drop());
    }
}

/// Demo passwords go to a terminal only, unless asked for: never into a log file by accident.
#[test]
fn demo_passwords_are_printed_only_to_a_terminal_or_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let seed = |db: &str, extra: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_signalboard"))
            .args(["seed", "--signals", "200", "--days", "3", "--database-url"])
            .arg(format!("sqlite://{}", dir.path().join(db).display()))
            .args(extra)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let quiet = seed("a.db", &[]);
    assert!(quiet.contains("their passwords are not printed because standard output is not a terminal"), "{quiet}");
    assert!(!quiet.contains("shown only now"), "{quiet}");
    let asked = seed("b.db", &["--print-demo-passwords"]);
    assert!(asked.contains("Demo accounts (passwords are shown only now"), "{asked}");
    let admin_line = asked.lines().find(|l| l.trim_start().starts_with("admin")).expect("the admin's line");
    assert_eq!(admin_line.split_whitespace().nth(2).map(str::len), Some(20), "{admin_line}");
}

/// Every input that once broke a parser (kept by `scripts/fuzz.sh` in `fuzz/regressions/`) is
/// handled: no panic, and the target's invariants hold.
#[test]
fn inputs_that_once_broke_a_parser_stay_handled() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut replayed = 0;
    for target in signalboard::fuzzing::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target.name)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let input = std::fs::read_to_string(&path).unwrap();
            (target.check)(&input).unwrap_or_else(|broken| panic!("{}: {broken}", path.display()));
            replayed += 1;
        }
    }
    assert!(replayed >= 6, "the review's findings are kept as regressions ({replayed})");
}

/// A slow reader of an export holds nothing: the export renders a chunk at a time from the
/// current data and lets go of it while it waits, so writes meanwhile never copy the dataset.
#[tokio::test]
async fn a_slow_export_does_not_pin_the_data() {
    let app = TestApp::spawn_with_demo(20_000).await;
    // Headers only: the body (tens of megabytes of NDJSON) is not read, so the export waits.
    let response = app.request(Some(Role::Viewer), Method::GET, "/api/v1/signals?window=30d&format=ndjson").send().await.unwrap();
    assert_eq!(response.status(), 200);
    // Once the channel and the socket are full, the export waits on the reader: from then on only
    // the engine (and this test, for a moment) hold the data. Seen five samples in a row, within
    // 20 s; an export holding the data while it waits never shows it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut in_a_row = 0;
    while in_a_row < 5 {
        let holders = std::sync::Arc::strong_count(&app.engine.snapshot());
        in_a_row = if holders == 2 { in_a_row + 1 } else { 0 };
        assert!(Instant::now() < deadline, "the data stayed pinned while the export waited ({holders} holders)");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A write meanwhile goes through, and the export then reads to its end.
    let (_, listed) = app.send_json(Some(Role::Analyst), Method::GET, "/api/v1/signals?window=1d&limit=1&query=%40workflow.triage.state%3Aopen", Value::Null).await;
    let signal = &listed["signals"][0];
    let (status, _) = app
        .send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{}/triage", signal["id"]), json!({ "version": signal["version"], "change": "state", "to": "under_review" }))
        .await;
    assert_eq!(status, 200);
    let body = response.text().await.unwrap();
    assert!(body.lines().count() > 10_000, "the export carried on: {} lines", body.lines().count());
}
