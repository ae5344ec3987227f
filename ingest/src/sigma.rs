//! Sigma rules (docs/product.md §8): reading rule files into what Signalboard stores about a
//! rule (its metadata, ATT&CK mapping and the log source it reads), and evaluating the enabled
//! ones on ingested events ([`Detector`]).
//!
//! Parsing and evaluation are the `rsigma-parser` and `rsigma-eval` crates (MIT), behind
//! [`Detect`], so another evaluator could stand in. The tests below are written from the Sigma
//! specification (https://sigmahq.io/docs/basics/modifiers.html), not from the crate's output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use analytics::attack;
use analytics::model::Severity;
use rsigma_parser::{Level, SigmaRule, Status};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::sources::{self, SourceSpec};

/// The largest rule file read (a community rule is a few KB).
pub const MAX_RULE_FILE_BYTES: usize = 1024 * 1024;

/// The default grouping window: matches of a rule on one entity within it add to one signal.
pub const DEFAULT_GROUP_WINDOW_MS: i64 = 3_600_000;

/// A rule as Signalboard stores it, read from a Sigma document.
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaImport {
    /// The Sigma `id` (a UUID): re-importing a rule with the same id updates it in place.
    pub id: String,
    pub title: String,
    pub description: String,
    pub author: String,
    pub references: Vec<String>,
    pub severity: Severity,
    /// `stable`, `test` or `experimental`.
    pub status: String,
    /// ATT&CK tactic IDs (`TA0005`) from the `attack.<tactic short name>` tags.
    pub tactics: Vec<String>,
    /// ATT&CK technique and sub-technique IDs from the `attack.tNNNN[.NNN]` tags.
    pub techniques: Vec<String>,
    /// `product=aws service=cloudtrail`, as the rule states it.
    pub logsource: String,
    /// The built-in source whose events it reads; `None` when Signalboard does not ingest its
    /// log source (then [`SigmaImport::problem`] says so and the rule stays disabled).
    pub source: Option<&'static SourceSpec>,
    /// Whether the evaluator can run it.
    pub evaluable: bool,
    /// Why the rule cannot run: a log source Signalboard does not ingest, or a feature the
    /// evaluator does not support.
    pub problem: Option<String>,
    /// The rule's file, as read.
    pub yaml: String,
}

/// Why a document of a rule file was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    Deprecated,
    /// `status: unsupported`.
    Unsupported,
    /// A correlation rule (they combine other rules' matches over time; not evaluated yet).
    Correlation,
    /// A Sigma filter (it amends other rules; not applied yet).
    Filter,
    NoId,
    /// Not a readable Sigma document (the parser's message).
    Invalid,
    TooLarge,
}

impl SkipReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::Deprecated => "deprecated",
            SkipReason::Unsupported => "status unsupported",
            SkipReason::Correlation => "correlation rule (not evaluated yet)",
            SkipReason::Filter => "filter (not applied yet)",
            SkipReason::NoId => "no id",
            SkipReason::Invalid => "not a valid Sigma rule",
            SkipReason::TooLarge => "file too large",
        }
    }
}

/// A document that was not imported, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub title: Option<String>,
    pub reason: SkipReason,
    pub detail: Option<String>,
}

/// What reading some rule files gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleFiles {
    pub rules: Vec<SigmaImport>,
    pub skipped: Vec<Skipped>,
    /// How many files were read.
    pub files: usize,
}

impl RuleFiles {
    /// Skips by reason, in a stable order.
    pub fn skipped_by_reason(&self) -> Vec<(&'static str, usize)> {
        let mut counts: std::collections::BTreeMap<SkipReason, usize> = Default::default();
        for skip in &self.skipped {
            *counts.entry(skip.reason.clone()).or_default() += 1;
        }
        counts.into_iter().map(|(reason, n)| (reason.as_str(), n)).collect()
    }
}

/// Reads files and folders (recursively: every `*.yml` and `*.yaml`) of Sigma rules.
pub fn read_paths(paths: &[PathBuf]) -> std::io::Result<RuleFiles> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files, 0)?;
    }
    files.sort();
    let mut out = RuleFiles::default();
    for file in files {
        let text = std::fs::read(&file)?;
        let name = file.display().to_string();
        out.files += 1;
        read_text(&name, &text, &mut out);
    }
    Ok(out)
}

