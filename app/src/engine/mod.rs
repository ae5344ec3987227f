//! The analytics engine every page and API route reads from (server only): the dataset held in
//! memory, kept in step with the database, and a cache of computed modules keyed by the data's
//! version, so a repeated request for unchanged data is a lookup.
//!
//! Reads for the pages (signal list, detail, cases, audit trail) are in [`reads`].

mod feed;
mod reads;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use analytics::dataset::Dataset;
use analytics::overview::{self, ModuleId, Span};
use analytics::time::{now_ms, rfc3339, Millis};
use storage::Database;

use crate::rows::ModuleResult;

/// How many computed modules to keep; old entries are dropped wholesale when full.
const CACHE_CAPACITY: usize = 512;

/// How many threads compute the overview's modules at once (this machine class has two cores).
const OVERVIEW_THREADS: usize = 2;

type CacheKey = (ModuleId, Millis, Millis);

type Slot = Arc<OnceLock<Arc<Computed>>>;

/// A computed module: its typed data, and its JSON, written once when first asked for (the REST
/// API answers a repeated request from it without serializing again).
#[derive(Debug)]
pub struct Computed {
    result: ModuleResult,
    json: OnceLock<Box<serde_json::value::RawValue>>,
}

impl Computed {
    fn new(result: ModuleResult) -> Computed {
        Computed { result, json: OnceLock::new() }
    }

    pub fn result(&self) -> &ModuleResult {
        &self.result
    }

    /// `{"computed_at": …, "data": …}`.
    pub fn json(&self) -> &serde_json::value::RawValue {
        self.json.get_or_init(|| {
            serde_json::value::to_raw_value(&self.result).unwrap_or_else(|error| {
                tracing::error!(%error, module = %self.result.data.id(), "a module does not serialize");
                serde_json::value::to_raw_value(&serde_json::Value::Null).expect("null serializes")
            })
        })
    }
}

impl std::ops::Deref for Computed {
    type Target = ModuleResult;

    fn deref(&self) -> &ModuleResult {
        &self.result
    }
}

impl serde::Serialize for Computed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json().serialize(serializer)
    }
}

pub struct Engine {
    db: Database,
    data: RwLock<Arc<Dataset>>,
    version: AtomicU64,
    /// Per module and window, the data version a slot is for and the slot, filled once: callers
    /// that miss together wait for the one computation instead of each starting their own.
    cache: Mutex<HashMap<CacheKey, (u64, Slot)>>,
    /// Held across a write to the database and its application to the dataset, so changes
    /// reach the dataset in the order the database accepted them.
    writes: tokio::sync::Mutex<()>,
    /// How long each module last took to compute (µs), so the overview starts the slowest first.
    costs: [AtomicU64; ModuleId::COUNT],
    /// The history id up to which other instances' changes are applied (see [`feed`]).
    feed_position: AtomicI64,
}

