//! The analytics engine the server answers from: the dataset held in memory, kept in step with
//! the database, and a cache of computed modules keyed by the data's version, so a repeated
//! request for unchanged data is a lookup.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use analytics::dataset::{Dataset, Millis};
use analytics::overview::{self, Span, MODULE_IDS};
use chrono::{TimeZone, Utc};
use serde_json::json;
use storage::Database;

/// How many computed modules to keep; old entries are dropped wholesale when full.
const CACHE_CAPACITY: usize = 512;

pub struct Engine {
    db: Database,
    data: RwLock<Arc<Dataset>>,
    version: AtomicU64,
    cache: Mutex<HashMap<(String, Millis, Millis), (u64, Arc<str>)>>,
}

impl Engine {
    /// Loads the whole dataset from the database.
    pub async fn load(db: Database) -> Result<Engine, storage::StorageError> {
        let started = std::time::Instant::now();
        let data = db.load_dataset().await?;
        tracing::info!(
            signals = data.signals.len(),
            rules = data.rules.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "dataset loaded"
        );
        Ok(Engine {
            db,
            data: RwLock::new(Arc::new(data)),
            version: AtomicU64::new(1),
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The current dataset; cheap to take, never blocks writers for long.
    pub fn snapshot(&self) -> Arc<Dataset> {
        self.data.read().expect("dataset lock").clone()
    }

    /// Replaces the dataset (after a write) and invalidates every cached module.
    pub fn replace(&self, data: Dataset) {
        *self.data.write().expect("dataset lock") = Arc::new(data);
        self.version.fetch_add(1, Ordering::SeqCst);
        self.cache.lock().expect("cache lock").clear();
    }

    /// Forgets every computed module (benchmarks use it to measure cold computations).
    pub fn clear_cache(&self) {
        self.cache.lock().expect("cache lock").clear();
    }

    /// One module's data with its `computed_at`, serialized as JSON, from the cache when the
    /// data has not changed since it was computed. `None` for an unknown module id.
    pub fn module(&self, id: &str, span: Span, now: Millis) -> Option<Arc<str>> {
        let version = self.version.load(Ordering::SeqCst);
        let key = (id.to_owned(), span.from, span.to);
        if let Some((v, value)) = self.cache.lock().expect("cache lock").get(&key) {
            if *v == version {
                return Some(value.clone());
            }
        }
        let data = self.snapshot();
        let computed = overview::compute_module(&data, id, span, now)?;
        let value: Arc<str> = json!({
            "computed_at": rfc3339(Utc::now().timestamp_millis()),
            "data": computed,
        })
        .to_string()
        .into();
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(key, (version, value.clone()));
        Some(value)
    }

    /// Every module as one JSON object keyed by module id. Modules are computed on two threads
    /// (this machine class has two cores), the heaviest ones spread between them.
    pub fn overview(&self, span: Span, now: Millis) -> String {
        let computed: Vec<Arc<str>> = std::thread::scope(|scope| {
            let second = scope.spawn(|| {
                ["security-overview", "threat-map", "important-signals", "research", "security-coverage"]
                    .map(|id| (id, self.module(id, span, now)))
            });
            let first = ["risk-insights", "rule-performance", "mitre-coverage", "getting-started"]
                .map(|id| (id, self.module(id, span, now)));
            let mut all: Vec<(&str, Option<Arc<str>>)> = first.into_iter().collect();
            all.extend(second.join().expect("module thread"));
            MODULE_IDS
                .iter()
                .map(|id| {
                    all.iter()
                        .find(|(m, _)| m == id)
                        .and_then(|(_, v)| v.clone())
                        .expect("registered modules compute")
                })
                .collect()
        });
        let mut out = String::from("{");
        for (k, (id, module)) in MODULE_IDS.iter().zip(&computed).enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str(&format!("\"{id}\":"));
            out.push_str(module);
        }
        out.push('}');
        out
    }
}

pub fn rfc3339(ms: Millis) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

impl app::service::OverviewSource for Engine {
    fn module(&self, id: &str, window: analytics::Window) -> Option<app::service::ModuleResult> {
        let now = Utc::now().timestamp_millis();
        let (from, to) = window.bounds(now);
        let json = Engine::module(self, id, Span { from, to }, now)?;
        match serde_json::from_str(&json) {
            Ok(result) => Some(result),
            Err(error) => {
                tracing::error!(%error, id, "a cached module does not read back");
                None
            }
        }
    }
}

impl app::service::SignalSource for Engine {
    fn signals(
        &self,
        query: &str,
        window: analytics::Window,
        cursor: Option<&str>,
        newest_first: bool,
    ) -> Result<app::service::SignalPage, String> {
        const PAGE: usize = 50;
        let parsed = analytics::query::Query::parse(query).map_err(|e| e.to_string())?;
        let cursor = match cursor {
            None => None,
            Some(text) => Some(
                analytics::query::parse_cursor(text).ok_or_else(|| format!("'{text}' is not a page of this list"))?,
            ),
        };
        let (from, to) = window.bounds(Utc::now().timestamp_millis());
        let span = Span { from, to };
        let data = self.snapshot();
        let matches = analytics::query::search(&data, &parsed, span.from, span.to, newest_first);
        let (range, next_cursor) = analytics::query::page(&data, &matches, cursor, PAGE, newest_first);
        let t = &data.signals;
        let rows = matches[range]
            .iter()
            .map(|&i| app::service::SignalRow {
                id: t.id[i],
                detected_at: rfc3339(t.detected_at_ms[i]),
                severity: t.severity[i],
                title: t.strings.get(t.title[i]).to_owned(),
                rule_name: data.rules[t.rule[i] as usize].name.clone(),
                source: data.sources[t.source[i] as usize].id.clone(),
                state: t.state[i],
                archive_reason: t.archive_reason[i],
                country: t.strings.get_opt(t.country[i]).map(str::to_owned),
                ip: t.strings.get_opt(t.ip[i]).map(str::to_owned),
            })
            .collect();
        Ok(app::service::SignalPage { total: matches.len(), rows, next_cursor })
    }
}
