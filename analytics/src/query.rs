//! The signal explorer's query language (product-spec §3): free text and `@attribute:value`
//! terms, implicit AND, `OR`, `-` (or `NOT`) for negation, parentheses, quoted values, `*`
//! wildcards and `@attr:*` for "the attribute exists". Errors say what is wrong and at which
//! character position (0-based).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::attack;
use crate::dataset::Dataset;
use crate::model::*;

/// The attributes a query can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Attribute {
    TriageState,
    ArchiveReason,
    Assignee,
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
    pub const ALL: [Attribute; 21] = [
        Attribute::TriageState,
        Attribute::ArchiveReason,
        Attribute::Assignee,
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

fn error(message: impl Into<String>, position: usize) -> QueryError {
    QueryError { message: message.into(), position }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Minus,
    Or,
    And,
    Not,
    /// A word or `attr:value`; `quoted` says whether any part was quoted, `bare` how many of
    /// its first characters were outside quotes (only a colon among those names an attribute).
    Word { text: String, quoted: bool, bare: usize },
}

fn tokenize(input: &str) -> Result<Vec<(Token, usize)>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '(' => {
                tokens.push((Token::Open, i));
                i += 1;
            }
            ')' => {
                tokens.push((Token::Close, i));
                i += 1;
            }
            '-' if i + 1 < chars.len() && !chars[i + 1].is_whitespace() && chars[i + 1] != ')' => {
                tokens.push((Token::Minus, i));
                i += 1;
            }
            _ => {
                let mut text = String::new();
                let mut quoted = false;
                let mut bare = None;
                while i < chars.len() {
                    let c = chars[i];
                    if c == '"' {
                        quoted = true;
                        bare.get_or_insert(text.chars().count());
                        let open = i;
                        i += 1;
                        loop {
                            match chars.get(i) {
                                None => return Err(error("unclosed quote", open)),
                                Some('\\') => {
                                    match chars.get(i + 1) {
                                        Some(&next) => text.push(next),
                                        None => return Err(error("unclosed quote", open)),
                                    }
                                    i += 2;
                                }
                                Some('"') => {
                                    i += 1;
                                    break;
                                }
                                Some(&other) => {
                                    text.push(other);
                                    i += 1;
                                }
                            }
                        }
                    } else if c.is_whitespace() || c == '(' || c == ')' {
                        break;
                    } else {
                        text.push(c);
                        i += 1;
                    }
                }
                let token = match (quoted, text.as_str()) {
                    (false, "OR") => Token::Or,
                    (false, "AND") => Token::And,
                    (false, "NOT") => Token::Not,
                    _ => {
                        let bare = bare.unwrap_or(text.chars().count());
                        Token::Word { text, quoted, bare }
                    }
                };
                tokens.push((token, start));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
    end: usize,
    /// How many parentheses and negations enclose the current position.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(_, p)| *p)
    }

    fn or(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            if matches!(self.peek(), None | Some(Token::Close | Token::Or | Token::And)) {
                return Err(error("expected a term after OR", self.position()));
            }
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.pop().unwrap() } else { Query::Or(parts) })
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Close) | Some(Token::Or) => break,
                Some(Token::And) => {
                    if parts.is_empty() {
                        return Err(error("AND needs a term before it", self.position()));
                    }
                    self.at += 1;
                    if matches!(self.peek(), None | Some(Token::Close | Token::Or | Token::And)) {
                        return Err(error("expected a term after AND", self.position()));
                    }
                }
                _ => parts.push(self.unary()?),
            }
        }
        if parts.is_empty() {
            return Err(match self.peek() {
                Some(Token::Or) => error("OR needs a term before it", self.position()),
                Some(Token::Close) => error("unexpected ')'", self.position()),
                _ => error("expected a term", self.position()),
            });
        }
        Ok(if parts.len() == 1 { parts.pop().unwrap() } else { Query::And(parts) })
    }

    /// Enters one more level of parentheses or negation, refusing to go past [`MAX_DEPTH`].
    fn descend(&mut self, position: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(format!("the query nests parentheses and negations more than {MAX_DEPTH} deep"), position));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        match self.peek() {
            Some(Token::Minus) | Some(Token::Not) => {
                let operator = self.position();
                self.at += 1;
                if matches!(self.peek(), None | Some(Token::Close | Token::Or | Token::And)) {
                    return Err(error("expected a term to negate", self.position()));
                }
                self.descend(operator)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Query::Not(Box::new(inner)))
            }
            Some(Token::Open) => {
                let open = self.position();
                self.descend(open)?;
                self.at += 1;
                if self.peek() == Some(&Token::Close) {
                    return Err(error("empty parentheses", open));
                }
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Token::Close) {
                    return Err(error("unclosed '('", open));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Token::Word { .. }) => {
                let position = self.position();
                let Some((Token::Word { text, quoted, bare }, _)) = self.tokens.get(self.at).cloned() else {
                    unreachable!()
                };
                self.at += 1;
                word(&text, quoted, bare, position)
            }
            _ => Err(error("expected a term", self.position())),
        }
    }
}