impl Engine {
    /// Loads the whole dataset from the database.
    pub async fn load(db: Database) -> Result<Engine, storage::StorageError> {
        let started = std::time::Instant::now();
        // Read before the data: a change committed while loading is then applied again by the
        // feed, and skipped as held, rather than missed.
        let position = db.newest_history_id().await?;
        let data = db.load_dataset().await?;
        tracing::info!(
            signals = data.signals.len(),
            rules = data.rules.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "dataset loaded"
        );
        metrics::gauge!("engine_signals_held").set(data.signals.len() as f64);
        Ok(Engine {
            db,
            data: RwLock::new(Arc::new(data)),
            version: AtomicU64::new(1),
            cache: Mutex::new(HashMap::new()),
            writes: tokio::sync::Mutex::new(()),
            costs: std::array::from_fn(|_| AtomicU64::new(0)),
            feed_position: AtomicI64::new(position),
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
        metrics::gauge!("engine_signals_held").set(data.signals.len() as f64);
        *self.data.write().expect("dataset lock") = Arc::new(data);
        self.version.fetch_add(1, Ordering::SeqCst);
        self.clear_cache();
    }

    /// Serializes writers: hold the guard from reading the current value until the change is
    /// applied with [`Engine::update`].
    pub async fn write_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writes.lock().await
    }

    /// Applies a change the database accepted; every metric sees it from the next request.
    /// Readers holding a snapshot keep theirs (the dataset is copied only if one does).
    pub fn update(&self, change: impl FnOnce(&mut Dataset)) {
        let started = std::time::Instant::now();
        {
            let mut data = self.data.write().expect("dataset lock");
            change(Arc::make_mut(&mut data));
            metrics::gauge!("engine_signals_held").set(data.signals.len() as f64);
        }
        metrics::histogram!("engine_write_seconds").record(started.elapsed().as_secs_f64());
        self.version.fetch_add(1, Ordering::SeqCst);
        self.clear_cache();
    }

    /// Forgets every computed module (benchmarks use it to measure cold computations).
    pub fn clear_cache(&self) {
        self.cache.lock().expect("cache lock").clear();
    }

    /// One module's data if it is computed for the data as it is now: a lookup, answered on the
    /// async workers without waiting for a turn on the heavy-work pool.
    pub fn cached(&self, id: ModuleId, span: Span) -> Option<Arc<Computed>> {
        let version = self.version.load(Ordering::SeqCst);
        let cache = self.cache.lock().expect("cache lock");
        cache.get(&(id, span.from, span.to)).filter(|(v, _)| *v == version).and_then(|(_, slot)| slot.get().cloned())
    }

    /// Every module, if every one is computed for the data as it is now (see [`Engine::cached`]).
    pub fn cached_overview(&self, span: Span) -> Option<Vec<(ModuleId, Arc<Computed>)>> {
        ModuleId::ALL.iter().map(|&id| self.cached(id, span).map(|c| (id, c))).collect()
    }

    /// One module's data with its `computed_at`, from the cache when the data has not changed
    /// since it was computed. Blocks while another caller computes the same module for the same
    /// data (callers are on the blocking pool).
    pub fn module(&self, id: ModuleId, span: Span, now: Millis) -> Arc<Computed> {
        let version = self.version.load(Ordering::SeqCst);
        let key = (id, span.from, span.to);
        let slot: Slot = {
            let mut cache = self.cache.lock().expect("cache lock");
            match cache.get(&key) {
                Some((v, slot)) if *v == version => slot.clone(),
                _ => {
                    if cache.len() >= CACHE_CAPACITY {
                        cache.clear();
                    }
                    let slot = Slot::default();
                    cache.insert(key, (version, slot.clone()));
                    slot
                }
            }
        };
        slot.get_or_init(|| {
            let data = self.snapshot();
            let started = std::time::Instant::now();
            let value = Arc::new(Computed::new(ModuleResult {
                computed_at: rfc3339(now_ms()),
                data: overview::compute(&data, id, span, now),
            }));
            let elapsed = started.elapsed();
            self.costs[id.index()].store(elapsed.as_micros() as u64, Ordering::Relaxed);
            metrics::histogram!("engine_module_seconds", "module" => id.as_str()).record(elapsed.as_secs_f64());
            value
        })
        .clone()
    }

    /// Every module, in [`ModuleId::ALL`] order. The modules are shared out among
    /// [`OVERVIEW_THREADS`] threads, each taking the next one not yet started, the slowest last
    /// time first (so no thread is left with a long one at the end).
    pub fn overview(&self, span: Span, now: Millis) -> Vec<(ModuleId, Arc<Computed>)> {
        let mut order = ModuleId::ALL.to_vec();
        order.sort_by_key(|id| std::cmp::Reverse(self.costs[id.index()].load(Ordering::Relaxed)));
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            while let Some(&id) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                done.push((id, self.module(id, span, now)));
            }
            done
        };
        let mut all: Vec<(ModuleId, Arc<Computed>)> = std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..OVERVIEW_THREADS).map(|_| scope.spawn(work)).collect();
            let mut all = work();
            for helper in helpers {
                all.extend(helper.join().expect("module thread"));
            }
            all
        });
        all.sort_by_key(|(id, _)| id.index());
        all
    }
}
