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

/// Heavy work (searches, facets, module computations) off the async workers: on the blocking
/// pool, a few at a time (one per core), each with a deadline it checks as it goes, so no query
/// can hold a worker or starve the rest (`/healthz` included).
#[cfg(feature = "ssr")]
pub mod heavy {
    use std::sync::LazyLock;
    use std::time::{Duration, Instant};

    /// How long one piece of heavy work may take, and how long a request waits for its turn.
    pub const DEADLINE: Duration = Duration::from_secs(15);

    static PERMITS: LazyLock<tokio::sync::Semaphore> =
        LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

    /// Why heavy work did not run to its end.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
    pub enum Refused {
        #[error("the server is busy with other searches; try again in a moment")]
        Busy,
        #[error("the work failed on the server")]
        Failed,
    }

    /// Runs `work` on the blocking pool once a permit is free (waiting at most [`DEADLINE`]);
    /// `work` gets a function that says when its own deadline has passed.
    pub async fn run<T: Send + 'static>(work: impl FnOnce(&dyn Fn() -> bool) -> T + Send + 'static) -> Result<T, Refused> {
        let permit = tokio::time::timeout(DEADLINE, PERMITS.acquire())
            .await
            .map_err(|_| Refused::Busy)?
            .map_err(|_| Refused::Failed)?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let deadline = Instant::now() + DEADLINE;
            work(&|| Instant::now() > deadline)
        })
        .await
        .map_err(|_| Refused::Failed)
    }
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
    let module = id.clone();
    heavy::run(move |_| source.0.module(&module, window))
        .await
        .map_err(ServerFnError::new)?
        .ok_or_else(|| ServerFnError::new(format!("no module '{id}'")))
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
    pub assignee: Option<String>,
    pub case_id: Option<i64>,
    /// What a change must name (optimistic versioning).
    pub version: i64,
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
    /// `stop` says when to give up (see [`heavy::run`]).
    fn signals(
        &self,
        query: &str,
        window: analytics::Window,
        cursor: Option<&str>,
        sort: analytics::query::Sort,
        stop: &dyn Fn() -> bool,
    ) -> Result<SignalPage, String>;

    fn facets(&self, query: &str, window: analytics::Window, stop: &dyn Fn() -> bool) -> Result<Vec<Facet>, String>;

    fn detail(&self, id: i64) -> Option<SignalDetail>;

    /// The audit trail, newest first: (rows, total matching).
    fn audit(&self, actor: &str, action: &str, asset_type: &str, limit: usize) -> Result<(Vec<HistoryRow>, usize), String>;

    /// Every case, newest first, with its linked signal count.
    fn cases(&self) -> Vec<CaseRow>;

    /// A case's timeline: its own events and those of its signals, newest first.
    fn case_timeline(&self, id: i64) -> Vec<HistoryRow>;

    /// Who a case can be assigned to.
    fn assignable(&self) -> Vec<Assignable>;

    /// The incidents declared from a case or from one of its signals, newest first.
    fn incidents_of_case(&self, id: i64) -> Vec<IncidentRow>;
}

/// One case in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: analytics::CaseStatus,
    pub priority: analytics::CasePriority,
    pub assignee: Option<String>,
    pub assignee_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub signals: usize,
}

/// A name and how many signals have it: one entry of a facet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacetValue {
    /// What a click adds to the query.
    pub value: String,
    /// What the page shows (a tactic's name with its ID, say).
    pub label: String,
    pub count: usize,
}

/// The counts of one attribute's values over the whole result (most frequent first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facet {
    pub label: String,
    /// The query attribute a click adds (`status`, `source`, …).
    pub attribute: String,
    pub values: Vec<FacetValue>,
}

/// One entry of a signal's history, names resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub at: String,
    pub actor: Option<String>,
    pub asset_type: String,
    pub asset_id: String,
    pub action: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

/// A person a signal or case can be assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignable {
    pub id: i64,
    pub display_name: String,
}

/// Everything the side panel shows about one signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalDetail {
    pub row: SignalRow,
    pub product: String,
    pub first_seen: String,
    pub rule_id: String,
    pub tactics: Vec<(String, String)>,
    pub techniques: Vec<(String, String)>,
    /// (type, name)
    pub entities: Vec<(String, String)>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub isp: Option<String>,
    pub asn: Option<i64>,
    pub ti_indicator: Option<String>,
    pub ti_category: Option<String>,
    pub ti_intention: Option<String>,
    pub ti_subcategory: Option<String>,
    pub archive_comment: Option<String>,
    pub assignee_id: Option<i64>,
    /// Signals sharing an entity or the IP, newest first (at most 10).
    pub related: Vec<SignalRow>,
    pub history: Vec<HistoryRow>,
    /// Whether the 30-day rule still lets it change.
    pub modifiable: bool,
    pub next_states: Vec<analytics::TriageState>,
    pub assignable: Vec<Assignable>,
    /// Open cases it can be added to: (id, title).
    pub open_cases: Vec<(i64, String)>,
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
    sort: String,
) -> Result<SignalPage, ServerFnError> {
    let window = analytics::Window::parse(&window).map_err(ServerFnError::new)?;
    let sort = analytics::query::Sort::parse(&sort)
        .ok_or_else(|| ServerFnError::new(format!("'{sort}' is not a sort order: newest, oldest or severity")))?;
    let source = signal_source()?;
    heavy::run(move |stop| source.0.signals(&query, window, cursor.as_deref(), sort, stop))
        .await
        .map_err(ServerFnError::new)?
        .map_err(ServerFnError::new)
}

