//! Sign-in, sessions and API keys.
//!
//! - Passwords are hashed with Argon2id (the `argon2` crate's defaults, OWASP's minimum).
//! - A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie (Secure when the
//!   request came over HTTPS); the database keeps only its SHA-256, so several servers can share
//!   sessions and a leaked table opens none.
//! - API keys (`sb_…`, created by an admin) go in `Authorization: Bearer`; stored hashed too.
//! - Failed sign-ins are counted per (username, address) pair and per address: after a few
//!   failures the pair must wait a delay that doubles with each further failure (so a guesser
//!   cannot lock the real owner out from elsewhere), and an address past a limit is refused
//!   until its failures age out. Each attempt is reserved in the database before the password
//!   is checked, so parallel guesses are counted one after another.
//! - Argon2 runs on the blocking pool behind a semaphore: a burst of sign-ins never stalls the
//!   async workers that answer everything else.
//! - Every route but the sign-in page, the health check and static files needs a session or a
//!   key: pages redirect to `/login`, the API answers 401.

mod forms;
mod secrets;
mod sessions;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::auth::SessionUser;
use app::contract::KeyScope;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;
use storage::{Account, Database};

pub use analytics::time::now_ms;

pub(crate) use forms::{change_password, sign_in, sign_out};
pub use secrets::*;
pub use sessions::{Cached, SessionCache, SESSION_RECHECK};

pub const SESSION_COOKIE: &str = "signalboard_session";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes the browser refuse it
/// unless it is Secure, for this host only, and for every path.
pub(crate) const SECURE_SESSION_COOKIE: &str = "__Host-signalboard_session";
/// How long a session lasts: a working day and then some.
pub(crate) const SESSION_TTL_MS: i64 = 12 * 3_600_000;
/// A session not used for this long ends (every request, the page's own included, is a use).
pub(crate) const SESSION_IDLE_MS: i64 = 60 * 60_000;
/// Failed sign-ins are counted over this long.
pub(crate) const FAILURE_WINDOW_MS: i64 = 15 * 60_000;
/// Failures of one username from one address before each further attempt must wait.
pub const FREE_FAILURES: i64 = 3;
/// The longest wait between attempts of one username from one address.
pub(crate) const MAX_ATTEMPT_WAIT_MS: i64 = 15 * 60_000;
/// After this many failures from one address in the window, it is refused.
pub(crate) const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// How long a failed sign-in waits before it answers.
pub const FAILURE_DELAY: Duration = Duration::from_millis(400);

/// How long the next attempt of a (username, address) pair with `failures` recent failures
/// must wait after the last one: nothing for the first few, then 1 s, doubling to 15 minutes.
pub(crate) fn attempt_wait_ms(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        let doublings = (failures - FREE_FAILURES).min(20) as u32;
        (1_000i64 << doublings).min(MAX_ATTEMPT_WAIT_MS)
    }
}

/// Argon2 checks at once: one per core, so sign-ins cannot take every blocking thread.

pub(crate) fn session_user(account: &Account) -> SessionUser {
    SessionUser {
        id: account.id,
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: account.role,
        api_key_id: None,
        key_scopes: None,
    }
}

fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn session_cookie(token: &str, max_age_s: i64, secure: bool) -> String {
    if secure {
        format!("{SECURE_SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}; Secure")
    } else {
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}")
    }
}

/// The session token a request carries (under either cookie name).
pub(crate) fn session_token(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, SECURE_SESSION_COOKIE).or_else(|| cookie_value(headers, SESSION_COOKIE))
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    Session,
    /// An API key, with its id and what it may do.
    ApiKey(i64, Vec<KeyScope>),
}

/// The account a request acts as (its session cookie, else its API key), and which credential
/// it was.
pub(crate) async fn authenticate_with(
    db: &Database,
    sessions: &Arc<SessionCache>,
    headers: &HeaderMap,
) -> Result<Option<(Account, Credential)>, storage::StorageError> {
    // An API key in `Authorization` is what the request means to act as, even when the client
    // also holds a session cookie (a script run from a signed-in browser profile). `Splunk <key>`
    // is how HEC clients (Vector, Fluent Bit, the OpenTelemetry Collector) send it. A page
    // cannot set this header cross-site without a CORS preflight, which is never granted.
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("Splunk ")));
    if let Some(key) = bearer {
        return Ok(db
            .api_key_account(&secret_hash(key.trim()))
            .await?
            .map(|(key, scopes, a)| (a, Credential::ApiKey(key, KeyScope::parse_list(&scopes)))));
    }
    if let Some(token) = session_token(headers) {
        let token_hash = secret_hash(token);
        if let Cached::Accepted { account, check_ahead } = sessions.lookup(&token_hash) {
            if check_ahead {
                tokio::spawn(check_session(db.clone(), sessions.clone(), token_hash));
            }
            return Ok(Some((account, Credential::Session)));
        }
        if let Some(account) = live_session(db, &token_hash).await? {
            sessions.insert(token_hash, account.clone());
            return Ok(Some((account, Credential::Session)));
        }
    }
    Ok(None)
}

/// Asks the database again about a cached session, in the background (see [`sessions`]): it stays
/// accepted for another [`SESSION_RECHECK`], or is forgotten when the database no longer accepts
/// it (signed out elsewhere, expired, the account deactivated).
async fn check_session(db: Database, sessions: Arc<SessionCache>, token_hash: String) {
    match live_session(&db, &token_hash).await {
        Ok(Some(account)) => sessions.insert(token_hash, account),
        Ok(None) => sessions.forget(&token_hash),
        Err(error) => {
            tracing::warn!(%error, "cannot check a session again ahead of time");
            sessions.check_failed(&token_hash);
        }
    }
}

