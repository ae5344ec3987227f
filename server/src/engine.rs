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
    /// Held across a write to the database and its application to the dataset, so changes
    /// reach the dataset in the order the database accepted them.
    writes: tokio::sync::Mutex<()>,
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
            writes: tokio::sync::Mutex::new(()),
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

    /// Serializes writers: hold the guard from reading the current value until the change is
    /// applied with [`Engine::update`].
    pub async fn write_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writes.lock().await
    }

    /// Applies a change the database accepted; every metric sees it from the next request.
    /// Readers holding a snapshot keep theirs (the dataset is copied only if one does).
    pub fn update(&self, change: impl FnOnce(&mut Dataset)) {
        {
            let mut data = self.data.write().expect("dataset lock");
            change(Arc::make_mut(&mut data));
        }
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

/// A signal as a list row.
pub fn signal_row(data: &Dataset, i: usize) -> app::service::SignalRow {
    let t = &data.signals;
    app::service::SignalRow {
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
        assignee: t.assignee[i].and_then(|id| user_name(data, id)),
        case_id: t.case_id[i],
        version: t.version[i],
    }
}

fn user_name(data: &Dataset, id: i64) -> Option<String> {
    data.users.iter().find(|u| u.id == id).map(|u| u.display_name.clone())
}

pub fn history_row(data: &Dataset, h: &analytics::dataset::HistoryEvent) -> app::service::HistoryRow {
    // Assignee values are user ids: show the person.
    let person = |v: &Option<String>| {
        v.as_ref().map(|v| match (h.action.as_str(), v.parse::<i64>()) {
            ("assignee", Ok(id)) => user_name(data, id).unwrap_or_else(|| v.clone()),
            _ => v.clone(),
        })
    };
    app::service::HistoryRow {
        at: rfc3339(h.at_ms),
        actor: h.actor_id.and_then(|a| data.users.iter().find(|u| u.id == a)).map(|u| match h.api_key_id {
            Some(key) => format!("{} (API key {key})", u.username),
            None => u.username.clone(),
        }),
        asset_type: h.asset_type.as_str().to_owned(),
        asset_id: h.asset_id.clone(),
        action: h.action.clone(),
        old_value: person(&h.old_value),
        new_value: person(&h.new_value),
        reason: h.reason.clone(),
        comment: h.comment.clone(),
    }
}

impl app::service::SignalSource for Engine {
    fn signals(
        &self,
        query: &str,
        window: analytics::Window,
        cursor: Option<&str>,
        sort: analytics::query::Sort,
        stop: &dyn Fn() -> bool,
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
        let data = self.snapshot();
        let matches = analytics::query::search_until(&data, &parsed, from, to, sort, stop).map_err(|e| e.to_string())?;
        let (range, next_cursor) = analytics::query::page(&data, &matches, cursor, PAGE, sort);
        let rows = matches[range].iter().map(|&i| signal_row(&data, i)).collect();
        Ok(app::service::SignalPage { total: matches.len(), rows, next_cursor })
    }

    fn facets(&self, query: &str, window: analytics::Window, stop: &dyn Fn() -> bool) -> Result<Vec<app::service::Facet>, String> {
        let parsed = analytics::query::Query::parse(query).map_err(|e| e.to_string())?;
        let (from, to) = window.bounds(Utc::now().timestamp_millis());
        let data = self.snapshot();
        let matches = analytics::query::search_until(&data, &parsed, from, to, analytics::query::Sort::Oldest, stop).map_err(|e| e.to_string())?;
        Ok(analytics::query::facets(&data, &matches, 8)
            .into_iter()
            .map(|(attribute, label, values)| app::service::Facet {
                label: label.to_owned(),
                attribute: attribute.name().to_owned(),
                values: values
                    .into_iter()
                    .map(|(value, count)| {
                        let label = match attribute {
                            analytics::query::Attribute::Tactic => {
                                let matrix = analytics::attack::matrix();
                                matrix.tactic_index(&value).map_or_else(|| value.clone(), |k| format!("{} {value}", matrix.tactics[k].name))
                            }
                            _ => value.replace('_', " "),
                        };
                        app::service::FacetValue { value, label, count }
                    })
                    .collect(),
            })
            .collect())
    }

    fn detail(&self, id: i64) -> Option<app::service::SignalDetail> {
        let data = self.snapshot();
        let i = data.signal_by_id(id)?;
        let t = &data.signals;
        let rule = &data.rules[t.rule[i] as usize];
        let matrix = analytics::attack::matrix();
        let s = |v: u32| t.strings.get_opt(v).map(str::to_owned);
        // Related: signals sharing an entity or the IP, newest first.
        let mine: Vec<u32> = t.entities_of(i).to_vec();
        let ip = t.ip[i];
        let mut related = Vec::new();
        for j in (0..t.len()).rev() {
            if j != i && ((ip != 0 && t.ip[j] == ip) || t.entities_of(j).iter().any(|e| mine.contains(e))) {
                related.push(signal_row(&data, j));
                if related.len() == 10 {
                    break;
                }
            }
        }
        let now = Utc::now().timestamp_millis();
        let triage = data.triage_of(i);
        Some(app::service::SignalDetail {
            row: signal_row(&data, i),
            product: t.product[i].as_str().to_owned(),
            first_seen: rfc3339(t.first_seen_ms[i]),
            rule_id: rule.id.clone(),
            tactics: rule
                .tactics
                .iter()
                .map(|id| (id.clone(), matrix.tactic_index(id).map_or_else(String::new, |k| matrix.tactics[k].name.to_owned())))
                .collect(),
            techniques: rule
                .techniques
                .iter()
                .map(|id| (id.clone(), matrix.technique(id).map_or_else(String::new, |x| x.name.to_owned())))
                .collect(),
            entities: t
                .entities_of(i)
                .iter()
                .map(|&e| (data.entities[e as usize].kind.as_str().to_owned(), data.entities[e as usize].name.clone()))
                .collect(),
            region: s(t.region[i]),
            city: s(t.city[i]),
            isp: s(t.isp[i]),
            asn: (t.asn[i] != 0).then_some(t.asn[i]),
            ti_indicator: s(t.ti_indicator[i]),
            ti_category: t.ti_category[i].map(|v| v.as_str().to_owned()),
            ti_intention: t.ti_intention[i].map(|v| v.as_str().to_owned()),
            ti_subcategory: t.ti_subcategory[i].map(|v| v.as_str().to_owned()),
            archive_comment: triage.archive_comment.clone(),
            assignee_id: triage.assignee_id,
            related,
            history: data.history_of(i).map(|h| history_row(&data, h)).collect(),
            modifiable: analytics::workflow::modifiable(t.detected_at_ms[i], now),
            next_states: analytics::workflow::next_states(triage.state),
            assignable: data
                .users
                .iter()
                .filter(|u| u.active && u.role.can_write_signals())
                .map(|u| app::service::Assignable { id: u.id, display_name: u.display_name.clone() })
                .collect(),
            open_cases: data
                .cases
                .iter()
                .rev()
                .filter(|c| c.status != analytics::CaseStatus::Closed)
                .map(|c| (c.id, c.title.clone()))
                .collect(),
        })
    }

    fn audit(&self, actor: &str, action: &str, asset_type: &str, limit: usize) -> Result<(Vec<app::service::HistoryRow>, usize), String> {
        let data = self.snapshot();
        let filter = crate::actions::AuditFilter::from_params(&data, Some(actor), Some(action), Some(asset_type))?;
        let mut total = 0;
        let mut rows = Vec::new();
        for h in filter.events(&data) {
            total += 1;
            if rows.len() < limit {
                rows.push(history_row(&data, h));
            }
        }
        Ok((rows, total))
    }

    fn cases(&self) -> Vec<app::service::CaseRow> {
        let data = self.snapshot();
        let mut linked: HashMap<i64, usize> = HashMap::new();
        for c in data.signals.case_id.iter().flatten() {
            *linked.entry(*c).or_default() += 1;
        }
        let mut cases: Vec<app::service::CaseRow> = data
            .cases
            .iter()
            .map(|c| app::service::CaseRow {
                id: c.id,
                title: c.title.clone(),
                description: c.description.clone(),
                status: c.status,
                priority: c.priority,
                assignee: c.assignee_id.and_then(|id| user_name(&data, id)),
                assignee_id: c.assignee_id,
                created_at: rfc3339(c.created_at_ms),
                updated_at: rfc3339(c.updated_at_ms),
                signals: linked.get(&c.id).copied().unwrap_or(0),
            })
            .collect();
        cases.sort_by(|a, b| b.id.cmp(&a.id));
        cases
    }

    fn case_timeline(&self, id: i64) -> Vec<app::service::HistoryRow> {
        let data = self.snapshot();
        let key = id.to_string();
        let signals: std::collections::HashSet<String> = data
            .signals
            .case_id
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == Some(id))
            .map(|(i, _)| data.signals.id[i].to_string())
            .collect();
        data.history
            .iter()
            .rev()
            .filter(|h| match h.asset_type {
                analytics::dataset::AssetType::Case => h.asset_id == key,
                analytics::dataset::AssetType::SecuritySignal => signals.contains(&h.asset_id),
                _ => false,
            })
            .take(500)
            .map(|h| history_row(&data, h))
            .collect()
    }

    fn assignable(&self) -> Vec<app::service::Assignable> {
        let data = self.snapshot();
        data.users
            .iter()
            .filter(|u| u.active && u.role.can_write_signals())
            .map(|u| app::service::Assignable { id: u.id, display_name: u.display_name.clone() })
            .collect()
    }

    fn incidents_of_case(&self, id: i64) -> Vec<app::service::IncidentRow> {
        let data = self.snapshot();
        data.incidents
            .iter()
            .rev()
            .filter(|i| {
                i.case_id == Some(id)
                    || i.signal_id.and_then(|s| data.signal_by_id(s)).is_some_and(|k| data.signals.case_id[k] == Some(id))
            })
            .map(|i| app::service::IncidentRow {
                id: i.id,
                title: i.title.clone(),
                severity: i.severity,
                status: i.status,
                commander: i.commander_id.and_then(|c| user_name(&data, c)),
                declared_at: rfc3339(i.declared_at_ms),
                signal_id: i.signal_id,
            })
            .collect()
    }
}
