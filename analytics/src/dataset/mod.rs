//! The in-memory dataset every metric is computed from.
//!
//! Signals are held column by column ([`SignalTable`]), sorted by `detected_at`, so a window is
//! two binary searches and each metric reads only the columns it needs; repeated strings (IPs,
//! countries, ISPs, titles) are interned. The database is the durable copy; the server keeps this
//! in step with every write, so the overview never scans SQL.

use std::collections::HashMap;

mod records;
mod table;

pub use crate::time::{Millis, DAY_MS, HOUR_MS};
pub use records::*;
pub use table::*;
use table::NO_TIME;

/// Everything the overview is computed from.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub packs: Vec<ContentPack>,
    pub sources: Vec<LogSource>,
    pub rules: Vec<Rule>,
    pub users: Vec<User>,
    pub entities: Vec<Entity>,
    pub cases: Vec<Case>,
    pub incidents: Vec<Incident>,
    pub history: Vec<HistoryEvent>,
    pub volume: Vec<VolumePoint>,
    pub articles: Vec<Article>,
    pub signals: SignalTable,
    /// Positions in `history` of events about anything but signals (rules, cases, users): few,
    /// and looked for without scanning every signal event.
    other_history: Vec<usize>,
    /// Positions in `history` of each signal's events, oldest first:
    /// `signal_history[signal_history_start[i]..signal_history_start[i + 1]]` for signal i.
    signal_history: Vec<u32>,
    signal_history_start: Vec<u32>,
    rule_index: HashMap<String, usize>,
    source_index: HashMap<String, usize>,
    entity_index: HashMap<i64, usize>,
    signal_index: HashMap<i64, usize>,
}

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
        mut history: Vec<HistoryEvent>,
    ) -> Result<Dataset, DanglingReference> {
        let mut dataset = Dataset { packs, sources, rules, users, entities, ..Dataset::default() };
        dataset.reindex();
        signals.sort_by_key(|s| (s.detected_at_ms, s.id));
        history.sort_by_key(|h| (h.at_ms, h.id));
        dataset.history = history;
        for signal in &signals {
            dataset.push_signal(signal)?;
        }
        dataset.derive_response_times();
        Ok(dataset)
    }

    fn reindex(&mut self) {
        self.rule_index = self.rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        self.source_index = self.sources.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
        self.entity_index = self.entities.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    }

    /// The history of signal `i`, oldest first.
    pub fn history_of(&self, i: usize) -> impl Iterator<Item = &HistoryEvent> {
        let (from, to) = match (self.signal_history_start.get(i), self.signal_history_start.get(i + 1)) {
            (Some(&from), Some(&to)) => (from as usize, to as usize),
            _ => (0, 0),
        };
        self.signal_history[from..to].iter().map(|&k| &self.history[k as usize])
    }

    /// History events about rules, oldest first.
    pub fn rule_history(&self) -> impl Iterator<Item = &HistoryEvent> {
        self.other_history
            .iter()
            .map(|&k| &self.history[k])
            .filter(|h| h.asset_type == AssetType::Rule)
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
        self.entity_index.get(&id).copied()
    }

    pub fn signal_by_id(&self, id: i64) -> Option<usize> {
        self.signal_index.get(&id).copied()
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
        t.assignee.push(s.assignee_id);
        t.archive_reason.push(s.archive_reason);
        t.archive_comment.push(t.strings.intern_opt(s.archive_comment.as_deref()));
        t.case_id.push(s.case_id);
        t.tags.push(t.strings.intern(&s.tags.join(",")));
        t.version.push(s.version);
        t.entity_start.push(t.entities.len() as u32);
        t.entities.extend(entity_idx);
        t.first_response_ms.push(NO_TIME);
        t.archived_at_ms.push(NO_TIME);
        self.signal_index.insert(s.id, i);
        Ok(i)
    }

    /// Indexes the history by signal and fills first-response and archive times from it: the
    /// first state change away from `open`, and the latest change to `archived`.
    pub fn derive_response_times(&mut self) {
        // Group the signal events by signal (counting sort, keeping time order within a signal).
        let n = self.signals.len();
        let owner: Vec<Option<usize>> = self
            .history
            .iter()
            .map(|h| {
                (h.asset_type == AssetType::SecuritySignal)
                    .then(|| h.asset_id.parse().ok().and_then(|id| self.signal_index.get(&id).copied()))
                    .flatten()
            })
            .collect();
        let mut start = vec![0u32; n + 1];
        for i in owner.iter().flatten() {
            start[i + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut grouped = vec![0u32; start[n] as usize];
        for (k, i) in owner.iter().enumerate() {
            if let Some(i) = i {
                grouped[next[*i] as usize] = k as u32;
                next[*i] += 1;
            }
        }
        self.signal_history = grouped;
        self.signal_history_start = start;
        self.other_history = self
            .history
            .iter()
            .enumerate()
            .filter(|(_, h)| h.asset_type != AssetType::SecuritySignal)
            .map(|(k, _)| k)
            .collect();
        let t = &mut self.signals;
        for (event, owner) in self.history.iter().zip(&owner) {
            let Some(i) = *owner else { continue };
            if event.action != "state" {
                continue;
            }
            if event.old_value.as_deref() == Some("open") && t.first_response_ms[i] == NO_TIME {
                t.first_response_ms[i] = event.at_ms;
            }
            if event.new_value.as_deref() == Some("archived") {
                t.archived_at_ms[i] = event.at_ms;
            }
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
            assignee_id: t.assignee[i],
            archive_reason: t.archive_reason[i],
            archive_comment: s(t.archive_comment[i]),
            case_id: t.case_id[i],
            tags: t
                .strings
                .get(t.tags[i])
                .split(',')
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
                .collect(),
            version: t.version[i],
            entity_ids: t.entities_of(i).iter().map(|&e| self.entities[e as usize].id).collect(),
        }
    }
}

impl Dataset {
    /// The triage fields of signal `i`.
    pub fn triage_of(&self, i: usize) -> crate::workflow::Triage {
        let t = &self.signals;
        crate::workflow::Triage {
            state: t.state[i],
            assignee_id: t.assignee[i],
            archive_reason: t.archive_reason[i],
            archive_comment: t.strings.get_opt(t.archive_comment[i]).map(str::to_owned),
            case_id: t.case_id[i],
        }
    }

    /// Applies a triage change the database has accepted: the signal's new fields and version,
    /// and the history entries written with it. Response times are derived again, so every
    /// metric sees the change at once.
    pub fn apply_triage(&mut self, i: usize, triage: &crate::workflow::Triage, version: i64, events: Vec<HistoryEvent>) {
        let t = &mut self.signals;
        t.state[i] = triage.state;
        t.assignee[i] = triage.assignee_id;
        t.archive_reason[i] = triage.archive_reason;
        t.archive_comment[i] = t.strings.intern_opt(triage.archive_comment.as_deref());
        t.case_id[i] = triage.case_id;
        t.version[i] = version;
        self.append_history(events);
    }

    /// Appends history entries (newer than every one held) and derives the indexes again.
    pub fn append_history(&mut self, events: Vec<HistoryEvent>) {
        if events.is_empty() {
            return;
        }
        self.history.extend(events);
        self.history.sort_by_key(|h| (h.at_ms, h.id));
        let t = &mut self.signals;
        t.first_response_ms.iter_mut().for_each(|v| *v = NO_TIME);
        t.archived_at_ms.iter_mut().for_each(|v| *v = NO_TIME);
        self.derive_response_times();
    }

    /// Adds or replaces a case.
    pub fn upsert_case(&mut self, case: Case) {
        match self.cases.iter_mut().find(|c| c.id == case.id) {
            Some(existing) => *existing = case,
            None => self.cases.push(case),
        }
    }

    /// Adds or replaces an incident.
    pub fn add_incident(&mut self, incident: Incident) {
        match self.incidents.iter_mut().find(|i| i.id == incident.id) {
            Some(existing) => *existing = incident,
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

