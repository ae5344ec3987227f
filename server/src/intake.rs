//! The intake (docs/product.md §7): events a shipper sent (or `signalboard ingest` read) are
//! read by their source's parser, enriched (geography, network owner, threat intelligence),
//! checked against the detections, and committed with their counts in one transaction; then the
//! engine's dataset gets the new volume, entities and signals. A source's pack health is judged
//! from what it really sent.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use analytics::dataset::{ContentPack, Entity, LogSource, Rule, SignalRecord, HOUR_MS};
use analytics::model::*;
use app::engine::Engine;
use ingest::body::{Event, Limits};
use ingest::enrich::{GeoIp, Intel, IntelList, Network};
use ingest::health::{self, Assessment};
use ingest::sigma::{Detect, Detector, Enabled};
use ingest::sources::SourceSpec;
use serde::Serialize;
use storage::ingest::{BatchEvent, BatchSignal, IngestBatch, IngestOutcome, SourceCatalog};
use storage::rules::ActiveRule;
use storage::Database;

use crate::auth::now_ms;

/// How the intake is set up (flags of `serve` and `ingest`).
#[derive(Debug, Clone, Default)]
pub struct IntakeSettings {
    /// A MaxMind-format City or Country database (`--geoip-city`).
    pub geoip_city: Option<PathBuf>,
    /// A MaxMind-format ASN or ISP database (`--geoip-asn`).
    pub geoip_asn: Option<PathBuf>,
    pub limits: Limits,
}

/// What a committed batch did: the answer to a shipper.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Receipt {
    pub source: String,
    /// Events new to the source, counted.
    pub accepted: usize,
    /// Events the source already had (a retry) or that came twice.
    pub duplicates: usize,
    /// Signals the new events raised.
    pub signals: usize,
    /// Stored signals the new events were grouped into (matches of a rule on an entity that
    /// already has an open signal of it within the rule's grouping window).
    #[serde(default)]
    pub grouped: usize,
}

/// The enabled Sigma rules, compiled for the detector.
#[derive(Debug, Default)]
pub struct Rules {
    detector: Detector,
    active: Vec<ActiveRule>,
    /// What the database said when they were read (see [`storage::Database::rules_fingerprint`]).
    fingerprint: Option<(i64, i64, i64)>,
}

impl Rules {
    /// Compiles `active` (CPU work: call off the async workers).
    pub fn compile(active: Vec<ActiveRule>, fingerprint: Option<(i64, i64, i64)>) -> Rules {
        let enabled: Vec<Enabled> = active.iter().map(|r| Enabled { id: r.id.clone(), source_id: r.log_source_id.clone(), yaml: r.yaml.clone() }).collect();
        let (detector, problems) = Detector::build(&enabled);
        for (rule, problem) in problems {
            tracing::warn!(%rule, %problem, "an enabled rule cannot be evaluated");
        }
        Rules { detector, active, fingerprint }
    }

    /// How many rules are evaluated.
    pub fn len(&self) -> usize {
        self.detector.len()
    }

    pub fn is_empty(&self) -> bool {
        self.detector.is_empty()
    }
}

pub struct Intake {
    db: Database,
    /// The server's engine (none for `signalboard ingest`, which only writes the database).
    engine: Option<Arc<Engine>>,
    geo: Arc<GeoIp>,
    intel: RwLock<Arc<Intel>>,
    rules: RwLock<Arc<Rules>>,
    pub limits: Limits,
    /// Sources whose catalog rows are known to exist.
    registered: Mutex<HashSet<&'static str>>,
    /// Entity ids already in the database, so a batch does not look its usual actors and
    /// addresses up again (forgotten wholesale past [`ENTITY_CACHE`]).
    entity_ids: Mutex<HashMap<(EntityKind, String), i64>>,
}

/// How many entity ids the intake remembers.
const ENTITY_CACHE: usize = 200_000;

/// The rule a source's threat-intelligence matches are signals of.
pub fn intel_rule_id(source: &SourceSpec) -> String {
    format!("intel-{}", source.id)
}

