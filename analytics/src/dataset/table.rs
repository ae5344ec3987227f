//! The signals column by column, and the interner their repeated strings are kept in.

use super::column::{Column, IdMap};
use crate::model::*;
use crate::time::Millis;

/// Strings that repeat across many signals, stored once. Id 0 is the empty string (absent).
#[derive(Debug, Clone)]
pub struct Interner {
    strings: Column<Box<str>>,
    ids: IdMap<Box<str>, u32>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut interner = Interner { strings: Column::new(), ids: IdMap::default() };
        interner.intern("");
        interner
    }
}

/// An interner is written as its strings in id order; reading interns them again.
impl serde::Serialize for Interner {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.strings.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Interner {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let strings = Column::<Box<str>>::deserialize(deserializer)?;
        if strings.first().is_none_or(|first| !first.is_empty()) {
            return Err(serde::de::Error::custom("an interner's first string is the empty one"));
        }
        let ids = strings.iter().enumerate().map(|(id, s)| (s.clone(), id as u32)).collect();
        Ok(Interner { strings, ids })
    }
}

impl Interner {
    pub fn intern(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
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

/// An optional id in 8 bytes, where an `Option<i64>` takes 16: `i64::MIN` stands for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct OptionalId(i64);

impl OptionalId {
    pub const NONE: OptionalId = OptionalId(i64::MIN);

    pub fn get(self) -> Option<i64> {
        (self.0 != i64::MIN).then_some(self.0)
    }
}

impl From<Option<i64>> for OptionalId {
    fn from(id: Option<i64>) -> Self {
        // No stored id is i64::MIN (ids are positive); should one be, it reads as none.
        id.map_or(OptionalId::NONE, OptionalId)
    }
}

/// The signals, column by column, ordered by `detected_at` (then id). Every column is a
/// copy-on-write [`Column`], so a change to one signal copies one chunk of each column it changes.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SignalTable {
    pub id: Column<i64>,
    pub rule: Column<u32>,
    pub title: Column<u32>,
    pub severity: Column<Severity>,
    pub product: Column<Product>,
    pub source: Column<u32>,
    pub first_seen_ms: Column<Millis>,
    pub detected_at_ms: Column<Millis>,
    pub ip: Column<u32>,
    pub country: Column<u32>,
    pub region: Column<u32>,
    pub city: Column<u32>,
    pub isp: Column<u32>,
    pub asn: Column<i64>,
    pub ti_indicator: Column<u32>,
    pub ti_category: Column<Option<ThreatCategory>>,
    pub ti_intention: Column<Option<ThreatIntention>>,
    pub ti_subcategory: Column<Option<ThreatSubcategory>>,
    pub state: Column<TriageState>,
    pub assignee: Column<OptionalId>,
    pub archive_reason: Column<Option<ArchiveReason>>,
    pub archive_comment: Column<u32>,
    pub case_id: Column<OptionalId>,
    pub tags: Column<u32>,
    pub version: Column<i64>,
    /// Events grouped into the signal (1 for a signal of one event).
    pub events: Column<u32>,
    /// The newest grouped event's time.
    pub last_seen_ms: Column<Millis>,
    /// `entities[entity_start[i]..entity_start[i + 1]]` are signal i's entity indexes.
    pub entity_start: Column<u32>,
    pub entities: Column<u32>,
    /// First move out of `open` (from the history), or [`Millis::MIN`].
    pub first_response_ms: Column<Millis>,
    /// When the signal was (last) archived (from the history), or [`Millis::MIN`].
    pub archived_at_ms: Column<Millis>,
    /// Who took the signal (from the history): the user its first assignment named, or who
    /// first moved it out of `open`, whichever came first.
    pub taken_by: Column<OptionalId>,
    /// Who archived it last (from the history), even if it was reopened since.
    pub archived_by: Column<OptionalId>,
    /// Whether it was ever moved out of `archived` (from the history).
    pub reopened: Column<bool>,
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

    pub fn entities_of(&self, i: usize) -> super::column::Iter<'_, u32> {
        let start = self.entity_start[i] as usize;
        let end = self
            .entity_start
            .get(i + 1)
            .map_or(self.entities.len(), |&e| e as usize);
        self.entities.iter_range(start..end)
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
