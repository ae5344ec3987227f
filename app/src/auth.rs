//! Who is signed in. The server's sign-in middleware puts a [`SessionUser`] on every request it
//! lets through; pages read it to show the account and to offer only the actions its role
//! allows. Offering is a courtesy: the server checks every write again.

use analytics::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The account a request acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The API key the request came with (recorded with every change it makes).
    #[serde(default)]
    pub api_key_id: Option<i64>,
    /// What that key may do (`None` for a session: whatever the role allows).
    #[serde(default)]
    pub key_scopes: Option<Vec<crate::contract::KeyScope>>,
}

impl SessionUser {
    /// docs/product.md §2: `security_monitoring_signals_write`.
    pub fn can_write_signals(&self) -> bool {
        self.role.can_write_signals()
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Where to go after signing in: only a path of this app (`/…`, never `//host`, `/\host`,
/// control characters or anything a browser would read as another origin); anything else is
/// the overview.
pub fn safe_next(next: &str) -> &str {
    let own_path = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() <= 2_048
        && next.bytes().all(|b| b.is_ascii_graphic());
    if own_path {
        next
    } else {
        "/"
    }
}

/// The signed-in account of the request being served (server only).
#[cfg(feature = "ssr")]
pub fn request_user() -> Option<SessionUser> {
    use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<SessionUser>().cloned())
}

/// The signed-in account, or an error that says so (a server function behind the middleware
/// always has one).
#[cfg(feature = "ssr")]
pub fn require_user() -> Result<SessionUser, crate::error::AppError> {
    request_user().ok_or_else(|| crate::error::AppError::Unauthorized.respond())
}

/// Who is signed in, for the page: `None` on the sign-in page.
#[server(endpoint = "whoami")]
pub async fn who_am_i() -> Result<Option<SessionUser>, crate::error::AppError> {
    Ok(request_user())
}

/// The signed-in account, shared by every page through context.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Option<SessionUser>>);

impl CurrentUser {
    pub fn provide() -> CurrentUser {
        let user = CurrentUser(Resource::new(|| (), |_| async { who_am_i().await.ok().flatten() }));
        provide_context(user);
        user
    }

    pub fn get(self) -> Option<SessionUser> {
        self.0.get().flatten()
    }

    pub fn get_untracked(self) -> Option<SessionUser> {
        self.0.get_untracked().flatten()
    }
}

/// The current user from context (see [`CurrentUser::provide`]).
pub fn use_current_user() -> CurrentUser {
    expect_context::<CurrentUser>()
}

/// The sign-in page. The form posts to the server (`POST /login`), so it works before the
/// page is hydrated and without JavaScript.
#[component]
pub fn LoginPage() -> impl IntoView {
    let params = leptos_router::hooks::use_query_map();
    let error = move || params.read().get("error");
    let next = move || safe_next(&params.read().get("next").unwrap_or_default()).to_owned();
    let user = use_current_user();
    // After a failed attempt the server sends the username back: only the password is retyped.
    let typed = params.read_untracked().get("username").unwrap_or_default();
    view! {
        <leptos_meta::Title text="Sign in"/>
        <section class="login">
            <h1>"Sign in to Signalboard"</h1>
            <Suspense fallback=|| ()>
                {move || user.get().map(|u| view! {
                    <p class="notice" data-testid="already-signed-in">
                        {format!("You are signed in as {} ({}). ", u.username, u.role.as_str())}
                        <a href=next()>"Continue"</a>" or sign in as someone else."
                    </p>
                })}
            </Suspense>
            {move || error().map(|e| view! { <p class="login-error" role="alert">{e}</p> })}
            <form class="login-form" method="post" action="/login">
                <label>"Username" <input name="username" autocomplete="username" required
                    value=typed.clone() autofocus=typed.is_empty()/></label>
                <label>"Password" <input name="password" type="password" autocomplete="current-password" required
                    autofocus=!typed.is_empty()/></label>
                <input type="hidden" name="next" prop:value=next/>
                <button class="button primary" type="submit">"Sign in"</button>
            </form>
            <p class="login-help">
                "No account? Ask an admin to invite you. The first admin is created with "
                <code>"signalboard users create --role admin"</code>"."
            </p>
        </section>
    }
}

/// Choosing a new password: required after signing in with an invite's one-time password (or
/// one an admin set), and open to everyone from the account menu. The form posts to the server
/// (`POST /account/password`), which checks the current password and ends every other session.
#[component]
pub fn PasswordPage() -> impl IntoView {
    let params = leptos_router::hooks::use_query_map();
    let error = move || params.read().get("error");
    let required = move || params.read().get("required").is_some();
    let next = move || safe_next(&params.read().get("next").unwrap_or_default()).to_owned();
    view! {
        <leptos_meta::Title text="Change password"/>
        <section class="login">
            <h1>"Choose a new password"</h1>
            {move || required().then(|| view! {
                <p class="notice" data-testid="password-required">
                    "Your password was set for you by an admin. Choose your own before you continue."
                </p>
            })}
            {move || error().map(|e| view! { <p class="login-error" role="alert">{e}</p> })}
            <form class="login-form" method="post" action="/account/password">
                <label>"Current password" <input name="current" type="password" autocomplete="current-password" required/></label>
                <label>"New password (at least 12 characters)" <input name="new" type="password" autocomplete="new-password" minlength="12" required/></label>
                <label>"New password again" <input name="confirm" type="password" autocomplete="new-password" minlength="12" required/></label>
                <input type="hidden" name="next" prop:value=next/>
                <button class="button primary" type="submit">"Change password"</button>
            </form>
            <p class="login-help">"Changing it signs you out everywhere else."</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_app_are_followed_after_sign_in() {
        for ok in ["/", "/signals?query=status:high&window=7d", "/cases/3"] {
            assert_eq!(safe_next(ok), ok);
        }
        for evil in ["//evil.example/", "/\\evil.example/", "https://evil.example/", "/\n", "/a\rb", "javascript:alert(1)", "", "/ space", "/\u{7f}"] {
            assert_eq!(safe_next(evil), "/", "{evil:?}");
        }
    }
}
