//! The overview and its modules for a window, and the OpenAPI document. The engine holds each
//! module's typed data; here it becomes the API's JSON. Bad parameters get a 400 whose message
//! says which parameter and what is wrong.

use std::sync::Arc;

use analytics::overview::{ModuleId, Span};
use analytics::time::{now_ms, rfc3339, Millis, DAY_MS};
use analytics::WindowPreset;
use app::engine::Computed;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use app::auth::SessionUser;
use app::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/overview", get(overview))
        .route("/api/v1/modules/{id}", get(module))
        .route("/api/v1/team-performance", get(team_performance))
        .route("/api/v1/openapi.json", get(openapi))
}

/// The window parameters of a read.
#[derive(Debug, Deserialize)]
pub(crate) struct WindowParams {
    pub(crate) window: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
}

/// The window a request asks for. A preset (`window=7d`) ends at the next whole minute, so
/// requests within the same minute share one cached answer; `from`/`to` are used as given.
/// Without either, the default preset (1 day).
pub(crate) fn resolve_window(params: &WindowParams, now: Millis) -> ApiResult<Span> {
    let parse = |name: &str, value: &str| -> ApiResult<Millis> {
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc).timestamp_millis())
            .map_err(|e| ApiError::bad(format!("parameter '{name}': '{value}' is not an RFC 3339 time ({e})")))
    };
    match (&params.window, &params.from, &params.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::bad("give either 'window' or 'from' and 'to', not both")),
        (Some(window), None, None) => {
            let preset = WindowPreset::parse(window).map_err(|e| ApiError::bad(format!("parameter 'window': {e}")))?;
            Ok(preset_span(preset, now))
        }
        (None, Some(from), Some(to)) => {
            let (from, to) = (parse("from", from)?, parse("to", to)?);
            if from >= to {
                return Err(ApiError::bad("parameter 'from' must be before 'to'"));
            }
            let max = analytics::window::MAX_RANGE_DAYS;
            if to - from > max * DAY_MS {
                return Err(ApiError::bad(format!("parameters 'from' and 'to': the range is longer than {max} days")));
            }
            Ok(Span { from, to })
        }
        (None, Some(_), None) => Err(ApiError::bad("parameter 'to' is missing (it goes with 'from')")),
        (None, None, Some(_)) => Err(ApiError::bad("parameter 'from' is missing (it goes with 'to')")),
        (None, None, None) => Ok(preset_span(WindowPreset::default(), now)),
    }
}

/// A preset's window ending at the next whole minute, as the pages compute it.
fn preset_span(preset: WindowPreset, now: Millis) -> Span {
    analytics::Window::Preset(preset).span(now)
}

/// `GET /api/v1/overview`: `{"from", "to", "modules": {id: {"computed_at", "data"}, …}}`, the
/// modules in their order on the page.
#[derive(Serialize)]
struct OverviewBody {
    from: String,
    to: String,
    modules: Modules,
}

/// The modules as one object keyed by module id, in [`ModuleId::ALL`] order, each the JSON
/// the engine wrote once for it.
struct Modules(Vec<(ModuleId, Arc<Computed>)>);

impl Serialize for Modules {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (id, computed) in &self.0 {
            map.serialize_entry(id.as_str(), computed.json())?;
        }
        map.end()
    }
}

/// `GET /api/v1/modules/{id}`: `{"from", "to", "module", "result": {"computed_at", "data"}}`.
#[derive(Serialize)]
struct ModuleBody<'a> {
    from: String,
    to: String,
    module: &'static str,
    result: &'a RawValue,
}

/// A body serialized off the async workers, answered as it is.
fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn overview(State(engine): State<Arc<Engine>>, Extension(user): Extension<SessionUser>, Query(params): Query<WindowParams>) -> ApiResult<Response> {
    let now = now_ms();
    let span = resolve_window(&params, now)?;
    let body = move |modules| serde_json::to_string(&OverviewBody { from: rfc3339(span.from), to: rfc3339(span.to), modules: Modules(modules) });
    // Computed already for the data as it is: answered at once, without queueing for the pool.
    // Their own changes at once, others' within the staleness limit (docs/product.md §6).
    let fresh = engine.fresh_for(user.id);
    if let Some(modules) = engine.cached_overview(span, fresh) {
        return Ok(json_response(body(modules).map_err(ApiError::internal)?));
    }
    let body = app::service::heavy::run(move |_| body(engine.overview(span, now, fresh))).await?.map_err(ApiError::internal)?;
    Ok(json_response(body))
}