fn word(text: &str, quoted: bool, bare: usize, position: usize) -> Result<Query, QueryError> {
    // `attr:value`: an attribute is an unquoted prefix before the first colon.
    let split = text
        .split_once(':')
        .filter(|(name, _)| name.chars().count() < bare);
    match split {
        Some((name, value)) if name.starts_with('@') || Attribute::parse(name).is_some() => {
            let attribute = Attribute::parse(name)
                .ok_or_else(|| error(format!("unknown attribute '{name}'"), position))?;
            if value.is_empty() && !quoted {
                return Err(error(format!("missing value after '{name}:'"), position + name.len() + 1));
            }
            if value == "*" && !quoted {
                return Ok(Query::Exists(attribute));
            }
            validate(attribute, value, position + name.len() + 1)?;
            Ok(Query::Term { attribute, value: value.to_owned() })
        }
        _ => Ok(Query::Text(text.to_owned())),
    }
}

/// Values of enumerated attributes must be one of their spellings (wildcards aside).
fn validate(attribute: Attribute, value: &str, position: usize) -> Result<(), QueryError> {
    if value.contains('*') {
        return Ok(());
    }
    let check = |result: Result<(), UnknownValue>| result.map_err(|e| error(e.to_string(), position));
    match attribute {
        Attribute::TriageState => check(TriageState::parse(value).map(drop)),
        Attribute::ArchiveReason => check(ArchiveReason::parse(value).map(drop)),
        Attribute::Severity => check(Severity::parse(value).map(drop)),
        Attribute::Product => check(Product::parse(value).map(drop)),
        Attribute::EntityType => check(EntityKind::parse(value).map(drop)),
        Attribute::TiCategory => check(ThreatCategory::parse(value).map(drop)),
        Attribute::TiIntention => check(ThreatIntention::parse(value).map(drop)),
        Attribute::TiSubcategory => check(ThreatSubcategory::parse(value).map(drop)),
        Attribute::CaseId => value
            .parse::<i64>()
            .map(drop)
            .map_err(|_| error(format!("case id '{value}' is not a number"), position)),
        _ => Ok(()),
    }
}

