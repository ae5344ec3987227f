//! The dataset's snapshot on disk (docs/product.md §6): every column as it is held, so a restart
//! reads it back in about a second instead of loading and re-deriving every row from the database.
//!
//! A snapshot starts with a [`Stamp`] saying what it was taken of: the database (its installation
//! stamp), the history id up to which every change is in it, and the signals it holds. The server
//! uses a snapshot only when the stamp matches the database, then applies the history after it
//! (the same catch-up that follows other instances); anything else is a full load.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::{ContentPack, Dataset};

/// The file's first bytes, with the format's version in the last two.
const MAGIC: &[u8; 8] = b"SBSNAP06";

/// What a snapshot was taken of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The database's installation stamp (when it was first migrated): a snapshot of another
    /// database is never used, even at the same path.
    pub installation: String,
    /// Every history event up to this id is in the snapshot.
    pub history_position: i64,
    /// How many signals it holds, and the newest signal id.
    pub signals: i64,
    pub newest_signal_id: i64,
    /// What the intake changes outside the history: see [`Dataset::intake_fingerprint`].
    pub intake: String,
}

impl Dataset {
    /// The catalog's sizes, the entities, the logs counted and every pack's health, written out:
    /// what the intake changes without a history event, so a snapshot taken before a batch was
    /// ingested is told apart. `storage` computes the same text from the tables.
    pub fn intake_fingerprint(&self) -> String {
        let mut packs: Vec<&ContentPack> = self.packs.iter().collect();
        packs.sort_by(|a, b| a.id.cmp(&b.id));
        let health: Vec<String> = packs
            .iter()
            .map(|p| format!("{}:{}:{}:{}", p.id, p.health.as_str(), p.health_since_ms.unwrap_or(-1), p.health_detail.as_deref().unwrap_or("")))
            .collect();
        intake_fingerprint(
            self.sources.len() as i64,
            self.rules.len() as i64,
            self.entities.len() as i64,
            self.volume.len() as i64,
            self.volume.iter().map(|v| v.events).sum(),
            &health,
        )
    }
}

/// The text of [`Dataset::intake_fingerprint`] from its parts.
pub fn intake_fingerprint(sources: i64, rules: i64, entities: i64, volume_rows: i64, volume_events: i64, pack_health: &[String]) -> String {
    format!("{sources}/{rules}/{entities}/{volume_rows}/{volume_events}/{}", pack_health.join("|"))
}

/// A snapshot that cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read or write the snapshot: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a snapshot of this version of Signalboard")]
    Format,
    #[error("the snapshot is damaged: {0}")]
    Damaged(String),
}

fn config() -> impl bincode::config::Config {
    // Fixed-width integers: most columns are i64 and u32 read back in one copy each.
    bincode::config::standard().with_fixed_int_encoding()
}

fn write_part(value: &impl Serialize, out: &mut impl Write) -> Result<(), SnapshotError> {
    bincode::serde::encode_into_std_write(value, out, config()).map(|_| ()).map_err(|e| match e {
        bincode::error::EncodeError::Io { inner, .. } => SnapshotError::Io(inner),
        other => SnapshotError::Damaged(other.to_string()),
    })
}

fn read_part<T: serde::de::DeserializeOwned>(input: &mut impl Read) -> Result<T, SnapshotError> {
    bincode::serde::decode_from_std_read(input, config()).map_err(|e| match e {
        bincode::error::DecodeError::Io { inner, .. } => SnapshotError::Io(inner),
        other => SnapshotError::Damaged(other.to_string()),
    })
}

impl Dataset {
    /// Writes the dataset with its stamp.
    pub fn write_snapshot(&self, stamp: &Stamp, out: &mut impl Write) -> Result<(), SnapshotError> {
        out.write_all(MAGIC)?;
        write_part(stamp, out)?;
        write_part(self, out)?;
        out.flush()?;
        Ok(())
    }

