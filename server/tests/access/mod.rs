//! Sign-in, permissions and the signal workflow, against the running application.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Role, TestApp, PASSWORD};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Needs {
    /// Any signed-in account.
    Session,
    /// `security_monitoring_signals_write`: analysts and admins.
    SignalsWrite,
    Admin,
}

impl Needs {
    fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (_, None) => false,
            (Needs::Session, Some(_)) => true,
            (Needs::SignalsWrite, Some(r)) => r.can_write_signals(),
            (Needs::Admin, Some(r)) => r == Role::Admin,
        }
    }
}

/// A local webhook receiver: answers 204 and keeps every body it gets.
async fn receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

/// Open signals detected in the last day, newest first: (id, version).
async fn open_signals(app: &TestApp, extra: &str) -> Vec<(i64, i64)> {
    let query = app::format::encode(&format!("@workflow.triage.state:open {extra}"));
    let (status, body) = app.send_json(Some(Role::Admin), Method::GET, &format!("/api/v1/signals?window=7d&limit=200&query={query}"), Value::Null).await;
    assert_eq!(status, 200, "{body}");
    body["signals"].as_array().unwrap().iter().map(|s| (s["id"].as_i64().unwrap(), s["version"].as_i64().unwrap())).collect()
}

async fn version_of(app: &TestApp, id: i64) -> i64 {
    let (_, body) = app.send_json(Some(Role::Admin), Method::GET, &format!("/api/v1/signals/{id}"), Value::Null).await;
    body["version"].as_i64().unwrap()
}

/// The id of the newest history event.
async fn newest_event(app: &TestApp) -> Value {
    app.send_json(Some(Role::Admin), Method::GET, "/api/v1/history?limit=1", Value::Null).await.1["events"][0]["id"].clone()
}

