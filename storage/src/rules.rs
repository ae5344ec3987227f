//! Detection rules as stored (docs/product.md §8): Sigma rules imported or updated in place,
//! enabled and disabled with a history entry, and read for the Rules page and the detector.

use std::collections::HashSet;

use analytics::dataset::{AssetType, HistoryEntry, HistoryEvent};
use analytics::model::*;
use sqlx::Row;

use crate::feed::BeginWrite as _;
use crate::ingest::SourceCatalog;
use crate::workflow::insert_history;
use crate::data::on_pool;
use crate::{Database, StorageError};

/// The pack holding the log sources of rules whose logs Signalboard does not ingest.
pub const NOT_INGESTED_PACK: &str = "sigma-not-ingested";

/// A Sigma rule to store.
#[derive(Debug, Clone)]
pub struct RuleUpsert {
    pub id: String,
    pub name: String,
    pub description: String,
    pub author: String,
    pub references: Vec<String>,
    pub severity: Severity,
    pub status: String,
    pub logsource: String,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    /// The source it reads (its pack and rule rows are made where missing); `None`: a log
    /// source Signalboard does not ingest, stored under [`NOT_INGESTED_PACK`].
    pub source: Option<SourceCatalog>,
    pub evaluable: bool,
    pub problem: Option<String>,
    pub yaml: String,
    /// Whether a new rule starts enabled (one that cannot run never is).
    pub enable: bool,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub imported: usize,
    pub updated: usize,
    /// Of the rules written, how many the evaluator runs.
    pub evaluable: usize,
    /// Of the rules written, how many are enabled now.
    pub enabled: usize,
}

/// A rule as the Rules page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub author: String,
    pub references: Vec<String>,
    pub severity: Severity,
    pub enabled: bool,
    pub custom: bool,
    pub log_source_id: String,
    pub log_source_name: String,
    pub pack_id: String,
    pub sigma_status: Option<String>,
    pub sigma_logsource: Option<String>,
    pub sigma_yaml: Option<String>,
    pub evaluable: bool,
    pub problem: Option<String>,
    pub group_window_ms: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: Option<i64>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
}

/// An enabled Sigma rule the detector evaluates.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveRule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub log_source_id: String,
    pub yaml: String,
    pub group_window_ms: i64,
}

/// The id of the log source standing for a Sigma `logsource` Signalboard does not ingest.
pub fn not_ingested_source_id(logsource: &str) -> String {
    let slug: String = logsource
        .split(' ')
        .filter_map(|part| part.split_once('=').map(|(_, v)| v))
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .take(80)
        .collect();
    format!("sigma-{}", if slug.is_empty() { "unknown".to_owned() } else { slug })
}

const RULE_COLUMNS: &str = "r.id, r.name, r.description, r.author, r.rule_references, r.default_severity, r.enabled, r.origin, r.log_source_id, \
     s.name, r.content_pack_id, r.sigma_status, r.sigma_logsource, r.sigma_yaml, r.evaluable, r.problem, r.group_window_ms, r.created_at_ms, r.updated_at_ms";

macro_rules! stored_rule {
    ($r:expr) => {{
        let r = &$r;
        StoredRule {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            description: r.try_get(2)?,
            author: r.try_get(3)?,
            references: r.try_get::<String, _>(4)?.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            severity: Severity::parse(r.try_get(5)?).map_err(crate::decode::corrupt)?,
            enabled: r.try_get(6)?,
            custom: r.try_get::<String, _>(7)? == "custom",
            log_source_id: r.try_get(8)?,
            log_source_name: r.try_get(9)?,
            pack_id: r.try_get(10)?,
            sigma_status: r.try_get(11)?,
            sigma_logsource: r.try_get(12)?,
            sigma_yaml: r.try_get(13)?,
            evaluable: r.try_get(14)?,
            problem: r.try_get(15)?,
            group_window_ms: r.try_get(16)?,
            created_at_ms: r.try_get(17)?,
            updated_at_ms: r.try_get(18)?,
            tactics: Vec::new(),
            techniques: Vec::new(),
        }
    }};
}

