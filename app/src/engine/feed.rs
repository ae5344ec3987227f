//! Following the other instances' writes (docs/product.md §6): on PostgreSQL, every instance
//! applies each committed change to its own dataset, woken by the change feed's notification and,
//! in case one is lost, by a timer; it reads the history after the last id it applied (ids are
//! handed out in commit order, see [`storage::feed`]) and re-reads the rows those events are about.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use analytics::dataset::{AssetType, HistoryEvent};
use analytics::time::{now_ms, HOUR_MS};

use super::Engine;

/// How many history events one catch-up step reads.
const BATCH: i64 = 1_000;

/// How long a follower waits for a notification before it looks anyway.
const POLL: Duration = Duration::from_millis(500);

impl Engine {
    /// The history id up to which every change is applied here.
    pub fn feed_position(&self) -> i64 {
        self.feed_position.load(Ordering::SeqCst)
    }

    /// Follows the other instances' writes until the process ends (returns at once on SQLite,
    /// which is one instance by design).
    pub async fn follow(self: Arc<Self>) {
        let mut listener = loop {
            match self.database().listen().await {
                Ok(Some(listener)) => break listener,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for other instances' changes; retrying");
                    tokio::time::sleep(POLL).await;
                }
            }
        };
        tracing::info!(position = self.feed_position(), "following other instances' changes");
        loop {
            if let Err(error) = self.catch_up().await {
                tracing::warn!(%error, "catching up with other instances' changes failed; retrying");
            }
            if let Err(error) = self.follow_intake().await {
                tracing::warn!(%error, "reading other instances' ingested logs failed; retrying");
            }
            listener.wait(POLL).await;
        }
    }

    /// Applies every change committed after [`Engine::feed_position`]; answers how many events
    /// were new here.
    pub async fn catch_up(&self) -> Result<usize, storage::StorageError> {
        let _writing = self.write_lock().await;
        let db = self.database();
        let mut applied = 0;
        loop {
            let position = self.feed_position();
            let events = db.history_after(position, BATCH).await?;
            let Some(last) = events.last().map(|e| e.id) else {
                metrics::gauge!("engine_feed_lag_seconds").set(0.0);
                break;
            };
            let data = self.snapshot();
            let new: Vec<HistoryEvent> = events.into_iter().filter(|e| !data.holds(e)).collect();
            drop(data);
            if !new.is_empty() {
                applied += new.len();
                self.apply_events(new).await?;
            }
            self.feed_position.store(last, Ordering::SeqCst);
            metrics::gauge!("engine_feed_position").set(last as f64);
        }
        Ok(applied)
    }

    /// Applies what other instances' intake committed (it leaves no history event): new
    /// signals and entities, the recent hours' volume, new sources and their packs and rules, and
    /// the packs' health.
    pub async fn follow_intake(&self) -> Result<(), storage::StorageError> {
        let _writing = self.write_lock().await;
        let data = self.snapshot();
        let newest_signal = data.signals.id.iter().copied().max().unwrap_or(0);
        let newest_entity = data.entities.iter().map(|e| e.id).max().unwrap_or(0);
        let from = now_ms() - now_ms().rem_euclid(HOUR_MS) - HOUR_MS;
        let rows = self.database().intake_rows(newest_signal, newest_entity, from).await?;
        let index = |id: &str| data.source_by_id(id);
        let volume_differs = rows.volume.iter().any(|(source, hour, events)| {
            index(source).is_none_or(|s| !data.volume.iter().rev().take(256).any(|v| v.source == s && v.hour_ms == *hour && v.events == *events))
        });
        let packs_differ = rows.packs.len() != data.packs.len()
            || rows.packs.iter().any(|p| data.pack_by_id(&p.id).is_none_or(|i| data.packs[i] != *p));
        let changed = volume_differs
            || packs_differ
            || rows.sources.len() != data.sources.len()
            || rows.rules.iter().any(|r| data.rule_by_id(&r.0).is_none())
            || !rows.entities.is_empty()
            || !rows.signals.is_empty();
        drop(data);
        if !changed {
            return Ok(());
        }
        self.update(|data| {
            for pack in &rows.packs {
                match data.pack_by_id(&pack.id) {
                    Some(i) => data.packs[i] = pack.clone(),
                    None => {
                        data.add_pack(pack.clone());
                    }
                }
            }
            for (id, name, pack) in &rows.sources {
                if data.source_by_id(id).is_none() {
                    if let Some(pack) = data.pack_by_id(pack) {
                        data.add_source(analytics::dataset::LogSource { id: id.clone(), name: name.clone(), pack });
                    }
                }
            }
            for (id, name, severity, source, pack, created_at_ms) in &rows.rules {
                let (Some(source), Some(pack), Ok(severity)) = (data.source_by_id(source), data.pack_by_id(pack), analytics::model::Severity::parse(severity)) else { continue };
                if data.rule_by_id(id).is_none() {
                    data.add_rule(analytics::dataset::Rule {
                        id: id.clone(),
                        name: name.clone(),
                        default_severity: severity,
                        enabled: true,
                        custom: false,
                        source,
                        pack,
                        created_at_ms: *created_at_ms,
                        tactics: Vec::new(),
                        techniques: Vec::new(),
                    });
                }
            }
            for entity in &rows.entities {
                if data.entity_by_id(entity.id).is_none() {
                    data.add_entity(entity.clone());
                }
            }
            for (source, hour, events) in &rows.volume {
                if let Some(source) = data.source_by_id(source) {
                    data.set_volume(source, *hour, *events);
                }
            }
            for signal in &rows.signals {
                if data.signal_by_id(signal.id).is_none() {
                    // Signals are held in detection order: one detected a moment before the
                    // newest held here (by another instance's clock) is placed with it.
                    let newest = data.signals.detected_at_ms.last().copied().unwrap_or(i64::MIN);
                    let mut signal = signal.clone();
                    signal.detected_at_ms = signal.detected_at_ms.max(newest);
                    if let Err(error) = data.push_signal(&signal) {
                        tracing::error!(%error, signal = signal.id, "another instance's signal does not fit the dataset");
                    }
                }
            }
        });
        Ok(())
    }

    /// Re-reads what `events` are about and applies it with them, in one update.
    async fn apply_events(&self, events: Vec<HistoryEvent>) -> Result<(), storage::StorageError> {
        let db = self.database();
        let signals: BTreeSet<i64> = events
            .iter()
            .filter(|e| e.asset_type == AssetType::SecuritySignal)
            .filter_map(|e| e.asset_id.parse().ok())
            .collect();
        let mut states = Vec::with_capacity(signals.len());
        for id in signals {
            states.extend(db.signal_state(id).await?);
        }
        let cases = match events.iter().any(|e| e.asset_type == AssetType::Case) {
            true => Some(db.cases().await?),
            false => None,
        };
        let users = match events.iter().any(|e| e.asset_type == AssetType::User) {
            true => Some(db.dataset_users().await?),
            false => None,
        };
        // Incidents are declared from a signal or a case and leave an event on it; they are few.
        let incidents = match events.iter().any(|e| e.action.contains("incident")) {
            true => Some(db.incidents().await?),
            false => None,
        };
        let newest_at = events.iter().map(|e| e.at_ms).max().unwrap_or_else(now_ms);
        let count = events.len();
        self.update(|data| {
            for state in &states {
                if let Some(i) = data.signal_by_id(state.id) {
                    data.set_triage(i, &state.triage, state.version);
                }
            }
            for case in cases.into_iter().flatten() {
                data.upsert_case(case);
            }
            for user in users.into_iter().flatten() {
                data.upsert_user(user);
            }
            for incident in incidents.into_iter().flatten() {
                data.add_incident(incident);
            }
            data.append_history(events);
        });
        metrics::counter!("engine_feed_events_total").increment(count as u64);
        metrics::gauge!("engine_feed_lag_seconds").set((now_ms() - newest_at).max(0) as f64 / 1000.0);
        Ok(())
    }
}