#[cfg(feature = "ssr")]
fn signal_source() -> Result<Signals, ServerFnError> {
    crate::auth::require_user()?;
    use_context::<Signals>().ok_or_else(|| ServerFnError::new("the signal list is not available"))
}

#[server(endpoint = "signals/facets")]
pub async fn signal_facets(query: String, window: String) -> Result<Vec<Facet>, ServerFnError> {
    let window = analytics::Window::parse(&window).map_err(ServerFnError::new)?;
    let source = signal_source()?;
    heavy::run(move |stop| source.0.facets(&query, window, stop))
        .await
        .map_err(ServerFnError::new)?
        .map_err(ServerFnError::new)
}

#[server(endpoint = "signals/detail")]
pub async fn load_signal_detail(id: i64) -> Result<Option<SignalDetail>, ServerFnError> {
    Ok(signal_source()?.0.detail(id))
}

#[server(endpoint = "audit")]
pub async fn audit_trail(actor: String, action: String, asset_type: String, limit: usize) -> Result<(Vec<HistoryRow>, usize), ServerFnError> {
    signal_source()?.0.audit(&actor, &action, &asset_type, limit.clamp(1, 5_000)).map_err(ServerFnError::new)
}

#[server(endpoint = "cases/list")]
pub async fn list_cases() -> Result<Vec<CaseRow>, ServerFnError> {
    Ok(signal_source()?.0.cases())
}

/// An incident as a case page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: i64,
    pub title: String,
    pub severity: analytics::IncidentSeverity,
    pub status: analytics::IncidentStatus,
    pub commander: Option<String>,
    pub declared_at: String,
    pub signal_id: Option<i64>,
}

/// One case with its timeline, who it can be assigned to, and its incidents.
#[allow(clippy::type_complexity)]
#[server(endpoint = "cases/detail")]
pub async fn case_detail(id: i64) -> Result<Option<(CaseRow, Vec<HistoryRow>, Vec<Assignable>, Vec<IncidentRow>)>, ServerFnError> {
    let source = signal_source()?;
    Ok(source
        .0
        .cases()
        .into_iter()
        .find(|c| c.id == id)
        .map(|case| (case, source.0.case_timeline(id), source.0.assignable(), source.0.incidents_of_case(id))))
}

#[cfg(feature = "ssr")]
fn database() -> Result<storage::Database, ServerFnError> {
    use_context::<storage::Database>().ok_or_else(|| ServerFnError::new("the database is not available"))
}

/// The overview layout of the signed-in user. A stored layout that cannot be read any more gives the default, and says so in the
/// server log.
#[server(endpoint = "layout/load")]
pub async fn load_layout() -> Result<crate::layout::Layout, ServerFnError> {
    use crate::layout::Layout;
    let user = crate::auth::require_user()?;
    let stored = database()?
        .layout(user.id)
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
    let user = crate::auth::require_user()?;
    let layout = Layout::from_page(&layout).map_err(|e| ServerFnError::new(format!("layout refused: {e}")))?;
    let json = serde_json::to_string(&layout).map_err(|e| ServerFnError::new(e.to_string()))?;
    let stored = storage::StoredLayout {
        schema_version: SCHEMA_VERSION,
        layout: json,
        updated_at_ms: chrono_now_ms(),
    };
    database()?
        .save_layout(user.id, &stored)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(layout)
}

/// Forgets the stored layout: the page goes back to the default.
#[server(endpoint = "layout/reset")]
pub async fn reset_layout() -> Result<crate::layout::Layout, ServerFnError> {
    let user = crate::auth::require_user()?;
    database()?
        .delete_layout(user.id)
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

/// An account as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: analytics::Role,
    pub active: bool,
    pub can_sign_in: bool,
    /// A service account (API keys act as it; nobody signs in as it).
    pub service: bool,
}

/// An API key as the admin page lists it (never the key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub revoked: bool,
}

/// What the admin page shows: accounts, API keys and the workflow webhook. Admins only.
#[server(endpoint = "admin/overview")]
pub async fn admin_overview() -> Result<(Vec<AccountRow>, Vec<ApiKeyRow>, Option<String>), ServerFnError> {
    let user = crate::auth::require_user()?;
    if !user.is_admin() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::FORBIDDEN);
        }
        return Err(ServerFnError::new("the admin page needs the admin role"));
    }
    let db = database()?;
    let e = |e: storage::StorageError| ServerFnError::new(e.to_string());
    let accounts = db
        .accounts()
        .await
        .map_err(e)?
        .into_iter()
        .map(|a| AccountRow {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            role: a.role,
            active: a.active,
            can_sign_in: a.password_hash.is_some() && !a.service,
            service: a.service,
        })
        .collect();
    let keys = db
        .api_keys()
        .await
        .map_err(e)?
        .into_iter()
        .map(|k| ApiKeyRow { id: k.id, name: k.name, user_id: k.user_id, revoked: k.revoked_at_ms.is_some() })
        .collect();
    let webhook = db.setting("workflow.webhook_url").await.map_err(e)?;
    Ok((accounts, keys, webhook))
}