pub(crate) fn catalog(source: &SourceSpec) -> SourceCatalog {
    SourceCatalog {
        pack_id: source.pack_id.to_owned(),
        pack_name: source.pack_name.to_owned(),
        category: source.category,
        source_id: source.id.to_owned(),
        source_name: source.name.to_owned(),
        rule_id: intel_rule_id(source),
        rule_name: format!("{}: activity from a threat-intelligence listed address", source.name),
        rule_severity: Severity::High,
    }
}

impl Intake {
    /// Opens the IP databases (a damaged one is an error now) and reads the intel lists.
    pub async fn open(db: Database, engine: Option<Arc<Engine>>, settings: &IntakeSettings) -> anyhow::Result<Intake> {
        let (city, asn) = (settings.geoip_city.clone(), settings.geoip_asn.clone());
        let geo = tokio::task::spawn_blocking(move || GeoIp::open(city.as_deref(), asn.as_deref())).await??;
        let intake = Intake {
            db,
            engine,
            geo: Arc::new(geo),
            intel: RwLock::new(Arc::new(Intel::default())),
            rules: RwLock::new(Arc::new(Rules::default())),
            limits: settings.limits,
            registered: Mutex::new(HashSet::new()),
            entity_ids: Mutex::new(HashMap::new()),
        };
        intake.reload_intel().await?;
        intake.reload_rules().await?;
        Ok(intake)
    }

    /// Reads and compiles the enabled rules again when they changed in the database (an
    /// import, an enable or disable, here or from the command line), and brings the engine's
    /// rules up to date. Answers whether they changed.
    pub async fn reload_rules(&self) -> Result<bool, storage::StorageError> {
        let fingerprint = self.db.rules_fingerprint().await?;
        if self.rules.read().expect("rules lock").fingerprint == Some(fingerprint) {
            return Ok(false);
        }
        let active = self.db.active_rules().await?;
        let rules = crate::background::run(move || Rules::compile(active, Some(fingerprint)))
            .await
            .map_err(|e| storage::StorageError::Corrupt(format!("the rules could not be compiled: {e}")))?;
        tracing::debug!(rules = rules.len(), "detection rules loaded");
        *self.rules.write().expect("rules lock") = Arc::new(rules);
        if let Some(engine) = &self.engine {
            sync_rules(&self.db, engine).await?;
        }
        Ok(true)
    }

    /// How many rules the detector evaluates.
    pub fn rules_evaluated(&self) -> usize {
        self.rules.read().expect("rules lock").len()
    }

    /// Reads the threat-intelligence lists again (after an import or removal).
    pub async fn reload_intel(&self) -> Result<(), storage::StorageError> {
        let lists = self.db.intel_lists().await?;
        let networks = self.db.intel_networks().await?;
        let lists = lists
            .into_iter()
            .map(|l| IntelList { id: l.id, name: l.name, category: l.category, subcategory: l.subcategory, intention: l.intention })
            .collect();
        let networks = networks.into_iter().filter_map(|(list, text)| Network::parse(&text).ok().map(|n| (list, n))).collect();
        *self.intel.write().expect("intel lock") = Arc::new(Intel::new(lists, networks));
        Ok(())
    }

    /// Makes sure the source's pack, the source and its rule exist, in the database and the
    /// engine's dataset.
    async fn register(&self, source: &'static SourceSpec) -> Result<(), storage::StorageError> {
        if self.registered.lock().expect("registered lock").contains(source.id) {
            return Ok(());
        }
        let now = now_ms();
        let catalog = catalog(source);
        let registered = self.db.register_source(&catalog, now).await?;
        if let Some(engine) = &self.engine {
            let _writing = engine.write_lock().await;
            engine.update(|data| {
                data.append_history(registered.history);
                let pack = data.pack_by_id(&catalog.pack_id).unwrap_or_else(|| {
                    data.add_pack(ContentPack {
                        id: catalog.pack_id.clone(),
                        name: catalog.pack_name.clone(),
                        category: catalog.category,
                        enabled: true,
                        health: PackHealth::Active,
                        health_detail: None,
                        health_since_ms: Some(now),
                    })
                });
                let source_index = data.source_by_id(&catalog.source_id).unwrap_or_else(|| {
                    data.add_source(LogSource { id: catalog.source_id.clone(), name: catalog.source_name.clone(), pack })
                });
                if data.rule_by_id(&catalog.rule_id).is_none() {
                    let pack = data.sources[source_index].pack;
                    data.add_rule(Rule {
                        id: catalog.rule_id.clone(),
                        name: catalog.rule_name.clone(),
                        default_severity: catalog.rule_severity,
                        enabled: true,
                        custom: false,
                        source: source_index,
                        pack,
                        created_at_ms: now,
                        tactics: Vec::new(),
                        techniques: Vec::new(),
                    });
                }
            });
        }
        self.registered.lock().expect("registered lock").insert(source.id);
        Ok(())
    }