async fn module(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Path(id): Path<String>,
    Query(params): Query<WindowParams>,
) -> ApiResult<Response> {
    // The id as the API spells it, exactly (letter case included).
    let Some(&module) = ModuleId::ALL.iter().find(|m| m.as_str() == id) else {
        let expected: Vec<&str> = ModuleId::ALL.iter().map(|m| m.as_str()).collect();
        return Err(ApiError::not_found(format!("no module '{id}': expected one of {}", expected.join(", "))));
    };
    let now = now_ms();
    let span = resolve_window(&params, now)?;
    let body = move |computed: Arc<app::engine::Computed>| {
        serde_json::to_string(&ModuleBody { from: rfc3339(span.from), to: rfc3339(span.to), module: module.as_str(), result: computed.json() })
    };
    let fresh = engine.fresh_for(user.id);
    let body = match engine.cached(module, span, fresh) {
        Some(computed) => body(computed),
        None => app::service::heavy::run(move |_| body(engine.module(module, span, now, fresh))).await?,
    }
    .map_err(ApiError::internal)?;
    Ok(json_response(body))
}

/// `GET /api/v1/team-performance`: the team performance module with a row per analyst, for
/// admins only (docs/product.md §4.10: it names people; the overview module has the team row).
async fn team_performance(
    State(engine): State<Arc<Engine>>,
    Extension(user): Extension<SessionUser>,
    Query(params): Query<WindowParams>,
) -> ApiResult<Response> {
    super::require_admin(&user)?;
    let span = resolve_window(&params, now_ms())?;
    let body = app::service::heavy::run(move |_| {
        let data = analytics::overview::team_performance(&engine.snapshot(), span, true);
        serde_json::to_string(&serde_json::json!({ "from": rfc3339(span.from), "to": rfc3339(span.to), "data": data }))
    })
    .await?
    .map_err(ApiError::internal)?;
    Ok(json_response(body))
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

#[cfg(test)]
mod tests {
    use analytics::Role;
    use axum::http::{Method, StatusCode};

    use super::*;
    use crate::routes::testing::TestState;
    use app::engine::Fresh;

    #[test]
    fn a_window_is_a_preset_or_a_range_never_both() {
        let now = 1_700_000_000_000;
        let params = |window: Option<&str>, from: Option<&str>, to: Option<&str>| WindowParams {
            window: window.map(str::to_owned),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        let day = resolve_window(&params(None, None, None), now).unwrap();
        assert_eq!(day.to - day.from, DAY_MS);
        let both = resolve_window(&params(Some("7d"), Some("2026-01-01T00:00:00Z"), None), now).unwrap_err();
        assert_eq!(both.to_string(), "give either 'window' or 'from' and 'to', not both");
        let half = resolve_window(&params(None, Some("2026-01-01T00:00:00Z"), None), now).unwrap_err();
        assert_eq!(half.to_string(), "parameter 'to' is missing (it goes with 'from')");
        let range = resolve_window(&params(None, Some("2026-01-01T00:00:00Z"), Some("2026-01-02T00:00:00Z")), now).unwrap();
        assert_eq!(range.to - range.from, DAY_MS);
    }

    #[tokio::test]
    async fn the_overview_is_every_module_keyed_by_id_with_its_computed_at() {
        let t = TestState::new(300).await;
        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/overview?window=7d", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["from"].as_str().unwrap().ends_with('Z') && body["to"].as_str().unwrap().ends_with('Z'), "{body}");
        let modules = body["modules"].as_object().unwrap();
        let ids: Vec<&str> = ModuleId::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(modules.len(), ids.len());
        for id in ids {
            let module = &modules[id];
            assert!(module["computed_at"].is_string(), "{id}: {module}");
            assert!(module["data"].is_object(), "{id}: {module}");
            assert_eq!(module["data"]["module"], id, "the data says which module it is");
        }
        // The modules keep the page's order in the body itself.
        let text = serde_json::to_string(&Modules(t.engine().overview(preset_span(WindowPreset::OneDay, now_ms()), now_ms(), Fresh::Current))).unwrap();
        let positions: Vec<usize> = ModuleId::ALL.iter().map(|m| text.find(&format!("\"{}\":{{", m.as_str())).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[tokio::test]
    async fn per_analyst_team_performance_is_for_admins_and_the_module_names_nobody() {
        let t = TestState::new(300).await;
        for role in [Role::Viewer, Role::Analyst] {
            let (status, body) = t.send(router(), role, Method::GET, "/api/v1/team-performance?window=30d", None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}: {body}");
        }
        let (status, body) = t.send(router(), Role::Admin, Method::GET, "/api/v1/team-performance?window=30d", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let all = &body["data"]["views"][0];
        assert_eq!(body["data"]["per_analyst"], true);
        let analysts = all["analysts"].as_array().unwrap();
        assert!(!analysts.is_empty(), "the demo's analysts took signals: {all}");
        let taken: u64 = analysts.iter().map(|a| a["taken"]["count"].as_u64().unwrap()).sum();
        assert_eq!(taken, all["team"]["taken"]["count"].as_u64().unwrap(), "every signal taken is someone's");
        let (status, body) = t.send(router(), Role::Admin, Method::GET, "/api/v1/team-performance?window=nope", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/modules/team-performance?window=30d", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let views = body["result"]["data"]["views"].as_array().unwrap();
        assert_eq!(views.len(), 6, "every severity, then each one");
        assert!(views.iter().all(|v| v["analysts"].as_array().unwrap().is_empty()), "the shared module names nobody");
    }

    /// Every module's data (without `computed_at`) as `role` reads the overview over `range`.
    async fn read(t: &TestState, role: Role, range: &str) -> serde_json::Map<String, Value> {
        let (status, body) = t.send(router(), role, Method::GET, &format!("/api/v1/overview?{range}"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["modules"].as_object().unwrap().iter().map(|(id, m)| (id.clone(), m["data"].clone())).collect()
    }

    /// Changes signal `id` as the analyst.
    async fn triage(t: &TestState, id: i64, mut change: Value) -> (StatusCode, Value) {
        let version = {
            let data = t.engine().snapshot();
            data.signals.version[data.signal_by_id(id).expect("the signal")]
        };
        change["version"] = version.into();
        t.send(crate::routes::triage::router(), Role::Analyst, Method::POST, &format!("/api/v1/signals/{id}/triage"), Some(change)).await
    }

    #[tokio::test]
    async fn others_see_a_change_within_the_staleness_limit_and_its_author_at_once() {
        use std::time::Duration;
        let t = TestState::new(300).await;
        // A fixed range, so every read below asks for the same window whatever the clock says.
        let now = now_ms();
        let range = format!("from={}&to={}", rfc3339(now - 30 * DAY_MS), rfc3339(now));
        let engine = t.engine();
        engine.set_staleness(app::engine::Staleness { limit: Duration::from_secs(3_600), refresh_after: Duration::from_secs(3_600) });
        let before = read(&t, Role::Viewer, &range).await;

        // The analyst puts the newest open signal under review.
        let (id, _) = t.newest_untouched();
        let (status, answer) = triage(&t, id, serde_json::json!({ "change": "state", "to": "under_review" })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");

        // Within the limit, and before anyone computes the overview again, others get the answer
        // from before the change; its author gets the new one, and from then on so does everyone.
        assert_eq!(read(&t, Role::Viewer, &range).await, before);
        assert_eq!(read(&t, Role::Admin, &range).await, before);
        let after = read(&t, Role::Analyst, &range).await;
        assert_ne!(after, before, "putting a signal under review changes the overview");
        assert_eq!(read(&t, Role::Viewer, &range).await, after);

        // Past the limit, nobody gets an answer from before a change.
        engine.set_staleness(app::engine::Staleness { limit: Duration::ZERO, refresh_after: Duration::ZERO });
        let (status, answer) = triage(&t, id, serde_json::json!({ "change": "state", "to": "archived", "reason": "false_positive" })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let archived = read(&t, Role::Viewer, &range).await;
        assert_ne!(archived, after, "archiving it changes the overview");
        assert_eq!(read(&t, Role::Analyst, &range).await, archived);

        // Within the limit and past the refresh delay, a stale read queues a recomputation in the
        // background, and the other readers get the new answer once it is done, with no reader
        // computing it.
        engine.set_staleness(app::engine::Staleness { limit: Duration::from_secs(3_600), refresh_after: Duration::ZERO });
        let (status, answer) = triage(&t, id, serde_json::json!({ "change": "state", "to": "open" })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(read(&t, Role::Viewer, &range).await, archived, "the first read is stale and queues the recomputation");
        let mut seen = read(&t, Role::Viewer, &range).await;
        for _ in 0..200 {
            if seen != archived {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            seen = read(&t, Role::Viewer, &range).await;
        }
        assert_ne!(seen, archived, "the background recomputation reaches the other readers");
        // Once every module is recomputed, the readers' answer is the current one.
        for _ in 0..200 {
            if engine.refreshes_queued() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(engine.refreshes_queued(), 0);
        let seen = read(&t, Role::Viewer, &range).await;
        assert_eq!(read(&t, Role::Analyst, &range).await, seen);
    }

    #[tokio::test]
    async fn ingested_logs_recompute_only_the_modules_that_read_them() {
        use analytics::overview::ModuleData;
        use analytics::time::HOUR_MS;
        let t = TestState::new(300).await;
        let engine = t.engine();
        let now = now_ms();
        let span = Span { from: now - 30 * DAY_MS, to: now };
        let before: Vec<_> = ModuleId::ALL.iter().map(|&id| engine.module(id, span, now, Fresh::Current)).collect();
        // An hour of logs with no signal: the volume changes, nothing else does.
        engine.update_intake(|data| data.add_volume(0, now - now % HOUR_MS, 1_000));
        for (id, earlier) in ModuleId::ALL.iter().zip(&before) {
            let after = engine.module(*id, span, now, Fresh::Current);
            assert_eq!(Arc::ptr_eq(&after, earlier), !id.reads_intake(), "{id:?}");
        }
        let coverage = engine.module(ModuleId::SecurityCoverage, span, now, Fresh::Current);
        let ModuleData::SecurityCoverage(after) = &coverage.data else { panic!("security coverage") };
        let at = ModuleId::ALL.iter().position(|&m| m == ModuleId::SecurityCoverage).unwrap();
        let ModuleData::SecurityCoverage(earlier) = &before[at].data else { panic!("security coverage") };
        assert_eq!(after.logs.total.value, earlier.logs.total.value + 1_000.0);
        // A change that is not only logs recomputes every module.
        engine.update(|_| {});
        let id = ModuleId::ALL.iter().copied().find(|id| !id.reads_intake()).unwrap();
        let index = ModuleId::ALL.iter().position(|&m| m == id).unwrap();
        assert!(!Arc::ptr_eq(&engine.module(id, span, now, Fresh::Current), &before[index]));
    }

    #[tokio::test]
    async fn in_the_first_moment_of_a_minute_the_window_a_minute_earlier_stands_in() {
        use std::sync::Arc;
        let t = TestState::new(300).await;
        let engine = t.engine();
        let minute = 60_000;
        // A window ending at a whole minute, and the same window a minute later.
        let boundary = now_ms() / minute * minute;
        let window = |to: i64| Span { from: to - 30 * DAY_MS, to };
        let id = ModuleId::ALL[0];
        let fresh = Fresh::Since(0);
        let earlier = engine.module(id, window(boundary), boundary - 30_000, fresh);

        // 200 ms into the next minute: the earlier answer, while the new one is computed.
        let stand_in = engine.module(id, window(boundary + minute), boundary + 200, fresh);
        assert!(Arc::ptr_eq(&stand_in, &earlier));
        for _ in 0..200 {
            if engine.refreshes_queued() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let computed = engine.module(id, window(boundary + minute), boundary + 300, fresh);
        assert!(!Arc::ptr_eq(&computed, &earlier), "the new window is computed in the background");

        // Seconds into a minute, or for a reader who needs the data as it is, nothing stands in.
        let later = engine.module(id, window(boundary + 2 * minute), boundary + minute + 5_000, fresh);
        assert!(!Arc::ptr_eq(&later, &computed));
        let current = engine.module(id, window(boundary + 3 * minute), boundary + 2 * minute + 100, Fresh::Current);
        assert!(!Arc::ptr_eq(&current, &later));
    }

    #[tokio::test]
    async fn one_module_answers_with_its_id_and_an_unknown_one_is_a_404() {
        let t = TestState::new(0).await;
        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/modules/threat-map?window=1h", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["module"], "threat-map");
        assert!(body["result"]["computed_at"].is_string() && body["result"]["data"].is_object(), "{body}");
        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/modules/Threat-Map", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body["error"].as_str().unwrap().starts_with("no module 'Threat-Map': expected one of security-coverage, "), "{body}");
        let (status, body) = t.send(router(), Role::Viewer, Method::GET, "/api/v1/overview?window=2w", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"].as_str().unwrap().starts_with("parameter 'window': "), "{body}");
    }
}
