//! Reading stored rows back into the data model, for both the sqlx pools and the direct SQLite
//! connection of the bulk path: the column lists, column access by position, and the decoding
//! of a signal and a history event.

use std::collections::HashMap;

use analytics::dataset::*;
use analytics::model::*;

use sqlx::Row;

use crate::StorageError;

pub(crate) const SIGNALS_SQL: &str = "SELECT id, rule_id, title, severity, product, log_source_id, first_seen_ms, detected_at_ms, ip, country_iso, region, city, isp, asn, ti_indicator, ti_category, ti_intention, ti_subcategory, triage_state, assignee_id, archive_reason, archive_comment, case_id, tags, version, events, COALESCE(last_seen_ms, first_seen_ms) FROM signals ORDER BY detected_at_ms, id";
pub(crate) const LINKS_SQL: &str = "SELECT signal_id, entity_id FROM signal_entities";
pub(crate) const HISTORY_SQL: &str = "SELECT id, at_ms, actor_id, asset_type, asset_id, action, old_value, new_value, reason, comment, api_key_id FROM history ORDER BY at_ms, id";

/// Column access by position, for rows from sqlx (either backend) and from rusqlite alike.
pub(crate) trait Fetch {
    fn int(&self, i: usize) -> Result<i64, StorageError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError>;
    fn text(&self, i: usize) -> Result<String, StorageError>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, StorageError>;
}

macro_rules! fetch_for_sqlx {
    ($row:ty) => {
        impl Fetch for $row {
            fn int(&self, i: usize) -> Result<i64, StorageError> {
                Ok(self.try_get(i)?)
            }
            fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError> {
                Ok(self.try_get(i)?)
            }
            fn text(&self, i: usize) -> Result<String, StorageError> {
                Ok(self.try_get(i)?)
            }
            fn opt_text(&self, i: usize) -> Result<Option<String>, StorageError> {
                Ok(self.try_get(i)?)
            }
        }
    };
}
fetch_for_sqlx!(sqlx::sqlite::SqliteRow);
fetch_for_sqlx!(sqlx::postgres::PgRow);

fn parse_opt<T>(
    value: Option<String>,
    parse: impl Fn(&str) -> Result<T, UnknownValue>,
) -> Result<Option<T>, StorageError> {
    value.map(|v| parse(&v)).transpose().map_err(corrupt)
}

/// A signal row (columns as in [`SIGNALS_SQL`]) with its entities taken from `links`.
pub(crate) fn signal_from(r: &impl Fetch, links: &mut HashMap<i64, Vec<i64>>) -> Result<SignalRecord, StorageError> {
    let id = r.int(0)?;
    let tags = r.text(23)?;
    Ok(SignalRecord {
        id,
        rule_id: r.text(1)?,
        title: r.text(2)?,
        severity: Severity::parse(&r.text(3)?).map_err(corrupt)?,
        product: Product::parse(&r.text(4)?).map_err(corrupt)?,
        log_source_id: r.text(5)?,
        first_seen_ms: r.int(6)?,
        detected_at_ms: r.int(7)?,
        ip: r.opt_text(8)?,
        country_iso: r.opt_text(9)?,
        region: r.opt_text(10)?,
        city: r.opt_text(11)?,
        isp: r.opt_text(12)?,
        asn: r.opt_int(13)?,
        ti_indicator: r.opt_text(14)?,
        ti_category: parse_opt(r.opt_text(15)?, ThreatCategory::parse)?,
        ti_intention: parse_opt(r.opt_text(16)?, ThreatIntention::parse)?,
        ti_subcategory: parse_opt(r.opt_text(17)?, ThreatSubcategory::parse)?,
        triage_state: TriageState::parse(&r.text(18)?).map_err(corrupt)?,
        assignee_id: r.opt_int(19)?,
        archive_reason: parse_opt(r.opt_text(20)?, ArchiveReason::parse)?,
        archive_comment: r.opt_text(21)?,
        case_id: r.opt_int(22)?,
        tags: tags.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        version: r.int(24)?,
        events: r.int(25)?,
        last_seen_ms: r.int(26)?,
        entity_ids: links.remove(&id).unwrap_or_default(),
    })
}

/// A history row (columns as in [`HISTORY_SQL`]).
pub(crate) fn history_from(r: &impl Fetch) -> Result<HistoryEvent, StorageError> {
    let asset_type = r.text(3)?;
    Ok(HistoryEvent {
        id: r.int(0)?,
        entry: HistoryEntry {
            at_ms: r.int(1)?,
            actor_id: r.opt_int(2)?,
            asset_type: AssetType::parse(&asset_type).ok_or_else(|| corrupt(format!("unknown asset type '{asset_type}'")))?,
            asset_id: r.text(4)?,
            action: r.text(5)?,
            old_value: r.opt_text(6)?,
            new_value: r.opt_text(7)?,
            reason: r.opt_text(8)?,
            comment: r.opt_text(9)?,
            api_key_id: r.opt_int(10)?,
        },
    })
}

/// Stored text that is not one of an enumeration's spellings: the database was written by
/// something else.
pub(crate) fn corrupt(error: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(error.to_string())
}
