//! The analytics engine every page and API route reads from (server only): the dataset held in
//! memory, kept in step with the database, and a cache of computed modules keyed by the data's
//! version, so a repeated request for unchanged data is a lookup.
//!
//! While the data changes under readers, a module computed before a change is answered for a
//! bounded time ([`Staleness`]) and recomputed in the background, one module at a time, so
//! continuous writes do not make every reader wait for a recomputation. A user always sees their
//! own changes at once ([`Fresh`]; docs/product.md §6).
//!
//! Reads for the pages (signal list, detail, cases, audit trail) are in [`reads`].

mod feed;
mod reads;

pub use reads::RuleStats;
mod snapshot;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use analytics::dataset::Dataset;
use analytics::overview::{self, ModuleId, Span};
use analytics::time::{now_ms, rfc3339, Millis};
use storage::Database;

use crate::rows::ModuleResult;

/// A minute, the step preset windows move by.
const MINUTE_MS: Millis = 60_000;

/// How many computed modules to keep; old entries are dropped wholesale when full.
const CACHE_CAPACITY: usize = 512;

/// How many threads compute the overview's modules at once (this machine class has two cores).
const OVERVIEW_THREADS: usize = 2;

type CacheKey = (ModuleId, Millis, Millis);

type Slot = Arc<OnceLock<Arc<Computed>>>;

/// How many recent changes remember when they happened (older ones are past any staleness bound
/// at any write rate the engine sustains).
const CHANGES_REMEMBERED: usize = 4_096;

/// How stale an answer may be while the data changes under readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staleness {
    /// The longest another user's change may take to show.
    pub limit: Duration,
    /// A module is recomputed once the oldest change it does not show is this old, so under
    /// continuous writes it is recomputed a few times a second, not once per write.
    pub refresh_after: Duration,
}

impl Default for Staleness {
    fn default() -> Staleness {
        Staleness { limit: Duration::from_secs(1), refresh_after: Duration::from_millis(250) }
    }
}

/// What a reader must see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fresh {
    /// The data as it is now (benchmarks, exports, tests).
    Current,
    /// Every change up to this data version (the reader's own last change), and others' changes
    /// within the [`Staleness`] limit.
    Since(u64),
}

/// Per module and window: the slot for the current data version, and the newest answer computed
/// for an earlier one.
struct Entry {
    version: u64,
    slot: Slot,
    last: Option<(u64, Arc<Computed>)>,
}

enum Lookup {
    Ready(Arc<Computed>),
    Compute(Slot),
}