    /// Parses, enriches, detects and commits a batch of one source's events; answers only once
    /// it is committed.
    pub async fn ingest(&self, source: &'static SourceSpec, events: Vec<Event>) -> Result<Receipt, storage::StorageError> {
        self.register(source).await?;
        let geo = self.geo.clone();
        let intel = self.intel.read().expect("intel lock").clone();
        let rules = self.rules.read().expect("rules lock").clone();
        // Parsing, enrichment and detection are CPU work on untrusted input: off the async workers.
        let mut batch = crate::background::run(move || prepare(source, events, &geo, &intel, &rules))
            .await
            .map_err(|e| storage::StorageError::Corrupt(format!("the batch could not be prepared: {e}")))?;
        {
            let known = self.entity_ids.lock().expect("entity cache lock");
            for event in &batch.events {
                for entity in &event.entities {
                    if let Some(&id) = known.get(entity) {
                        batch.known_entities.insert(entity.clone(), id);
                    }
                }
            }
        }
        let outcome = match &self.engine {
            Some(engine) => {
                let _writing = engine.write_lock().await;
                // Times are taken under the lock, so signals reach the dataset in time order.
                let newest = engine.snapshot().signals.detected_at_ms.last().copied().unwrap_or(0);
                stamp(&mut batch, now_ms().max(newest));
                let outcome = self.db.ingest_batch(&batch).await?;
                apply(engine, source, &outcome);
                outcome
            }
            None => {
                stamp(&mut batch, now_ms());
                self.db.ingest_batch(&batch).await?
            }
        };
        {
            let mut known = self.entity_ids.lock().expect("entity cache lock");
            if known.len() + outcome.entity_ids.len() > ENTITY_CACHE {
                known.clear();
            }
            known.extend(outcome.entity_ids.iter().cloned());
        }
        metrics::counter!("ingest_events_total", "source" => source.id).increment(outcome.accepted as u64);
        metrics::counter!("ingest_duplicates_total", "source" => source.id).increment(outcome.duplicates as u64);
        metrics::counter!("ingest_signals_total", "source" => source.id).increment(outcome.signals.len() as u64);
        let receipt = Receipt {
            source: source.id.to_owned(),
            accepted: outcome.accepted,
            duplicates: outcome.duplicates,
            signals: outcome.signals.len(),
            grouped: outcome.grouped.len(),
        };
        // A pack that was not active may have recovered.
        let recovering = self.engine.as_ref().is_some_and(|engine| {
            let data = engine.snapshot();
            data.source_by_id(source.id).is_none_or(|s| data.packs[data.sources[s].pack].health != PackHealth::Active)
        });
        if recovering {
            self.assess_health(now_ms()).await?;
        }
        Ok(receipt)
    }

    /// Notes a refused batch (nothing of it is written) and judges the source's pack again.
    pub async fn refused(&self, source: &'static SourceSpec, events: usize, reason: &str) -> Result<(), storage::StorageError> {
        self.register(source).await?;
        metrics::counter!("ingest_refused_events_total", "source" => source.id).increment(events as u64);
        self.db.record_refusal(source.id, now_ms(), events.max(1) as i64, reason).await?;
        self.assess_health(now_ms()).await
    }

