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

pub use analytics::time::now_ms;

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
static ARGON2_PERMITS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs Argon2 (or anything as costly) on the blocking pool, a few at a time.
pub(crate) async fn on_argon2_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let _permit = ARGON2_PERMITS.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// [`hash_password`] off the async workers.
pub(crate) async fn hash_password_async(password: String) -> anyhow::Result<String> {
    on_argon2_pool(move || hash_password(&password)).await?
}

/// [`verify_password`] off the async workers.
pub(crate) async fn verify_password_async(hash: String, password: String) -> bool {
    on_argon2_pool(move || verify_password(&hash, &password)).await.unwrap_or(false)
}

/// A hash no password of any account has: checked against when the account does not exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&generate_password()).expect("hashing works"));

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub(crate) fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A password a user can type: 20 characters from an alphabet without look-alikes (~115 bits).
pub(crate) fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// The rules a new password must meet; the error says which one it breaks.
pub(crate) fn check_password(password: &str) -> Result<(), String> {
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
pub(crate) fn new_api_key() -> String {
    format!("sb_{}", random_hex(32))
}

pub(crate) fn session_user(account: &Account) -> SessionUser {
    SessionUser {
        id: account.id,
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        role: account.role,
        api_key_id: None,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    Session,
    /// An API key, with its id.
    ApiKey(i64),
}

/// The account a request acts as (its session cookie, else its API key), and which credential
/// it was.
pub(crate) async fn authenticate_with(db: &Database, headers: &HeaderMap) -> Result<Option<(Account, Credential)>, storage::StorageError> {
    if let Some(token) = session_token(headers) {
        let now = now_ms();
        if let Some(account) = db.session_account(&secret_hash(token), now, now - SESSION_IDLE_MS).await? {
            return Ok(Some((account, Credential::Session)));
        }
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(key) = bearer {
        return Ok(db.api_key_account(&secret_hash(key.trim())).await?.map(|(key, a)| (a, Credential::ApiKey(key))));
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
pub(crate) async fn require_session(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let db = guard.db;
    let path = request.uri().path().to_owned();
    let address = client_address(&request, guard.trust_proxy);
    request.extensions_mut().insert(ClientAddress(address));
    let account = match authenticate_with(&db, request.headers()).await {
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
            if path.starts_with("/api/") {
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
            let mut user = session_user(&account);
            if let Credential::ApiKey(key) = credential {
                user.api_key_id = Some(key);
            }
            request.extensions_mut().insert(user);
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

#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    pub(crate) username: String,
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) next: String,
}

fn back_to_login(error: &str, next: &str) -> Response {
    redirect(&format!("/login?error={}&next={}", app::format::encode(error), app::format::encode(next)))
}

/// A username as it may appear in the log: at most 64 characters, control characters escaped
/// (the `?` formatting of tracing quotes and escapes it).
fn loggable(username: &str) -> String {
    username.chars().take(64).collect()
}

/// How long until `counts` allow another attempt, for people.
fn wait_text(ms: i64) -> String {
    let s = ((ms + 999) / 1_000).max(1);
    if s == 1 {
        "1 second".to_owned()
    } else if s < 90 {
        format!("{s} seconds")
    } else {
        format!("{} minutes", (s + 59) / 60)
    }
}

/// `POST /login`: checks the password and starts a session.
pub(crate) async fn sign_in(
    State(db): State<Database>,
    axum::Extension(ClientAddress(address)): axum::Extension<ClientAddress>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let next = app::auth::safe_next(&form.next).to_owned();
    let username = form.username.trim().to_owned();
    // A name no account can have is still a failure (counted against the address), but it is
    // neither looked up nor stored as given.
    let well_formed = app::contract::check_username(&username).is_ok() && form.password.len() <= 1_024;
    let recorded = if well_formed { username.clone() } else { String::new() };
    let now = now_ms();
    let outcome: anyhow::Result<Response> = async {
        let allow = |c: &storage::AttemptCounts| {
            c.address < MAX_FAILURES_PER_ADDRESS && c.pair_last_ms.is_none_or(|last| now >= last + attempt_wait_ms(c.pair))
        };
        let (counts, reserved) = db.reserve_sign_in_attempt(&recorded, &address, now, now - FAILURE_WINDOW_MS, allow).await?;
        if reserved.is_none() {
            tracing::warn!(username = ?loggable(&username), %address, pair = counts.pair, by_address = counts.address, "sign-in refused: too many failures");
            tokio::time::sleep(FAILURE_DELAY).await;
            let message = if counts.address >= MAX_FAILURES_PER_ADDRESS {
                "Too many failed sign-ins from your address. Wait 15 minutes and try again.".to_owned()
            } else {
                let wait = counts.pair_last_ms.unwrap_or(now) + attempt_wait_ms(counts.pair) - now;
                format!("Too many failed sign-ins. Wait {} and try again.", wait_text(wait))
            };
            return Ok(back_to_login(&message, &next));
        }
        let account = if well_formed { db.account_by_username(&username).await? } else { None };
        let hash = account.as_ref().filter(|a| a.active && !a.service).and_then(|a| a.password_hash.clone());
        // An unknown name spends the same effort as a real check, so timing does not tell which
        // names exist.
        let ok = verify_password_async(hash.clone().unwrap_or_else(|| DUMMY_HASH.clone()), form.password.clone()).await && hash.is_some();
        let Some(account) = account.filter(|_| ok) else {
            tracing::warn!(username = ?loggable(&username), %address, "failed sign-in");
            tokio::time::sleep(FAILURE_DELAY).await;
            return Ok(back_to_login("The username or password is wrong.", &next));
        };
        db.clear_sign_in_failures(&recorded, &address).await?;
        // A new sign-in never keeps the session it came with (no fixation).
        if let Some(old) = session_token(&headers) {
            db.delete_session(&secret_hash(old)).await?;
        }
        let token = random_hex(32);
        db.create_session(&secret_hash(&token), account.id, now, now + SESSION_TTL_MS).await?;
        tracing::info!(username = %account.username, role = account.role.as_str(), "signed in");
        let target = if account.must_change_password {
            format!("/account/password?required=1&next={}", app::format::encode(&next))
        } else {
            next.clone()
        };
        let mut response = redirect(&target);
        response.headers_mut().insert(
            header::SET_COOKIE,
            session_cookie(&token, SESSION_TTL_MS / 1000, crate::security::over_https(&headers)).parse().expect("a valid cookie"),
        );
        Ok(response)
    }
    .await;
    outcome.unwrap_or_else(|error| {
        tracing::error!("{error:#}");
        back_to_login("Signing in failed on the server; try again.", &next)
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    pub(crate) current: String,
    pub(crate) new: String,
    pub(crate) confirm: String,
    #[serde(default)]
    pub(crate) next: String,
}

/// `POST /account/password`: the signed-in user changes their own password. Every other session
/// of the account ends; the change is in the history.
pub(crate) async fn change_password(
    State(engine): State<std::sync::Arc<app::engine::Engine>>,
    axum::Extension(user): axum::Extension<SessionUser>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let next = app::auth::safe_next(&form.next).to_owned();
    let back = |error: &str| redirect(&format!("/account/password?error={}&next={}", app::format::encode(error), app::format::encode(&next)));
    let db = engine.database().clone();
    let outcome: anyhow::Result<Response> = async {
        let Some(account) = db.account(user.id).await? else {
            return Ok(back("Your account no longer exists."));
        };
        let hash = account.password_hash.clone().unwrap_or_else(|| DUMMY_HASH.clone());
        if form.current.len() > 1_024 || !verify_password_async(hash, form.current.clone()).await {
            tokio::time::sleep(FAILURE_DELAY).await;
            return Ok(back("The current password is wrong."));
        }
        if form.new != form.confirm {
            return Ok(back("The two new passwords differ."));
        }
        if let Err(rule) = check_password(&form.new) {
            return Ok(back(&rule));
        }
        if form.new == form.current {
            return Ok(back("The new password is the current one: choose another."));
        }
        let hash = hash_password_async(form.new.clone()).await?;
        let keep = session_token(&headers).map(secret_hash).unwrap_or_default();
        let now = now_ms();
        let entry = storage::NewHistory {
            at_ms: now,
            actor_id: Some(user.id),
            asset_type: analytics::dataset::AssetType::User,
            asset_id: user.id.to_string(),
            action: "password_changed".into(),
            old_value: None,
            new_value: None,
            reason: None,
            comment: None,
            api_key_id: None,
        };
        let stored = db.change_own_password(user.id, &hash, &keep, entry).await?;
        engine.update(|data| data.append_history(stored));
        tracing::info!(username = %user.username, "password changed");
        Ok(redirect(&next))
    }
    .await;
    outcome.unwrap_or_else(|error| {
        tracing::error!("{error:#}");
        back("Changing the password failed on the server; try again.")
    })
}

/// `POST /logout`: ends the session (the stored one, not just the cookie).
pub(crate) async fn sign_out(State(db): State<Database>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Err(error) = db.delete_session(&secret_hash(token)).await {
            tracing::error!(%error, "cannot end the session");
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, crate::security::over_https(&headers)).parse().expect("a valid cookie"),
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
        // A client's own header line comes first; the proxy's line is the last one.
        let mut r = Request::builder()
            .uri("/login")
            .header("x-forwarded-for", "203.0.113.66")
            .header("x-forwarded-for", "198.51.100.7, 192.0.2.1")
            .body(axum::body::Body::empty())
            .unwrap();
        r.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 443))));
        assert_eq!(client_address(&r, true), "192.0.2.1", "the last value of the last line");
    }

    #[test]
    fn the_wait_between_attempts_grows_and_is_capped() {
        let waits: Vec<i64> = (0..8).map(attempt_wait_ms).collect();
        assert_eq!(waits, [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000]);
        assert_eq!(attempt_wait_ms(40), MAX_ATTEMPT_WAIT_MS);
        assert_eq!(wait_text(1_000), "1 second");
        assert_eq!(wait_text(7_500), "8 seconds");
        assert_eq!(wait_text(900_000), "15 minutes");
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let cookie = session_cookie("t", 60, false);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"));
        let secure = session_cookie("t", 60, true);
        assert!(secure.starts_with("__Host-signalboard_session=t; Path=/;") && secure.ends_with("; Secure"), "{secure}");
        assert!(!secure.contains("Domain"));
    }
}
