//! The signal explorer's query language (docs/product.md §3): free text and `@attribute:value`
//! terms, implicit AND, `OR`, `-` (or `NOT`) for negation, parentheses, quoted values, `*`
//! wildcards and `@attr:*` for "the attribute exists". Errors say what is wrong and at which
//! character position (0-based).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::attack;
use crate::dataset::Dataset;
use crate::model::*;

mod parse;
mod search;
#[cfg(test)]
mod tests;

pub use search::*;


/// The attributes a query can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Attribute {
    TriageState,
    ArchiveReason,
    Assignee,
    TakenBy,
    ArchivedBy,
    Reopened,
    Severity,
    RuleName,
    RuleId,
    Source,
    Product,
    Tactic,
    Technique,
    Country,
    Subdivision,
    Isp,
    IpList,
    EntityName,
    EntityType,
    CaseId,
    TiIndicator,
    TiCategory,
    TiIntention,
    TiSubcategory,
}

impl Attribute {
    pub const ALL: [Attribute; 24] = [
        Attribute::TriageState,
        Attribute::ArchiveReason,
        Attribute::Assignee,
        Attribute::TakenBy,
        Attribute::ArchivedBy,
        Attribute::Reopened,
        Attribute::Severity,
        Attribute::RuleName,
        Attribute::RuleId,
        Attribute::Source,
        Attribute::Product,
        Attribute::Tactic,
        Attribute::Technique,
        Attribute::Country,
        Attribute::Subdivision,
        Attribute::Isp,
        Attribute::IpList,
        Attribute::EntityName,
        Attribute::EntityType,
        Attribute::CaseId,
        Attribute::TiIndicator,
        Attribute::TiCategory,
        Attribute::TiIntention,
        Attribute::TiSubcategory,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Attribute::TriageState => "@workflow.triage.state",
            Attribute::ArchiveReason => "@workflow.triage.archive_reason",
            Attribute::Assignee => "@workflow.triage.assignee",
            Attribute::TakenBy => "@workflow.triage.taken_by",
            Attribute::ArchivedBy => "@workflow.triage.archived_by",
            Attribute::Reopened => "@workflow.triage.reopened",
            Attribute::Severity => "status",
            Attribute::RuleName => "@workflow.rule.name",
            Attribute::RuleId => "@workflow.rule.id",
            Attribute::Source => "source",
            Attribute::Product => "product",
            Attribute::Tactic => "@tactic",
            Attribute::Technique => "@technique",
            Attribute::Country => "@network.client.geoip.country.iso_code",
            Attribute::Subdivision => "@network.client.geoip.subdivision.name",
            Attribute::Isp => "@network.client.isp",
            Attribute::IpList => "@network.ip.list",
            Attribute::EntityName => "@entity.name",
            Attribute::EntityType => "@entity.type",
            Attribute::CaseId => "@case.id",
            Attribute::TiIndicator => "@threat_intel.indicators_matched",
            Attribute::TiCategory => "@threat_intel.results.category",
            Attribute::TiIntention => "@threat_intel.results.intention",
            Attribute::TiSubcategory => "@threat_intel.results.subcategory",
        }
    }

    pub fn parse(name: &str) -> Option<Attribute> {
        let name = name.to_ascii_lowercase();
        let name = if name == "severity" { "status".to_owned() } else { name };
        Attribute::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    /// Matches every signal (the empty query).
    All,
    Text(String),
    Term { attribute: Attribute, value: String },
    Exists(Attribute),
    Not(Box<Query>),
    And(Vec<Query>),
    Or(Vec<Query>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message} at position {position}")]
pub struct QueryError {
    pub message: String,
    /// 0-based character offset into the query.
    pub position: usize,
}

/// The longest query accepted, in characters: a query is typed or built by a drill-down, and
/// the longest drill-down query is well under a kilobyte.
pub const MAX_QUERY_CHARS: usize = 4_096;
/// How deeply parentheses and negations may nest. The parser recurses once per level, so this
/// bounds its stack; no real query nests a tenth as deep.
pub const MAX_DEPTH: usize = 32;
/// The most terms (free text, `attr:value`, `attr:*`) one query may hold: each is evaluated for
/// every signal in the window.
pub const MAX_TERMS: usize = 200;


impl Query {

    /// Whether signal `i` of `data` matches.
    pub fn matches(&self, data: &Dataset, i: usize) -> bool {
        match self {
            Query::All => true,
            Query::Text(text) => {
                let t = &data.signals;
                let rule = &data.rules[t.rule[i] as usize];
                glob_contains(t.strings.get(t.title[i]), text) || glob_contains(&rule.name, text)
            }
            Query::Term { attribute, value } => match fast_value(data, i, *attribute) {
                Some(actual) => actual.is_some_and(|actual| glob_eq(actual, value)),
                None => values(data, i, *attribute)
                    .iter()
                    .any(|v| term_matches(*attribute, v, value)),
            },
            Query::Exists(attribute) => !values(data, i, *attribute).is_empty(),
            Query::Not(inner) => !inner.matches(data, i),
            Query::And(parts) => parts.iter().all(|p| p.matches(data, i)),
            Query::Or(parts) => parts.iter().any(|p| p.matches(data, i)),
        }
    }
}

fn term_matches(attribute: Attribute, actual: &str, wanted: &str) -> bool {
    match attribute {
        Attribute::Technique => technique_matches(actual, wanted),
        _ => glob_eq(actual, wanted),
    }
}

/// Whether an `@technique` value of a signal matches a wanted one: a technique term matches its
/// sub-techniques too, as the matrix cell counts them.
pub fn technique_matches(actual: &str, wanted: &str) -> bool {
    glob_eq(actual, wanted)
        || (!wanted.contains('.') && actual.split_once('.').is_some_and(|(parent, _)| glob_eq(parent, wanted)))
}

/// A rule's `@technique` values: each mapped ID as given, and the entry that replaced it when
/// it was revoked (so a search for today's ID finds rules written against the old one).
pub fn technique_values(rule: &crate::dataset::Rule) -> Vec<String> {
    let matrix = attack::matrix();
    rule.techniques
        .iter()
        .flat_map(|id| {
            let current = matrix.current(id).filter(|t| t.is_active()).map(|t| t.id.to_owned());
            std::iter::once(id.clone()).chain(current)
        })
        .collect()
}

/// The single value of a single-valued attribute, without allocating (`Some(None)` when the
/// signal has none); `None` for attributes that need [`values`].
fn fast_value<'d>(data: &'d Dataset, i: usize, attribute: Attribute) -> Option<Option<&'d str>> {
    let t = &data.signals;
    Some(match attribute {
        Attribute::TriageState => Some(t.state[i].as_str()),
        Attribute::ArchiveReason => t.archive_reason[i].map(|r| r.as_str()),
        Attribute::Severity => Some(t.severity[i].as_str()),
        Attribute::RuleName => Some(data.rules[t.rule[i] as usize].name.as_str()),
        Attribute::RuleId => Some(data.rules[t.rule[i] as usize].id.as_str()),
        Attribute::Source => Some(data.sources[t.source[i] as usize].id.as_str()),
        Attribute::Product => Some(t.product[i].as_str()),
        Attribute::Country => t.strings.get_opt(t.country[i]),
        Attribute::Subdivision => t.strings.get_opt(t.region[i]),
        Attribute::Isp => t.strings.get_opt(t.isp[i]),
        Attribute::TiIndicator => t.strings.get_opt(t.ti_indicator[i]),
        Attribute::TiCategory => t.ti_category[i].map(|c| c.as_str()),
        Attribute::TiIntention => t.ti_intention[i].map(|c| c.as_str()),
        Attribute::TiSubcategory => t.ti_subcategory[i].map(|c| c.as_str()),
        _ => return None,
    })
}