impl Query {
    /// Parses a query; the empty query matches everything.
    ///
    /// Untrusted input is bounded before anything else: at most [`MAX_QUERY_CHARS`] characters,
    /// [`MAX_TERMS`] terms and [`MAX_DEPTH`] levels of nesting, each refused with its position.
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        if let Some((position, _)) = input.char_indices().nth(MAX_QUERY_CHARS) {
            let length = input.chars().count();
            return Err(error(
                format!("the query is too long ({length} characters; at most {MAX_QUERY_CHARS})"),
                input[..position].chars().count(),
            ));
        }
        let tokens = tokenize(input)?;
        if tokens.is_empty() {
            return Ok(Query::All);
        }
        if let Some((_, position)) = tokens.iter().filter(|(t, _)| matches!(t, Token::Word { .. })).nth(MAX_TERMS) {
            return Err(error(format!("the query has more than {MAX_TERMS} terms"), *position));
        }
        let mut parser = Parser { tokens, at: 0, end: input.chars().count(), depth: 0 };
        let query = parser.or()?;
        if let Some((token, position)) = parser.tokens.get(parser.at) {
            let what = match token {
                Token::Close => "unexpected ')'".to_owned(),
                other => format!("unexpected {other:?}"),
            };
            return Err(error(what, *position));
        }
        Ok(query)
    }

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
        // A technique term matches its sub-techniques too, as the matrix cell counts them.
        Attribute::Technique => {
            glob_eq(actual, wanted)
                || (!wanted.contains('.')
                    && actual.split_once('.').is_some_and(|(parent, _)| glob_eq(parent, wanted)))
        }
        _ => glob_eq(actual, wanted),
    }
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
        Attribute::Assignee => t.assignee[i]
            .and_then(|id| data.users.iter().find(|u| u.id == id))
            .map(|u| u.username.clone())
            .into_iter()
            .collect(),
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
        Attribute::Technique => {
            let matrix = attack::matrix();
            rule.techniques
                .iter()
                .flat_map(|id| {
                    let current = matrix.current(id).filter(|t| t.is_active()).map(|t| t.id.to_owned());
                    std::iter::once(id.clone()).chain(current)
                })
                .collect()
        }
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
        Attribute::EntityName => t.entities_of(i).iter().map(|&e| data.entities[e as usize].name.clone()).collect(),
        Attribute::EntityType => t
            .entities_of(i)
            .iter()
            .map(|&e| data.entities[e as usize].kind.as_str().to_owned())
            .collect(),
        Attribute::CaseId => t.case_id[i].map(|c| c.to_string()).into_iter().collect(),
        Attribute::TiIndicator => s(t.ti_indicator[i]),
        Attribute::TiCategory => t.ti_category[i].map(|c| c.as_str().to_owned()).into_iter().collect(),
        Attribute::TiIntention => t.ti_intention[i].map(|c| c.as_str().to_owned()).into_iter().collect(),
        Attribute::TiSubcategory => t.ti_subcategory[i].map(|c| c.as_str().to_owned()).into_iter().collect(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn term(attribute: Attribute, value: &str) -> Query {
        Query::Term { attribute, value: value.to_owned() }
    }

    #[test]
    fn terms_free_text_and_implicit_and() {
        let q = Query::parse("@workflow.rule.id:def-0001 @workflow.triage.state:open okta").unwrap();
        assert_eq!(
            q,
            Query::And(vec![
                term(Attribute::RuleId, "def-0001"),
                term(Attribute::TriageState, "open"),
                Query::Text("okta".into()),
            ])
        );
    }

    #[test]
    fn or_binds_looser_than_and_and_parentheses_group() {
        let q = Query::parse("status:critical OR status:high source:okta").unwrap();
        assert_eq!(
            q,
            Query::Or(vec![
                term(Attribute::Severity, "critical"),
                Query::And(vec![term(Attribute::Severity, "high"), term(Attribute::Source, "okta")]),
            ])
        );
        let q = Query::parse("(status:critical OR status:high) -source:okta").unwrap();
        assert_eq!(
            q,
            Query::And(vec![
                Query::Or(vec![term(Attribute::Severity, "critical"), term(Attribute::Severity, "high")]),
                Query::Not(Box::new(term(Attribute::Source, "okta"))),
            ])
        );
    }

    #[test]
    fn quoted_values_wildcards_and_existence() {
        let q = Query::parse("@network.client.isp:\"Amazon.com, Inc.\" @workflow.rule.name:*MFA* @case.id:*").unwrap();
        assert_eq!(
            q,
            Query::And(vec![
                term(Attribute::Isp, "Amazon.com, Inc."),
                term(Attribute::RuleName, "*MFA*"),
                Query::Exists(Attribute::CaseId),
            ])
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases = [
            ("status:critical)", "unexpected ')' at position 15"),
            ("(status:critical", "unclosed '(' at position 0"),
            ("@foo:bar", "unknown attribute '@foo' at position 0"),
            ("status:", "missing value after 'status:' at position 7"),
            ("status:severe", "unknown severity 'severe': expected one of critical, high, medium, low, info at position 7"),
            ("okta OR", "expected a term after OR at position 7"),
            ("OR okta", "OR needs a term before it at position 0"),
            ("title:\"unclosed", "unclosed quote at position 6"),
            ("()", "empty parentheses at position 0"),
            ("@case.id:abc", "case id 'abc' is not a number at position 9"),
        ];
        for (input, expected) in cases {
            let err = Query::parse(input).unwrap_err();
            assert_eq!(err.to_string(), expected, "for {input:?}");
        }
    }

    #[test]
    fn hostile_queries_are_refused_with_a_position_not_a_crash() {
        // Deep nesting: parentheses and negations alike stop at MAX_DEPTH, at the token past it.
        for input in ["(".repeat(100_000), "(".repeat(4_000), format!("{}a{}", "(".repeat(40), ")".repeat(40))] {
            let err = Query::parse(&input).unwrap_err();
            if input.len() > MAX_QUERY_CHARS {
                assert!(err.message.starts_with("the query is too long"), "{err}");
                assert_eq!(err.position, MAX_QUERY_CHARS);
            } else {
                assert_eq!(err.to_string(), format!("the query nests parentheses and negations more than 32 deep at position 32"));
            }
        }
        let negations = format!("{}a", "-".repeat(50));
        assert_eq!(Query::parse(&negations).unwrap_err().position, 32);
        let nots = format!("{}a", "NOT ".repeat(50));
        assert_eq!(Query::parse(&nots).unwrap_err().position, 128);
        // At the limit itself a query still parses, and renders back.
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(Query::parse(&deep).unwrap(), Query::Text("a".into()));
        let deep_not = format!("{}a", "-".repeat(MAX_DEPTH));
        assert!(Query::parse(&deep_not).is_ok());
        // Too many terms: the position is where the first term past the limit starts.
        let many = vec!["a*"; 5_000].join(" ");
        let err = Query::parse(&many).unwrap_err();
        assert!(err.message.starts_with("the query is too long"), "{err}");
        let many = vec!["ab"; MAX_TERMS + 1].join(" ");
        assert_eq!(Query::parse(&many).unwrap_err().to_string(), format!("the query has more than 200 terms at position {}", MAX_TERMS * 3));
        assert!(Query::parse(&vec!["ab"; MAX_TERMS].join(" ")).is_ok());
    }

    #[test]
    fn empty_query_matches_everything() {
        assert_eq!(Query::parse("   ").unwrap(), Query::All);
    }

    #[test]
    fn rendered_queries_parse_back_to_the_same_tree() {
        for input in [
            "status:critical",
            "@workflow.rule.id:def-0001 @workflow.triage.state:open",
            "(status:critical OR status:high) -source:okta",
            "@network.client.isp:\"Amazon.com, Inc.\" \"two words\"",
            "-(a OR b) c",
            "@case.id:* NOT @tactic:TA0001",
            "@entity.name:\"say \\\"hi\\\"\"",
        ] {
            let q = Query::parse(input).unwrap();
            let rendered = q.to_string();
            assert_eq!(Query::parse(&rendered).unwrap(), q, "{input} -> {rendered}");
        }
    }

    pub(super) fn dataset() -> Dataset {
        use crate::dataset::*;
        let rule = |id: &str, name: &str, techniques: &[&str], tactics: &[&str]| Rule {
            id: id.into(),
            name: name.into(),
            default_severity: Severity::High,
            enabled: true,
            custom: false,
            source: 0,
            pack: 0,
            created_at_ms: 0,
            tactics: tactics.iter().map(|t| t.to_string()).collect(),
            techniques: techniques.iter().map(|t| t.to_string()).collect(),
        };
        let signal = |id: i64, rule: &str, severity, state, ip: Option<&str>, entities: Vec<i64>| SignalRecord {
            id,
            rule_id: rule.into(),
            title: format!("Signal {id} about Okta"),
            severity,
            product: Product::Siem,
            log_source_id: "okta".into(),
            first_seen_ms: id,
            detected_at_ms: id,
            ip: ip.map(str::to_owned),
            country_iso: ip.map(|_| "NL".to_owned()),
            region: None,
            city: None,
            isp: ip.map(|_| "M247 Europe SRL".to_owned()),
            asn: None,
            ti_indicator: None,
            ti_category: None,
            ti_intention: None,
            ti_subcategory: None,
            triage_state: state,
            assignee_id: (state != TriageState::Open).then_some(1),
            archive_reason: (state == TriageState::Archived).then_some(ArchiveReason::FalsePositive),
            archive_comment: None,
            case_id: (id == 3).then_some(9),
            tags: vec![],
            version: 1,
            entity_ids: entities,
        };
        Dataset::assemble(
            vec![ContentPack {
                id: "okta-pack".into(),
                name: "Okta".into(),
                category: PackCategory::Identity,
                enabled: true,
                health: PackHealth::Active,
                health_detail: None,
                health_since_ms: None,
            }],
            vec![LogSource { id: "okta".into(), name: "Okta".into(), pack: 0 }],
            vec![
                rule("r1", "MFA push fatigue", &["T1621", "T1078.004"], &["TA0006"]),
                rule("r2", "Legacy archive", &["T1002"], &["TA0010"]),
            ],
            vec![User { id: 1, username: "ana".into(), display_name: "Ana".into(), role: Role::Analyst, active: true, created_at_ms: 0 }],
            vec![
                Entity { id: 1, kind: EntityKind::User, name: "alice@acme-corp.com".into() },
                Entity { id: 2, kind: EntityKind::Ip, name: "10.0.0.9".into() },
            ],
            vec![
                signal(1, "r1", Severity::Critical, TriageState::Open, Some("203.0.113.7"), vec![1]),
                signal(2, "r1", Severity::Low, TriageState::Archived, None, vec![2]),
                signal(3, "r2", Severity::High, TriageState::UnderReview, Some("198.51.100.4"), vec![]),
            ],
            vec![],
        )
        .unwrap()
    }

    fn ids(data: &Dataset, query: &str) -> Vec<i64> {
        let q = Query::parse(query).unwrap();
        (0..data.signals.len()).filter(|&i| q.matches(data, i)).map(|i| data.signals.id[i]).collect()
    }

    #[test]
    fn queries_select_the_right_signals() {
        let data = dataset();
        assert_eq!(ids(&data, ""), [1, 2, 3]);
        assert_eq!(ids(&data, "status:critical OR status:high"), [1, 3]);
        assert_eq!(ids(&data, "-@workflow.triage.state:open"), [2, 3]);
        assert_eq!(ids(&data, "@workflow.triage.archive_reason:false_positive"), [2]);
        assert_eq!(ids(&data, "@workflow.triage.assignee:ana"), [2, 3]);
        assert_eq!(ids(&data, "@workflow.rule.name:*fatigue*"), [1, 2]);
        assert_eq!(ids(&data, "@network.client.geoip.country.iso_code:nl @network.client.isp:\"M247 Europe SRL\""), [1, 3]);
        // Any IP in the signal: the attacker's, or an IP entity.
        assert_eq!(ids(&data, "@network.ip.list:10.0.0.9"), [2]);
        assert_eq!(ids(&data, "@network.ip.list:203.0.113.*"), [1]);
        assert_eq!(ids(&data, "@entity.type:user"), [1]);
        assert_eq!(ids(&data, "@case.id:*"), [3]);
        assert_eq!(ids(&data, "@case.id:9"), [3]);
        // A technique matches its sub-techniques; a revoked ID its replacement.
        assert_eq!(ids(&data, "@technique:T1078"), [1, 2]);
        assert_eq!(ids(&data, "@technique:T1560"), [3]);
        assert_eq!(ids(&data, "@tactic:TA0006"), [1, 2]);
        assert_eq!(ids(&data, "@tactic:credential-access"), [1, 2]);
        // Free text searches titles and rule names.
        assert_eq!(ids(&data, "legacy"), [3]);
        assert_eq!(ids(&data, "okta -status:low"), [1, 3]);
        assert_eq!(ids(&data, "(status:low OR status:high) source:okta product:siem"), [2, 3]);
    }

    #[test]
    fn globs() {
        assert!(glob_eq("Okta MFA push", "*mfa*"));
        assert!(glob_eq("def-0001", "def-*"));
        assert!(!glob_eq("def-0001", "cus-*"));
        assert!(glob_eq("OKTA", "okta"));
        assert!(glob_eq("abc", "a*c"));
        assert!(!glob_eq("abcd", "a*c"));
    }
}

/// How a result is ordered. Every order ends with the signal id, so it is total and a page
/// boundary is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Newest detection first.
    #[default]
    Newest,
    Oldest,
    /// Most severe first, newest first within a severity.
    Severity,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Newest, Sort::Oldest, Sort::Severity];

    pub const fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Severity => "severity",
        }
    }

    pub fn parse(text: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Signal `i`'s place: ascending keys are the order.
    fn key(self, data: &Dataset, i: usize) -> (i64, i64, i64) {
        let t = &data.signals;
        match self {
            Sort::Newest => (0, -t.detected_at_ms[i], -t.id[i]),
            Sort::Oldest => (0, t.detected_at_ms[i], t.id[i]),
            Sort::Severity => (t.severity[i].index() as i64, -t.detected_at_ms[i], -t.id[i]),
        }
    }
}