fn collect(path: &Path, files: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if path.is_dir() {
        // Rule repositories are a few folders deep; a link loop stops here.
        if depth > 16 {
            return Ok(());
        }
        for entry in std::fs::read_dir(path)? {
            collect(&entry?.path(), files, depth + 1)?;
        }
    } else if depth == 0 || path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
        files.push(path.to_owned());
    }
    Ok(())
}

/// Reads one rule file's text (`file` names it in what is reported).
pub fn read_text(file: &str, text: &[u8], out: &mut RuleFiles) {
    let skip = |reason, title: Option<String>, detail: Option<String>| Skipped { file: file.to_owned(), title, reason, detail };
    if text.len() > MAX_RULE_FILE_BYTES {
        out.skipped.push(skip(SkipReason::TooLarge, None, Some(format!("{} bytes, at most {MAX_RULE_FILE_BYTES}", text.len()))));
        return;
    }
    let Ok(text) = std::str::from_utf8(text) else {
        out.skipped.push(skip(SkipReason::Invalid, None, Some("not UTF-8 text".into())));
        return;
    };
    let collection = match rsigma_parser::parse_sigma_yaml(text) {
        Ok(collection) => collection,
        Err(error) => {
            out.skipped.push(skip(SkipReason::Invalid, None, Some(error.to_string())));
            return;
        }
    };
    for error in &collection.errors {
        out.skipped.push(skip(SkipReason::Invalid, None, Some(error.clone())));
    }
    for correlation in &collection.correlations {
        out.skipped.push(skip(SkipReason::Correlation, Some(correlation.title.clone()), None));
    }
    for filter in &collection.filters {
        out.skipped.push(skip(SkipReason::Filter, Some(filter.title.clone()), None));
    }
    for rule in &collection.rules {
        match rule.status {
            Some(Status::Deprecated) => out.skipped.push(skip(SkipReason::Deprecated, Some(rule.title.clone()), None)),
            Some(Status::Unsupported) => out.skipped.push(skip(SkipReason::Unsupported, Some(rule.title.clone()), None)),
            _ => match rule.id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
                None => out.skipped.push(skip(SkipReason::NoId, Some(rule.title.clone()), None)),
                Some(_) => out.rules.push(import(rule, text)),
            },
        }
    }
}

fn import(rule: &SigmaRule, yaml: &str) -> SigmaImport {
    let matrix = attack::matrix();
    let mut tactics: Vec<String> = Vec::new();
    let mut techniques: Vec<String> = Vec::new();
    for tag in &rule.tags {
        let Some(name) = tag.trim().to_ascii_lowercase().strip_prefix("attack.").map(str::to_owned) else { continue };
        let is_technique = name.len() >= 5 && name.starts_with('t') && name[1..5].bytes().all(|b| b.is_ascii_digit());
        if is_technique {
            let id = name.to_ascii_uppercase();
            if !techniques.contains(&id) {
                techniques.push(id);
            }
        } else if let Some(i) = matrix.tactic_index(&name).or_else(|| newer_tactic(matrix, &name)) {
            let id = matrix.tactics[i].id.to_owned();
            if !tactics.contains(&id) {
                tactics.push(id);
            }
        }
    }
    let logsource = describe_logsource(rule);
    let source = source_for(rule);
    let mut normalized = rule.clone();
    normalize(&mut normalized);
    let compiled = rsigma_eval::compile_rule(&normalized);
    let evaluable = compiled.is_ok();
    let problem = match (&source, compiled) {
        (None, _) => Some(format!("Signalboard does not ingest this log source ({logsource})")),
        (Some(_), Err(error)) => Some(format!("the evaluator cannot run it: {error}")),
        (Some(_), Ok(_)) => None,
    };
    SigmaImport {
        id: rule.id.clone().unwrap_or_default().trim().to_owned(),
        title: rule.title.clone(),
        description: rule.description.clone().unwrap_or_default(),
        author: rule.author.clone().unwrap_or_default(),
        references: rule.references.clone(),
        severity: match rule.level {
            Some(Level::Informational) => Severity::Info,
            Some(Level::Low) => Severity::Low,
            Some(Level::High) => Severity::High,
            Some(Level::Critical) => Severity::Critical,
            Some(Level::Medium) | None => Severity::Medium,
        },
        status: match rule.status {
            Some(Status::Stable) => "stable",
            Some(Status::Test) => "test",
            _ => "experimental",
        }
        .to_owned(),
        tactics,
        techniques,
        logsource,
        source,
        evaluable,
        problem,
        yaml: yaml.to_owned(),
    }
}

