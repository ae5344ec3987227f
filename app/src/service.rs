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
    fn module(&self, id: &str, window: analytics::Window) -> Option<ModuleResult>;
}

/// The [`OverviewSource`] in context.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Overview(pub std::sync::Arc<dyn OverviewSource>);

#[server(endpoint = "module")]
pub async fn load_module(id: String, window: String) -> Result<ModuleResult, ServerFnError> {
    let window = analytics::Window::parse(&window).map_err(ServerFnError::new)?;
    let source = use_context::<Overview>().ok_or_else(|| ServerFnError::new("the overview is not available"))?;
    source.0.module(&id, window).ok_or_else(|| ServerFnError::new(format!("no module '{id}'")))
}

/// One row of the signal list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalRow {
    pub id: i64,
    pub detected_at: String,
    pub severity: analytics::Severity,
    pub title: String,
    pub rule_name: String,
    pub source: String,
    pub state: analytics::TriageState,
    pub archive_reason: Option<analytics::ArchiveReason>,
    pub country: Option<String>,
    pub ip: Option<String>,
}

/// A page of the signal list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalPage {
    pub total: usize,
    pub rows: Vec<SignalRow>,
    pub next_cursor: Option<String>,
}

/// Where the signal list gets its data (implemented by the server's engine).
#[cfg(feature = "ssr")]
pub trait SignalSource: Send + Sync + 'static {
    /// Errors are for people: a bad query says what and where.
    fn signals(
        &self,
        query: &str,
        window: analytics::Window,
        cursor: Option<&str>,
        newest_first: bool,
    ) -> Result<SignalPage, String>;
}

/// The [`SignalSource`] in context.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct Signals(pub std::sync::Arc<dyn SignalSource>);

#[server(endpoint = "signals")]
pub async fn list_signals(
    query: String,
    window: String,
    cursor: Option<String>,
    newest_first: bool,
) -> Result<SignalPage, ServerFnError> {
    let window = analytics::Window::parse(&window).map_err(ServerFnError::new)?;
    let source = use_context::<Signals>().ok_or_else(|| ServerFnError::new("the signal list is not available"))?;
    source.0.signals(&query, window, cursor.as_deref(), newest_first).map_err(ServerFnError::new)
}

#[cfg(feature = "ssr")]
fn database() -> Result<storage::Database, ServerFnError> {
    use_context::<storage::Database>().ok_or_else(|| ServerFnError::new("the database is not available"))
}

/// The overview layout of the current user (everyone shares the anonymous account until sign-in
/// exists). A stored layout that cannot be read any more gives the default, and says so in the
/// server log.
#[server(endpoint = "layout/load")]
pub async fn load_layout() -> Result<crate::layout::Layout, ServerFnError> {
    use crate::layout::Layout;
    let stored = database()?
        .layout(storage::ANONYMOUS_USER_ID)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(match stored {
        None => Layout::default(),
        Some(stored) => Layout::from_stored(stored.schema_version, &stored.layout).unwrap_or_else(|error| {
            leptos::logging::warn!("the stored overview layout is unreadable, using the default: {error}");
            Layout::default()
        }),
    })
}

/// Stores the layout the page sends (JSON, see [`crate::layout::Layout`]) and answers it as
/// stored. A layout naming an unknown module, or one twice, is refused and nothing changes.
#[server(endpoint = "layout/save")]
pub async fn save_layout(layout: String) -> Result<crate::layout::Layout, ServerFnError> {
    use crate::layout::{Layout, SCHEMA_VERSION};
    let layout = Layout::from_page(&layout).map_err(|e| ServerFnError::new(format!("layout refused: {e}")))?;
    let json = serde_json::to_string(&layout).map_err(|e| ServerFnError::new(e.to_string()))?;
    let stored = storage::StoredLayout {
        schema_version: SCHEMA_VERSION,
        layout: json,
        updated_at_ms: chrono_now_ms(),
    };
    database()?
        .save_layout(storage::ANONYMOUS_USER_ID, &stored)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(layout)
}

/// Forgets the stored layout: the page goes back to the default.
#[server(endpoint = "layout/reset")]
pub async fn reset_layout() -> Result<crate::layout::Layout, ServerFnError> {
    database()?
        .delete_layout(storage::ANONYMOUS_USER_ID)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(crate::layout::Layout::default())
}

#[cfg(feature = "ssr")]
fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
