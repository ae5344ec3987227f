//! Ingested logs (docs/product.md §7): a batch of events committed in one transaction — their
//! ids (so a retry is counted once), the entities they name, the signals they raised, the hour's
//! volume and the source's freshness — or nothing at all. Also each source's refused batches,
//! and the threat-intelligence lists.

use std::collections::{HashMap, HashSet};

use analytics::dataset::{AssetType, Entity, HistoryEntry, HistoryEvent, SignalRecord, HOUR_MS};
use analytics::model::*;
use sqlx::{QueryBuilder, Row};

use crate::data::on_pool;
use crate::feed::{BeginWrite as _, Sequenced as _};
use crate::workflow::insert_history;
use crate::{Database, StorageError};

/// Inserts one signal row (its entity links are separate).
macro_rules! insert_signal {
    ($tx:expr, $s:expr, $group:expr) => {{
        let s = &$s;
        sqlx::query(
            "INSERT INTO signals (id, rule_id, title, severity, product, log_source_id, first_seen_ms, detected_at_ms, ip, country_iso, region, city, isp, asn, \
             ti_indicator, ti_category, ti_intention, ti_subcategory, triage_state, tags, version, events, last_seen_ms, group_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
        )
        .bind(s.id)
        .bind(&s.rule_id)
        .bind(&s.title)
        .bind(s.severity.as_str())
        .bind(s.product.as_str())
        .bind(&s.log_source_id)
        .bind(s.first_seen_ms)
        .bind(s.detected_at_ms)
        .bind(&s.ip)
        .bind(&s.country_iso)
        .bind(&s.region)
        .bind(&s.city)
        .bind(&s.isp)
        .bind(s.asn)
        .bind(&s.ti_indicator)
        .bind(s.ti_category.map(|v| v.as_str()))
        .bind(s.ti_intention.map(|v| v.as_str()))
        .bind(s.ti_subcategory.map(|v| v.as_str()))
        .bind(s.triage_state.as_str())
        .bind(s.tags.join(","))
        .bind(s.version)
        .bind(s.events)
        .bind(s.last_seen_ms)
        .bind($group)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Event ids per multi-row INSERT.
const KEYS_PER_INSERT: usize = 500;

/// A built-in source as the catalog tables hold it: its pack, itself, and the rule it raises
/// signals under.
#[derive(Debug, Clone)]
pub struct SourceCatalog {
    pub pack_id: String,
    pub pack_name: String,
    pub category: PackCategory,
    pub source_id: String,
    pub source_name: String,
    pub rule_id: String,
    pub rule_name: String,
    pub rule_severity: Severity,
}

/// What was added to the catalog for a source that was not there yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registered {
    pub pack: bool,
    pub source: bool,
    pub rule: bool,
    /// The pack's first health, recorded when the pack is new.
    pub history: Vec<HistoryEvent>,
}

/// A content pack's change of health, as the history keeps it (with the rules' changes; no
/// actor: the intake judged it).
fn pack_health_entry(pack_id: &str, old: Option<&str>, new: PackHealth, detail: Option<&str>, at_ms: i64) -> HistoryEntry {
    HistoryEntry {
        at_ms,
        actor_id: None,
        asset_type: AssetType::Rule,
        asset_id: analytics::overview::pack_asset_id(pack_id),
        action: "health".into(),
        old_value: old.map(str::to_owned),
        new_value: Some(new.as_str().to_owned()),
        reason: None,
        comment: detail.map(str::to_owned),
        api_key_id: None,
    }
}

/// One event of a batch: its idempotency key and the entities it names.
#[derive(Debug, Clone)]
pub struct BatchEvent {
    pub key: [u8; 16],
    /// The event's own time (0 when it has none): part of what makes it the same event.
    pub time_ms: i64,
    pub entities: Vec<(EntityKind, String)>,
}

/// A signal an event raised (written only if the event is new). Its `id` and `entity_ids` are
/// given when it is written.
#[derive(Debug, Clone)]
pub struct BatchSignal {
    /// Index of the event in [`IngestBatch::events`].
    pub event: usize,
    pub record: SignalRecord,
    /// For a rule's matches grouped by entity: the group (`kind:name` of the primary entity) and
    /// the rule's grouping window. An open signal of the same rule and group whose first event
    /// is within the window of this one's takes these events instead of a new signal.
    pub group: Option<(String, i64)>,
    /// Every event grouped into it (`event` among them) with its time, and what of each is kept
    /// as a sample (at most [`MAX_SAMPLES`] per signal are stored).
    pub grouped: Vec<(usize, i64, Option<String>)>,
}

/// How many events a signal keeps.
pub const MAX_SAMPLES: i64 = 10;

/// Events added to a signal that was already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupedInto {
    pub signal_id: i64,
    /// Its event count and times after the batch.
    pub events: i64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
}

#[derive(Debug, Clone)]
pub struct IngestBatch {
    pub source_id: String,
    pub received_ms: i64,
    pub events: Vec<BatchEvent>,
    pub signals: Vec<BatchSignal>,
    /// Entity ids the caller already knows (entities are never deleted, so a known id stays
    /// right): those are not looked up again.
    pub known_entities: HashMap<(EntityKind, String), i64>,
}

/// What a committed batch changed.
#[derive(Debug, Clone, Default)]
pub struct IngestOutcome {
    /// New events (counted in the hour's volume).
    pub accepted: usize,
    /// Events already ingested for the source, or twice in the batch.
    pub duplicates: usize,
    /// The hour the events were counted in.
    pub hour_ms: i64,
    /// Entities the new events named that did not exist before.
    pub new_entities: Vec<Entity>,
    /// The signals written, with their ids and entities.
    pub signals: Vec<SignalRecord>,
    /// The id of every entity the new events named.
    pub entity_ids: Vec<((EntityKind, String), i64)>,
    /// Stored signals the new events were grouped into.
    pub grouped: Vec<GroupedInto>,
}

/// A source's intake state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub log_source_id: String,
    pub first_received_ms: Option<i64>,
    pub last_received_ms: Option<i64>,
    pub refusing_since_ms: Option<i64>,
    pub last_refusal_ms: Option<i64>,
    pub refused_events: i64,
    pub last_refusal: Option<String>,
}