/// The values signal `i` has for an attribute (empty when absent).
fn values(data: &Dataset, i: usize, attribute: Attribute) -> Vec<String> {
    let t = &data.signals;
    let s = |id: u32| t.strings.get_opt(id).map(str::to_owned).into_iter().collect::<Vec<_>>();
    let rule = &data.rules[t.rule[i] as usize];
    match attribute {
        Attribute::TriageState => vec![t.state[i].as_str().to_owned()],
        Attribute::ArchiveReason => t.archive_reason[i].map(|r| r.as_str().to_owned()).into_iter().collect(),
        Attribute::Assignee => username(data, t.assignee[i].get()),
        Attribute::TakenBy => username(data, t.taken_by[i].get()),
        Attribute::ArchivedBy => username(data, t.archived_by[i].get()),
        Attribute::Reopened => vec![t.reopened[i].to_string()],
        Attribute::Severity => vec![t.severity[i].as_str().to_owned()],
        Attribute::RuleName => vec![rule.name.clone()],
        Attribute::RuleId => vec![rule.id.clone()],
        Attribute::Source => vec![data.sources[t.source[i] as usize].id.clone()],
        Attribute::Product => vec![t.product[i].as_str().to_owned()],
        Attribute::Tactic => {
            let matrix = attack::matrix();
            let mut out = Vec::new();
            for id in &rule.tactics {
                out.push(id.clone());
                if let Some(tactic) = matrix.tactic_index(id).map(|ti| &matrix.tactics[ti]) {
                    out.push(tactic.short_name.to_owned());
                    out.push(tactic.name.to_owned());
                }
            }
            out
        }
        Attribute::Technique => technique_values(rule),
        Attribute::Country => s(t.country[i]),
        Attribute::Subdivision => s(t.region[i]),
        Attribute::Isp => s(t.isp[i]),
        Attribute::IpList => {
            let mut ips = s(t.ip[i]);
            for &e in t.entities_of(i) {
                let entity = &data.entities[e as usize];
                if entity.kind == EntityKind::Ip && !ips.contains(&entity.name) {
                    ips.push(entity.name.clone());
                }
            }
            ips
        }
        Attribute::EntityName => t.entities_of(i).map(|&e| data.entities[e as usize].name.clone()).collect(),
        Attribute::EntityType => t
            .entities_of(i)
            .map(|&e| data.entities[e as usize].kind.as_str().to_owned())
            .collect(),
        Attribute::CaseId => t.case_id[i].get().map(|c| c.to_string()).into_iter().collect(),
        Attribute::TiIndicator => s(t.ti_indicator[i]),
        Attribute::TiCategory => t.ti_category[i].map(|c| c.as_str().to_owned()).into_iter().collect(),
        Attribute::TiIntention => t.ti_intention[i].map(|c| c.as_str().to_owned()).into_iter().collect(),
        Attribute::TiSubcategory => t.ti_subcategory[i].map(|c| c.as_str().to_owned()).into_iter().collect(),
    }
}