    /// Judges every pack whose sources have sent logs, from their freshness and refusals, and
    /// records the judgements that changed.
    pub async fn assess_health(&self, now: i64) -> Result<(), storage::StorageError> {
        let Some(engine) = &self.engine else { return Ok(()) };
        let statuses = self.db.source_statuses().await?;
        let data = engine.snapshot();
        let mut per_pack: HashMap<usize, Assessment> = HashMap::new();
        for status in &statuses {
            let Some(source) = data.source_by_id(&status.log_source_id) else { continue };
            let active_hours_last_week = status.last_received_ms.map_or(0, |last| {
                data.volume
                    .iter()
                    .filter(|v| v.source == source && v.events > 0 && v.hour_ms > last - 168 * HOUR_MS && v.hour_ms <= last)
                    .count()
            });
            let intake = health::Intake {
                last_received_ms: status.last_received_ms,
                refusing_since_ms: status.refusing_since_ms,
                last_refusal_ms: status.last_refusal_ms,
                refused_events: status.refused_events,
                last_refusal: status.last_refusal.clone(),
                active_hours_last_week,
            };
            let mut judged = health::assess(now, &intake);
            judged.detail = judged.detail.map(|d| format!("{}: {d}", data.sources[source].name));
            let pack = data.sources[source].pack;
            let worst = match per_pack.remove(&pack) {
                Some(other) => other.worst(judged),
                None => judged,
            };
            per_pack.insert(pack, worst);
        }
        drop(data);
        for (pack, judged) in per_pack {
            let current = &engine.snapshot().packs[pack];
            if current.health == PackHealth::Disabled
                || (current.health == judged.health && current.health_detail == judged.detail && current.health_since_ms == judged.since_ms)
            {
                continue;
            }
            let id = current.id.clone();
            tracing::info!(pack = %id, health = judged.health.as_str(), detail = judged.detail.as_deref().unwrap_or(""), "content pack health changed");
            let _writing = engine.write_lock().await;
            let recorded = self.db.set_pack_health(&id, judged.health, judged.detail.as_deref(), judged.since_ms, now).await?;
            engine.update(|data| {
                data.append_history(recorded);
                let p = &mut data.packs[pack];
                p.health = judged.health;
                p.health_detail = judged.detail.clone();
                p.health_since_ms = judged.since_ms;
            });
        }
        Ok(())
    }

    /// Judges pack health and reads the intel lists again every `every`, until the process
    /// ends (silence is noticed without a request, and lists imported from the command line
    /// reach a running server).
    pub async fn watch(self: Arc<Self>, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(error) = self.reload_intel().await {
                tracing::warn!(%error, "cannot read the threat-intelligence lists");
            }
            if let Err(error) = self.reload_rules().await {
                tracing::warn!(%error, "cannot read the detection rules");
            }
            if let Err(error) = self.assess_health(now_ms()).await {
                tracing::warn!(%error, "cannot judge the content packs' health");
            }
        }
    }
}

/// The longest event kept whole as a signal's sample; a longer one keeps its start.
const MAX_SAMPLE_BYTES: usize = 64 * 1024;

fn sample(raw: &serde_json::value::RawValue) -> String {
    let text = raw.get();
    if text.len() <= MAX_SAMPLE_BYTES {
        return text.to_owned();
    }
    let mut end = 4096;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    serde_json::json!({"truncated": true, "bytes": text.len(), "start": &text[..end]}).to_string()
}