/// An imported threat-intelligence list with its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIntelList {
    pub id: i64,
    pub name: String,
    pub category: ThreatCategory,
    pub subcategory: Option<ThreatSubcategory>,
    pub intention: ThreatIntention,
    pub created_at_ms: i64,
    pub networks: i64,
}

/// A refused batch counts as one run with the refusals before it unless the last was longer ago.
const REFUSAL_RUN_GAP_MS: i64 = HOUR_MS;

impl Database {
    /// Adds a built-in source's pack, the source and its rule where missing (never changes
    /// what is there: the demo's packs keep their settings).
    pub async fn register_source(&self, c: &SourceCatalog, now_ms: i64) -> Result<Registered, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let pack = sqlx::query(
                "INSERT INTO content_packs (id, name, category, enabled, health, health_detail, health_since_ms) \
                 VALUES ($1, $2, $3, TRUE, 'active', NULL, $4) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&c.pack_id).bind(&c.pack_name).bind(c.category.as_str()).bind(now_ms)
            .execute(&mut *tx).await?.rows_affected() > 0;
            let source = sqlx::query("INSERT INTO log_sources (id, name, content_pack_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(&c.source_id).bind(&c.source_name).bind(&c.pack_id)
                .execute(&mut *tx).await?.rows_affected() > 0;
            let rule = sqlx::query(
                "INSERT INTO detection_rules (id, name, default_severity, enabled, origin, log_source_id, content_pack_id, created_at_ms) \
                 VALUES ($1, $2, $3, TRUE, 'default', $4, (SELECT content_pack_id FROM log_sources WHERE id = $4), $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&c.rule_id).bind(&c.rule_name).bind(c.rule_severity.as_str()).bind(&c.source_id).bind(now_ms)
            .execute(&mut *tx).await?.rows_affected() > 0;
            let entries: Vec<HistoryEntry> = pack.then(|| pack_health_entry(&c.pack_id, None, PackHealth::Active, None, now_ms)).into_iter().collect();
            let history = insert_history!(tx, entries);
            tx.commit().await?;
            Ok(Registered { pack, source, rule, history })
        })
    }

