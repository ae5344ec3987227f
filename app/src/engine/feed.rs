//! Following the other instances' writes (docs/product.md §6): on PostgreSQL, every instance
//! applies each committed change to its own dataset, woken by the change feed's notification and,
//! in case one is lost, by a timer; it reads the history after the last id it applied (ids are
//! handed out in commit order, see [`storage::feed`]) and re-reads the rows those events are about.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use analytics::dataset::{AssetType, HistoryEvent};
use analytics::time::now_ms;

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