/// ATT&CK v19 split Defense Evasion (TA0005) into Stealth and Defense Impairment; SigmaHQ's rules
/// already use the new names. In the v18.1 matrix Signalboard ships, both are Defense Evasion.
fn newer_tactic(matrix: &attack::Matrix, name: &str) -> Option<usize> {
    match name {
        "stealth" | "defense-impairment" | "defense_impairment" => matrix.tactic_index("defense-evasion"),
        _ => None,
    }
}

fn describe_logsource(rule: &SigmaRule) -> String {
    let l = &rule.logsource;
    [("product", &l.product), ("service", &l.service), ("category", &l.category)]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The built-in log source a Sigma `logsource` reads, by product and service.
fn source_for(rule: &SigmaRule) -> Option<&'static SourceSpec> {
    let l = &rule.logsource;
    let product = l.product.as_deref().unwrap_or_default().to_ascii_lowercase();
    let service = l.service.as_deref().unwrap_or_default().to_ascii_lowercase();
    let id = match (product.as_str(), service.as_str()) {
        ("aws", "cloudtrail") => "cloudtrail",
        ("okta", "okta") => "okta",
        ("github", "audit") => "github-audit",
        ("gcp", "gcp.audit") => "gcp-audit",
        ("azure", "activitylogs") => "azure-activity",
        ("kubernetes", "audit") => "kubernetes-audit",
        _ => return None,
    };
    sources::source(id).ok()
}

/// Finds the rule with `id` in a stored rule file, ready to compile ([`normalize`]).
pub fn parse_stored(yaml: &str, id: &str) -> Result<SigmaRule, String> {
    let collection = rsigma_parser::parse_sigma_yaml(yaml).map_err(|e| e.to_string())?;
    let mut rule = collection
        .rules
        .into_iter()
        .find(|r| r.id.as_deref().map(str::trim) == Some(id))
        .ok_or_else(|| format!("the stored source of rule {id} no longer holds it"))?;
    normalize(&mut rule);
    Ok(rule)
}

/// Rewrites what `rsigma-eval` 0.23 gets wrong into what it gets right, before compiling.
///
/// `base64offset`: the specification (pySigma's reference implementation) encodes the value
/// after 0, 1 and 2 leading bytes and drops the characters that those bytes or the bytes after
/// the value influence. rsigma keeps the last character, which depends on what follows the value,
/// so `whoami` inside a longer encoded command line is missed at two offsets of three (our test
/// `base64offset_finds_the_value_encoded_at_any_offset`). The item becomes a plain `contains` of
/// the three encodings (with `all`, one item per value, each any of its three).
pub fn normalize(rule: &mut SigmaRule) {
    for detection in rule.detection.named.values_mut() {
        normalize_detection(detection);
    }
}

fn normalize_detection(detection: &mut rsigma_parser::Detection) {
    use rsigma_parser::{Detection, DetectionItem, Modifier, SigmaString, SigmaValue};
    match detection {
        Detection::AllOf(items) => {
            let mut out: Vec<DetectionItem> = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                if !item.field.has_modifier(Modifier::Base64Offset) {
                    out.push(item);
                    continue;
                }
                let all = item.field.has_modifier(Modifier::All);
                let mut field = item.field.clone();
                field.modifiers.retain(|m| !matches!(m, Modifier::Base64Offset | Modifier::All));
                let variants = |value: &SigmaValue| -> Vec<SigmaValue> {
                    let text = match value {
                        SigmaValue::String(s) => s.as_plain().unwrap_or_else(|| s.original.clone()),
                        SigmaValue::Integer(n) => n.to_string(),
                        SigmaValue::Float(f) => f.to_string(),
                        SigmaValue::Bool(b) => b.to_string(),
                        SigmaValue::Null => String::new(),
                    };
                    base64_offsets(text.as_bytes()).into_iter().map(|v| SigmaValue::String(SigmaString::from_raw(&v))).collect()
                };
                if all {
                    for value in &item.values {
                        out.push(DetectionItem { field: field.clone(), values: variants(value) });
                    }
                } else {
                    out.push(DetectionItem { field, values: item.values.iter().flat_map(variants).collect() });
                }
            }
            *items = out;
        }
        Detection::AnyOf(list) | Detection::And(list) => list.iter_mut().for_each(normalize_detection),
        Detection::ArrayMatch { body, .. } => normalize_detection(body),
        Detection::Conditional { named, .. } => named.values_mut().for_each(normalize_detection),
        Detection::Keywords(_) => {}
    }
}