type Job = Box<dyn FnOnce() + Send>;

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
    /// Shared with the refresher thread, which takes its own snapshot when a recomputation starts
    /// (a reader that queues one never waits for a write to the dataset).
    data: Arc<RwLock<Arc<Dataset>>>,
    version: AtomicU64,
    /// Per module, the data version of the last change that can change its answers: a change
    /// that only adds log volume and entities leaves the modules that read neither where they
    /// are ([`Engine::update_intake`]), so their cached answers stay current.
    module_versions: [AtomicU64; ModuleId::COUNT],
    /// Per module and window, the slot for the current data version, filled once: callers that
    /// miss together wait for the one computation instead of each starting their own.
    cache: Arc<Mutex<HashMap<CacheKey, Entry>>>,
    /// When each recent data version began (increasing versions).
    changes: Mutex<VecDeque<(u64, Instant)>>,
    /// Per user, the data version their last change made (read-your-writes).
    written: Mutex<HashMap<i64, u64>>,
    /// The staleness bound and refresh delay, in ms.
    stale_limit_ms: AtomicU64,
    refresh_after_ms: AtomicU64,
    /// Modules queued for a background recomputation, and the one thread that runs them.
    refreshing: Arc<Mutex<HashSet<CacheKey>>>,
    refresher: OnceLock<Mutex<mpsc::Sender<Job>>>,
    /// Held across a write to the database and its application to the dataset, so changes
    /// reach the dataset in the order the database accepted them.
    writes: tokio::sync::Mutex<()>,
    /// How long each module last took to compute (µs), so the overview starts the slowest first.
    costs: Arc<[AtomicU64; ModuleId::COUNT]>,
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
        Ok(Engine::holding(db, data, position))
    }

    /// An engine holding `data`, which has every change up to history id `position`.
    fn holding(db: Database, data: Dataset, position: i64) -> Engine {
        metrics::gauge!("engine_signals_held").set(data.signals.len() as f64);
        Engine {
            db,
            data: Arc::new(RwLock::new(Arc::new(data))),
            version: AtomicU64::new(1),
            module_versions: std::array::from_fn(|_| AtomicU64::new(1)),
            cache: Arc::new(Mutex::new(HashMap::new())),
            changes: Mutex::new(VecDeque::new()),
            written: Mutex::new(HashMap::new()),
            stale_limit_ms: AtomicU64::new(Staleness::default().limit.as_millis() as u64),
            refresh_after_ms: AtomicU64::new(Staleness::default().refresh_after.as_millis() as u64),
            refreshing: Arc::new(Mutex::new(HashSet::new())),
            refresher: OnceLock::new(),
            writes: tokio::sync::Mutex::new(()),
            costs: Arc::new(std::array::from_fn(|_| AtomicU64::new(0))),
            feed_position: AtomicI64::new(position),
        }
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
        self.changed(std::iter::empty(), |_| true);
        self.clear_cache();
    }

    /// Serializes writers: hold the guard from reading the current value until the change is
    /// applied with [`Engine::update`].
    pub async fn write_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writes.lock().await
    }

    /// Applies a change the database accepted. Its authors see it from their next request, and
    /// everyone within the [`Staleness`] limit. Readers holding a snapshot keep theirs (only the
    /// chunks the change touches are copied, and only if a reader shares them).
    pub fn update(&self, change: impl FnOnce(&mut Dataset)) {
        self.update_affecting(change, |_| true);
    }

    /// Applies a change that can only change the answers of the modules `affects` selects.
    fn update_affecting(&self, change: impl FnOnce(&mut Dataset), affects: impl Fn(ModuleId) -> bool) {
        let started = std::time::Instant::now();
        let authors: Vec<i64> = {
            let mut data = self.data.write().expect("dataset lock");
            let data = Arc::make_mut(&mut data);
            let before = data.history().len();
            change(data);
            metrics::gauge!("engine_signals_held").set(data.signals.len() as f64);
            data.history().skip(before).filter_map(|event| event.actor_id()).collect()
        };
        metrics::histogram!("engine_write_seconds").record(started.elapsed().as_secs_f64());
        self.changed(authors.into_iter(), affects);
    }

    /// Applies a change that only adds log volume and entities (an ingested batch that raised no
    /// signal): modules that read neither ([`ModuleId::reads_intake`]) keep their answers, so a
    /// steady stream of logs does not make every module be computed again.
    pub fn update_intake(&self, change: impl FnOnce(&mut Dataset)) {
        self.update_affecting(change, ModuleId::reads_intake);
    }

    /// A new data version, made by `authors`.
    fn changed(&self, authors: impl Iterator<Item = i64>, affects: impl Fn(ModuleId) -> bool) {
        let mut changes = self.changes.lock().expect("changes lock");
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        for id in ModuleId::ALL {
            if affects(*id) {
                self.module_versions[id.index()].store(version, Ordering::SeqCst);
            }
        }
        changes.push_back((version, Instant::now()));
        if changes.len() > CHANGES_REMEMBERED {
            changes.pop_front();
        }
        drop(changes);
        let mut written = self.written.lock().expect("written lock");
        for author in authors {
            written.insert(author, version);
        }
    }

    /// What `user` must see: at least their own last change.
    pub fn fresh_for(&self, user: i64) -> Fresh {
        Fresh::Since(self.written.lock().expect("written lock").get(&user).copied().unwrap_or(0))
    }

    /// Sets how stale an answer may be for other users' changes (a zero limit: never).
    pub fn set_staleness(&self, staleness: Staleness) {
        self.stale_limit_ms.store(staleness.limit.as_millis() as u64, Ordering::Relaxed);
        self.refresh_after_ms.store(staleness.refresh_after.as_millis() as u64, Ordering::Relaxed);
    }

    fn staleness(&self) -> Staleness {
        Staleness {
            limit: Duration::from_millis(self.stale_limit_ms.load(Ordering::Relaxed)),
            refresh_after: Duration::from_millis(self.refresh_after_ms.load(Ordering::Relaxed)),
        }
    }

    /// How long ago the oldest change an answer for `version` does not show was made; `None`
    /// when it is too long ago to remember.
    fn unshown_for(&self, version: u64) -> Option<Duration> {
        let changes = self.changes.lock().expect("changes lock");
        let i = changes.binary_search_by_key(&(version + 1), |(v, _)| *v).ok()?;
        Some(changes[i].1.elapsed())
    }

    /// Forgets every computed module (benchmarks use it to measure cold computations).
    pub fn clear_cache(&self) {
        self.cache.lock().expect("cache lock").clear();
    }

    /// The answer for `key` that `fresh` allows, or the slot to compute it into. An allowed stale
    /// answer queues a background recomputation when it is due.
    fn lookup(&self, key: CacheKey, fresh: Fresh, now: Millis) -> Lookup {
        // The version of the last change this module's answers depend on: a cached answer for it
        // is current, whatever changed since that it does not read.
        let version = self.module_versions[key.0.index()].load(Ordering::SeqCst);
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() >= CACHE_CAPACITY && !cache.contains_key(&key) {
            cache.clear();
        }
        let entry = cache.entry(key).or_insert_with(|| Entry { version, slot: Slot::default(), last: None });
        if entry.version != version {
            if let Some(done) = entry.slot.get() {
                entry.last = Some((entry.version, done.clone()));
            }
            entry.version = version;
            entry.slot = Slot::default();
        }
        if let Some(done) = entry.slot.get() {
            return Lookup::Ready(done.clone());
        }
        let slot = entry.slot.clone();
        let Fresh::Since(floor) = fresh else { return Lookup::Compute(slot) };
        let staleness = self.staleness();
        let last = entry.last.clone();
        // A preset window moves on every minute. For the first moments of a minute, the answer for
        // the window a minute earlier stands in (it lacks at most that minute's signals) while the
        // new window is computed in the background, so the readers do not all wait for it at once.
        let (id, from, to) = key;
        let moved = (now - (to - MINUTE_MS)) as u128;
        let earlier = match (&last, cache.get(&(id, from - MINUTE_MS, to - MINUTE_MS))) {
            (None, Some(before)) if (0..staleness.limit.as_millis()).contains(&moved) => {
                before.slot.get().map(|done| (before.version, done.clone())).or_else(|| before.last.clone())
            }
            _ => None,
        };
        drop(cache);
        if let Some((shows, done)) = earlier.filter(|(shows, _)| *shows >= floor) {
            if shows == version || self.unshown_for(shows).is_some_and(|age| age < staleness.limit) {
                self.refresh(key, version, slot, now);
                return Lookup::Ready(done);
            }
        }
        let Some((shows, last)) = last.filter(|(shows, _)| *shows >= floor) else { return Lookup::Compute(slot) };
        match self.unshown_for(shows) {
            Some(age) if age < staleness.limit => {
                if age >= staleness.refresh_after {
                    self.refresh(key, version, slot, now);
                }
                Lookup::Ready(last)
            }
            _ => Lookup::Compute(slot),
        }
    }

    /// How many module recomputations are queued or running in the background.
    pub fn refreshes_queued(&self) -> usize {
        self.refreshing.lock().expect("refreshing lock").len()
    }

    /// Queues `key`'s recomputation into `slot` (for `version`) on the refresher thread, unless it
    /// is queued already. When the data has moved on by the time it is done, the answer still
    /// becomes the newest one computed, so readers get ever newer answers under continuous writes.
    fn refresh(&self, key: CacheKey, version: u64, slot: Slot, now: Millis) {
        if !self.refreshing.lock().expect("refreshing lock").insert(key) {
            return;
        }
        let costs = self.costs.clone();
        let cache = self.cache.clone();
        let refreshing = self.refreshing.clone();
        // The snapshot is taken on the refresher thread: the reader queueing this goes on at once,
        // without waiting for a write holding the dataset's lock, and the answer shows whatever
        // version is current when it starts (at least `version`; it is filed as `version`).
        let dataset = self.data.clone();
        let job: Job = Box::new(move || {
            let data = dataset.read().expect("dataset lock").clone();
            let done = slot.get_or_init(|| compute(&data, key, now, &costs)).clone();
            drop(data);
            if let Some(entry) = cache.lock().expect("cache lock").get_mut(&key) {
                if entry.version != version && entry.last.as_ref().is_none_or(|(shows, _)| *shows < version) {
                    entry.last = Some((version, done));
                }
            }
            refreshing.lock().expect("refreshing lock").remove(&key);
        });
        let sender = self.refresher.get_or_init(|| {
            let (sender, jobs) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("module-refresh".to_owned())
                .spawn(move || jobs.into_iter().for_each(|job| job()))
                .expect("the refresher thread starts");
            Mutex::new(sender)
        });
        if sender.lock().expect("refresher lock").send(job).is_err() {
            self.refreshing.lock().expect("refreshing lock").remove(&key);
        }
    }

    /// One module's data if `fresh` allows an answer already computed: a lookup, answered on the
    /// async workers without waiting for a turn on the heavy-work pool.
    pub fn cached(&self, id: ModuleId, span: Span, fresh: Fresh) -> Option<Arc<Computed>> {
        match self.lookup((id, span.from, span.to), fresh, now_ms()) {
            Lookup::Ready(done) => Some(done),
            Lookup::Compute(_) => None,
        }
    }

    /// Every module, if `fresh` allows an answer already computed for each (see [`Engine::cached`]).
    pub fn cached_overview(&self, span: Span, fresh: Fresh) -> Option<Vec<(ModuleId, Arc<Computed>)>> {
        ModuleId::ALL.iter().map(|&id| self.cached(id, span, fresh).map(|c| (id, c))).collect()
    }

    /// One module's data with its `computed_at`, from the cache when `fresh` allows. Blocks while
    /// another caller computes the same module for the same data (callers are on the blocking pool).
    pub fn module(&self, id: ModuleId, span: Span, now: Millis, fresh: Fresh) -> Arc<Computed> {
        let key = (id, span.from, span.to);
        match self.lookup(key, fresh, now) {
            Lookup::Ready(done) => done,
            Lookup::Compute(slot) => slot.get_or_init(|| compute(&self.snapshot(), key, now, &self.costs)).clone(),
        }
    }

    /// Every module, in [`ModuleId::ALL`] order. The modules are shared out among
    /// [`OVERVIEW_THREADS`] threads, each taking the next one not yet started, the slowest last
    /// time first (so no thread is left with a long one at the end).
    pub fn overview(&self, span: Span, now: Millis, fresh: Fresh) -> Vec<(ModuleId, Arc<Computed>)> {
        let mut order = ModuleId::ALL.to_vec();
        order.sort_by_key(|id| std::cmp::Reverse(self.costs[id.index()].load(Ordering::Relaxed)));
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            while let Some(&id) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                done.push((id, self.module(id, span, now, fresh)));
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

/// Computes one module, noting how long it took.
fn compute(data: &Dataset, (id, from, to): CacheKey, now: Millis, costs: &[AtomicU64; ModuleId::COUNT]) -> Arc<Computed> {
    let started = std::time::Instant::now();
    let value = Arc::new(Computed::new(ModuleResult {
        computed_at: rfc3339(now_ms()),
        data: overview::compute(data, id, Span { from, to }, now),
    }));
    let elapsed = started.elapsed();
    costs[id.index()].store(elapsed.as_micros() as u64, Ordering::Relaxed);
    metrics::histogram!("engine_module_seconds", "module" => id.as_str()).record(elapsed.as_secs_f64());
    value
}