/// Reads each event with its source's parser, enriches its source IP, raises a signal for an
/// address on a threat-intelligence list (one per address and batch), and evaluates the
/// source's enabled Sigma rules, grouping a rule's matches on one entity within its window.
fn prepare(source: &'static SourceSpec, events: Vec<Event>, geo: &GeoIp, intel: &Intel, rules: &Rules) -> IngestBatch {
    let mut batch = IngestBatch {
        source_id: source.id.to_owned(),
        received_ms: 0,
        events: Vec::with_capacity(events.len()),
        signals: Vec::new(),
        known_entities: HashMap::new(),
    };
    let mut flagged = HashSet::new();
    let detecting = rules.detector.covers(source.id);
    // (rule, primary entity) → the batch signal its matches go to now.
    let mut open: HashMap<(usize, String), usize> = HashMap::new();
    for (i, event) in events.iter().enumerate() {
        let found = source.extract(&event.raw);
        let entities = found.entities();
        if detecting {
            let time = found.time_ms.unwrap_or(0);
            for hit in rules.detector.detect(source.id, &event.raw) {
                let rule = &rules.active[hit];
                let key = entities.first().map_or_else(|| "-".to_owned(), |(kind, name)| format!("{}:{name}", kind.as_str()));
                let window = rule.group_window_ms.max(1);
                if let Some(&at) = open.get(&(hit, key.clone())) {
                    let signal: &mut BatchSignal = &mut batch.signals[at];
                    if (time - signal.record.first_seen_ms).abs() < window {
                        let kept = signal.grouped.iter().filter(|g| g.2.is_some()).count() < storage::ingest::MAX_SAMPLES as usize;
                        signal.grouped.push((i, time, kept.then(|| sample(&event.raw))));
                        continue;
                    }
                }
                let place = found.ip.map(|ip| geo.place(ip)).unwrap_or_default();
                let listed = found.ip.and_then(|ip| intel.lookup(ip));
                open.insert((hit, key.clone()), batch.signals.len());
                batch.signals.push(BatchSignal {
                    event: i,
                    group: Some((key, window)),
                    grouped: vec![(i, time, Some(sample(&event.raw)))],
                    record: SignalRecord {
                        id: 0,
                        rule_id: rule.id.clone(),
                        title: rule.name.clone(),
                        severity: rule.severity,
                        product: Product::Siem,
                        log_source_id: source.id.to_owned(),
                        first_seen_ms: time,
                        detected_at_ms: 0,
                        ip: found.ip.map(|ip| ip.to_string()),
                        country_iso: place.country_iso,
                        region: place.region,
                        city: place.city,
                        isp: place.isp,
                        asn: place.asn,
                        ti_indicator: listed.map(|_| found.ip.map(|ip| ip.to_string()).unwrap_or_default()),
                        ti_category: listed.map(|l| l.category),
                        ti_intention: listed.map(|l| l.intention),
                        ti_subcategory: listed.and_then(|l| l.subcategory),
                        triage_state: TriageState::Open,
                        assignee_id: None,
                        archive_reason: None,
                        archive_comment: None,
                        case_id: None,
                        tags: vec![format!("source:{}", source.id), "sigma".to_owned()],
                        version: 1,
                        events: 1,
                        last_seen_ms: time,
                        entity_ids: Vec::new(),
                    },
                });
            }
        }
        if let Some(ip) = found.ip {
            if let Some(list) = intel.lookup(ip).filter(|_| flagged.insert(ip)) {
                let place = geo.place(ip);
                batch.signals.push(BatchSignal {
                    event: i,
                    record: SignalRecord {
                        id: 0,
                        rule_id: intel_rule_id(source),
                        title: format!("{} activity from {ip}, on the threat-intelligence list '{}'", source.name, list.name),
                        severity: if list.intention == ThreatIntention::Malicious { Severity::High } else { Severity::Medium },
                        product: Product::Siem,
                        log_source_id: source.id.to_owned(),
                        first_seen_ms: found.time_ms.unwrap_or(0),
                        detected_at_ms: 0,
                        ip: Some(ip.to_string()),
                        country_iso: place.country_iso,
                        region: place.region,
                        city: place.city,
                        isp: place.isp,
                        asn: place.asn,
                        ti_indicator: Some(ip.to_string()),
                        ti_category: Some(list.category),
                        ti_intention: Some(list.intention),
                        ti_subcategory: list.subcategory,
                        triage_state: TriageState::Open,
                        assignee_id: None,
                        archive_reason: None,
                        archive_comment: None,
                        case_id: None,
                        tags: vec![format!("source:{}", source.id), format!("intel:{}", list.name)],
                        version: 1,
                        events: 1,
                        last_seen_ms: found.time_ms.unwrap_or(0),
                        entity_ids: Vec::new(),
                    },
                    group: None,
                    grouped: Vec::new(),
                });
            }
        }
        batch.events.push(BatchEvent { key: found.key, time_ms: found.time_ms.unwrap_or(0), entities });
    }
    batch
}