    /// Commits a batch: the new events' ids, entities and signals, the hour's volume and the
    /// source's freshness, in one transaction. Events whose key the source already has (or that
    /// came twice in the batch) are duplicates: counted once, raising nothing again.
    pub async fn ingest_batch(&self, batch: &IngestBatch) -> Result<IngestOutcome, StorageError> {
        let hour_ms = batch.received_ms - batch.received_ms.rem_euclid(HOUR_MS);
        let mut outcome = IngestOutcome { hour_ms, ..IngestOutcome::default() };
        let mut unique: Vec<usize> = Vec::with_capacity(batch.events.len());
        let mut seen = HashSet::with_capacity(batch.events.len());
        for (i, event) in batch.events.iter().enumerate() {
            if seen.insert((event.time_ms, event.key)) {
                unique.push(i);
            }
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Signals and entities get their ids here, in commit order with the history's.
            (*tx).before_append().await?;
            let mut new_keys: HashSet<(i64, [u8; 16])> = HashSet::with_capacity(unique.len());
            for chunk in unique.chunks(KEYS_PER_INSERT) {
                let mut insert = QueryBuilder::new("INSERT INTO ingested_events (log_source_id, event_time_ms, event_key, received_at_ms) ");
                insert.push_values(chunk, |mut row, &i| {
                    let event = &batch.events[i];
                    row.push_bind(&batch.source_id).push_bind(event.time_ms).push_bind(&event.key[..]).push_bind(batch.received_ms);
                });
                insert.push(" ON CONFLICT DO NOTHING RETURNING event_time_ms, event_key");
                for row in insert.build().fetch_all(&mut *tx).await? {
                    let key: Vec<u8> = row.try_get(1)?;
                    let key: [u8; 16] = key.try_into().map_err(|_| StorageError::Corrupt("an ingested event key is not 16 bytes".into()))?;
                    new_keys.insert((row.try_get::<i64, _>(0)?, key));
                }
            }
            let is_new = |i: usize| new_keys.contains(&(batch.events[i].time_ms, batch.events[i].key));
            let accepted: Vec<usize> = unique.iter().copied().filter(|&i| is_new(i)).collect();
            let accepted_set: HashSet<usize> = accepted.iter().copied().collect();
            outcome.accepted = accepted.len();
            outcome.duplicates = batch.events.len() - accepted.len();

            // The entities the new events name, found or created.
            let mut wanted: Vec<&(EntityKind, String)> = Vec::new();
            let mut wanted_set = HashSet::new();
            for &i in &accepted {
                for entity in &batch.events[i].entities {
                    if wanted_set.insert(entity) {
                        wanted.push(entity);
                    }
                }
            }
            let mut entity_ids: HashMap<(EntityKind, String), i64> = HashMap::with_capacity(wanted.len());
            let mut next_entity: Option<i64> = None;
            for (kind, name) in wanted {
                let found: Option<i64> = match batch.known_entities.get(&(*kind, name.clone())) {
                    Some(&id) => Some(id),
                    None => sqlx::query_scalar("SELECT id FROM entities WHERE kind = $1 AND name = $2")
                        .bind(kind.as_str()).bind(name).fetch_optional(&mut *tx).await?,
                };
                let id = match found {
                    Some(id) => id,
                    None => {
                        let id = match next_entity {
                            Some(id) => id,
                            None => sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) + 1 FROM entities").fetch_one(&mut *tx).await?,
                        };
                        next_entity = Some(id + 1);
                        sqlx::query("INSERT INTO entities (id, kind, name) VALUES ($1, $2, $3)")
                            .bind(id).bind(kind.as_str()).bind(name).execute(&mut *tx).await?;
                        outcome.new_entities.push(Entity { id, kind: *kind, name: name.clone() });
                        id
                    }
                };
                entity_ids.insert((*kind, name.clone()), id);
            }

            // The signals of new events: grouped into a stored open signal, or new.
            let mut next_signal: Option<i64> = None;
            for signal in &batch.signals {
                let own = [(signal.event, signal.record.first_seen_ms, None)];
                let events = if signal.grouped.is_empty() { &own[..] } else { &signal.grouped[..] };
                let grouped: Vec<&(usize, i64, Option<String>)> = events.iter().filter(|(i, _, _)| accepted_set.contains(i)).collect();
                if grouped.is_empty() {
                    continue;
                }
                let count = grouped.len() as i64;
                let first = grouped.iter().map(|g| g.1).min().unwrap_or(signal.record.first_seen_ms);
                let last = grouped.iter().map(|g| g.1).max().unwrap_or(signal.record.last_seen_ms);
                let samples: Vec<&String> = grouped.iter().filter_map(|g| g.2.as_ref()).collect();
                if let Some((key, window)) = &signal.group {
                    let open = sqlx::query(
                        "SELECT id, events, first_seen_ms, COALESCE(last_seen_ms, first_seen_ms) FROM signals \
                         WHERE rule_id = $1 AND group_key = $2 AND triage_state <> 'archived' AND first_seen_ms > $3 AND first_seen_ms < $4 \
                         ORDER BY first_seen_ms DESC, id DESC LIMIT 1",
                    )
                    .bind(&signal.record.rule_id).bind(key).bind(first - window).bind(first + window)
                    .fetch_optional(&mut *tx).await?;
                    if let Some(open) = open {
                        let id: i64 = open.try_get(0)?;
                        let into = GroupedInto {
                            signal_id: id,
                            events: open.try_get::<i64, _>(1)? + count,
                            first_seen_ms: open.try_get::<i64, _>(2)?.min(first),
                            last_seen_ms: open.try_get::<i64, _>(3)?.max(last),
                        };
                        sqlx::query("UPDATE signals SET events = $1, first_seen_ms = $2, last_seen_ms = $3 WHERE id = $4")
                            .bind(into.events).bind(into.first_seen_ms).bind(into.last_seen_ms).bind(id)
                            .execute(&mut *tx).await?;
                        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signal_samples WHERE signal_id = $1").bind(id).fetch_one(&mut *tx).await?;
                        for (n, sample) in samples.iter().take((MAX_SAMPLES - kept).max(0) as usize).enumerate() {
                            sqlx::query("INSERT INTO signal_samples (signal_id, n, event) VALUES ($1, $2, $3)")
                                .bind(id).bind(kept + n as i64).bind(*sample).execute(&mut *tx).await?;
                        }
                        outcome.grouped.push(into);
                        continue;
                    }
                }
                let id = match next_signal {
                    Some(id) => id,
                    None => sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) + 1 FROM signals").fetch_one(&mut *tx).await?,
                };
                next_signal = Some(id + 1);
                let mut record = signal.record.clone();
                record.id = id;
                record.events = count;
                record.first_seen_ms = first;
                record.last_seen_ms = last.max(first);
                record.entity_ids = batch.events[grouped[0].0].entities.iter().filter_map(|e| entity_ids.get(e).copied()).collect();
                record.entity_ids.sort_unstable();
                record.entity_ids.dedup();
                insert_signal!(tx, record, signal.group.as_ref().map(|(key, _)| key));
                for (n, sample) in samples.iter().take(MAX_SAMPLES as usize).enumerate() {
                    sqlx::query("INSERT INTO signal_samples (signal_id, n, event) VALUES ($1, $2, $3)")
                        .bind(id).bind(n as i64).bind(*sample).execute(&mut *tx).await?;
                }
                for entity in &record.entity_ids {
                    sqlx::query("INSERT INTO signal_entities (signal_id, entity_id) VALUES ($1, $2)").bind(id).bind(entity).execute(&mut *tx).await?;
                }
                outcome.signals.push(record);
            }

