//! The server's integration tests: the real application on port 0 over a real socket, and the
//! real binary as a user starts it.

mod access;
mod api;
mod hardening;
mod helpers;
mod instances;
mod intake;
mod sigma;
#[path = "../../storage/tests/support/mod.rs"]
mod support;

use helpers::TestApp;

#[tokio::test]
async fn healthz_answers_ok_with_the_database_reachable() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["backend"], "sqlite");
    assert_eq!(body["database"]["reachable"], true);
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["database"]["reachable"], false);
}

#[tokio::test]
async fn overview_is_rendered_on_the_server() {
    let app = TestApp::spawn().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Overview · Signalboard</title>"), "{html}");
    assert!(html.contains("Security overview"));
    // The hydration script and the bundle it loads.
    assert!(html.contains("/pkg/signalboard.js"), "{html}");
    // Every window of the picker, with the default (1 day) selected.
    for window in ["1h", "4h", "1d", "7d", "30d"] {
        assert!(
            html.contains(&format!("href=\"/?window={window}\"")),
            "missing the {window} option"
        );
    }
    assert_eq!(selected_window(&html), "1d");
    // The module grid holds a frame for every module of the overview.
    assert_eq!(html.matches("data-module=\"").count(), analytics::overview::ModuleId::ALL.len());
}

#[tokio::test]
async fn the_window_in_the_url_is_selected() {
    let app = TestApp::spawn().await;
    let html = app.get("/?window=7d").await.text().await.unwrap();
    assert_eq!(selected_window(&html), "7d");
    assert!(html.contains("Past 7 days"));
    assert!(!html.contains("role=\"alert\""));
}

#[tokio::test]
async fn an_unknown_window_is_explained_and_the_default_used() {
    let app = TestApp::spawn().await;
    let response = app.get("/?window=2w").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("unknown time window &#x27;2w&#x27;") || html.contains("unknown time window '2w'"),
        "{html}"
    );
    assert_eq!(selected_window(&html), "1d");
}

#[tokio::test]
async fn an_unknown_page_is_a_404_with_a_way_back() {
    let app = TestApp::spawn().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("href=\"/\""));
}

#[tokio::test]
async fn static_assets_are_served_from_the_site_root() {
    let app = TestApp::spawn().await;
    std::fs::write(app.site_root().join("probe.txt"), "static ok").unwrap();
    let response = app.get("/probe.txt").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "static ok");
}

#[test]
fn help_documents_the_commands_and_flags() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_signalboard"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in ["serve", "migrate", "--addr", "--database-url", "SIGNALBOARD_ADDR", "DATABASE_URL"] {
        assert!(help.contains(expected), "`--help` does not mention {expected}:\n{help}");
    }
}

#[test]
fn the_binary_serves_and_shuts_down_gracefully_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let db_path = data.path().join("sub/signalboard.db");
    let mut server = helpers::ServerProcess::start(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &format!("sqlite://{}", db_path.display()),
        "--no-demo",
    ]);
    let addr = server.wait_for_address();
    assert!(db_path.exists(), "the SQLite file is created on first start");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        reqwest::get(format!("http://{addr}/healthz")).await.unwrap().status()
    });
    assert_eq!(status, 200);

    let exit = server.terminate();
    assert!(exit.success(), "exit status after SIGTERM: {exit:?}");
    let log = server.log();
    assert!(log.contains("terminated; finishing in-flight requests"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    // The request line of the health check was logged with its status and latency.
    assert!(log.contains("path=/healthz") && log.contains("status=200") && log.contains("latency_ms="), "{log}");
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_signalboard"))
        .args(["migrate", "--database-url", "mysql://root@localhost/x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unsupported database URL 'mysql://root@localhost/x'"), "{stderr}");
}

/// The window marked as current in the picker.
fn selected_window(html: &str) -> String {
    let marker = "aria-current=\"true\"";
    let at = html.find(marker).expect("a selected window");
    let rest = &html[at..];
    let key = "data-window=\"";
    let start = rest.find(key).expect("data-window after aria-current") + key.len();
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

#[test]
fn seed_fills_an_empty_database_once_and_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let run = |db: &str, seed: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_signalboard"))
            .args(["seed", "--signals", "400", "--days", "7", "--seed", seed, "--database-url"])
            .arg(format!("sqlite://{}", dir.path().join(db).display()))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = run("a.db", "5");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("wrote 400 signals over 7 days (seed 5)"));

    // A database that holds data is refused, and left as it was.
    let again = run("a.db", "5");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("the database already holds data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // The same seed gives the same signals (apart from the instant they end at).
    assert!(run("b.db", "5").status.success());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let shapes = |db: &str| {
        let url = format!("sqlite://{}", dir.path().join(db).display());
        runtime.block_on(async {
            let data = storage::Database::open(&url).await.unwrap().load_dataset().await.unwrap();
            assert_eq!(data.signals.len(), 400);
            (0..data.signals.len())
                .map(|i| {
                    let s = data.signal_record(i);
                    (s.id, s.rule_id, s.severity, s.ip, s.triage_state, s.archive_reason, s.entity_ids)
                })
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(shapes("a.db"), shapes("b.db"));
}