    /// Reads a snapshot's stamp only.
    pub fn read_snapshot_stamp(input: &mut impl Read) -> Result<Stamp, SnapshotError> {
        let mut magic = [0u8; 8];
        match input.read_exact(&mut magic) {
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Err(SnapshotError::Format),
            other => other?,
        }
        if &magic != MAGIC {
            return Err(SnapshotError::Format);
        }
        read_part(input)
    }

    /// Reads the rest of a snapshot after [`Dataset::read_snapshot_stamp`]: the dataset, with
    /// its lookups built again.
    pub fn read_snapshot_data(input: &mut impl Read) -> Result<Dataset, SnapshotError> {
        let mut data: Dataset = read_part(input)?;
        data.check_held().map_err(SnapshotError::Damaged)?;
        data.reindex();
        data.index_signals();
        Ok(data)
    }

    /// Every column of the signal table and the history's lists have the lengths they must.
    fn check_held(&self) -> Result<(), String> {
        let t = &self.signals;
        let n = t.len();
        let lengths = [
            ("rule", t.rule.len()),
            ("title", t.title.len()),
            ("severity", t.severity.len()),
            ("product", t.product.len()),
            ("source", t.source.len()),
            ("first_seen_ms", t.first_seen_ms.len()),
            ("events", t.events.len()),
            ("last_seen_ms", t.last_seen_ms.len()),
            ("detected_at_ms", t.detected_at_ms.len()),
            ("ip", t.ip.len()),
            ("country", t.country.len()),
            ("region", t.region.len()),
            ("city", t.city.len()),
            ("isp", t.isp.len()),
            ("asn", t.asn.len()),
            ("ti_indicator", t.ti_indicator.len()),
            ("ti_category", t.ti_category.len()),
            ("ti_intention", t.ti_intention.len()),
            ("ti_subcategory", t.ti_subcategory.len()),
            ("state", t.state.len()),
            ("assignee", t.assignee.len()),
            ("archive_reason", t.archive_reason.len()),
            ("archive_comment", t.archive_comment.len()),
            ("case_id", t.case_id.len()),
            ("tags", t.tags.len()),
            ("version", t.version.len()),
            ("entity_start", t.entity_start.len()),
            ("first_response_ms", t.first_response_ms.len()),
            ("archived_at_ms", t.archived_at_ms.len()),
            ("taken_by", t.taken_by.len()),
            ("archived_by", t.archived_by.len()),
            ("reopened", t.reopened.len()),
            ("history_last", self.history_last.len()),
        ];
        if let Some((column, len)) = lengths.iter().find(|(_, len)| *len != n) {
            return Err(format!("column {column} holds {len} values for {n} signals"));
        }
        if self.history_prev.len() != self.history.len() {
            return Err(format!("{} history links for {} events", self.history_prev.len(), self.history.len()));
        }
        let strings = t.strings.len() as u32;
        let text_columns = [&t.title, &t.ip, &t.country, &t.region, &t.city, &t.isp, &t.ti_indicator, &t.archive_comment, &t.tags];
        if text_columns.iter().any(|column| column.iter().any(|&s| s >= strings)) {
            return Err("a signal refers to a string the snapshot does not hold".to_owned());
        }
        if t.rule.iter().any(|&r| r as usize >= self.rules.len()) || t.source.iter().any(|&s| s as usize >= self.sources.len()) {
            return Err("a signal refers to a rule or log source the snapshot does not hold".to_owned());
        }
        if t.entities.iter().any(|&e| e as usize >= self.entities.len())
            || t.entity_start.iter().any(|&s| s as usize > t.entities.len())
        {
            return Err("a signal refers to an entity the snapshot does not hold".to_owned());
        }
        let (strings, numbers) = (self.history_strings.len(), self.history_numbers.len());
        if self.history.iter().any(|event| !event.refers_within(strings, numbers)) {
            return Err("a history event refers to a string or number the snapshot does not hold".to_owned());
        }
        let events = self.history.len() as u32;
        if self.history_last.iter().chain(self.history_prev.iter()).chain(self.other_history.iter()).any(|&p| p != super::NONE && p >= events) {
            return Err("a history link points past the history".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};

    fn stamp(data: &Dataset) -> Stamp {
        Stamp {
            installation: "2026-12-01T00:00:00.000Z".to_owned(),
            history_position: data.history().map(|e| e.id()).max().unwrap_or(0),
            signals: data.signals.len() as i64,
            newest_signal_id: data.signals.id.iter().copied().max().unwrap_or(0),
            intake: data.intake_fingerprint(),
        }
    }

    #[test]
    fn a_snapshot_reads_back_the_same_dataset_and_every_metric() {
        let data = generate(DemoParams { signals: 3_000, seed: 5, days: 10, now_ms: 1_795_262_400_000 });
        let mut bytes = Vec::new();
        data.write_snapshot(&stamp(&data), &mut bytes).unwrap();
        let mut input = bytes.as_slice();
        assert_eq!(Dataset::read_snapshot_stamp(&mut input).unwrap(), stamp(&data));
        let back = Dataset::read_snapshot_data(&mut input).unwrap();
        assert!(input.is_empty(), "everything written is read");
        assert_eq!(back.signals.id, data.signals.id);
        assert_eq!(back.history_events(), data.history_events());
        for i in [0, 1_234, data.signals.len() - 1] {
            let id = data.signals.id[i];
            assert_eq!(back.signal_by_id(id), Some(i));
            assert_eq!(back.triage_of(i), data.triage_of(i));
            assert_eq!(back.history_of(i).collect::<Vec<_>>(), data.history_of(i).collect::<Vec<_>>());
            assert_eq!(back.signals.entities_of(i).collect::<Vec<_>>(), data.signals.entities_of(i).collect::<Vec<_>>());
        }
        let span = crate::time::Span { from: 1_795_262_400_000 - 7 * crate::time::DAY_MS, to: 1_795_262_400_000 };
        for &id in crate::overview::ModuleId::ALL {
            let before = serde_json::to_value(crate::overview::compute(&data, id, span, span.to)).unwrap();
            let after = serde_json::to_value(crate::overview::compute(&back, id, span, span.to)).unwrap();
            assert_eq!(before, after, "{}", id.as_str());
        }
        // The lookups are built again: by entity id, and a string already held keeps its id.
        let mut back = back;
        assert_eq!(back.entity_by_id(back.entities[0].id), Some(0));
        let title = data.signals.title[7];
        assert_eq!(back.signals.strings.intern(data.signals.strings.get(title)), title);
    }

    #[test]
    fn a_foreign_truncated_or_damaged_file_is_an_error_not_a_dataset() {
        let data = generate(DemoParams { signals: 500, seed: 5, days: 10, now_ms: 1_795_262_400_000 });
        let mut bytes = Vec::new();
        data.write_snapshot(&stamp(&data), &mut bytes).unwrap();

        let foreign = b"SQLite format 3\0 and more".to_vec();
        assert!(matches!(Dataset::read_snapshot_stamp(&mut foreign.as_slice()), Err(SnapshotError::Format)));
        assert!(matches!(Dataset::read_snapshot_stamp(&mut &b"garbage"[..]), Err(SnapshotError::Format)), "shorter than the magic");

        let cut = &bytes[..bytes.len() / 2];
        let mut input = cut;
        Dataset::read_snapshot_stamp(&mut input).unwrap();
        assert!(Dataset::read_snapshot_data(&mut input).is_err(), "a truncated snapshot");

        // A signal column one value short: the lengths no longer agree.
        let mut short = data.clone();
        short.signals.asn = short.signals.asn.iter().copied().skip(1).collect();
        let mut bytes = Vec::new();
        short.write_snapshot(&stamp(&data), &mut bytes).unwrap();
        let mut input = bytes.as_slice();
        Dataset::read_snapshot_stamp(&mut input).unwrap();
        let error = Dataset::read_snapshot_data(&mut input).unwrap_err();
        assert_eq!(error.to_string(), "the snapshot is damaged: column asn holds 499 values for 500 signals");
    }
}
