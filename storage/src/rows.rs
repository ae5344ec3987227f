//! The dataset as table rows: one description of every table's columns and values, shared by
//! the SQLite and PostgreSQL writers.

use std::borrow::Cow;

use analytics::dataset::Dataset;

/// One column value, typed so a NULL has the column's type (PostgreSQL insists).
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Int(i64),
    Bool(bool),
    Text(Cow<'a, str>),
    NullInt,
    NullText,
}

impl<'a> Val<'a> {
    fn int(v: Option<i64>) -> Val<'a> {
        v.map_or(Val::NullInt, Val::Int)
    }

    fn text(v: Option<impl Into<Cow<'a, str>>>) -> Val<'a> {
        v.map_or(Val::NullText, |t| Val::Text(t.into()))
    }

    fn str(v: &'a str) -> Val<'a> {
        Val::Text(Cow::Borrowed(v))
    }

    /// Binds into a multi-row INSERT being built with sqlx.
    pub(crate) fn bind_to<'q, DB>(self, b: &mut sqlx::query_builder::Separated<'_, 'q, DB, &'static str>)
    where
        DB: sqlx::Database,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        match self {
            Val::Int(v) => b.push_bind(v),
            Val::Bool(v) => b.push_bind(v),
            Val::Text(v) => b.push_bind(v.into_owned()),
            Val::NullInt => b.push_bind(None::<i64>),
            Val::NullText => b.push_bind(None::<String>),
        };
    }
}

impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Val::Int(v) => ToSqlOutput::Owned(Value::Integer(*v)),
            Val::Bool(v) => ToSqlOutput::Owned(Value::Integer(*v as i64)),
            Val::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Val::NullInt | Val::NullText => ToSqlOutput::Owned(Value::Null),
        })
    }
}

/// A table and its columns, in the order rows give them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

/// Every table, in an order that satisfies the foreign keys.
pub(crate) const TABLES: [Table; 14] = [
    Table { name: "users", columns: &["id", "username", "display_name", "role", "active", "created_at_ms"] },
    Table { name: "content_packs", columns: &["id", "name", "category", "enabled", "health", "health_detail", "health_since_ms"] },
    Table { name: "log_sources", columns: &["id", "name", "content_pack_id"] },
    Table { name: "detection_rules", columns: &["id", "name", "default_severity", "enabled", "origin", "log_source_id", "content_pack_id", "created_at_ms"] },
    Table { name: "rule_tactics", columns: &["rule_id", "tactic_id"] },
    Table { name: "rule_techniques", columns: &["rule_id", "technique_id"] },
    Table { name: "entities", columns: &["id", "kind", "name"] },
    Table { name: "cases", columns: &["id", "title", "description", "status", "priority", "assignee_id", "created_at_ms", "updated_at_ms", "closed_at_ms"] },
    Table {
        name: "signals",
        columns: &[
            "id", "rule_id", "title", "severity", "product", "log_source_id", "first_seen_ms", "detected_at_ms", "ip",
            "country_iso", "region", "city", "isp", "asn", "ti_indicator", "ti_category", "ti_intention",
            "ti_subcategory", "triage_state", "assignee_id", "archive_reason", "archive_comment", "case_id", "tags",
            "version",
        ],
    },
    Table { name: "signal_entities", columns: &["signal_id", "entity_id"] },
    Table { name: "incidents", columns: &["id", "title", "severity", "status", "commander_id", "case_id", "signal_id", "declared_at_ms"] },
    Table { name: "history", columns: &["id", "at_ms", "actor_id", "asset_type", "asset_id", "action", "old_value", "new_value", "reason", "comment", "api_key_id"] },
    Table { name: "log_volume", columns: &["log_source_id", "hour_ms", "events"] },
    Table { name: "articles", columns: &["id", "kind", "title", "url", "summary", "published_at_ms"] },
];

type Rows<'a> = Box<dyn Iterator<Item = Vec<Val<'a>>> + Send + 'a>;

