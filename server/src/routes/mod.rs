//! The REST API under `/api/v1`, one file per area: the overview and its modules (with the
//! OpenAPI document), signals (the list, one signal, exports), triage, cases, incidents (and
//! workflow runs), the audit trail, and administration (users, API keys, settings). The pages
//! call these same routes; the bodies of the writes are typed in [`app::contract`].
//!
//! Each write checks the caller's permission first (403, saying which permission is missing),
//! then the input (400 naming the field), then the workflow rules (422), then the version the
//! caller read (409: someone else changed it; nothing is written). A change is in the database
//! and the history before the in-memory dataset, and the overview sees it from the next request.
//! Every route runs behind the session check of [`crate::auth`], which puts the caller's
//! [`SessionUser`] in the request's extensions.

use app::auth::SessionUser;
use axum::http::header::CONTENT_TYPE;
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

mod admin;
mod attack;
mod audit;
mod cases;
mod incidents;
mod intake;
mod overview;
mod rules;
mod signals;
mod triage;

/// Every REST route.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(overview::router())
        .merge(signals::router())
        .merge(triage::router())
        .merge(cases::router())
        .merge(incidents::router())
        .merge(audit::router())
        .merge(admin::router())
        .merge(attack::router())
        .merge(intake::router())
        .merge(rules::router())
}

/// The routes that post to the webhook take the policy of where it may post from the state.
/// docs/product.md §2: changing signals, cases and incidents needs `security_monitoring_signals_write`.
pub(crate) fn require_signals_write(user: &SessionUser) -> Result<(), ApiError> {
    if user.can_write_signals() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{} is a {}: changing signals, cases and incidents needs the permission security_monitoring_signals_write (analyst or admin)",
            user.username,
            user.role.as_str()
        )))
    }
}

/// Managing users, API keys and settings needs the admin role.
pub(crate) fn require_admin(user: &SessionUser) -> Result<(), ApiError> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{} is a {}: managing users, API keys and settings needs the admin role",
            user.username,
            user.role.as_str()
        )))
    }
}

/// A JSON body, with a 400 that says what is wrong with it instead of axum's plain-text one.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        // A JSON route takes JSON only: a form or `text/plain` post (which a browser sends
        // cross-site without asking) is refused before its body is read.
        let content_type = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            let shown = if content_type.is_empty() { "none".to_owned() } else { format!("'{}'", content_type.chars().take(100).collect::<String>()) };
            return Err(ApiError::UnsupportedMediaType(format!(
                "the request body must be JSON (Content-Type: application/json); it was {shown}"
            )));
        }
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::bad(format!("cannot read the request body: {e}")))?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad(format!("the request body is not valid: {e}")))
    }
}

/// Building an [`AppState`] over a fresh SQLite database, and driving a router with
/// `oneshot` (no socket, no session middleware: the caller is put in the request directly).
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use analytics::Role;
    use app::auth::SessionUser;
    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use axum::Router;
    use leptos::config::LeptosOptions;
    use serde_json::Value;
    use storage::Database;
    use tower::ServiceExt;

    use app::engine::Engine;
    use crate::state::AppState;

    /// The state of a test, with one account per role; the database lives as long as it.
    pub(crate) struct TestState {
        pub(crate) state: AppState,
        pub(crate) users: Vec<SessionUser>,
        _dir: tempfile::TempDir,
    }

    impl TestState {
        /// With `signals` demo signals over the last 30 days (none when 0).
        pub(crate) async fn new(signals: usize) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            let db = Database::open(&url).await.unwrap();
            if signals > 0 {
                crate::startup::seed_demo(&db, crate::DemoSize { signals, days: 30, seed: 11 }).await.unwrap();
            }
            let now = analytics::time::now_ms();
            let mut users = Vec::new();
            for role in [Role::Viewer, Role::Analyst, Role::Admin] {
                let username = format!("r-{}", role.as_str());
                let account = db
                    .create_account(
                        &storage::NewAccount {
                            username: &username,
                            display_name: &username,
                            email: None,
                            role,
                            password_hash: None,
                            must_change_password: false,
                            service: false,
                        },
                        now,
                    )
                    .await
                    .unwrap();
                users.push(crate::auth::session_user(&account));
            }
            let engine = Arc::new(Engine::load(db.clone()).await.unwrap());
            let leptos_options = LeptosOptions::builder().output_name(app::BUNDLE_NAME).build();
            let intake = Arc::new(crate::intake::Intake::open(db.clone(), Some(engine.clone()), &Default::default()).await.unwrap());
            let state = AppState {
                leptos_options,
                db,
                engine,
                intake,
                sessions: Default::default(),
                trust_proxy: false,
                webhook: crate::webhook::Policy::default(),
            };
            TestState { state, users, _dir: dir }
        }

        pub(crate) fn user(&self, role: Role) -> SessionUser {
            self.users.iter().find(|u| u.role == role).unwrap().clone()
        }

        pub(crate) fn engine(&self) -> &Engine {
            &self.state.engine
        }

        /// The newest signal no one has touched (open, unassigned, in no case) and its version.
        /// The demo data ends now, so whether the very newest one was already triaged depends
        /// on the time of day.
        pub(crate) fn newest_untouched(&self) -> (i64, i64) {
            let data = self.engine().snapshot();
            let t = &data.signals;
            let i = (0..t.len())
                .rev()
                .find(|&i| t.state[i] == analytics::model::TriageState::Open && t.assignee[i].get().is_none() && t.case_id[i].get().is_none())
                .expect("an untouched signal");
            (t.id[i], t.version[i])
        }

        /// Sends a request to `router` as `role` (with `body` as JSON when given) and answers
        /// the status and the JSON reply (`null` when not JSON).
        pub(crate) async fn send(&self, router: Router<AppState>, role: Role, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
            let mut request = Request::builder().method(method).uri(path);
            let body = match body {
                Some(json) => {
                    request = request.header("content-type", "application/json");
                    Body::from(json.to_string())
                }
                None => Body::empty(),
            };
            let request = request.extension(self.user(role)).body(body).unwrap();
            self.call(router, request).await
        }

        /// Sends a request as it is to `router`.
        pub(crate) async fn call(&self, router: Router<AppState>, request: Request<Body>) -> (StatusCode, Value) {
            let response = router.with_state(self.state.clone()).oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
        }
    }
}