/// Every mutating route and server function, for anonymous, viewer, analyst and admin: an
/// allowed call succeeds (2xx), a refused one is 401 (anonymous) or 403 (signed in) and
/// changes nothing.
#[tokio::test]
async fn the_permission_matrix_is_enforced_on_the_server() {
    let app = TestApp::spawn_with_demo(2_000).await;
    let (hook, _) = receiver().await;
    let (status, _) = app.send_json(Some(Role::Admin), Method::PUT, "/api/v1/settings/webhook", json!({ "url": hook })).await;
    assert_eq!(status, 200);
    let (status, case) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/cases", json!({ "title": "Matrix case" })).await;
    assert_eq!(status, 201, "{case}");
    let case_id = case["case"]["id"].as_i64().unwrap();
    let target_user = app.account_id(Role::Viewer);
    let (status, incident) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/incidents", json!({ "title": "Matrix incident", "severity": "SEV-3", "case_id": case_id })).await;
    assert_eq!(status, 201, "{incident}");
    let incident_id = incident["incident"]["id"].as_i64().unwrap();

    let mut pool = open_signals(&app, "").await.into_iter();
    let roles = [None, Some(Role::Viewer), Some(Role::Analyst), Some(Role::Admin)];
    let layout = json!({ "modules": [{ "id": "threat-map", "hidden": true }] }).to_string();
    let mut checked = 0;
    for role in roles {
        // Fresh targets for each caller, so an allowed call is a real change.
        let (one, one_version) = pool.next().unwrap();
        let (bulk, bulk_version) = pool.next().unwrap();
        let (linked, linked_version) = pool.next().unwrap();
        let (status, key) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/api-keys", json!({ "name": "to revoke" })).await;
        assert_eq!(status, 201);
        let key_id = key["id"].as_i64().unwrap();
        let label = role.map_or("anonymous", |r| r.as_str());
        let routes: Vec<(Method, String, Value, Needs)> = vec![
            (Method::POST, format!("/api/v1/signals/{one}/triage"), json!({ "version": one_version, "change": "state", "to": "under_review" }), Needs::SignalsWrite),
            (Method::POST, "/api/v1/signals/triage".into(), json!({ "signals": [{ "id": bulk, "version": bulk_version }], "change": "assign", "assignee_id": app.account_id(Role::Analyst) }), Needs::SignalsWrite),
            (Method::POST, format!("/api/v1/signals/{one}/workflow"), json!({}), Needs::SignalsWrite),
            (Method::POST, "/api/v1/cases".into(), json!({ "title": format!("Case by {label}") }), Needs::SignalsWrite),
            (Method::PATCH, format!("/api/v1/cases/{case_id}"), json!({ "description": format!("edited by {label}") }), Needs::SignalsWrite),
            (Method::POST, format!("/api/v1/cases/{case_id}/signals"), json!({ "signals": [{ "id": linked, "version": linked_version }] }), Needs::SignalsWrite),
            (Method::POST, "/api/v1/incidents".into(), json!({ "title": format!("Incident by {label}"), "severity": "SEV-2", "signal_id": one }), Needs::SignalsWrite),
            (Method::PATCH, format!("/api/v1/incidents/{incident_id}"), json!({ "status": if label == "admin" { "resolved" } else { "stable" } }), Needs::SignalsWrite),
            (Method::POST, "/api/v1/users".into(), json!({ "username": format!("invited-{label}"), "role": "viewer" }), Needs::Admin),
            (Method::PATCH, format!("/api/v1/users/{target_user}"), json!({ "role": "viewer" }), Needs::Admin),
            (Method::POST, "/api/v1/api-keys".into(), json!({ "name": format!("key of {label}") }), Needs::Admin),
            (Method::DELETE, format!("/api/v1/api-keys/{key_id}"), Value::Null, Needs::Admin),
            (Method::PUT, "/api/v1/settings/webhook".into(), json!({ "url": hook }), Needs::Admin),
            (Method::GET, "/api/v1/users".into(), Value::Null, Needs::Admin),
            (Method::GET, "/api/v1/api-keys".into(), Value::Null, Needs::Admin),
            (Method::GET, "/api/v1/settings/webhook".into(), Value::Null, Needs::Admin),
            (Method::GET, "/api/v1/history".into(), Value::Null, Needs::Session),
            (Method::GET, "/api/v1/overview?window=1d".into(), Value::Null, Needs::Session),
        ];
        for (method, path, body, needs) in routes {
            let history_before = newest_event(&app).await;
            let (status, reply) = app.send_json(role, method.clone(), &path, body).await;
            if needs.allows(role) {
                assert!((200..300).contains(&status), "{label} {method} {path}: expected success, got {status} {reply}");
            } else {
                let expected = if role.is_none() { 401 } else { 403 };
                assert_eq!(status, expected, "{label} {method} {path}: {reply}");
                assert!(reply["error"].as_str().is_some_and(|e| !e.is_empty()), "{label} {method} {path}: a refusal says why");
                let history_after = newest_event(&app).await;
                assert_eq!(history_before, history_after, "{label} {method} {path}: a refused call writes nothing");
            }
            checked += 1;
        }
        // The triaged signal did not move for those refused.
        let expected_version = if Needs::SignalsWrite.allows(role) { one_version + 1 } else { one_version };
        assert_eq!(version_of(&app, one).await, expected_version, "{label}");

        // Server functions: the layout (any account) and the admin page's data (admins).
        for (path, body, needs) in [
            ("/api/layout/save", format!("layout={}", app::format::encode(&layout)), Needs::Session),
            ("/api/layout/reset", String::new(), Needs::Session),
            ("/api/admin/overview", String::new(), Needs::Admin),
        ] {
            let response = app
                .request(role, Method::POST, path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            if needs.allows(role) {
                assert_eq!(status, 200, "{label} {path}: {}", response.text().await.unwrap());
            } else {
                assert_eq!(status, if role.is_none() { 401 } else { 403 }, "{label} {path}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 21);
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = TestApp::spawn_with_demo(300).await;
    let page = app.get_as(None, "/signals?query=status%3Ahigh").await;
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?next=%2Fsignals%3Fquery%3Dstatus%253Ahigh");
    let api = app.get_as(None, "/api/v1/overview").await;
    assert_eq!(api.status(), 401);
    let login = app.get_as(None, "/login").await;
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("action=\"/login\""));
    // A forged cookie is no session.
    let forged = app
        .client
        .get(format!("http://{}/api/v1/overview", app.addr))
        .header("cookie", "signalboard_session=0000")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("http://{}/login", app.addr))
        .form(&[("username", username), ("password", password), ("next", "/signals")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_sets_a_strict_cookie_and_sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let response = sign_in(&app, "t-analyst", PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/signals");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = app.client.post(format!("http://{}/api/whoami", app.addr)).header("cookie", &session).send().await.unwrap();
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["username"], "t-analyst");
    assert_eq!(me["role"], "analyst");

    // Over HTTPS (as a proxy reports it), the cookie is Secure.
    let secure = app
        .client
        .post(format!("http://{}/login", app.addr))
        .header("x-forwarded-proto", "https")
        .form(&[("username", "t-viewer"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let secure = secure.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(secure.starts_with("__Host-signalboard_session=") && secure.ends_with("; Secure"), "{secure}");

    let out = app.client.post(format!("http://{}/logout", app.addr)).header("cookie", &session).send().await.unwrap();
    assert_eq!(out.status(), 303);
    let after = app.client.get(format!("http://{}/api/v1/overview", app.addr)).header("cookie", &session).send().await.unwrap();
    assert_eq!(after.status(), 401, "the stored session is gone, not just the cookie");
}

#[tokio::test]
async fn failed_sign_ins_are_slowed_then_made_to_wait_without_locking_the_owner_out() {
    use signalboard::auth::{FAILURE_DELAY, FREE_FAILURES};
    let app = TestApp::spawn().await;
    let started = std::time::Instant::now();
    for _ in 0..FREE_FAILURES {
        let response = sign_in(&app, "t-admin", "wrong password!").await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/login?error=The%20username%20or%20password%20is%20wrong."), "{location}");
    }
    assert!(started.elapsed() >= FAILURE_DELAY * FREE_FAILURES as u32, "each failure waits before answering");
    // Now this name from this address must wait before trying again, even with the right password…
    let refused = sign_in(&app, "t-admin", PASSWORD).await;
    let location = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("Too%20many%20failed%20sign-ins.%20Wait%201%20second"), "{location}");
    assert!(refused.headers().get("set-cookie").is_none());
    // …another account is not affected…
    let other = sign_in(&app, "t-viewer", PASSWORD).await;
    assert!(other.headers().get("set-cookie").is_some());
    // …and after the short wait the owner gets in: a guesser cannot lock them out.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let owner = sign_in(&app, "t-admin", PASSWORD).await;
    assert!(owner.headers().get("set-cookie").is_some(), "{:?}", owner.headers().get("location"));
    // An unknown user fails the same way.
    let unknown = sign_in(&app, "nobody", PASSWORD).await;
    assert!(unknown.headers()["location"].to_str().unwrap().contains("username%20or%20password%20is%20wrong"));
}

#[tokio::test]
async fn api_keys_act_as_their_account_until_revoked() {
    let app = TestApp::spawn_with_demo(300).await;
    // A key never acts as another person: the audit trail's actor is who made the change.
    let analyst = app.account_id(Role::Analyst);
    let (status, refused) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/api-keys", json!({ "name": "SOAR", "user_id": analyst })).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("never as someone else"), "{refused}");
    // It acts as a service account, made for it (no password: nobody signs in as it).
    let (status, soar) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/users", json!({ "username": "soar", "role": "analyst", "service": true })).await;
    assert_eq!(status, 201, "{soar}");
    assert_eq!(soar["password"], Value::Null);
    assert_eq!(soar["user"]["service"], true);
    let (status, created) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/api-keys", json!({ "name": "SOAR", "user_id": soar["user"]["id"] })).await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    let with_key = |method: Method, path: &str| {
        app.client.request(method, format!("http://{}{path}", app.addr)).header("authorization", format!("Bearer {key}"))
    };
    assert_eq!(with_key(Method::GET, "/api/v1/overview?window=1d").send().await.unwrap().status(), 200);
    // The key has the analyst's permissions: not an admin's.
    assert_eq!(with_key(Method::GET, "/api/v1/users").send().await.unwrap().status(), 403);
    let (id, version) = open_signals(&app, "").await[0];
    let triaged = with_key(Method::POST, &format!("/api/v1/signals/{id}/triage"))
        .json(&json!({ "version": version, "change": "state", "to": "under_review" }))
        .send()
        .await
        .unwrap();
    assert_eq!(triaged.status(), 200);
    // The change names the service account as its actor and the key it was made with.
    let (_, history) = app.send_json(Some(Role::Admin), Method::GET, "/api/v1/history?limit=1", Value::Null).await;
    assert_eq!(history["events"][0]["actor"], "soar");
    assert_eq!(history["events"][0]["api_key_id"], created["id"]);
    // Keys are listed without the key, and stored only hashed.
    let (_, keys) = app.send_json(Some(Role::Admin), Method::GET, "/api/v1/api-keys", Value::Null).await;
    assert!(!keys.to_string().contains(&key));
    let revoke = app.request(Some(Role::Admin), Method::DELETE, &format!("/api/v1/api-keys/{}", created["id"])).send().await.unwrap();
    assert_eq!(revoke.status(), 204);
    assert_eq!(with_key(Method::GET, "/api/v1/overview").send().await.unwrap().status(), 401);
}

async fn module(app: &TestApp, id: &str) -> Value {
    module_as(app, Role::Viewer, id).await
}

async fn module_as(app: &TestApp, role: Role, id: &str) -> Value {
    let (status, body) = app.send_json(Some(role), Method::GET, &format!("/api/v1/modules/{id}?window=7d"), Value::Null).await;
    assert_eq!(status, 200);
    body["result"]["data"].clone()
}

/// Waits until `role` reads module `id` as `expected` says; everyone sees another user's change
/// within the engine's staleness limit (1 s, docs/product.md §6). The margin is for a loaded CI.
async fn until_module(app: &TestApp, role: Role, id: &str, expected: impl Fn(&Value) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let data = module_as(app, role, id).await;
        if expected(&data) {
            return;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{id} as {role:?} is still {data}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn false_positives(rule_performance: &Value) -> u64 {
    rule_performance["important_by_archive_reason"]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == "false_positive")
        .map_or(0, |pair| pair[1].as_u64().unwrap())
}

/// An analyst reviews a signal and archives it as a false positive: the overview shows it to them
/// at once and to everyone within the staleness limit, the signal's history and the audit trail
/// at once; a second analyst working from the old version gets a conflict and changes nothing.
#[tokio::test]
async fn triage_reaches_the_overview_history_and_audit_at_once() {
    let app = TestApp::spawn_with_demo(3_000).await;
    let (id, version) = open_signals(&app, "(status:critical OR status:high)").await[0];
    let open_before = module(&app, "important-signals").await["open_signals"]["value"].as_f64().unwrap();
    let fp_before = false_positives(&module(&app, "rule-performance").await);

    let (status, reviewed) = app
        .send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{id}/triage"), json!({ "version": version, "change": "state", "to": "under_review" }))
        .await;
    assert_eq!(status, 200, "{reviewed}");
    assert_eq!(reviewed["state"], "under_review");
    assert_eq!(reviewed["version"], version + 1);
    let open_signals = |data: &Value| data["open_signals"]["value"].as_f64().unwrap();
    assert_eq!(open_signals(&module_as(&app, Role::Analyst, "important-signals").await), open_before - 1.0);
    until_module(&app, Role::Viewer, "important-signals", |data| open_signals(data) == open_before - 1.0).await;

    // A second analyst still holding the first version: a clear conflict, nothing written.
    let (status, conflict) = app
        .send_json(Some(Role::Admin), Method::POST, &format!("/api/v1/signals/{id}/triage"), json!({ "version": version, "change": "state", "to": "archived", "reason": "other" }))
        .await;
    assert_eq!(status, 409);
    let message = conflict["error"].as_str().unwrap();
    assert!(message.contains("was changed by t-analyst") && message.contains("nothing was changed"), "{message}");
    assert_eq!(version_of(&app, id).await, version + 1);

    // Archiving needs a reason; a bad one is a 400 naming it.
    let (status, refused) = app
        .send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{id}/triage"), json!({ "version": version + 1, "change": "state", "to": "archived" }))
        .await;
    assert_eq!((status, refused["error"].as_str().unwrap().starts_with("archiving needs a reason")), (422, true), "{refused}");
    let (status, refused) = app
        .send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{id}/triage"), json!({ "version": version + 1, "change": "state", "to": "archived", "reason": "bored" }))
        .await;
    assert_eq!(status, 400);
    assert!(refused["error"].as_str().unwrap().contains("bored"), "{refused}");

    let (status, archived) = app
        .send_json(
            Some(Role::Analyst),
            Method::POST,
            &format!("/api/v1/signals/{id}/triage"),
            json!({ "version": version + 1, "change": "state", "to": "archived", "reason": "false_positive", "comment": "our own scanner" }),
        )
        .await;
    assert_eq!(status, 200, "{archived}");
    assert_eq!(false_positives(&module_as(&app, Role::Analyst, "rule-performance").await), fp_before + 1);
    until_module(&app, Role::Viewer, "rule-performance", |data| false_positives(data) == fp_before + 1).await;

    let (_, signal) = app.send_json(Some(Role::Viewer), Method::GET, &format!("/api/v1/signals/{id}"), Value::Null).await;
    let history = signal["history"].as_array().unwrap();
    let last = &history[history.len() - 1];
    assert_eq!((last["actor"].as_str(), last["old_value"].as_str(), last["new_value"].as_str()), (Some("t-analyst"), Some("under_review"), Some("archived")));
    assert_eq!((last["reason"].as_str(), last["comment"].as_str()), (Some("false_positive"), Some("our own scanner")));

    let (_, audit) = app.send_json(Some(Role::Viewer), Method::GET, "/api/v1/history?actor=t-analyst&asset_type=security_signal", Value::Null).await;
    let events = audit["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{audit}");
    assert!(events.iter().all(|e| e["asset_id"] == id.to_string() && e["action"] == "state"));
    let (status, bad) = app.send_json(Some(Role::Viewer), Method::GET, "/api/v1/history?asset_type=planet", Value::Null).await;
    assert_eq!(status, 400);
    assert!(bad["error"].as_str().unwrap().starts_with("asset_type: 'planet'"));

    // The history table itself refuses edits.
    let tampered = match &app.db {
        storage::Database::Sqlite(pool) => sqlx::query("UPDATE history SET action = 'x'").execute(pool).await.is_err(),
        storage::Database::Postgres(_) => unreachable!(),
    };
    assert!(tampered, "the history is append-only");
}

#[tokio::test]
async fn bulk_changes_report_each_refusal_and_keep_the_rest() {
    let app = TestApp::spawn_with_demo(2_000).await;
    let signals = open_signals(&app, "").await;
    let (a, b, c) = (signals[0], signals[1], signals[2]);
    let (status, reply) = app
        .send_json(
            Some(Role::Analyst),
            Method::POST,
            "/api/v1/signals/triage",
            json!({ "signals": [{ "id": a.0, "version": a.1 }, { "id": b.0, "version": b.1 - 1 }, { "id": c.0, "version": c.1 }], "change": "state", "to": "archived", "reason": "testing_or_maintenance" }),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let changed: Vec<i64> = reply["changed"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(changed, vec![a.0, c.0]);
    let refused = &reply["refused"][0];
    assert_eq!((refused["id"].as_i64(), refused["status"].as_u64()), (Some(b.0), Some(409)));
    assert_eq!(version_of(&app, b.0).await, b.1, "the refused one is untouched");
}

#[tokio::test]
async fn cases_incidents_and_workflows() {
    let app = TestApp::spawn_with_demo(1_000).await;
    let (hook, received) = receiver().await;
    let signals = open_signals(&app, "").await;
    let analyst = app.account_id(Role::Analyst);
    let (status, created) = app
        .send_json(
            Some(Role::Analyst),
            Method::POST,
            "/api/v1/cases",
            json!({ "title": "  Okta brute force  ", "priority": "P2", "assignee_id": analyst, "signals": [{ "id": signals[0].0, "version": signals[0].1 }] }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let case_id = created["case"]["id"].as_i64().unwrap();
    assert_eq!(created["case"]["title"], "Okta brute force");
    assert_eq!(created["linked"].as_array().unwrap().len(), 1);
    let (_, linked) = app
        .send_json(Some(Role::Admin), Method::GET, &format!("/api/v1/signals?window=7d&query=%40case.id%3A{case_id}"), Value::Null)
        .await;
    assert_eq!(linked["total"], 1);

    let (status, added) = app
        .send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/cases/{case_id}/signals"), json!({ "signals": [{ "id": signals[1].0, "version": signals[1].1 }] }))
        .await;
    assert_eq!(status, 200, "{added}");
    let (status, closed) = app.send_json(Some(Role::Analyst), Method::PATCH, &format!("/api/v1/cases/{case_id}"), json!({ "status": "closed" })).await;
    assert_eq!(status, 200);
    assert!(closed["case"]["closed_at"].as_str().is_some());
    let (status, bad) = app.send_json(Some(Role::Analyst), Method::PATCH, &format!("/api/v1/cases/{case_id}"), json!({ "priority": "P9" })).await;
    assert_eq!(status, 400, "{bad}");
    let (status, missing) = app.send_json(Some(Role::Analyst), Method::POST, "/api/v1/cases", json!({ "title": "" })).await;
    assert_eq!((status, missing["error"].as_str()), (400, Some("title: a title is needed")));

    let (status, incident) = app
        .send_json(Some(Role::Analyst), Method::POST, "/api/v1/incidents", json!({ "title": "Okta takeover", "severity": "SEV-1", "case_id": case_id }))
        .await;
    assert_eq!(status, 201, "{incident}");
    assert_eq!(incident["incident"]["status"], "active");
    let incident_id = incident["incident"]["id"].as_i64().unwrap();
    let (status, moved) = app.send_json(Some(Role::Analyst), Method::PATCH, &format!("/api/v1/incidents/{incident_id}"), json!({ "status": "resolved", "severity": "SEV-2" })).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!((moved["incident"]["status"].as_str(), moved["incident"]["severity"].as_str()), (Some("resolved"), Some("SEV-2")));
    let (status, _) = app.send_json(Some(Role::Analyst), Method::PATCH, &format!("/api/v1/incidents/{incident_id}"), json!({ "status": "forgotten" })).await;
    assert_eq!(status, 400);

    // Without a webhook, a workflow says what to do; with one, the signal is posted as JSON.
    let (status, none) = app.send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{}/workflow", signals[0].0), json!({})).await;
    assert_eq!(status, 409);
    assert!(none["error"].as_str().unwrap().contains("no workflow webhook is configured"));
    let (status, _) = app.send_json(Some(Role::Admin), Method::PUT, "/api/v1/settings/webhook", json!({ "url": "ftp://x" })).await;
    assert_eq!(status, 400);
    app.send_json(Some(Role::Admin), Method::PUT, "/api/v1/settings/webhook", json!({ "url": hook })).await;
    let (status, ran) = app.send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{}/workflow", signals[0].0), json!({})).await;
    assert_eq!(status, 200, "{ran}");
    let posted = received.lock().unwrap().clone();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["signal"]["id"], signals[0].0);
    assert_eq!(posted[0]["triggered_by"], "t-analyst");

    // All of it is in the audit trail.
    let (_, audit) = app.send_json(Some(Role::Viewer), Method::GET, "/api/v1/history?asset_type=case", Value::Null).await;
    let actions: Vec<&str> = audit["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["incident_severity", "incident_status", "incident", "status", "created"]);
    let (_, audit) = app.send_json(Some(Role::Viewer), Method::GET, "/api/v1/history?action=workflow", Value::Null).await;
    // The history keeps the webhook's scheme and host only (its path may carry a token).
    let recorded = audit["events"][0]["new_value"].as_str().unwrap();
    assert!(recorded.starts_with("webhook http://127.0.0.1:") && recorded.ends_with(" answered 204") && !recorded.contains("/hook"), "{recorded}");
}

#[tokio::test]
async fn admins_invite_change_roles_and_deactivate() {
    let app = TestApp::spawn().await;
    let (status, invited) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/users", json!({ "username": "new.analyst", "role": "analyst" })).await;
    assert_eq!(status, 201, "{invited}");
    let password = invited["password"].as_str().unwrap().to_owned();
    let id = invited["user"]["id"].as_i64().unwrap();
    let signed_in = sign_in(&app, "new.analyst", &password).await;
    // An invite's password was chosen by the admin: its owner must choose their own first.
    assert_eq!(signed_in.headers()["location"], "/account/password?required=1&next=%2Fsignals");
    let session = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let as_new = |path: &str| app.client.get(format!("http://{}{path}", app.addr)).header("cookie", session.clone());
    let (status, page) = {
        let r = as_new("/api/v1/overview").send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("choose a new password first"), "{page}");
    assert_eq!(as_new("/cases").send().await.unwrap().headers()["location"], "/account/password?required=1&next=%2Fcases");
    let change = |current: &str, new: &str, confirm: &str| {
        app.client
            .post(format!("http://{}/account/password", app.addr))
            .header("cookie", session.clone())
            .form(&[("current", current), ("new", new), ("confirm", confirm), ("next", "/signals")])
            .send()
    };
    let wrong = change("not the password", "a long new passphrase", "a long new passphrase").await.unwrap();
    assert!(wrong.headers()["location"].to_str().unwrap().contains("current%20password%20is%20wrong"));
    let short = change(&password, "short", "short").await.unwrap();
    assert!(short.headers()["location"].to_str().unwrap().contains("too%20short"));
    let differ = change(&password, "a long new passphrase", "a long new passphrasf").await.unwrap();
    assert!(differ.headers()["location"].to_str().unwrap().contains("differ"));
    let changed = change(&password, "a long new passphrase", "a long new passphrase").await.unwrap();
    assert_eq!(changed.headers()["location"], "/signals");
    assert_eq!(as_new("/api/v1/overview").send().await.unwrap().status(), 200, "the session goes on with the new password");
    let old = sign_in(&app, "new.analyst", &password).await;
    assert!(old.headers().get("set-cookie").is_none(), "the invite's password no longer works");
    let password = "a long new passphrase".to_owned();

    let (status, taken) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/users", json!({ "username": "new.analyst", "role": "viewer" })).await;
    assert_eq!((status, taken["error"].as_str()), (409, Some("the username 'new.analyst' is taken")));
    let (status, _) = app.send_json(Some(Role::Admin), Method::POST, "/api/v1/users", json!({ "username": "bad name!", "role": "viewer" })).await;
    assert_eq!(status, 400);

    let (status, _) = app.send_json(Some(Role::Admin), Method::PATCH, &format!("/api/v1/users/{id}"), json!({ "active": false })).await;
    assert_eq!(status, 200);
    assert_eq!(as_new("/api/v1/overview").send().await.unwrap().status(), 401, "deactivation ends the sessions");
    let again = sign_in(&app, "new.analyst", &password).await;
    assert!(again.headers().get("set-cookie").is_none());

    let me = app.account_id(Role::Admin);
    let (status, refused) = app.send_json(Some(Role::Admin), Method::PATCH, &format!("/api/v1/users/{me}"), json!({ "role": "viewer" })).await;
    assert_eq!(status, 422, "{refused}");

    let (_, audit) = app.send_json(Some(Role::Admin), Method::GET, "/api/v1/history?asset_type=user", Value::Null).await;
    let actions: Vec<&str> = audit["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["deactivated", "password_changed", "created"]);
}