/// Sets the time the batch was received (and its signals detected).
fn stamp(batch: &mut IngestBatch, now: i64) {
    batch.received_ms = now;
    let fix = |t: &mut i64| {
        if *t == 0 || *t > now {
            *t = now;
        }
    };
    for signal in &mut batch.signals {
        signal.record.detected_at_ms = now;
        fix(&mut signal.record.first_seen_ms);
        fix(&mut signal.record.last_seen_ms);
        for grouped in &mut signal.grouped {
            fix(&mut grouped.1);
        }
    }
}

/// Applies a committed batch to the engine's dataset.
fn apply(engine: &Engine, source: &SourceSpec, outcome: &IngestOutcome) {
    if outcome.accepted == 0 && outcome.signals.is_empty() && outcome.new_entities.is_empty() && outcome.grouped.is_empty() {
        return;
    }
    let change = |data: &mut analytics::dataset::Dataset| {
        for entity in &outcome.new_entities {
            if data.entity_by_id(entity.id).is_none() {
                data.add_entity(Entity { id: entity.id, kind: entity.kind, name: entity.name.clone() });
            }
        }
        if let Some(index) = data.source_by_id(source.id) {
            data.add_volume(index, outcome.hour_ms, outcome.accepted as i64);
        }
        for signal in &outcome.signals {
            if let Err(error) = data.push_signal(signal) {
                tracing::error!(%error, signal = signal.id, "an ingested signal does not fit the dataset");
            }
        }
        for into in &outcome.grouped {
            if let Some(i) = data.signal_by_id(into.signal_id) {
                data.set_grouped(i, into.events, into.first_seen_ms, into.last_seen_ms);
            }
        }
    };
    // Events added to open signals change their counts, which no module reads, and their first
    // event's time only when one came earlier (time to detect reads it).
    let earlier = {
        let data = engine.snapshot();
        outcome.grouped.iter().any(|g| data.signal_by_id(g.signal_id).is_none_or(|i| data.signals.first_seen_ms[i] != g.first_seen_ms))
    };
    match outcome.signals.is_empty() && !earlier {
        true => engine.update_intake(change),
        false => engine.update(change),
    }
}

/// Brings the engine's packs, sources and rules up to what the database holds (after an import,
/// an enable or disable, here or from the command line).
pub async fn sync_rules(db: &Database, engine: &Engine) -> Result<(), storage::StorageError> {
    let catalog = db.intake_rows(i64::MAX, i64::MAX, i64::MAX).await?;
    let rules = db.stored_rules().await?;
    let _writing = engine.write_lock().await;
    engine.update(|data| {
        for pack in &catalog.packs {
            if data.pack_by_id(&pack.id).is_none() {
                data.add_pack(pack.clone());
            }
        }
        for (id, name, pack) in &catalog.sources {
            if data.source_by_id(id).is_none() {
                if let Some(pack) = data.pack_by_id(pack) {
                    data.add_source(LogSource { id: id.clone(), name: name.clone(), pack });
                }
            }
        }
        for stored in &rules {
            let (Some(source), Some(pack)) = (data.source_by_id(&stored.log_source_id), data.pack_by_id(&stored.pack_id)) else { continue };
            let rule = Rule {
                id: stored.id.clone(),
                name: stored.name.clone(),
                default_severity: stored.severity,
                enabled: stored.enabled,
                custom: stored.custom,
                source,
                pack,
                created_at_ms: stored.created_at_ms,
                tactics: stored.tactics.clone(),
                techniques: stored.techniques.clone(),
            };
            match data.rule_by_id(&stored.id) {
                Some(i) if data.rules[i] != rule => data.rules[i] = rule,
                Some(_) => {}
                None => {
                    data.add_rule(rule);
                }
            }
        }
    });
    Ok(())
}
