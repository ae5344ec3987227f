//! The REST API against the real application with demo data.



use crate::helpers::TestApp;
use serde_json::Value;

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn overview_returns_every_module_with_its_computed_at() {
    let app = TestApp::spawn_with_demo(3_000).await;
    let (status, body) = json(&app, "/api/v1/overview?window=30d").await;
    assert_eq!(status, 200);
    let modules = body["modules"].as_object().unwrap();
    for id in analytics::overview::ModuleId::ALL.iter().map(|m| m.as_str()) {
        let module = &modules[id];
        assert!(module["computed_at"].as_str().unwrap().ends_with('Z'), "{id}");
        assert_eq!(module["data"]["module"], id);
    }
    let total = body["modules"]["security-overview"]["data"]["total"]["value"].as_f64().unwrap();
    assert!(total > 2_500.0, "30 days hold nearly all 3,000 demo signals: {total}");
}

#[tokio::test]
async fn a_module_by_id_and_an_explicit_window() {
    let app = TestApp::spawn_with_demo(1_000).await;
    let (status, body) = json(
        &app,
        "/api/v1/modules/mitre-coverage?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["from"], "2020-01-01T00:00:00.000Z");
    let data = &body["result"]["data"];
    assert_eq!(data["total_techniques"], 216);
    assert!(data["covered_techniques"].as_u64().unwrap() > 30);
    let signals: u64 = data["tactics"].as_array().unwrap().iter().map(|t| t["signals"].as_u64().unwrap()).sum();
    assert_eq!(signals, 0, "no signal in 2020");
}

#[tokio::test]
async fn bad_parameters_are_400_with_a_message() {
    let app = TestApp::spawn().await;
    for (path, expected) in [
        ("/api/v1/overview?window=2w", "parameter 'window': unknown time window '2w'"),
        ("/api/v1/overview?from=yesterday&to=2026-01-01T00:00:00Z", "parameter 'from': 'yesterday' is not an RFC 3339 time"),
        ("/api/v1/overview?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "parameter 'from' must be before 'to'"),
        ("/api/v1/overview?from=2026-01-02T00:00:00Z", "parameter 'to' is missing"),
        ("/api/v1/overview?window=1d&from=2026-01-02T00:00:00Z", "give either 'window' or 'from' and 'to'"),
        ("/api/v1/signals?query=status:severe", "parameter 'query': unknown severity 'severe'"),
        ("/api/v1/signals?query=(okta", "parameter 'query': unclosed '(' at position 0"),
        ("/api/v1/signals?format=xml", "parameter 'format': 'xml' is not one of json, ndjson, csv"),
        ("/api/v1/signals?limit=0", "parameter 'limit': '0' is not a whole number from 1 to 1000"),
        ("/api/v1/signals?cursor=abc", "parameter 'cursor': 'abc' is not a cursor"),
    ] {
        let (status, body) = json(&app, path).await;
        assert_eq!(status, 400, "{path}");
        let message = body["error"].as_str().unwrap();
        assert!(message.starts_with(expected), "{path}: {message}");
    }
    let (status, body) = json(&app, "/api/v1/modules/nope").await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("no module 'nope'"));
}

#[tokio::test]
async fn drill_down_queries_list_exactly_the_signals_behind_the_number() {
    let app = TestApp::spawn_with_demo(3_000).await;
    let (_, body) = json(&app, "/api/v1/overview?window=7d").await;
    let window = "window=7d";
    let rows = body["modules"]["important-signals"]["data"]["rules"].as_array().unwrap().clone();
    assert!(!rows.is_empty());
    for row in rows.iter().take(3) {
        let query = row["query"].as_str().unwrap();
        let (status, list) = json(&app, &format!("/api/v1/signals?{window}&query={}", urlencode(query))).await;
        assert_eq!(status, 200);
        assert_eq!(list["total"], row["total"], "{query}");
    }
    let countries = body["modules"]["threat-map"]["data"]["countries"].as_array().unwrap().clone();
    let top = &countries[0];
    let (_, list) = json(&app, &format!("/api/v1/signals?{window}&query={}", urlencode(top["query"].as_str().unwrap()))).await;
    assert_eq!(list["total"], top["signals"]);
}

#[tokio::test]
async fn signals_page_with_a_cursor_and_stream_as_ndjson_and_csv() {
    let app = TestApp::spawn_with_demo(1_500).await;
    let (_, first) = json(&app, "/api/v1/signals?window=30d&limit=40&query=status:medium").await;
    let total = first["total"].as_u64().unwrap();
    assert!(total > 80);
    let page1: Vec<i64> = first["signals"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(page1.len(), 40);
    assert!(first["signals"][0]["history"].is_array());
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = json(&app, &format!("/api/v1/signals?window=30d&limit=40&query=status:medium&cursor={cursor}")).await;
    let page2: Vec<i64> = second["signals"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert!(page2.iter().all(|id| !page1.contains(id)), "pages do not overlap");
    let last_detected = first["signals"][39]["detected_at"].as_str().unwrap().to_owned();
    assert!(second["signals"][0]["detected_at"].as_str().unwrap() <= last_detected.as_str(), "newest first across pages");

    // Most severe first: every page continues where the last ended, and together they are all.
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    let mut ranks = Vec::new();
    loop {
        let path = format!("/api/v1/signals?window=30d&limit=200&sort=severity{}", cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default());
        let (status, page) = json(&app, &path).await;
        assert_eq!(status, 200);
        for s in page["signals"].as_array().unwrap() {
            seen.push(s["id"].as_i64().unwrap());
            ranks.push(analytics::Severity::parse(s["severity"].as_str().unwrap()).unwrap().index());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let (_, all) = json(&app, "/api/v1/signals?window=30d&limit=1").await;
    assert_eq!(seen.len() as u64, all["total"].as_u64().unwrap());
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "most severe first across pages");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no signal twice");

    let ndjson = app.get("/api/v1/signals?window=30d&query=status:medium&format=ndjson").await;
    assert_eq!(ndjson.headers()["content-type"], "application/x-ndjson");
    let text = ndjson.text().await.unwrap();
    assert_eq!(text.lines().count() as u64, total, "ndjson streams every match");
    for line in text.lines().take(5) {
        let signal: Value = serde_json::from_str(line).unwrap();
        assert_eq!(signal["severity"], "medium");
    }
    let csv = app.get("/api/v1/signals?window=30d&query=status:medium&format=csv").await.text().await.unwrap();
    assert!(csv.starts_with("id,detected_at,first_seen,severity,"));
    assert_eq!(csv.lines().count() as u64, total + 1);
}

#[tokio::test]
async fn a_repeated_request_is_answered_from_the_cache() {
    let app = TestApp::spawn_with_demo(500).await;
    let (_, a) = json(&app, "/api/v1/overview?from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z").await;
    let (_, b) = json(&app, "/api/v1/overview?from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z").await;
    // Unchanged data: the same computation, down to its computed_at.
    assert_eq!(a["modules"]["threat-map"]["computed_at"], b["modules"]["threat-map"]["computed_at"]);
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let (status, doc) = json(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in ["/api/v1/overview", "/api/v1/modules/{id}", "/api/v1/signals", "/api/v1/signals/{id}", "/api/v1/history"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    for (path, method) in [("/api/v1/signals/{id}/triage", "post"), ("/api/v1/cases/{id}", "patch"), ("/api/v1/api-keys/{id}", "delete"), ("/api/v1/settings/webhook", "put")] {
        assert!(doc["paths"][path][method]["description"].as_str().unwrap().starts_with("Needs "), "{method} {path}");
    }
    assert_eq!(doc["components"]["securitySchemes"]["session"]["name"], "signalboard_session");
}

fn urlencode(text: &str) -> String {
    app::format::encode(text)
}

#[tokio::test]
async fn responses_are_compressed_for_clients_that_accept_it() {
    let app = TestApp::spawn_with_demo(300).await;
    for path in ["/api/v1/overview?window=30d", "/"] {
        let response = app
            .request(Some(crate::helpers::Role::Viewer), reqwest::Method::GET, path)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], "gzip", "{path}");
    }
    let plain = app.get("/api/v1/overview?window=30d").await;
    assert!(plain.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn the_bundle_is_sent_compressed_at_build_time_when_it_can_be() {
    let app = TestApp::spawn().await;
    let pkg = app.site_root().join("pkg");
    let script = "console.log('signalboard');\n".repeat(200);
    std::fs::write(pkg.join("signalboard.js"), &script).unwrap();
    std::fs::write(pkg.join("signalboard.js.br"), b"precompressed by the build").unwrap();
    std::fs::write(pkg.join("signalboard.css"), "body { color: red; }\n".repeat(200)).unwrap();
    let fetch = |path: &'static str, encoding: &'static str| {
        let request = app.client.get(format!("http://{}{path}", app.addr)).header("accept-encoding", encoding);
        async move { request.send().await.unwrap() }
    };

    // A browser that reads brotli gets the file compressed at build time, untouched.
    let response = fetch("/pkg/signalboard.js", "br").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "br");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"precompressed by the build");

    // Without a compressed copy (here for gzip, and for the CSS) it is compressed on the fly.
    let response = fetch("/pkg/signalboard.js", "gzip").await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let response = fetch("/pkg/signalboard.css", "br").await;
    assert_eq!(response.headers()["content-encoding"], "br");

    // And a client that reads neither gets the file itself.
    let plain = app.get("/pkg/signalboard.js").await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), script);
}

/// `/metrics` speaks the Prometheus text format, labels requests by route pattern (never by
/// the path itself), reports the engine, and needs a session or key like the API.
#[tokio::test]
async fn metrics_count_requests_by_route_and_need_a_sign_in() {
    let app = TestApp::spawn_with_demo(2_000).await;
    let (status, _) = json(&app, "/api/v1/overview?window=7d").await;
    assert_eq!(status, 200);
    let (status, body) = json(&app, "/api/v1/signals?window=30d&limit=1").await;
    assert_eq!(status, 200);
    let id = body["signals"][0]["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/signals/{id}")).await.status(), 200);
    let version = body["signals"][0]["version"].as_i64().unwrap();
    // A real change (a no-op writes nothing): open → under review, anything else → open.
    let to = if body["signals"][0]["triage"]["state"] == "open" { "under_review" } else { "open" };
    let change = serde_json::json!({ "version": version, "change": "state", "to": to });
    let (status, answer) = app.send_json(Some(crate::helpers::Role::Analyst), reqwest::Method::POST, &format!("/api/v1/signals/{id}/triage"), change).await;
    assert_eq!(status, 200, "{answer}");

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for wanted in [
        "# TYPE http_requests_total counter",
        "route=\"/api/v1/overview\"",
        "route=\"/api/v1/signals/{id}\"",
        "# TYPE http_request_duration_seconds histogram",
        "engine_signals_held",
        "engine_module_seconds_bucket{module=\"risk-insights\"",
        "# TYPE engine_write_seconds histogram",
        "route=\"/api/v1/signals/{id}/triage\",status=\"200\"",
    ] {
        assert!(text.contains(wanted), "{wanted} missing from /metrics:\n{text}");
    }
    assert!(!text.contains(&format!("/api/v1/signals/{id}\"")), "a path, not a pattern, became a label");

    let anonymous = app.get_as(None, "/metrics").await;
    assert_eq!(anonymous.status(), 401);
}
