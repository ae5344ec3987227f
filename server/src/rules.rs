//! Importing Sigma rules (docs/product.md §8), from the command line (`signalboard rules
//! import`) or the Rules page's upload: read, stored in place by their Sigma id, and counted.

use ingest::sigma::{RuleFiles, SigmaImport};
use storage::rules::RuleUpsert;
use storage::Database;

pub use app::contract::RuleImportReport as ImportReport;

fn upsert(rule: &SigmaImport, enable: bool) -> RuleUpsert {
    RuleUpsert {
        id: rule.id.clone(),
        name: rule.title.chars().take(300).collect(),
        description: rule.description.clone(),
        author: rule.author.clone(),
        references: rule.references.clone(),
        severity: rule.severity,
        status: rule.status.clone(),
        logsource: rule.logsource.clone(),
        tactics: rule.tactics.clone(),
        techniques: rule.techniques.clone(),
        source: rule.source.map(crate::intake::catalog),
        evaluable: rule.evaluable,
        problem: rule.problem.clone(),
        yaml: rule.yaml.clone(),
        enable,
    }
}

/// Stores what was read (new rules enabled unless `disabled`) and reports the counts.
pub async fn import(db: &Database, files: &RuleFiles, disabled: bool, now_ms: i64) -> Result<ImportReport, storage::StorageError> {
    // A file may repeat a rule id (or two files may): the last one read wins, counted once.
    let mut by_id: std::collections::BTreeMap<&str, &SigmaImport> = Default::default();
    for rule in &files.rules {
        by_id.insert(&rule.id, rule);
    }
    let upserts: Vec<RuleUpsert> = by_id.values().map(|rule| upsert(rule, !disabled)).collect();
    let counts = db.upsert_rules(&upserts, now_ms).await?;
    Ok(ImportReport {
        files: files.files,
        imported: counts.imported,
        updated: counts.updated,
        evaluable: counts.evaluable,
        enabled: counts.enabled,
        log_source_not_ingested: by_id.values().filter(|r| r.source.is_none()).count(),
        not_evaluable: by_id
            .values()
            .filter(|r| !r.evaluable)
            .map(|r| (r.title.clone(), r.problem.clone().unwrap_or_default()))
            .collect(),
        skipped: files.skipped_by_reason().into_iter().map(|(reason, n)| (reason.to_owned(), n)).collect(),
        skipped_documents: files
            .skipped
            .iter()
            .map(|s| {
                let why = match &s.detail {
                    Some(detail) => format!("{}: {detail}", s.reason.as_str()),
                    None => s.reason.as_str().to_owned(),
                };
                (s.file.clone(), s.title.clone().unwrap_or_default(), why)
            })
            .collect(),
    })
}
