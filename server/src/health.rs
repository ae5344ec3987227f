//! `GET /healthz`: 200 when the server can reach its database, 503 otherwise.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use storage::Database;

/// How long a health check waits for the database before calling it unreachable.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn healthz(State(db): State<Database>) -> Response {
    let backend = db.backend().as_str();
    let reachable = match tokio::time::timeout(PING_TIMEOUT, db.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!(backend, %error, "health check: database unreachable");
            false
        }
        Err(_) => {
            tracing::warn!(backend, "health check: database did not answer in time");
            false
        }
    };
    let (status, word) = if reachable {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    let body = json!({
        "status": word,
        "database": { "backend": backend, "reachable": reachable },
    });
    (status, Json(body)).into_response()
}
