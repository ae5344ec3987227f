//! Reading a query: tokens, then a recursive-descent parser bounded in length, terms and depth.

use super::{Attribute, Query, QueryError, MAX_DEPTH, MAX_QUERY_CHARS, MAX_TERMS};
use crate::model::*;

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
        Attribute::Reopened => match value.to_ascii_lowercase().as_str() {
            "true" | "false" => Ok(()),
            _ => Err(error(format!("'{value}' is not true or false"), position)),
        },
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
}
