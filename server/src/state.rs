//! What every handler and server function shares: the app's options, the database, the engine,
//! and the settings requests are answered under.

use std::sync::Arc;

use app::engine::Engine;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use storage::Database;

/// Shared by every handler and server function.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub engine: Arc<Engine>,
    pub intake: Arc<crate::intake::Intake>,
    /// Sessions the database accepted in the last second.
    pub sessions: Arc<crate::auth::SessionCache>,
    #[from_ref(skip)]
    pub trust_proxy: bool,
    #[from_ref(skip)]
    pub webhook: crate::webhook::Policy,
}

impl FromRef<AppState> for crate::webhook::Policy {
    fn from_ref(state: &AppState) -> Self {
        state.webhook.clone()
    }
}
