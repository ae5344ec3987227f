//! The sign-in, password change and sign-out forms: plain POSTs, so they work before the page
//! is hydrated, with throttled failures (see [`super`]).

use app::auth::SessionUser;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use std::sync::Arc;
use serde::Deserialize;
use storage::Database;

use super::*;

#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    pub(crate) username: String,
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) next: String,
}

/// Back to the form with what went wrong, keeping the username typed (when it is one an account
/// could have) so that only the password is typed again.
fn back_to_login(error: &str, next: &str, username: &str) -> Response {
    let mut to = format!("/login?error={}&next={}", app::format::encode(error), app::format::encode(next));
    if !username.is_empty() {
        to.push_str(&format!("&username={}", app::format::encode(username)));
    }
    redirect(&to)
}

/// A username as it may appear in the log: at most 64 characters, control characters escaped
/// (the `?` formatting of tracing quotes and escapes it).
fn loggable(username: &str) -> String {
    username.chars().take(64).collect()
}

/// How long until `counts` allow another attempt, for people.
pub(super) fn wait_text(ms: i64) -> String {
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
    State(sessions): State<Arc<SessionCache>>,
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
            return Ok(back_to_login(&message, &next, &recorded));
        }
        let account = if well_formed { db.account_by_username(&username).await? } else { None };
        let hash = account.as_ref().filter(|a| a.active && !a.service).and_then(|a| a.password_hash.clone());
        // An unknown name spends the same effort as a real check, so timing does not tell which
        // names exist.
        let ok = verify_password_async(hash.clone().unwrap_or_else(|| DUMMY_HASH.clone()), form.password.clone()).await && hash.is_some();
        let Some(account) = account.filter(|_| ok) else {
            tracing::warn!(username = ?loggable(&username), %address, "failed sign-in");
            tokio::time::sleep(FAILURE_DELAY).await;
            return Ok(back_to_login("The username or password is wrong.", &next, &recorded));
        };
        db.clear_sign_in_failures(&recorded, &address).await?;
        // A new sign-in never keeps the session it came with (no fixation).
        if let Some(old) = session_token(&headers) {
            sessions.forget(&secret_hash(old));
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
        back_to_login("Signing in failed on the server; try again.", &next, &recorded)
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
    State(engine): State<Arc<app::engine::Engine>>,
    State(sessions): State<Arc<SessionCache>>,
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
        let entry = analytics::dataset::HistoryEntry {
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
        // The other sessions ended, and this one no longer has to change its password.
        sessions.clear();
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
pub(crate) async fn sign_out(State(db): State<Database>, State(sessions): State<Arc<SessionCache>>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        let token_hash = secret_hash(token);
        sessions.forget(&token_hash);
        if let Err(error) = db.delete_session(&token_hash).await {
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
