//! Sign-in, sessions and API keys.
//!
//! - Passwords are hashed with Argon2id (the `argon2` crate's defaults, OWASP's minimum).
//! - A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie (Secure when the
//!   request came over HTTPS); the database keeps only its SHA-256, so several servers can share
//!   sessions and a leaked table opens none.
//! - API keys (`sb_…`, created by an admin) go in `Authorization: Bearer`; stored hashed too.
//! - Failed sign-ins are counted per username and per address: each failure answers after a
//!   delay, and past a limit the account or address is refused until the failures age out.
//! - Every route but the sign-in page, the health check and static files needs a session or a
//!   key: pages redirect to `/login`, the API answers 401.

use std::net::SocketAddr;
use std::time::Duration;

use app::auth::SessionUser;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use storage::{Account, Database};

pub const SESSION_COOKIE: &str = "signalboard_session";
/// How long a session lasts: a working day and then some.
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;
/// Failed sign-ins are counted over this long.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;
/// After this many failures for one username in the window, it is refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// After this many failures from one address in the window, it is refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// How long a failed sign-in waits before it answers.
pub const FAILURE_DELAY: Duration = Duration::from_millis(400);

/// A hash no password of any account has: checked against when the account does not exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&generate_password()).expect("hashing works"));

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A password a user can type: 20 characters from an alphabet without look-alikes (~115 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// The rules a new password must meet; the error says which one it breaks.
pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < 12 {
        return Err(format!("the password is too short ({length} characters; at least 12)"));
    }
    if length > 256 {
        return Err(format!("the password is too long ({length} characters; at most 256)"));
    }
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex(&buf)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a token or key, as stored.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A new API key, as shown once to the admin who creates it.
pub fn new_api_key() -> String {
    format!("sb_{}", random_hex(32))
}

pub fn session_user(account: &Account) -> SessionUser {
    SessionUser {
        id: account.id,
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: account.role,
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

/// Whether the request reached us over HTTPS (directly or through a proxy that says so).
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn session_cookie(token: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The account a request acts as: its session cookie, else its API key.
pub async fn authenticate(db: &Database, headers: &HeaderMap) -> Result<Option<Account>, storage::StorageError> {
    if let Some(token) = cookie_value(headers, SESSION_COOKIE) {
        if let Some(account) = db.session_account(&secret_hash(token), now_ms()).await? {
            return Ok(Some(account));
        }
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(key) = bearer {
        return db.api_key_account(&secret_hash(key.trim())).await;
    }
    Ok(None)
}

/// Paths anyone may fetch.
fn public(path: &str) -> bool {
    matches!(path, "/login" | "/logout" | "/healthz" | "/favicon.svg" | "/world.svg" | "/api/whoami")
        || path.starts_with("/pkg/")
}

/// The middleware in front of every route: resolves the account and lets the request through
/// with a [`SessionUser`] extension, or turns it away.
pub async fn require_session(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let db = guard.db;
    let path = request.uri().path().to_owned();
    let address = client_address(&request, guard.trust_proxy);
    request.extensions_mut().insert(ClientAddress(address));
    let account = match authenticate(&db, request.headers()).await {
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
        Some(account) => {
            request.extensions_mut().insert(session_user(&account));
            next.run(request).await
        }
        None if public(&path) => next.run(request).await,
        None if path.starts_with("/api/") => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "sign in first: this needs a session cookie or an API key (Authorization: Bearer sb_…)" })),
        )
            .into_response(),
        None => {
            let target = request.uri().path_and_query().map_or("/".to_owned(), |pq| pq.as_str().to_owned());
            Redirect::to(&format!("/login?next={}", app::signals::encode(&target))).into_response()
        }
    }
}

/// The address a request came from: the TCP peer, or behind a trusted proxy the address the
/// proxy saw (the last entry of `X-Forwarded-For`, the one the proxy itself appended).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// What the sign-in middleware needs.
#[derive(Clone)]
pub struct Guard {
    pub db: Database,
    /// Believe `X-Forwarded-For` (only when a proxy in front sets it and strips clients' own).
    pub trust_proxy: bool,
}

fn client_address(request: &Request, trust_proxy: bool) -> String {
    let forwarded = trust_proxy
        .then(|| request.headers().get("x-forwarded-for"))
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

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

fn back_to_login(error: &str, next: &str) -> Response {
    Redirect::to(&format!("/login?error={}&next={}", app::signals::encode(error), app::signals::encode(next))).into_response()
}

/// `POST /login`: checks the password and starts a session.
pub async fn sign_in(
    State(db): State<Database>,
    axum::Extension(ClientAddress(address)): axum::Extension<ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = if form.next.starts_with('/') && !form.next.starts_with("//") { form.next.clone() } else { "/".to_owned() };
    let username = form.username.trim().to_owned();
    let now = now_ms();
    let outcome: anyhow::Result<Response> = async {
        let (by_account, by_address) = db.sign_in_failures(&username, &address, now - FAILURE_WINDOW_MS).await?;
        if by_account >= MAX_FAILURES_PER_ACCOUNT || by_address >= MAX_FAILURES_PER_ADDRESS {
            tracing::warn!(%username, %address, by_account, by_address, "sign-in refused: too many failures");
            tokio::time::sleep(FAILURE_DELAY).await;
            return Ok(back_to_login("Too many failed sign-ins. Wait 15 minutes and try again.", &next));
        }
        let account = db.account_by_username(&username).await?;
        let ok = match &account {
            Some(a) if a.active => a.password_hash.as_deref().is_some_and(|h| verify_password(h, &form.password)),
            _ => {
                // Spend the same effort as a real check, so timing does not tell which names exist.
                let _ = verify_password(&DUMMY_HASH, &form.password);
                false
            }
        };
        let Some(account) = account.filter(|_| ok) else {
            db.record_sign_in_failure(&username, &address, now).await?;
            tracing::warn!(%username, %address, "failed sign-in");
            tokio::time::sleep(FAILURE_DELAY).await;
            return Ok(back_to_login("The username or password is wrong.", &next));
        };
        db.clear_sign_in_failures(&username).await?;
        let token = random_hex(32);
        db.create_session(&secret_hash(&token), account.id, now, now + SESSION_TTL_MS).await?;
        tracing::info!(username = %account.username, role = account.role.as_str(), "signed in");
        let mut response = Redirect::to(&next).into_response();
        response.headers_mut().insert(
            header::SET_COOKIE,
            session_cookie(&token, SESSION_TTL_MS / 1000, over_https(&headers)).parse().expect("a valid cookie"),
        );
        Ok(response)
    }
    .await;
    outcome.unwrap_or_else(|error| {
        tracing::error!("{error:#}");
        back_to_login("Signing in failed on the server; try again.", &next)
    })
}

/// `POST /logout`: ends the session (the stored one, not just the cookie).
pub async fn sign_out(State(db): State<Database>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        if let Err(error) = db.delete_session(&secret_hash(token)).await {
            tracing::error!(%error, "cannot end the session");
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, over_https(&headers)).parse().expect("a valid cookie"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterz"));
        assert!(!verify_password("not a hash", "correct horse battery"));
        // Two hashes of one password differ (random salts).
        assert_ne!(hash, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn generated_secrets_are_long_and_distinct() {
        let (a, b) = (generate_password(), generate_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(check_password(&a).is_ok());
        let key = new_api_key();
        assert!(key.starts_with("sb_") && key.len() == 67, "{key}");
        assert_eq!(secret_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_rule() {
        assert_eq!(check_password("short").unwrap_err(), "the password is too short (5 characters; at least 12)");
    }

    #[test]
    fn the_client_address_comes_from_the_proxy_only_when_trusted() {
        let request = |forwarded: &str| {
            let mut r = Request::builder().uri("/login").header("x-forwarded-for", forwarded).body(axum::body::Body::empty()).unwrap();
            r.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 443))));
            r
        };
        assert_eq!(client_address(&request("203.0.113.9"), false), "10.0.0.1", "untrusted: the peer");
        assert_eq!(client_address(&request("198.51.100.7, 203.0.113.9"), true), "203.0.113.9", "the entry the proxy added");
        assert_eq!(client_address(&request("not an address"), true), "10.0.0.1", "garbage falls back to the peer");
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let cookie = session_cookie("t", 60, false);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"));
        assert!(session_cookie("t", 60, true).ends_with("; Secure"));
    }
}