/// The signals detected in `[from, to)` that match, in `sort` order.
pub fn search(data: &Dataset, query: &Query, from: crate::dataset::Millis, to: crate::dataset::Millis, sort: Sort) -> Vec<usize> {
    search_until(data, query, from, to, sort, &|| false).expect("never stopped")
}

/// A search stopped before it finished (see [`search_until`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the search took too long and was stopped; narrow the query or the time window")]
pub struct Stopped;

/// [`search`] that asks `stop` every few thousand signals whether to give up (a deadline), so
/// an expensive query on a large window ends instead of holding a worker.
pub fn search_until(
    data: &Dataset,
    query: &Query,
    from: crate::dataset::Millis,
    to: crate::dataset::Millis,
    sort: Sort,
    stop: &dyn Fn() -> bool,
) -> Result<Vec<usize>, Stopped> {
    let mut found: Vec<usize> = Vec::new();
    for (k, i) in data.signals.range(from, to).enumerate() {
        if k % 4_096 == 4_095 && stop() {
            return Err(Stopped);
        }
        if query.matches(data, i) {
            found.push(i);
        }
    }
    match sort {
        // Signals are held in time order already.
        Sort::Oldest => {}
        Sort::Newest => found.reverse(),
        Sort::Severity => found.sort_by_cached_key(|&i| sort.key(data, i)),
    }
    Ok(found)
}

