#![recursion_limit = "256"]
#![warn(unreachable_pub)]
//! Signalboard's user interface: the page shell, the overview and its modules. Rendered on the
//! server (feature `ssr`) and hydrated in the browser (feature `hydrate`) from the same code.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod entities;
pub mod incidents;
mod charts;
pub mod client;
#[cfg(feature = "ssr")]
pub mod engine;
pub mod error;
pub mod contract;
pub mod format;
pub mod layout;
pub mod overview;
pub mod ready;
pub mod release_notes;
pub mod rows;
pub mod rules;
// Leptos' `#[component]` gives each component's props builder `pub` setters, even for a
// component private to its module.
#[allow(unreachable_pub)]
mod panels;
mod roving;
pub mod service;
pub mod signals;
pub mod theme;
pub mod window_picker;
pub mod world;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::overview::OverviewPage;

/// The name cargo-leptos gives the bundle: `/pkg/signalboard.js`, `.wasm` and `.css`.
pub const BUNDLE_NAME: &str = "signalboard";

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=crate::theme::current_theme().as_str()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="dark light"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::auth::CurrentUser::provide();
    let loads = crate::ready::PageLoads::provide();
    // Effects run only in the browser, after hydration: the mark tells tests (and anyone
    // scripting the page) that clicks will now be handled and that what the page loads at once
    // (the overview's lower modules) is there.
    Effect::new(move |_| crate::roving::install());
    Effect::new(move |_| {
        if loads.settled() {
            mark_hydrated();
        }
    });

    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{BUNDLE_NAME}.css")/>
        <Title formatter=|page: String| format!("{page} · Signalboard")/>
        <Router>
            <div class="app">
                <a class="skip-link" href="#main" on:click=skip_to_content>"Skip to content"</a>
                <TopBar/>
                <main class="main" id="main" tabindex="-1">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=OverviewPage/>
                        <Route path=path!("/signals") view=crate::signals::SignalsPage/>
                        <Route path=path!("/login") view=crate::auth::LoginPage/>
                        <Route path=path!("/account/password") view=crate::auth::PasswordPage/>
                        <Route path=path!("/audit") view=crate::audit::AuditPage/>
                        <Route path=path!("/cases") view=crate::cases::CasesPage/>
                        <Route path=path!("/cases/:id") view=crate::cases::CasePage/>
                        <Route path=path!("/incidents") view=crate::incidents::IncidentsPage/>
                        <Route path=path!("/incidents/:id") view=crate::incidents::IncidentPage/>
                        <Route path=path!("/entities") view=crate::entities::EntitiesPage/>
                        <Route path=path!("/entities/:kind/:name") view=crate::entities::EntityPage/>
                        <Route path=path!("/admin") view=crate::admin::AdminPage/>
                        <Route path=path!("/rules") view=crate::rules::RulesPage/>
                        <Route path=path!("/rules/:id") view=crate::rules::RulePage/>
                        <Route path=path!("/release-notes") view=crate::release_notes::ReleaseNotesPage/>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// Moves focus to the page's content (the router would otherwise only scroll to it).
fn skip_to_content(ev: leptos::ev::MouseEvent) {
    use leptos::wasm_bindgen::JsCast;
    ev.prevent_default();
    if let Some(main) = document().get_element_by_id("main") {
        let _ = main.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

fn mark_hydrated() {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let user = crate::auth::use_current_user();
    view! {
        <header class="topbar">
            <a class="brand" href="/" aria-label="Signalboard overview">
                <Logo/>
                <span class="brand-name">"Signalboard"</span>
            </a>
            <Suspense fallback=|| ()>
                {move || user.get().map(|u| view! {
                    <nav class="topnav" aria-label="Sections">
                        <TopNavItem href="/" label="Overview"/>
                        <TopNavItem href="/signals" label="Signals"/>
                        <TopNavItem href="/entities" label="Entities"/>
                        <TopNavItem href="/cases" label="Cases"/>
                        <TopNavItem href="/incidents" label="Incidents"/>
                        <TopNavItem href="/rules" label="Rules"/>
                        <TopNavItem href="/audit" label="Audit trail"/>
                        {u.is_admin().then(|| view! { <TopNavItem href="/admin" label="Admin"/> })}
                    </nav>
                })}
            </Suspense>
            <div class="topbar-end">
                <crate::theme::ThemeToggle/>
                <Suspense fallback=|| ()>
                    {move || user.get().map(|u| view! {
                        <a class="user-pill" data-testid="user" href="/account/password"
                            title=format!("Signed in as {} ({}); change your password", u.username, u.role.as_str())>
                            {u.display_name.clone()}<span class="role-tag">{u.role.as_str()}</span>
                        </a>
                        <form method="post" action="/logout" class="signout">
                            <button class="button ghost" type="submit">"Sign out"</button>
                        </form>
                    })}
                </Suspense>
            </div>
        </header>
    }
}

#[component]
fn TopNavItem(href: &'static str, label: &'static str) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let current = move || (location.pathname.get() == href).then_some("page");
    view! { <a href=href class="topnav-item" aria-current=current>{label}</a> }
}

/// The product mark: a shield crossed by a signal trace.
#[component]
fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <path d="M16 2 L28 7 V15 C28 23 22.5 28 16 30 C9.5 28 4 23 4 15 V7 Z" class="logo-shield"/>
            <polyline points="7,17 12,17 14,11 18,23 20,15 25,15" class="logo-trace"/>
        </svg>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address."</p>
            <a class="button" href="/">"Back to the overview"</a>
        </section>
    }
}
