//! The in-memory dataset every metric is computed from.
//!
//! Signals are held column by column ([`SignalTable`]), sorted by `detected_at`, so a window is
//! two binary searches and each metric reads only the columns it needs; repeated strings (IPs,
//! countries, ISPs, titles) are interned. The database is the durable copy; the server keeps this
//! in step with every write, so the overview never scans SQL.

use std::collections::HashMap;

mod column;
mod held;
mod records;
#[cfg(not(target_arch = "wasm32"))]
pub mod snapshot;
mod table;

pub use crate::time::{Millis, DAY_MS, HOUR_MS};
pub use column::{Column, IdMap};
pub use held::EventRef;
use held::{HeldEvent, Numbers};
pub use records::*;
pub use table::*;
use table::NO_TIME;

/// Everything the overview is computed from. Cloning it is cheap (a pointer per chunk of each
/// column): the engine clones it only when a reader still holds the previous version, and a
/// change then copies just the chunks it touches.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Dataset {
    pub packs: Vec<ContentPack>,
    pub sources: Vec<LogSource>,
    pub rules: Vec<Rule>,
    pub users: Vec<User>,
    pub entities: Column<Entity>,
    pub cases: Column<Case>,
    pub incidents: Column<Incident>,
    pub volume: Column<VolumePoint>,
    pub articles: Vec<Article>,
    pub signals: SignalTable,
    /// The history, in time order as loaded, then in the order changes were applied.
    history: Column<HeldEvent>,
    /// The history's strings (actions, values, reasons, comments, non-numeric asset ids).
    history_strings: Interner,
    /// The history's actor and API key ids.
    history_numbers: Numbers,
    /// Positions in `history` of events about anything but signals (rules, cases, users): few,
    /// and looked for without scanning every signal event.
    other_history: Column<u32>,
    /// Per signal, the position in `history` of its latest event ([`NONE`] if it has none)…
    history_last: Column<u32>,
    /// …and per history event, the position of the same signal's event before it: each
    /// signal's events are a list through the history, appended to in O(1).
    history_prev: Column<u32>,
    #[serde(skip)]
    rule_index: HashMap<String, usize>,
    #[serde(skip)]
    source_index: HashMap<String, usize>,
    #[serde(skip)]
    entity_index: IdMap<i64, usize>,
    /// Signal ids normally grow with detection time (the database hands them out as signals
    /// arrive), so a signal is found by a binary search of the id column, with no index. Only
    /// once an id arrives out of order is every signal indexed in this map.
    #[serde(skip)]
    ids_out_of_order: bool,
    #[serde(skip)]
    signal_index: IdMap<i64, usize>,
}

/// No position.
const NONE: u32 = u32::MAX;

/// A reference in the data that points at nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} '{id}' does not exist")]
pub struct DanglingReference {
    pub what: &'static str,
    pub id: String,
}

impl Dataset {
    /// Builds a dataset from plain records. Signals may come in any order; the history fills
    /// each signal's first-response and archive times.
    #[allow(clippy::too_many_arguments)]
    pub fn assemble(
        packs: Vec<ContentPack>,
        sources: Vec<LogSource>,
        rules: Vec<Rule>,
        users: Vec<User>,
        entities: Vec<Entity>,
        mut signals: Vec<SignalRecord>,
        history: Vec<HistoryEvent>,
    ) -> Result<Dataset, DanglingReference> {
        let mut dataset = Dataset { packs, sources, rules, users, entities: entities.into(), ..Dataset::default() };
        dataset.reindex();
        signals.sort_by_key(|s| (s.detected_at_ms, s.id));
        for signal in &signals {
            dataset.push_signal(signal)?;
        }
        dataset.set_history(history);
        Ok(dataset)
    }

    fn reindex(&mut self) {
        self.rule_index = self.rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        self.source_index = self.sources.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
        self.entity_index = self.entities.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    }