            if outcome.accepted > 0 {
                sqlx::query(
                    "INSERT INTO log_volume (log_source_id, hour_ms, events) VALUES ($1, $2, $3) \
                     ON CONFLICT (log_source_id, hour_ms) DO UPDATE SET events = log_volume.events + excluded.events",
                )
                .bind(&batch.source_id).bind(hour_ms).bind(outcome.accepted as i64)
                .execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO log_source_status (log_source_id, first_received_ms, last_received_ms) VALUES ($1, $2, $2) \
                 ON CONFLICT (log_source_id) DO UPDATE SET last_received_ms = excluded.last_received_ms, \
                 first_received_ms = COALESCE(log_source_status.first_received_ms, excluded.first_received_ms)",
            )
            .bind(&batch.source_id).bind(batch.received_ms)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            outcome.entity_ids = entity_ids.into_iter().collect();
        });
        Ok(outcome)
    }

    /// Notes a refused batch of `events` events for the source's health (the batch itself is not
    /// written).
    pub async fn record_refusal(&self, source_id: &str, now_ms: i64, events: i64, reason: &str) -> Result<(), StorageError> {
        let reason: String = reason.chars().take(500).collect();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO log_source_status (log_source_id, refusing_since_ms, last_refusal_ms, refused_events, last_refusal) \
                 VALUES ($1, $2, $2, $3, $4) \
                 ON CONFLICT (log_source_id) DO UPDATE SET \
                 refusing_since_ms = CASE WHEN log_source_status.last_refusal_ms IS NULL OR log_source_status.last_refusal_ms < $5 \
                     THEN excluded.refusing_since_ms ELSE log_source_status.refusing_since_ms END, \
                 refused_events = CASE WHEN log_source_status.last_refusal_ms IS NULL OR log_source_status.last_refusal_ms < $5 \
                     THEN excluded.refused_events ELSE log_source_status.refused_events + excluded.refused_events END, \
                 last_refusal_ms = excluded.last_refusal_ms, last_refusal = excluded.last_refusal",
            )
            .bind(source_id).bind(now_ms).bind(events).bind(&reason).bind(now_ms - REFUSAL_RUN_GAP_MS)
            .execute(pool).await?;
        });
        Ok(())
    }

    /// Every source's intake state.
    pub async fn source_statuses(&self) -> Result<Vec<SourceStatus>, StorageError> {
        const SQL: &str = "SELECT log_source_id, first_received_ms, last_received_ms, refusing_since_ms, last_refusal_ms, refused_events, last_refusal \
                           FROM log_source_status ORDER BY log_source_id";
        on_pool!(self, pool => {
            let rows = sqlx::query(SQL).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(SourceStatus {
                        log_source_id: r.try_get(0)?,
                        first_received_ms: r.try_get(1)?,
                        last_received_ms: r.try_get(2)?,
                        refusing_since_ms: r.try_get(3)?,
                        last_refusal_ms: r.try_get(4)?,
                        refused_events: r.try_get(5)?,
                        last_refusal: r.try_get(6)?,
                    })
                })
                .collect()
        })
    }

    /// Sets a pack's health as judged from its sources. A change of state (not of detail alone)
    /// is recorded in the history, so the overview can compare with an earlier window; answers
    /// the entries stored.
    pub async fn set_pack_health(
        &self,
        pack_id: &str,
        health: PackHealth,
        detail: Option<&str>,
        since_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<Vec<HistoryEvent>, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let old: Option<String> = sqlx::query_scalar("SELECT health FROM content_packs WHERE id = $1")
                .bind(pack_id).fetch_optional(&mut *tx).await?;
            sqlx::query("UPDATE content_packs SET health = $1, health_detail = $2, health_since_ms = $3 WHERE id = $4")
                .bind(health.as_str()).bind(detail).bind(since_ms).bind(pack_id)
                .execute(&mut *tx).await?;
            let changed = old.as_deref().is_some_and(|old| old != health.as_str());
            let entries: Vec<HistoryEntry> = changed.then(|| pack_health_entry(pack_id, old.as_deref(), health, detail, now_ms)).into_iter().collect();
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// How many events the source has had counted per hour since `from_ms`.
    pub async fn source_volume(&self, source_id: &str, from_ms: i64) -> Result<Vec<(i64, i64)>, StorageError> {
        on_pool!(self, pool => Ok(sqlx::query_as("SELECT hour_ms, events FROM log_volume WHERE log_source_id = $1 AND hour_ms >= $2 ORDER BY hour_ms")
            .bind(source_id).bind(from_ms).fetch_all(pool).await?))
    }

    // --- threat intelligence --------------------------------------------------------------

    /// Imports a list (replacing the networks of a list of the same name); answers its id.
    pub async fn import_intel_list(
        &self,
        name: &str,
        category: ThreatCategory,
        subcategory: Option<ThreatSubcategory>,
        intention: ThreatIntention,
        networks: &[String],
        now_ms: i64,
    ) -> Result<i64, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM intel_lists WHERE name = $1").bind(name).execute(&mut *tx).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO intel_lists (name, category, subcategory, intention, created_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(name).bind(category.as_str()).bind(subcategory.map(|s| s.as_str())).bind(intention.as_str()).bind(now_ms)
            .fetch_one(&mut *tx).await?;
            let mut distinct: Vec<&String> = networks.iter().collect();
            distinct.sort();
            distinct.dedup();
            for chunk in distinct.chunks(KEYS_PER_INSERT) {
                let mut insert = QueryBuilder::new("INSERT INTO intel_networks (list_id, network) ");
                insert.push_values(chunk, |mut row, network| {
                    row.push_bind(id).push_bind(network.as_str());
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Every list, with how many networks it holds.
    pub async fn intel_lists(&self) -> Result<Vec<StoredIntelList>, StorageError> {
        const SQL: &str = "SELECT l.id, l.name, l.category, l.subcategory, l.intention, l.created_at_ms, \
                           (SELECT COUNT(*) FROM intel_networks n WHERE n.list_id = l.id) FROM intel_lists l ORDER BY l.name";
        on_pool!(self, pool => {
            let rows = sqlx::query(SQL).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    let subcategory: Option<String> = r.try_get(3)?;
                    Ok(StoredIntelList {
                        id: r.try_get(0)?,
                        name: r.try_get(1)?,
                        category: ThreatCategory::parse(&r.try_get::<String, _>(2)?).map_err(crate::decode::corrupt)?,
                        subcategory: subcategory.map(|s| ThreatSubcategory::parse(&s)).transpose().map_err(crate::decode::corrupt)?,
                        intention: ThreatIntention::parse(&r.try_get::<String, _>(4)?).map_err(crate::decode::corrupt)?,
                        created_at_ms: r.try_get(5)?,
                        networks: r.try_get(6)?,
                    })
                })
                .collect()
        })
    }

    /// Every list's networks: (list id, network as written).
    pub async fn intel_networks(&self) -> Result<Vec<(i64, String)>, StorageError> {
        on_pool!(self, pool => Ok(sqlx::query_as("SELECT list_id, network FROM intel_networks ORDER BY list_id, network").fetch_all(pool).await?))
    }

    /// Removes a list; `false` when there was none with that id.
    pub async fn delete_intel_list(&self, id: i64) -> Result<bool, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM intel_networks WHERE list_id = $1").bind(id).execute(&mut *tx).await?;
            let done = sqlx::query("DELETE FROM intel_lists WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected() > 0;
            tx.commit().await?;
            Ok(done)
        })
    }
}