/// Where a page ends: the key of the last signal shown.
pub fn cursor_of(data: &Dataset, i: usize, sort: Sort) -> String {
    let (a, b, c) = sort.key(data, i);
    format!("{a}_{b}_{c}")
}

/// Reads a cursor written by [`cursor_of`].
pub fn parse_cursor(text: &str) -> Option<(i64, i64, i64)> {
    let mut parts = text.splitn(3, '_').map(|p| p.parse::<i64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// The page of `matches` (as ordered by [`search`] with the same `sort`) after `cursor`: the
/// positions in `matches` and the cursor of the next page, if there is one. Keyset paging: a
/// page deep in the result is found by binary search, not by counting rows.
pub fn page(
    data: &Dataset,
    matches: &[usize],
    cursor: Option<(i64, i64, i64)>,
    limit: usize,
    sort: Sort,
) -> (std::ops::Range<usize>, Option<String>) {
    let start = match cursor {
        None => 0,
        Some(c) => matches.partition_point(|&i| sort.key(data, i) <= c),
    };
    let end = (start + limit).min(matches.len());
    let next = (end < matches.len() && end > start).then(|| cursor_of(data, matches[end - 1], sort));
    (start..end, next)
}

#[cfg(test)]
mod paging_tests {
    use super::*;

    #[test]
    fn every_order_pages_through_every_match_once() {
        let data = super::tests::dataset();
        let all = Query::All;
        for sort in Sort::ALL {
            let matches = search(&data, &all, i64::MIN, i64::MAX, sort);
            let keys: Vec<_> = matches.iter().map(|&i| sort.key(&data, i)).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{sort:?}: strictly ordered");
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let (range, next) = page(&data, &matches, cursor, 2, sort);
                seen.extend(matches[range].iter().map(|&i| data.signals.id[i]));
                match next {
                    Some(text) => cursor = Some(parse_cursor(&text).expect("our own cursor reads back")),
                    None => break,
                }
            }
            let expected: Vec<i64> = matches.iter().map(|&i| data.signals.id[i]).collect();
            assert_eq!(seen, expected, "{sort:?}");
        }
        let by_severity = search(&data, &all, i64::MIN, i64::MAX, Sort::Severity);
        let severities: Vec<_> = by_severity.iter().map(|&i| data.signals.severity[i].index()).collect();
        assert!(severities.windows(2).all(|w| w[0] <= w[1]), "most severe first");
        assert_eq!(parse_cursor("1_2"), None);
        assert_eq!(parse_cursor("a_b_c"), None);
    }
}

/// The explorer's facets: the attributes counted over a result, with their labels.
pub const FACETS: [(Attribute, &str); 8] = [
    (Attribute::Severity, "Severity"),
    (Attribute::TriageState, "State"),
    (Attribute::Source, "Source"),
    (Attribute::RuleName, "Rule"),
    (Attribute::Tactic, "Tactic"),
    (Attribute::Country, "Country"),
    (Attribute::Assignee, "Assignee"),
    (Attribute::ArchiveReason, "Archive reason"),
];

/// Counts each facet's values over `matches`: the `top` most frequent per facet, ties by
/// value. A signal counts once per value it has (a rule with two tactics counts for both).
pub fn facets(data: &Dataset, matches: &[usize], top: usize) -> Vec<(Attribute, &'static str, Vec<(String, usize)>)> {
    FACETS
        .iter()
        .map(|&(attribute, label)| {
            let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            for &i in matches {
                let mut seen = values(data, i, attribute);
                if attribute == Attribute::Tactic {
                    // Tactics come as ID, short name and name: count the ID only.
                    seen.retain(|v| v.starts_with("TA"));
                }
                seen.sort();
                seen.dedup();
                for v in seen {
                    *counts.entry(v).or_default() += 1;
                }
            }
            let mut values: Vec<(String, usize)> = counts.into_iter().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            values.truncate(top);
            (attribute, label, values)
        })
        .collect()
}

#[cfg(test)]
mod facet_tests {
    use super::*;

    #[test]
    fn facets_count_each_value_once_per_signal() {
        let data = super::tests::dataset();
        let all: Vec<usize> = (0..data.signals.len()).collect();
        let facets = facets(&data, &all, 10);
        let severity = &facets.iter().find(|f| f.0 == Attribute::Severity).unwrap().2;
        let total: usize = severity.iter().map(|v| v.1).sum();
        assert_eq!(total, data.signals.len(), "every signal has exactly one severity");
        for (value, count) in severity {
            let q = Query::parse(&format!("status:{value}")).unwrap();
            assert_eq!(all.iter().filter(|&&i| q.matches(&data, i)).count(), *count, "{value}");
        }
        assert!(severity.windows(2).all(|w| w[0].1 >= w[1].1), "most frequent first");
    }
}

#[cfg(test)]
mod property_tests {
    use super::*;
    use proptest::prelude::*;

    /// Values for attributes whose values are free text: awkward characters on purpose.
    fn free_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9._@-]{1,12}",
            "[a-z]{1,5}[ :()\"\\\\*-][a-z]{0,5}",
            Just("OR".to_owned()),
            Just("AND".to_owned()),
            Just("NOT".to_owned()),
            Just("-lead".to_owned()),
            Just("Amazon.com, Inc.".to_owned()),
            Just("ünïcødé ✓".to_owned()),
            Just("*".to_owned()),
            Just("a*b".to_owned()),
        ]
    }

    fn term() -> impl Strategy<Value = Query> {
        let free = prop_oneof![
            Just(Attribute::RuleName),
            Just(Attribute::RuleId),
            Just(Attribute::Source),
            Just(Attribute::EntityName),
            Just(Attribute::Isp),
            Just(Attribute::Subdivision),
            Just(Attribute::IpList),
            Just(Attribute::Tactic),
        ];
        prop_oneof![
            (free, free_text()).prop_map(|(attribute, value)| Query::Term { attribute, value }),
            proptest::sample::select(Severity::ALL.to_vec())
                .prop_map(|s| Query::Term { attribute: Attribute::Severity, value: s.as_str().to_owned() }),
            proptest::sample::select(TriageState::ALL.to_vec())
                .prop_map(|s| Query::Term { attribute: Attribute::TriageState, value: s.as_str().to_owned() }),
            (0i64..100_000).prop_map(|n| Query::Term { attribute: Attribute::CaseId, value: n.to_string() }),
            proptest::sample::select(Attribute::ALL.to_vec()).prop_map(Query::Exists),
            free_text().prop_map(Query::Text),
        ]
    }

    /// Trees as the parser builds them: groups of two or more, no double negation.
    fn tree() -> impl Strategy<Value = Query> {
        term().prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_filter("no double negation", |q| !matches!(q, Query::Not(_))).prop_map(|q| Query::Not(Box::new(q))),
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
                proptest::collection::vec(inner, 2..4).prop_map(Query::Or),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn a_rendered_query_parses_back_to_the_same_tree(query in tree()) {
            let text = query.to_string();
            let parsed = Query::parse(&text);
            prop_assert_eq!(parsed.as_ref(), Ok(&query), "rendered as {}", text);
        }

        #[test]
        fn any_input_parses_or_fails_with_a_position_inside_it(input in "[a-z@:\"()* -]{0,30}|.{0,20}") {
            match Query::parse(&input) {
                Ok(query) => {
                    let again = Query::parse(&query.to_string());
                    prop_assert_eq!(again, Ok(query));
                }
                Err(error) => prop_assert!(error.position <= input.chars().count(), "{error} for {input:?}"),
            }
        }
    }
}
