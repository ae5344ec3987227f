//! The signals column by column, and the interner their repeated strings are kept in.

use std::collections::HashMap;

use crate::model::*;
use crate::time::Millis;

/// Strings that repeat across many signals, stored once. Id 0 is the empty string (absent).
#[derive(Debug, Clone)]
pub struct Interner {
    strings: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut interner = Interner { strings: Vec::new(), ids: HashMap::new() };
        interner.intern("");
        interner
    }
}

impl Interner {
    pub fn intern(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    pub fn intern_opt(&mut self, value: Option<&str>) -> u32 {
        value.map_or(0, |v| self.intern(v))
    }

    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    pub fn get_opt(&self, id: u32) -> Option<&str> {
        (id != 0).then(|| self.get(id))
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.len() <= 1
    }
}

pub(super) const NO_TIME: Millis = Millis::MIN;

/// The signals, column by column, ordered by `detected_at` (then id).
#[derive(Debug, Clone, Default)]
pub struct SignalTable {
    pub id: Vec<i64>,
    pub rule: Vec<u32>,
    pub title: Vec<u32>,
    pub severity: Vec<Severity>,
    pub product: Vec<Product>,
    pub source: Vec<u32>,
    pub first_seen_ms: Vec<Millis>,
    pub detected_at_ms: Vec<Millis>,
    pub ip: Vec<u32>,
    pub country: Vec<u32>,
    pub region: Vec<u32>,
    pub city: Vec<u32>,
    pub isp: Vec<u32>,
    pub asn: Vec<i64>,
    pub ti_indicator: Vec<u32>,
    pub ti_category: Vec<Option<ThreatCategory>>,
    pub ti_intention: Vec<Option<ThreatIntention>>,
    pub ti_subcategory: Vec<Option<ThreatSubcategory>>,
    pub state: Vec<TriageState>,
    pub assignee: Vec<Option<i64>>,
    pub archive_reason: Vec<Option<ArchiveReason>>,
    pub archive_comment: Vec<u32>,
    pub case_id: Vec<Option<i64>>,
    pub tags: Vec<u32>,
    pub version: Vec<i64>,
    /// `entities[entity_start[i]..entity_start[i + 1]]` are signal i's entity indexes.
    pub entity_start: Vec<u32>,
    pub entities: Vec<u32>,
    /// First move out of `open` (from the history), or [`Millis::MIN`].
    pub first_response_ms: Vec<Millis>,
    /// When the signal was (last) archived (from the history), or [`Millis::MIN`].
    pub archived_at_ms: Vec<Millis>,
    pub strings: Interner,
}

impl SignalTable {
    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The index range of signals detected in `[from, to)`.
    pub fn range(&self, from: Millis, to: Millis) -> std::ops::Range<usize> {
        let start = self.detected_at_ms.partition_point(|&t| t < from);
        let end = self.detected_at_ms.partition_point(|&t| t < to);
        start..end.max(start)
    }

    pub fn entities_of(&self, i: usize) -> &[u32] {
        let start = self.entity_start[i] as usize;
        let end = self
            .entity_start
            .get(i + 1)
            .map_or(self.entities.len(), |&e| e as usize);
        &self.entities[start..end]
    }

    pub fn first_response(&self, i: usize) -> Option<Millis> {
        let t = self.first_response_ms[i];
        (t != NO_TIME).then_some(t)
    }

    pub fn archived_at(&self, i: usize) -> Option<Millis> {
        let t = self.archived_at_ms[i];
        (t != NO_TIME).then_some(t)
    }
}