/// What the intake wrote that another instance has not applied yet (PostgreSQL followers).
#[derive(Debug, Clone, Default)]
pub struct IntakeRows {
    /// Every pack (few), with its health.
    pub packs: Vec<analytics::dataset::ContentPack>,
    /// Every source: (id, name, pack id).
    pub sources: Vec<(String, String, String)>,
    /// Rules made by the intake (`intel-…`): (id, name, severity, source id, pack id, created).
    pub rules: Vec<(String, String, String, String, String, i64)>,
    pub entities: Vec<Entity>,
    /// Signals after the given id, in detection order, with their entities.
    pub signals: Vec<SignalRecord>,
    /// Volume rows from the given hour: (source id, hour, events).
    pub volume: Vec<(String, i64, i64)>,
}

impl Database {
    /// The intake's rows another instance may lack: signals and entities after the ids it holds,
    /// the volume of the recent hours, and the catalog.
    pub async fn intake_rows(&self, signals_after: i64, entities_after: i64, volume_from_ms: i64) -> Result<IntakeRows, StorageError> {
        use crate::decode::{corrupt, signal_from};
        const PACKS: &str = "SELECT id, name, category, enabled, health, health_detail, health_since_ms FROM content_packs ORDER BY id";
        const SIGNALS: &str = "SELECT id, rule_id, title, severity, product, log_source_id, first_seen_ms, detected_at_ms, ip, country_iso, region, city, isp, asn, \
                               ti_indicator, ti_category, ti_intention, ti_subcategory, triage_state, assignee_id, archive_reason, archive_comment, case_id, tags, version, events, COALESCE(last_seen_ms, first_seen_ms) \
                               FROM signals WHERE id > $1 ORDER BY detected_at_ms, id";
        on_pool!(self, pool => {
            let packs = sqlx::query(PACKS)
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(analytics::dataset::ContentPack {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    category: PackCategory::parse(r.try_get(2)?).map_err(corrupt)?,
                    enabled: r.try_get(3)?,
                    health: PackHealth::parse(r.try_get(4)?).map_err(corrupt)?,
                    health_detail: r.try_get(5)?,
                    health_since_ms: r.try_get(6)?,
                }))
                .collect::<Result<_, StorageError>>()?;
            let sources = sqlx::query_as("SELECT id, name, content_pack_id FROM log_sources ORDER BY id").fetch_all(pool).await?;
            let rules = sqlx::query_as(
                "SELECT id, name, default_severity, log_source_id, content_pack_id, created_at_ms FROM detection_rules WHERE id LIKE 'intel-%' ORDER BY id",
            )
            .fetch_all(pool).await?;
            let entities = sqlx::query("SELECT id, kind, name FROM entities WHERE id > $1 ORDER BY id")
                .bind(entities_after)
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(Entity { id: r.try_get(0)?, kind: EntityKind::parse(r.try_get(1)?).map_err(corrupt)?, name: r.try_get(2)? }))
                .collect::<Result<_, StorageError>>()?;
            let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
            for (signal, entity) in sqlx::query_as::<_, (i64, i64)>("SELECT signal_id, entity_id FROM signal_entities WHERE signal_id > $1")
                .bind(signals_after)
                .fetch_all(pool).await?
            {
                links.entry(signal).or_default().push(entity);
            }
            let signals = sqlx::query(SIGNALS)
                .bind(signals_after)
                .fetch_all(pool).await?
                .iter()
                .map(|r| signal_from(r, &mut links))
                .collect::<Result<_, StorageError>>()?;
            let volume = sqlx::query_as("SELECT log_source_id, hour_ms, events FROM log_volume WHERE hour_ms >= $1 ORDER BY hour_ms, log_source_id")
                .bind(volume_from_ms)
                .fetch_all(pool).await?;
            Ok(IntakeRows { packs, sources, rules, entities, signals, volume })
        })
    }
}