/// The account of a session that has neither expired nor been idle too long.
async fn live_session(db: &Database, token_hash: &str) -> Result<Option<Account>, storage::StorageError> {
    let now = now_ms();
    db.session_account(token_hash, now, now - SESSION_IDLE_MS).await
}

/// Paths read by programs rather than people (the API, the metrics): refused with a status and a
/// JSON reason, never redirected to the sign-in page.
fn for_machines(path: &str) -> bool {
    path.starts_with("/api/") || path == "/metrics" || ingest_path(path)
}

/// Where shippers send logs: only API keys with the `ingest` scope may.
pub(crate) fn ingest_path(path: &str) -> bool {
    path == "/api/v1/logs" || path.starts_with("/services/collector")
}

/// What a request with this credential may not do here: the scope it lacks, as a refusal.
fn scope_refusal(credential: &Credential, path: &str, method: &axum::http::Method) -> Option<String> {
    let needed = if ingest_path(path) {
        KeyScope::Ingest
    } else if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        KeyScope::Read
    } else {
        KeyScope::Write
    };
    match credential {
        Credential::ApiKey(_, scopes) if !scopes.contains(&needed) => Some(format!(
            "this API key's scopes are {}: {} needs the '{}' scope",
            if scopes.is_empty() { "none".to_owned() } else { KeyScope::join(scopes) },
            if needed == KeyScope::Ingest { "sending logs" } else if needed == KeyScope::Read { "reading" } else { "changing anything" },
            needed.as_str()
        )),
        Credential::Session if needed == KeyScope::Ingest => {
            Some("sending logs needs an API key with the 'ingest' scope (Authorization: Bearer sb_… or Splunk sb_…), not a session".to_owned())
        }
        _ => None,
    }
}

fn public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/logout" | "/healthz" | "/favicon.svg" | "/world.svg" | "/api/whoami" | "/services/collector/health" | "/services/collector/health/1.0"
    )
        || path.starts_with("/pkg/")
}

/// The middleware in front of every route: resolves the account and lets the request through
/// with a [`SessionUser`] extension, or turns it away.
pub(crate) async fn require_session(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let Guard { db, sessions, trust_proxy } = guard;
    let path = request.uri().path().to_owned();
    let address = client_address(&request, trust_proxy);
    request.extensions_mut().insert(ClientAddress(address));
    let account = match authenticate_with(&db, &sessions, request.headers()).await {
        Ok(account) => account,
        Err(_) if public(&path) => None,
        Err(error) => {
            tracing::error!(%error, "cannot check the session");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": "the session store is not available; try again shortly" })),
            )
                .into_response();
        }
    };
    match account {
        // Someone who signed in with a password an admin chose must choose their own first:
        // pages lead to the form, the API refuses.
        Some((account, Credential::Session)) if account.must_change_password && !public(&path) && path != "/account/password" => {
            if for_machines(&path) {
                (
                    StatusCode::FORBIDDEN,
                    Json(json!({ "error": "choose a new password first (your password was set by an admin): /account/password" })),
                )
                    .into_response()
            } else {
                let target = request.uri().path_and_query().map_or("/".to_owned(), |pq| pq.as_str().to_owned());
                redirect(&format!("/account/password?required=1&next={}", app::format::encode(&target)))
            }
        }
        Some((account, credential)) => {
            if let Some(refusal) = scope_refusal(&credential, &path, request.method()) {
                return (StatusCode::FORBIDDEN, Json(json!({ "error": refusal }))).into_response();
            }
            let mut user = session_user(&account);
            if let Credential::ApiKey(key, scopes) = credential {
                user.api_key_id = Some(key);
                user.key_scopes = Some(scopes);
            }
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        None if public(&path) => next.run(request).await,
        None if for_machines(&path) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "sign in first: this needs a session cookie or an API key (Authorization: Bearer sb_…)" })),
        )
            .into_response(),
        None => {
            let target = request.uri().path_and_query().map_or("/".to_owned(), |pq| pq.as_str().to_owned());
            redirect(&format!("/login?next={}", app::format::encode(&target)))
        }
    }
}

/// A `303 See Other` to a path of this app (never panics: a location that is not a valid
/// header value leads to the overview).
fn redirect(location: &str) -> Response {
    let location = if axum::http::HeaderValue::from_str(location).is_ok() { location } else { "/" };
    Redirect::to(location).into_response()
}

/// The address a request came from: the TCP peer, or behind a trusted proxy the address the
/// proxy saw (the last entry of `X-Forwarded-For`, the one the proxy itself appended).
#[derive(Debug, Clone)]
pub(crate) struct ClientAddress(pub(crate) String);

/// What the sign-in middleware needs.
#[derive(Clone)]
pub(crate) struct Guard {
    pub(crate) db: Database,
    pub(crate) sessions: std::sync::Arc<SessionCache>,
    /// Believe `X-Forwarded-For` (only when a proxy in front sets it and strips clients' own).
    pub(crate) trust_proxy: bool,
}

fn client_address(request: &Request, trust_proxy: bool) -> String {
    // The proxy appends to the last header line: a client's own lines come before it.
    let forwarded = trust_proxy
        .then(|| request.headers().get_all("x-forwarded-for").iter().next_back())
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .filter(|v| v.parse::<std::net::IpAddr>().is_ok());
    match forwarded {
        Some(address) => address.to_owned(),
        None => request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
    }
}