/// The rows of `table` in `data`.
pub(crate) fn rows<'a>(data: &'a Dataset, table: Table) -> Rows<'a> {
    match table.name {
        "users" => Box::new(data.users.iter().map(|u| {
            vec![Val::Int(u.id), Val::str(&u.username), Val::str(&u.display_name), Val::str(u.role.as_str()), Val::Bool(u.active), Val::Int(u.created_at_ms)]
        })),
        "content_packs" => Box::new(data.packs.iter().map(|p| {
            vec![
                Val::str(&p.id), Val::str(&p.name), Val::str(p.category.as_str()), Val::Bool(p.enabled),
                Val::str(p.health.as_str()), Val::text(p.health_detail.as_deref()), Val::int(p.health_since_ms),
            ]
        })),
        "log_sources" => Box::new(data.sources.iter().map(|s| vec![Val::str(&s.id), Val::str(&s.name), Val::str(&data.packs[s.pack].id)])),
        "detection_rules" => Box::new(data.rules.iter().map(|r| {
            vec![
                Val::str(&r.id), Val::str(&r.name), Val::str(r.default_severity.as_str()), Val::Bool(r.enabled),
                Val::str(if r.custom { "custom" } else { "default" }), Val::str(&data.sources[r.source].id),
                Val::str(&data.packs[r.pack].id), Val::Int(r.created_at_ms),
            ]
        })),
        "rule_tactics" => Box::new(data.rules.iter().flat_map(|r| r.tactics.iter().map(move |t| vec![Val::str(&r.id), Val::str(t)]))),
        "rule_techniques" => Box::new(data.rules.iter().flat_map(|r| r.techniques.iter().map(move |t| vec![Val::str(&r.id), Val::str(t)]))),
        "entities" => Box::new(data.entities.iter().map(|e| vec![Val::Int(e.id), Val::str(e.kind.as_str()), Val::str(&e.name)])),
        "cases" => Box::new(data.cases.iter().map(|c| {
            vec![
                Val::Int(c.id), Val::str(&c.title), Val::str(&c.description), Val::str(c.status.as_str()),
                Val::str(c.priority.as_str()), Val::int(c.assignee_id), Val::Int(c.created_at_ms),
                Val::Int(c.updated_at_ms), Val::int(c.closed_at_ms),
            ]
        })),
        "signals" => {
            let t = &data.signals;
            Box::new((0..t.len()).map(move |i| {
                let s = |id: u32| Val::text(t.strings.get_opt(id));
                vec![
                    Val::Int(t.id[i]),
                    Val::str(&data.rules[t.rule[i] as usize].id),
                    Val::str(t.strings.get(t.title[i])),
                    Val::str(t.severity[i].as_str()),
                    Val::str(t.product[i].as_str()),
                    Val::str(&data.sources[t.source[i] as usize].id),
                    Val::Int(t.first_seen_ms[i]),
                    Val::Int(t.detected_at_ms[i]),
                    s(t.ip[i]),
                    s(t.country[i]),
                    s(t.region[i]),
                    s(t.city[i]),
                    s(t.isp[i]),
                    Val::int((t.asn[i] != 0).then_some(t.asn[i])),
                    s(t.ti_indicator[i]),
                    Val::text(t.ti_category[i].map(|v| v.as_str())),
                    Val::text(t.ti_intention[i].map(|v| v.as_str())),
                    Val::text(t.ti_subcategory[i].map(|v| v.as_str())),
                    Val::str(t.state[i].as_str()),
                    Val::int(t.assignee[i].get()),
                    Val::text(t.archive_reason[i].map(|v| v.as_str())),
                    s(t.archive_comment[i]),
                    Val::int(t.case_id[i].get()),
                    Val::str(t.strings.get(t.tags[i])),
                    Val::Int(t.version[i]),
                ]
            }))
        }
        "signal_entities" => {
            let t = &data.signals;
            Box::new((0..t.len()).flat_map(move |i| {
                t.entities_of(i).map(move |&e| vec![Val::Int(t.id[i]), Val::Int(data.entities[e as usize].id)])
            }))
        }
        "incidents" => Box::new(data.incidents.iter().map(|i| {
            vec![
                Val::Int(i.id), Val::str(&i.title), Val::str(i.severity.as_str()), Val::str(i.status.as_str()),
                Val::int(i.commander_id), Val::int(i.case_id), Val::int(i.signal_id), Val::Int(i.declared_at_ms),
            ]
        })),
        "history" => Box::new(data.history().map(|h| {
            vec![
                Val::Int(h.id()), Val::Int(h.at_ms()), Val::int(h.actor_id()), Val::str(h.asset_type().as_str()),
                Val::Text(h.asset_id()), Val::str(h.action()), Val::text(h.old_value()),
                Val::text(h.new_value()), Val::text(h.reason()), Val::text(h.comment()),
                Val::int(h.api_key_id()),
            ]
        })),
        "log_volume" => Box::new(data.volume.iter().map(|v| vec![Val::str(&data.sources[v.source].id), Val::Int(v.hour_ms), Val::Int(v.events)])),
        "articles" => Box::new(data.articles.iter().map(|a| {
            vec![Val::Int(a.id), Val::str(&a.kind), Val::str(&a.title), Val::str(&a.url), Val::str(&a.summary), Val::Int(a.published_at_ms)]
        })),
        other => unreachable!("no rows for table {other}"),
    }
}
