//! The history as the dataset holds it: one fixed-size value per event (56 bytes), its strings
//! and its few distinct actor and key ids interned, and its numeric asset ids as numbers, so the
//! 1.8 events per signal of a real workload cost about 60 bytes each rather than the 300 of six
//! heap strings.

use std::borrow::Cow;

use super::column::{Column, IdMap};
use super::table::Interner;
use super::{AssetType, HistoryEntry, HistoryEvent};
use crate::time::Millis;

/// No string or number (distinct from the empty string, which is interned as 0).
const NONE: u32 = u32::MAX;

/// Asset ids that are not numbers are held as `TEXT + their interned id`; a number in that range
/// (below i64::MIN + 2^32, which no id is) is held as text instead.
const TEXT: i64 = i64::MIN;
const TEXT_END: i64 = i64::MIN + (1 << 32);

/// The few distinct numbers the history repeats (actor and API key ids), each held once.
#[derive(Debug, Clone, Default)]
pub(super) struct Numbers {
    values: Column<i64>,
    ids: IdMap<i64, u32>,
}

impl Numbers {
    fn intern(&mut self, value: Option<i64>) -> u32 {
        let Some(value) = value else { return NONE };
        if let Some(id) = self.ids.get(&value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(value);
        self.ids.insert(value, id);
        id
    }

    fn get(&self, id: u32) -> Option<i64> {
        (id != NONE).then(|| self.values[id as usize])
    }

    /// (Read by the snapshot's checks, which the browser build does not have.)
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn len(&self) -> usize {
        self.values.len()
    }
}

impl serde::Serialize for Numbers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.values.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Numbers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = Column::<i64>::deserialize(deserializer)?;
        let ids = values.iter().enumerate().map(|(id, &v)| (v, id as u32)).collect();
        Ok(Numbers { values, ids })
    }
}

/// One history event, held compactly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct HeldEvent {
    pub(super) id: i64,
    pub(super) at_ms: Millis,
    /// The asset's id when it is a number written the usual way (signals, cases, users), else
    /// `TEXT +` its interned text.
    asset: i64,
    actor_id: u32,
    api_key_id: u32,
    action: u32,
    old_value: u32,
    new_value: u32,
    reason: u32,
    comment: u32,
    asset_type: AssetType,
}

fn text(strings: &mut Interner, value: Option<&str>) -> u32 {
    value.map_or(NONE, |v| strings.intern(v))
}

impl HeldEvent {
    pub(super) fn hold(event: &HistoryEvent, strings: &mut Interner, numbers: &mut Numbers) -> HeldEvent {
        let numeric = event.asset_id.parse::<i64>().ok().filter(|n| !(TEXT..TEXT_END).contains(n) && n.to_string() == event.asset_id);
        HeldEvent {
            id: event.id,
            at_ms: event.at_ms,
            asset: numeric.unwrap_or_else(|| TEXT + i64::from(strings.intern(&event.asset_id))),
            actor_id: numbers.intern(event.actor_id),
            api_key_id: numbers.intern(event.api_key_id),
            action: strings.intern(&event.action),
            old_value: text(strings, event.old_value.as_deref()),
            new_value: text(strings, event.new_value.as_deref()),
            reason: text(strings, event.reason.as_deref()),
            comment: text(strings, event.comment.as_deref()),
            asset_type: event.asset_type,
        }
    }

    /// Whether every string and number it refers to is held (a snapshot read back is checked).
    #[cfg(not(target_arch = "wasm32"))]
    pub(super) fn refers_within(&self, strings: usize, numbers: usize) -> bool {
        let string = |id: u32| id == NONE || (id as usize) < strings;
        let number = |id: u32| id == NONE || (id as usize) < numbers;
        let asset = !(TEXT..TEXT_END).contains(&self.asset) || ((self.asset - TEXT) as usize) < strings;
        asset
            && (self.action as usize) < strings
            && [self.old_value, self.new_value, self.reason, self.comment].into_iter().all(string)
            && number(self.actor_id)
            && number(self.api_key_id)
    }
}

/// A held history event with the strings it needs to be read: every field without building the
/// event, and the event itself with [`EventRef::to_event`].
#[derive(Clone, Copy)]
pub struct EventRef<'a> {
    pub(super) held: &'a HeldEvent,
    pub(super) strings: &'a Interner,
    pub(super) numbers: &'a Numbers,
}