/// The username of user `id`, if there is one.
fn username(data: &Dataset, id: Option<i64>) -> Vec<String> {
    id.and_then(|id| data.user(id)).map(|u| u.username.clone()).into_iter().collect()
}

/// Case-insensitive equality where `*` in the pattern matches any run of characters.
pub fn glob_eq(actual: &str, pattern: &str) -> bool {
    if !pattern.contains('*') {
        return actual.eq_ignore_ascii_case(pattern);
    }
    glob(&actual.to_lowercase(), &pattern.to_lowercase())
}

/// Case-insensitive "contains", with `*` wildcards in the pattern.
fn glob_contains(actual: &str, pattern: &str) -> bool {
    let actual = actual.to_lowercase();
    let pattern = pattern.to_lowercase();
    if !pattern.contains('*') {
        return actual.contains(&pattern);
    }
    glob(&actual, &format!("*{pattern}*"))
}

fn glob(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (k, part) in parts.iter().enumerate() {
        if k == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if k == parts.len() - 1 {
            return part.is_empty() || rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    rest.is_empty()
}

/// A value as a query writes it: bare when it can be, quoted and escaped otherwise.
pub fn render_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| !c.is_whitespace() && !matches!(c, '"' | '(' | ')' | '\\'))
        && !matches!(value, "OR" | "AND" | "NOT")
        && !value.starts_with('-');
    if plain {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

impl fmt::Display for Query {
    /// The canonical text of the query: parsing it gives back the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => Ok(()),
            Query::Text(text) => {
                if text.contains(':') && !text.starts_with('"') {
                    write!(f, "\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
                } else {
                    f.write_str(&render_value(text))
                }
            }
            Query::Term { attribute, value } => {
                if value == "*" {
                    write!(f, "{}:\"*\"", attribute.name())
                } else {
                    write!(f, "{}:{}", attribute.name(), render_value(value))
                }
            }
            Query::Exists(attribute) => write!(f, "{}:*", attribute.name()),
            Query::Not(inner) => match **inner {
                Query::And(_) | Query::Or(_) => write!(f, "-({inner})"),
                _ => write!(f, "-{inner}"),
            },
            Query::And(parts) => {
                for (k, part) in parts.iter().enumerate() {
                    if k > 0 {
                        f.write_str(" ")?;
                    }
                    match part {
                        Query::Or(_) | Query::And(_) => write!(f, "({part})")?,
                        _ => write!(f, "{part}")?,
                    }
                }
                Ok(())
            }
            Query::Or(parts) => {
                for (k, part) in parts.iter().enumerate() {
                    if k > 0 {
                        f.write_str(" OR ")?;
                    }
                    match part {
                        Query::Or(_) => write!(f, "({part})")?,
                        _ => write!(f, "{part}")?,
                    }
                }
                Ok(())
            }
        }
    }
}