/// The history entry of an admin's change to a rule.
fn rule_change(id: &str, action: &str, old: String, new: String, actor_id: i64, api_key_id: Option<i64>, now_ms: i64) -> HistoryEntry {
    HistoryEntry {
        at_ms: now_ms,
        actor_id: Some(actor_id),
        asset_type: AssetType::Rule,
        asset_id: id.to_owned(),
        action: action.to_owned(),
        old_value: Some(old),
        new_value: Some(new),
        reason: None,
        comment: None,
        api_key_id,
    }
}

impl Database {
    /// Imports Sigma rules, or updates them in place by their id (an updated rule keeps whether
    /// an admin enabled it, unless it can no longer run). One transaction.
    pub async fn upsert_rules(&self, rules: &[RuleUpsert], now_ms: i64) -> Result<UpsertCounts, StorageError> {
        let mut counts = UpsertCounts::default();
        let mut catalogs: Vec<&SourceCatalog> = Vec::new();
        let mut seen = HashSet::new();
        for rule in rules {
            if let Some(c) = &rule.source {
                if seen.insert(c.source_id.clone()) {
                    catalogs.push(c);
                }
            }
        }
        for catalog in catalogs {
            self.register_source(catalog, now_ms).await?;
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut unmapped = HashSet::new();
            for rule in rules {
                let (source_id, pack_id) = match &rule.source {
                    Some(c) => (c.source_id.clone(), c.pack_id.clone()),
                    None => {
                        let source_id = not_ingested_source_id(&rule.logsource);
                        if unmapped.insert(source_id.clone()) {
                            sqlx::query(
                                "INSERT INTO content_packs (id, name, category, enabled, health, health_detail, health_since_ms) \
                                 VALUES ($1, 'Sigma rules for logs not ingested', 'cloud_audit', FALSE, 'disabled', $2, $3) ON CONFLICT (id) DO NOTHING",
                            )
                            .bind(NOT_INGESTED_PACK)
                            .bind("Signalboard does not ingest these rules' log sources")
                            .bind(now_ms)
                            .execute(&mut *tx).await?;
                            sqlx::query("INSERT INTO log_sources (id, name, content_pack_id) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                                .bind(&source_id)
                                .bind(format!("{} (not ingested)", if rule.logsource.is_empty() { "no log source" } else { &rule.logsource }))
                                .bind(NOT_INGESTED_PACK)
                                .execute(&mut *tx).await?;
                        }
                        (source_id, NOT_INGESTED_PACK.to_owned())
                    }
                };
                let runnable = rule.evaluable && rule.source.is_some();
                let existing: Option<bool> = sqlx::query_scalar("SELECT enabled FROM detection_rules WHERE id = $1")
                    .bind(&rule.id).fetch_optional(&mut *tx).await?;
                let enabled = runnable && existing.unwrap_or(rule.enable);
                match existing {
                    Some(_) => counts.updated += 1,
                    None => counts.imported += 1,
                }
                counts.evaluable += usize::from(rule.evaluable);
                counts.enabled += usize::from(enabled);
                sqlx::query(
                    "INSERT INTO detection_rules (id, name, default_severity, enabled, origin, log_source_id, content_pack_id, created_at_ms, \
                     description, author, rule_references, sigma_status, sigma_logsource, sigma_yaml, evaluable, problem, updated_at_ms) \
                     VALUES ($1, $2, $3, $4, 'custom', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $7) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, default_severity = excluded.default_severity, enabled = excluded.enabled, \
                     log_source_id = excluded.log_source_id, content_pack_id = excluded.content_pack_id, description = excluded.description, \
                     author = excluded.author, rule_references = excluded.rule_references, sigma_status = excluded.sigma_status, \
                     sigma_logsource = excluded.sigma_logsource, sigma_yaml = excluded.sigma_yaml, evaluable = excluded.evaluable, \
                     problem = excluded.problem, updated_at_ms = excluded.updated_at_ms",
                )
                .bind(&rule.id).bind(&rule.name).bind(rule.severity.as_str()).bind(enabled).bind(&source_id).bind(&pack_id).bind(now_ms)
                .bind(&rule.description).bind(&rule.author).bind(rule.references.join("\n")).bind(&rule.status).bind(&rule.logsource)
                .bind(&rule.yaml).bind(rule.evaluable).bind(&rule.problem)
                .execute(&mut *tx).await?;
                sqlx::query("DELETE FROM rule_tactics WHERE rule_id = $1").bind(&rule.id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM rule_techniques WHERE rule_id = $1").bind(&rule.id).execute(&mut *tx).await?;
                for tactic in &rule.tactics {
                    sqlx::query("INSERT INTO rule_tactics (rule_id, tactic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(&rule.id).bind(tactic).execute(&mut *tx).await?;
                }
                for technique in &rule.techniques {
                    sqlx::query("INSERT INTO rule_techniques (rule_id, technique_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(&rule.id).bind(technique).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
        });
        Ok(counts)
    }

    /// Every rule with its mapping, by id.
    pub async fn stored_rules(&self) -> Result<Vec<StoredRule>, StorageError> {
        let sql = format!("SELECT {RULE_COLUMNS} FROM detection_rules r JOIN log_sources s ON s.id = r.log_source_id ORDER BY r.id");
        let mut rules: Vec<StoredRule> = on_pool!(self, pool => {
            sqlx::query(&sql).fetch_all(pool).await?.iter().map(|r| Ok(stored_rule!(r))).collect::<Result<_, StorageError>>()?
        });
        let index: std::collections::HashMap<String, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        let (tactics, techniques) = self.rule_mappings(None).await?;
        for (rule, tactic) in tactics {
            if let Some(&i) = index.get(&rule) {
                rules[i].tactics.push(tactic);
            }
        }
        for (rule, technique) in techniques {
            if let Some(&i) = index.get(&rule) {
                rules[i].techniques.push(technique);
            }
        }
        Ok(rules)
    }

    /// One rule with its mapping.
    pub async fn stored_rule(&self, id: &str) -> Result<Option<StoredRule>, StorageError> {
        let sql = format!("SELECT {RULE_COLUMNS} FROM detection_rules r JOIN log_sources s ON s.id = r.log_source_id WHERE r.id = $1");
        let rule: Option<StoredRule> = on_pool!(self, pool => {
            match sqlx::query(&sql).bind(id).fetch_optional(pool).await? {
                Some(r) => Some(stored_rule!(r)),
                None => None,
            }
        });
        let Some(mut rule) = rule else { return Ok(None) };
        let (tactics, techniques) = self.rule_mappings(Some(id)).await?;
        rule.tactics = tactics.into_iter().map(|(_, t)| t).collect();
        rule.techniques = techniques.into_iter().map(|(_, t)| t).collect();
        Ok(Some(rule))
    }

    async fn rule_mappings(&self, id: Option<&str>) -> Result<(Vec<(String, String)>, Vec<(String, String)>), StorageError> {
        let filter = if id.is_some() { "WHERE rule_id = $1" } else { "" };
        let tactics_sql = format!("SELECT rule_id, tactic_id FROM rule_tactics {filter} ORDER BY rule_id, tactic_id");
        let techniques_sql = format!("SELECT rule_id, technique_id FROM rule_techniques {filter} ORDER BY rule_id, technique_id");
        on_pool!(self, pool => {
            let mut tactics = sqlx::query(&tactics_sql);
            let mut techniques = sqlx::query(&techniques_sql);
            if let Some(id) = id {
                tactics = tactics.bind(id);
                techniques = techniques.bind(id);
            }
            let mut pairs = (Vec::new(), Vec::new());
            for r in tactics.fetch_all(pool).await? {
                pairs.0.push((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?));
            }
            for r in techniques.fetch_all(pool).await? {
                pairs.1.push((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?));
            }
            Ok(pairs)
        })
    }

    /// The enabled Sigma rules that can run, for the detector.
    pub async fn active_rules(&self) -> Result<Vec<ActiveRule>, StorageError> {
        const SQL: &str = "SELECT id, name, default_severity, log_source_id, sigma_yaml, group_window_ms FROM detection_rules \
                           WHERE enabled AND evaluable AND sigma_yaml IS NOT NULL ORDER BY id";
        on_pool!(self, pool => {
            sqlx::query(SQL).fetch_all(pool).await?.iter().map(|r| Ok(ActiveRule {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                severity: Severity::parse(r.try_get(2)?).map_err(crate::decode::corrupt)?,
                log_source_id: r.try_get(3)?,
                yaml: r.try_get(4)?,
                group_window_ms: r.try_get(5)?,
            })).collect()
        })
    }

    /// Changes whenever a rule is added, imported, updated, enabled or disabled.
    pub async fn rules_fingerprint(&self) -> Result<(i64, i64, i64), StorageError> {
        const SQL: &str = "SELECT COUNT(*), COALESCE(MAX(updated_at_ms), 0), COALESCE(SUM(CASE WHEN enabled THEN 1 ELSE 0 END), 0) FROM detection_rules";
        on_pool!(self, pool => {
            let r = sqlx::query(SQL).fetch_one(pool).await?;
            Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
        })
    }

    /// Enables or disables a rule with its history entry; `None` when there is no such rule,
    /// and an error for a rule that cannot run being enabled.
    pub async fn set_rule_enabled(&self, id: &str, enabled: bool, actor_id: i64, api_key_id: Option<i64>, now_ms: i64) -> Result<Option<Vec<HistoryEvent>>, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row = sqlx::query("SELECT enabled, evaluable, problem, sigma_yaml IS NOT NULL FROM detection_rules WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let Some(row) = row else { return Ok(None) };
            let (was, evaluable, problem, sigma): (bool, bool, Option<String>, bool) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
            if enabled && sigma && (!evaluable || problem.is_some()) {
                return Err(StorageError::Conflict(format!("rule {id} cannot be enabled: {}", problem.unwrap_or_else(|| "the evaluator cannot run it".into()))));
            }
            if was == enabled {
                tx.commit().await?;
                return Ok(Some(Vec::new()));
            }
            sqlx::query("UPDATE detection_rules SET enabled = $1, updated_at_ms = $2 WHERE id = $3").bind(enabled).bind(now_ms).bind(id).execute(&mut *tx).await?;
            let stored = insert_history!(tx, [rule_change(id, "enabled", was.to_string(), enabled.to_string(), actor_id, api_key_id, now_ms)]);
            tx.commit().await?;
            Ok(Some(stored))
        })
    }

    /// Sets a rule's grouping window with its history entry; `None` when there is no such rule.
    pub async fn set_rule_group_window(&self, id: &str, window_ms: i64, actor_id: i64, api_key_id: Option<i64>, now_ms: i64) -> Result<Option<Vec<HistoryEvent>>, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let was: Option<i64> = sqlx::query_scalar("SELECT group_window_ms FROM detection_rules WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            let Some(was) = was else { return Ok(None) };
            if was == window_ms {
                tx.commit().await?;
                return Ok(Some(Vec::new()));
            }
            sqlx::query("UPDATE detection_rules SET group_window_ms = $1, updated_at_ms = $2 WHERE id = $3").bind(window_ms).bind(now_ms).bind(id).execute(&mut *tx).await?;
            let stored = insert_history!(tx, [rule_change(id, "group_window_ms", was.to_string(), window_ms.to_string(), actor_id, api_key_id, now_ms)]);
            tx.commit().await?;
            Ok(Some(stored))
        })
    }

    /// The events kept with a signal, oldest first.
    pub async fn signal_samples(&self, signal_id: i64) -> Result<Vec<String>, StorageError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT event FROM signal_samples WHERE signal_id = $1 ORDER BY n").bind(signal_id).fetch_all(pool).await?)
        })
    }

    /// When a signal's newest grouped event happened (its first event's time for one of one).
    pub async fn signal_last_seen(&self, signal_id: i64) -> Result<Option<i64>, StorageError> {
        on_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT COALESCE(last_seen_ms, first_seen_ms) FROM signals WHERE id = $1").bind(signal_id).fetch_optional(pool).await?)
        })
    }
}