    /// The whole history, in the order it was applied.
    pub fn history(&self) -> impl DoubleEndedIterator<Item = EventRef<'_>> + ExactSizeIterator {
        self.history.iter().map(|held| EventRef { held, strings: &self.history_strings, numbers: &self.history_numbers })
    }

    /// The whole history as plain values (for comparing and exporting; reads use [`Dataset::history`]).
    pub fn history_events(&self) -> Vec<HistoryEvent> {
        self.history().map(|h| h.to_event()).collect()
    }

    /// History event `k` (a position in [`Dataset::history`]).
    fn event(&self, k: usize) -> EventRef<'_> {
        EventRef { held: &self.history[k], strings: &self.history_strings, numbers: &self.history_numbers }
    }

    /// The positions of signal `i`'s events, oldest first (by time, then id).
    fn positions_of(&self, i: usize) -> Vec<usize> {
        let mut positions = Vec::new();
        let mut k = self.history_last.get(i).copied().unwrap_or(NONE);
        while k != NONE {
            positions.push(k as usize);
            k = self.history_prev[k as usize];
        }
        positions.reverse();
        // Appended in the order the changes were applied, which (with several instances) may
        // differ from the order they were made in.
        let order = |k: usize| (self.history[k].at_ms, self.history[k].id);
        if positions.windows(2).any(|w| order(w[0]) > order(w[1])) {
            positions.sort_by_key(|&k| order(k));
        }
        positions
    }

    /// The history of signal `i`, oldest first (by time, then id).
    pub fn history_of(&self, i: usize) -> impl DoubleEndedIterator<Item = HistoryEvent> + '_ {
        self.positions_of(i).into_iter().map(|k| self.event(k).to_event())
    }

    /// History events about anything but signals (rules, cases, users), oldest first.
    pub fn other_history(&self) -> impl Iterator<Item = EventRef<'_>> {
        self.other_history.iter().map(|&k| self.event(k as usize))
    }

    /// When signal `i`'s newest event happened, if it has any.
    pub fn last_event_ms(&self, i: usize) -> Option<Millis> {
        let mut k = self.history_last.get(i).copied().unwrap_or(NONE);
        let mut newest: Option<Millis> = None;
        while k != NONE {
            let at = self.history[k as usize].at_ms;
            newest = Some(newest.map_or(at, |n| n.max(at)));
            k = self.history_prev[k as usize];
        }
        newest
    }

    /// History events about rules, oldest first.
    pub fn rule_history(&self) -> impl Iterator<Item = EventRef<'_>> {
        self.other_history
            .iter()
            .map(|&k| self.event(k as usize))
            .filter(|h| h.asset_type() == AssetType::Rule)
    }

    /// Adds a content pack (a log source's, registered when it first sends) and returns its index.
    pub fn add_pack(&mut self, pack: ContentPack) -> usize {
        self.packs.push(pack);
        self.packs.len() - 1
    }

    /// Adds a log source and returns its index.
    pub fn add_source(&mut self, source: LogSource) -> usize {
        self.source_index.insert(source.id.clone(), self.sources.len());
        self.sources.push(source);
        self.sources.len() - 1
    }

    /// Adds a detection rule and returns its index.
    pub fn add_rule(&mut self, rule: Rule) -> usize {
        self.rule_index.insert(rule.id.clone(), self.rules.len());
        self.rules.push(rule);
        self.rules.len() - 1
    }

    /// Counts `events` more for source `source` (an index) in the hour starting at `hour_ms`.
    pub fn add_volume(&mut self, source: usize, hour_ms: Millis, events: i64) {
        let mut i = self.volume.len();
        while i > 0 && self.volume[i - 1].hour_ms >= hour_ms {
            i -= 1;
            if self.volume[i].hour_ms == hour_ms && self.volume[i].source == source {
                self.volume.get_mut(i).events += events;
                return;
            }
        }
        self.volume.push(VolumePoint { source, hour_ms, events });
    }

    /// Sets the count of source `source` (an index) for the hour starting at `hour_ms` (another
    /// instance counted it).
    pub fn set_volume(&mut self, source: usize, hour_ms: Millis, events: i64) {
        let mut i = self.volume.len();
        while i > 0 && self.volume[i - 1].hour_ms >= hour_ms {
            i -= 1;
            if self.volume[i].hour_ms == hour_ms && self.volume[i].source == source {
                self.volume.get_mut(i).events = events;
                return;
            }
        }
        self.volume.push(VolumePoint { source, hour_ms, events });
    }

    /// The pack with this id.
    pub fn pack_by_id(&self, id: &str) -> Option<usize> {
        self.packs.iter().position(|p| p.id == id)
    }

    /// Adds an entity and returns its index.
    pub fn add_entity(&mut self, entity: Entity) -> usize {
        let index = self.entities.len();
        self.entity_index.insert(entity.id, index);
        self.entities.push(entity);
        index
    }

    pub fn rule_by_id(&self, id: &str) -> Option<usize> {
        self.rule_index.get(id).copied()
    }

    pub fn source_by_id(&self, id: &str) -> Option<usize> {
        self.source_index.get(id).copied()
    }

    pub fn entity_by_id(&self, id: i64) -> Option<usize> {
        self.entity_index.get(&id)
    }

    pub fn signal_by_id(&self, id: i64) -> Option<usize> {
        if self.ids_out_of_order {
            return self.signal_index.get(&id);
        }
        let ids = &self.signals.id;
        let i = ids.partition_point(|&x| x < id);
        (ids.get(i) == Some(&id)).then_some(i)
    }

    /// Indexes the signals by id if their ids are not in increasing order (see `signal_index`).
    fn index_signals(&mut self) {
        let ids = &self.signals.id;
        self.ids_out_of_order = ids.iter().zip(ids.iter().skip(1)).any(|(a, b)| a >= b);
        self.signal_index = match self.ids_out_of_order {
            true => ids.iter().enumerate().map(|(i, &id)| (id, i)).collect(),
            false => IdMap::default(),
        };
    }

    /// The account with this id (accounts are few: a scan is the index).
    pub fn user(&self, id: i64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The account with this username.
    pub fn user_named(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    /// Appends a signal; it must not be older than the newest one held (signals arrive in time
    /// order — [`Dataset::assemble`] sorts a batch first).
    pub fn push_signal(&mut self, s: &SignalRecord) -> Result<usize, DanglingReference> {
        let rule = self.rule_by_id(&s.rule_id).ok_or_else(|| DanglingReference {
            what: "rule",
            id: s.rule_id.clone(),
        })?;
        let source = self.source_by_id(&s.log_source_id).ok_or_else(|| DanglingReference {
            what: "log source",
            id: s.log_source_id.clone(),
        })?;
        let mut entity_idx = Vec::with_capacity(s.entity_ids.len());
        for id in &s.entity_ids {
            entity_idx.push(self.entity_by_id(*id).ok_or_else(|| DanglingReference {
                what: "entity",
                id: id.to_string(),
            })? as u32);
        }
        let t = &mut self.signals;
        debug_assert!(t.detected_at_ms.last().is_none_or(|&last| last <= s.detected_at_ms));
        let in_order = t.id.last().is_none_or(|&last| last < s.id);
        let i = t.len();
        t.id.push(s.id);
        t.rule.push(rule as u32);
        t.title.push(t.strings.intern(&s.title));
        t.severity.push(s.severity);
        t.product.push(s.product);
        t.source.push(source as u32);
        t.first_seen_ms.push(s.first_seen_ms);
        t.detected_at_ms.push(s.detected_at_ms);
        t.ip.push(t.strings.intern_opt(s.ip.as_deref()));
        t.country.push(t.strings.intern_opt(s.country_iso.as_deref()));
        t.region.push(t.strings.intern_opt(s.region.as_deref()));
        t.city.push(t.strings.intern_opt(s.city.as_deref()));
        t.isp.push(t.strings.intern_opt(s.isp.as_deref()));
        t.asn.push(s.asn.unwrap_or(0));
        t.ti_indicator.push(t.strings.intern_opt(s.ti_indicator.as_deref()));
        t.ti_category.push(s.ti_category);
        t.ti_intention.push(s.ti_intention);
        t.ti_subcategory.push(s.ti_subcategory);
        t.state.push(s.triage_state);
        t.assignee.push(s.assignee_id.into());
        t.archive_reason.push(s.archive_reason);
        t.archive_comment.push(t.strings.intern_opt(s.archive_comment.as_deref()));
        t.case_id.push(s.case_id.into());
        t.tags.push(t.strings.intern(&s.tags.join(",")));
        t.version.push(s.version);
        t.events.push(s.events.clamp(1, i64::from(u32::MAX)) as u32);
        t.last_seen_ms.push(s.last_seen_ms.max(s.first_seen_ms));
        t.entity_start.push(t.entities.len() as u32);
        t.entities.extend(entity_idx);
        t.first_response_ms.push(NO_TIME);
        t.archived_at_ms.push(NO_TIME);
        t.taken_by.push(OptionalId::NONE);
        t.archived_by.push(OptionalId::NONE);
        t.reopened.push(false);
        self.history_last.push(NONE);
        if self.ids_out_of_order {
            self.signal_index.insert(s.id, i);
        } else if !in_order {
            self.index_signals();
        }
        Ok(i)
    }

    /// Replaces the history (put in time order, then id) and derives every signal's
    /// first-response and archive times from it. The signals must be there first.
    pub fn set_history(&mut self, mut history: Vec<HistoryEvent>) {
        history.sort_by_key(|h| (h.at_ms, h.id));
        self.history = Column::new();
        self.history_strings = Interner::default();
        self.history_numbers = Numbers::default();
        self.other_history = Column::new();
        self.history_prev = Column::new();
        let n = self.signals.len();
        self.history_last = std::iter::repeat_n(NONE, n).collect();
        let t = &mut self.signals;
        t.first_response_ms.fill(NO_TIME);
        t.archived_at_ms.fill(NO_TIME);
        t.taken_by.fill(OptionalId::NONE);
        t.archived_by.fill(OptionalId::NONE);
        t.reopened.fill(false);
        for event in history {
            if let Some(i) = self.link(&event) {
                let event = EventRef { held: &self.history[self.history.len() - 1], strings: &self.history_strings, numbers: &self.history_numbers };
                Self::derive_step(&mut self.signals, i, event);
            }
        }
    }

    /// The signal an event is about, if it is about a signal held.
    fn owner(&self, event: &HistoryEntry) -> Option<usize> {
        (event.asset_type == AssetType::SecuritySignal)
            .then(|| event.asset_id.parse().ok().and_then(|id| self.signal_by_id(id)))
            .flatten()
    }

    /// Whether this event (by id) is held already: several instances apply the same change,
    /// once from their own write and once from the change feed, and it must count once.
    pub fn holds(&self, event: &HistoryEvent) -> bool {
        /// Events about anything but signals are looked for among the newest this many.
        const RECENT_OTHER: usize = 1024;
        match self.owner(event) {
            Some(i) => {
                let mut k = self.history_last[i];
                while k != NONE {
                    if self.history[k as usize].id == event.id {
                        return true;
                    }
                    k = self.history_prev[k as usize];
                }
                false
            }
            None => self.other_history.iter().rev().take(RECENT_OTHER).any(|&k| self.history[k as usize].id == event.id),
        }
    }

    /// Appends one event to the history and to its signal's list; answers the signal's index if
    /// it is about a signal held.
    fn link(&mut self, event: &HistoryEvent) -> Option<usize> {
        let k = self.history.len() as u32;
        let owner = self.owner(event);
        let held = HeldEvent::hold(event, &mut self.history_strings, &mut self.history_numbers);
        self.history.push(held);
        match owner {
            Some(i) => {
                self.history_prev.push(self.history_last[i]);
                self.history_last.set(i, k);
            }
            None => {
                self.history_prev.push(NONE);
                self.other_history.push(k);
            }
        }
        owner
    }

    /// Takes one event of signal `i`, in order, into its derived times: the first state change
    /// away from `open`, and the latest change to `archived`.
    fn derive_step(t: &mut SignalTable, i: usize, event: EventRef<'_>) {
        let untaken = t.taken_by[i].get().is_none();
        match event.action() {
            "assignee" if untaken => {
                if let Some(user) = event.new_value().and_then(|v| v.parse::<i64>().ok()) {
                    t.taken_by.set(i, Some(user).into());
                }
            }
            "state" => {
                if event.old_value() == Some("open") {
                    if t.first_response_ms[i] == NO_TIME {
                        t.first_response_ms.set(i, event.at_ms());
                    }
                    if untaken {
                        t.taken_by.set(i, event.actor_id().into());
                    }
                }
                if event.new_value() == Some("archived") {
                    t.archived_at_ms.set(i, event.at_ms());
                    t.archived_by.set(i, event.actor_id().into());
                }
                if event.old_value() == Some("archived") && event.new_value() != Some("archived") {
                    t.reopened.set(i, true);
                }
            }
            _ => {}
        }
    }

    /// Derives signal `i`'s times again from its own events (O(its events)).
    fn derive_signal(&mut self, i: usize) {
        let positions = self.positions_of(i);
        let t = &mut self.signals;
        t.first_response_ms.set(i, NO_TIME);
        t.archived_at_ms.set(i, NO_TIME);
        t.taken_by.set(i, OptionalId::NONE);
        t.archived_by.set(i, OptionalId::NONE);
        t.reopened.set(i, false);
        for k in positions {
            let event = EventRef { held: &self.history[k], strings: &self.history_strings, numbers: &self.history_numbers };
            Self::derive_step(&mut self.signals, i, event);
        }
    }

    /// The plain record of signal `i`.
    pub fn signal_record(&self, i: usize) -> SignalRecord {
        let t = &self.signals;
        let s = |id: u32| t.strings.get_opt(id).map(str::to_owned);
        SignalRecord {
            id: t.id[i],
            rule_id: self.rules[t.rule[i] as usize].id.clone(),
            title: t.strings.get(t.title[i]).to_owned(),
            severity: t.severity[i],
            product: t.product[i],
            log_source_id: self.sources[t.source[i] as usize].id.clone(),
            first_seen_ms: t.first_seen_ms[i],
            detected_at_ms: t.detected_at_ms[i],
            ip: s(t.ip[i]),
            country_iso: s(t.country[i]),
            region: s(t.region[i]),
            city: s(t.city[i]),
            isp: s(t.isp[i]),
            asn: (t.asn[i] != 0).then_some(t.asn[i]),
            ti_indicator: s(t.ti_indicator[i]),
            ti_category: t.ti_category[i],
            ti_intention: t.ti_intention[i],
            ti_subcategory: t.ti_subcategory[i],
            triage_state: t.state[i],
            assignee_id: t.assignee[i].get(),
            archive_reason: t.archive_reason[i],
            archive_comment: s(t.archive_comment[i]),
            case_id: t.case_id[i].get(),
            tags: t
                .strings
                .get(t.tags[i])
                .split(',')
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
                .collect(),
            version: t.version[i],
            events: i64::from(t.events[i]),
            last_seen_ms: t.last_seen_ms[i],
            entity_ids: t.entities_of(i).map(|&e| self.entities[e as usize].id).collect(),
        }
    }
}

impl Dataset {
    /// The triage fields of signal `i`.
    pub fn triage_of(&self, i: usize) -> crate::workflow::Triage {
        let t = &self.signals;
        crate::workflow::Triage {
            state: t.state[i],
            assignee_id: t.assignee[i].get(),
            archive_reason: t.archive_reason[i],
            archive_comment: t.strings.get_opt(t.archive_comment[i]).map(str::to_owned),
            case_id: t.case_id[i].get(),
        }
    }

    /// Applies a triage change the database has accepted: the signal's new fields and version,
    /// and the history entries written with it. Costs O(the change): one chunk of each changed
    /// column is copied if a reader shares it, and only this signal's times are derived again.
    pub fn apply_triage(&mut self, i: usize, triage: &crate::workflow::Triage, version: i64, events: Vec<HistoryEvent>) {
        self.set_triage(i, triage, version);
        self.append_history(events);
    }

    /// Sets signal `i`'s triage fields as stored at `version`, unless a later version is held
    /// already (the change feed may bring it before this instance's own write is applied).
    pub fn set_triage(&mut self, i: usize, triage: &crate::workflow::Triage, version: i64) {
        if self.signals.version[i] >= version {
            return;
        }
        let t = &mut self.signals;
        t.state.set(i, triage.state);
        t.assignee.set(i, triage.assignee_id.into());
        t.archive_reason.set(i, triage.archive_reason);
        let comment = t.strings.intern_opt(triage.archive_comment.as_deref());
        t.archive_comment.set(i, comment);
        t.case_id.set(i, triage.case_id.into());
        t.version.set(i, version);
    }

    /// Records events grouped into signal `i` after it was stored: its event count and the
    /// times of its first and newest events.
    pub fn set_grouped(&mut self, i: usize, events: i64, first_seen_ms: Millis, last_seen_ms: Millis) {
        let t = &mut self.signals;
        t.events.set(i, events.clamp(1, i64::from(u32::MAX)) as u32);
        t.first_seen_ms.set(i, first_seen_ms);
        t.last_seen_ms.set(i, last_seen_ms.max(first_seen_ms));
    }

    /// Appends history entries (skipping any held already) and derives the times of the signals
    /// they are about again.
    pub fn append_history(&mut self, events: Vec<HistoryEvent>) {
        let mut touched = Vec::new();
        for event in events {
            if self.holds(&event) {
                continue;
            }
            if let Some(i) = self.link(&event) {
                touched.push(i);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for i in touched {
            self.derive_signal(i);
        }
    }

    /// Adds or replaces a case.
    pub fn upsert_case(&mut self, case: Case) {
        match self.cases.iter().position(|c| c.id == case.id) {
            Some(k) => self.cases.set(k, case),
            None => self.cases.push(case),
        }
    }

    /// Adds or replaces an incident.
    pub fn add_incident(&mut self, incident: Incident) {
        match self.incidents.iter().position(|i| i.id == incident.id) {
            Some(k) => self.incidents.set(k, incident),
            None => self.incidents.push(incident),
        }
    }

    /// Adds or replaces a user.
    pub fn upsert_user(&mut self, user: User) {
        match self.users.iter_mut().find(|u| u.id == user.id) {
            Some(existing) => *existing = user,
            None => self.users.push(user),
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};

    /// Rebuilds `data`'s signals with the ids `id(i)`, and no history.
    fn with_ids(data: &Dataset, id: impl Fn(usize) -> i64) -> Dataset {
        let signals = (0..data.signals.len()).map(|i| SignalRecord { id: id(i), ..data.signal_record(i) }).collect();
        let entities = data.entities.iter().cloned().collect();
        Dataset::assemble(data.packs.clone(), data.sources.clone(), data.rules.clone(), data.users.clone(), entities, signals, Vec::new()).unwrap()
    }

    #[test]
    fn a_signal_is_found_by_id_whether_ids_grow_with_time_or_not() {
        let data = generate(DemoParams { signals: 2_000, seed: 3, days: 5, now_ms: 1_795_262_400_000 });
        let n = data.signals.len();
        // Growing ids: found by a binary search, with no index.
        let growing = with_ids(&data, |i| 10 + 2 * i as i64);
        assert!(!growing.ids_out_of_order);
        assert!((0..n).all(|i| growing.signal_by_id(10 + 2 * i as i64) == Some(i)));
        assert_eq!(growing.signal_by_id(11), None);
        assert_eq!(growing.signal_by_id(10 + 2 * n as i64), None);
        assert_eq!(growing.signal_by_id(-5), None);
        // Ids that do not grow with detection time: every signal is indexed.
        let shuffled = with_ids(&data, |i| ((i * 7_919) % n) as i64 + 1);
        assert!(shuffled.ids_out_of_order);
        assert!((0..n).all(|i| shuffled.signal_by_id(shuffled.signals.id[i]) == Some(i)));
        assert!((1..=n as i64).all(|id| shuffled.signal_by_id(id).is_some()));
        assert_eq!(shuffled.signal_by_id(n as i64 + 1), None);
        // One late id after growing ones: indexed from then on, the earlier ones included.
        let mut late = growing.clone();
        let mut record = data.signal_record(n - 1);
        record.id = 3;
        let i = late.push_signal(&record).unwrap();
        assert!(late.ids_out_of_order);
        assert_eq!(late.signal_by_id(3), Some(i));
        assert_eq!(late.signal_by_id(10), Some(0));
    }
}