impl<'a> EventRef<'a> {
    fn text(&self, id: u32) -> Option<&'a str> {
        (id != NONE).then(|| self.strings.get(id))
    }

    pub fn id(&self) -> i64 {
        self.held.id
    }

    pub fn at_ms(&self) -> Millis {
        self.held.at_ms
    }

    pub fn actor_id(&self) -> Option<i64> {
        self.numbers.get(self.held.actor_id)
    }

    pub fn api_key_id(&self) -> Option<i64> {
        self.numbers.get(self.held.api_key_id)
    }

    pub fn asset_type(&self) -> AssetType {
        self.held.asset_type
    }

    pub fn asset_id(&self) -> Cow<'a, str> {
        match self.asset_number() {
            Some(number) => Cow::Owned(number.to_string()),
            None => Cow::Borrowed(self.strings.get((self.held.asset - TEXT) as u32)),
        }
    }

    /// The asset's id when it is a number (signals, cases, users), without writing it out.
    pub fn asset_number(&self) -> Option<i64> {
        (!(TEXT..TEXT_END).contains(&self.held.asset)).then_some(self.held.asset)
    }

    /// Whether the event is about this asset (without writing the id out).
    pub fn is_about(&self, asset_type: AssetType, id: i64) -> bool {
        self.held.asset_type == asset_type && self.asset_number() == Some(id)
    }

    pub fn action(&self) -> &'a str {
        self.strings.get(self.held.action)
    }

    pub fn old_value(&self) -> Option<&'a str> {
        self.text(self.held.old_value)
    }

    pub fn new_value(&self) -> Option<&'a str> {
        self.text(self.held.new_value)
    }

    pub fn reason(&self) -> Option<&'a str> {
        self.text(self.held.reason)
    }

    pub fn comment(&self) -> Option<&'a str> {
        self.text(self.held.comment)
    }

    /// The event as a plain value.
    pub fn to_event(&self) -> HistoryEvent {
        HistoryEvent {
            id: self.id(),
            entry: HistoryEntry {
                at_ms: self.at_ms(),
                actor_id: self.actor_id(),
                asset_type: self.asset_type(),
                asset_id: self.asset_id().into_owned(),
                action: self.action().to_owned(),
                old_value: self.old_value().map(str::to_owned),
                new_value: self.new_value().map(str::to_owned),
                reason: self.reason().map(str::to_owned),
                comment: self.comment().map(str::to_owned),
                api_key_id: self.api_key_id(),
            },
        }
    }
}

impl std::fmt::Debug for EventRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_event().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reads_back_exactly_as_it_was_held() {
        let mut strings = Interner::default();
        let mut numbers = Numbers::default();
        let events = [
            HistoryEvent {
                id: 7,
                entry: HistoryEntry {
                    at_ms: 1_700_000_000_000,
                    actor_id: Some(3),
                    asset_type: AssetType::SecuritySignal,
                    asset_id: "42".into(),
                    action: "state".into(),
                    old_value: Some("open".into()),
                    new_value: Some(String::new()),
                    reason: None,
                    comment: Some("looked at it".into()),
                    api_key_id: Some(9),
                },
            },
            HistoryEvent {
                id: 8,
                entry: HistoryEntry {
                    at_ms: 5,
                    actor_id: None,
                    asset_type: AssetType::Rule,
                    // Not a number written the usual way: kept as text.
                    asset_id: "007".into(),
                    action: "review".into(),
                    old_value: None,
                    new_value: None,
                    reason: Some("benign_positive".into()),
                    comment: None,
                    api_key_id: None,
                },
            },
        ];
        for event in &events {
            let held = HeldEvent::hold(event, &mut strings, &mut numbers);
            let read = EventRef { held: &held, strings: &strings, numbers: &numbers };
            assert_eq!(&read.to_event(), event);
        }
        let held = HeldEvent::hold(&events[0], &mut strings, &mut numbers);
        let read = EventRef { held: &held, strings: &strings, numbers: &numbers };
        assert!(read.is_about(AssetType::SecuritySignal, 42));
        assert!(!read.is_about(AssetType::Case, 42));
        assert_eq!(read.asset_number(), Some(42));
        assert_eq!(numbers.len(), 2, "the actor and the key, each held once");
        // A number in the range text is held in stays exact: it is held as text.
        let low = HistoryEvent { id: 9, entry: HistoryEntry { asset_id: (i64::MIN + 5).to_string(), ..events[0].entry.clone() } };
        let held = HeldEvent::hold(&low, &mut strings, &mut numbers);
        let read = EventRef { held: &held, strings: &strings, numbers: &numbers };
        assert_eq!((read.to_event(), read.asset_number()), (low, None));
        assert_eq!(std::mem::size_of::<HeldEvent>(), 56);
    }
}