/// The three encodings of `value` that appear in any base64 text holding it (pySigma's
/// `base64offset`).
pub fn base64_offsets(value: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    // Characters dropped from the end, by (length + offset) % 3.
    const END: [usize; 3] = [0, 3, 2];
    (0..3)
        .filter_map(|offset| {
            let mut padded = vec![b' '; offset];
            padded.extend_from_slice(value);
            let encoded = base64(&padded);
            let end = encoded.len().checked_sub(END[(value.len() + offset) % 3])?;
            (START[offset] < end).then(|| encoded[START[offset]..end].to_owned())
        })
        .collect()
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// Evaluates rules on events: what the intake needs from a Sigma evaluator.
pub trait Detect: Send + Sync {
    /// The indexes (into the rules it was built with) of the rules of `source` that `event`
    /// matches.
    fn detect(&self, source: &str, event: &RawValue) -> Vec<usize>;
}

/// An enabled rule to evaluate.
#[derive(Debug, Clone)]
pub struct Enabled {
    pub id: String,
    pub source_id: String,
    pub yaml: String,
}

/// The enabled rules, compiled and indexed by log source: an event is only evaluated against
/// its own source's rules, so unrelated rules cost it nothing.
#[derive(Default)]
pub struct Detector {
    by_source: HashMap<String, SourceRules>,
    rules: usize,
}

struct SourceRules {
    engine: rsigma_eval::Engine,
    /// The rule's Sigma id → its index in what the detector was built with.
    index: HashMap<String, usize>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector").field("sources", &self.by_source.len()).field("rules", &self.rules).finish()
    }
}

impl Detector {
    /// Compiles `rules`; a rule that no longer parses or compiles is left out and reported.
    pub fn build(rules: &[Enabled]) -> (Detector, Vec<(String, String)>) {
        let mut detector = Detector::default();
        let mut problems = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let parsed = match parse_stored(&rule.yaml, &rule.id) {
                Ok(parsed) => parsed,
                Err(error) => {
                    problems.push((rule.id.clone(), error));
                    continue;
                }
            };
            let entry = detector
                .by_source
                .entry(rule.source_id.clone())
                .or_insert_with(|| SourceRules { engine: rsigma_eval::Engine::new(), index: HashMap::new() });
            match entry.engine.add_rule(&parsed) {
                Ok(()) => {
                    entry.index.insert(rule.id.clone(), i);
                    detector.rules += 1;
                }
                Err(error) => problems.push((rule.id.clone(), error.to_string())),
            }
        }
        (detector, problems)
    }

    /// How many rules it evaluates.
    pub fn len(&self) -> usize {
        self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules == 0
    }

    /// Whether `source` has any rule to evaluate.
    pub fn covers(&self, source: &str) -> bool {
        self.by_source.contains_key(source)
    }
}

impl Detect for Detector {
    fn detect(&self, source: &str, event: &RawValue) -> Vec<usize> {
        let Some(rules) = self.by_source.get(source) else { return Vec::new() };
        let Ok(value) = serde_json::from_str::<Value>(event.get()) else { return Vec::new() };
        let event = rsigma_eval::JsonEvent::borrow(&value);
        let mut hits: Vec<usize> = rules
            .engine
            .evaluate(&event)
            .into_iter()
            .filter_map(|result| result.header.rule_id.and_then(|id| rules.index.get(id.trim()).copied()))
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }
}

#[cfg(test)]
mod tests;
