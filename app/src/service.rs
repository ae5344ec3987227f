//! What the pages ask of the server: one overview module for a window. The server function is a
//! one-line adapter over an [`OverviewSource`] the server provides through context.

use analytics::overview::ModuleData;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One module's data and when it was computed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModuleResult {
    pub computed_at: String,
    pub data: ModuleData,
}

/// Where the server functions get their data (implemented by the server's engine).
#[cfg(feature = "ssr")]
pub trait OverviewSource: Send + Sync + 'static {
    fn module(&self, id: &str, window: analytics::WindowPreset) -> Option<ModuleResult>;
}

/// The [`OverviewSource`] in context.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Overview(pub std::sync::Arc<dyn OverviewSource>);

#[server]
pub async fn load_module(id: String, window: String) -> Result<ModuleResult, ServerFnError> {
    let preset = analytics::WindowPreset::parse(&window).map_err(ServerFnError::new)?;
    let source = use_context::<Overview>().ok_or_else(|| ServerFnError::new("the overview is not available"))?;
    source.0.module(&id, preset).ok_or_else(|| ServerFnError::new(format!("no module '{id}'")))
}
