//! Writing and reading the data model: a whole [`Dataset`] at once (seeding, start-up) in
//! batched multi-row statements inside one transaction, so a million signals load quickly and a
//! failed write leaves nothing behind.

use std::collections::HashMap;

use analytics::dataset::*;
use analytics::model::*;
use futures_util::TryStreamExt;
use sqlx::{QueryBuilder, Row};

use crate::{Database, StorageError};

/// Rows per multi-row INSERT: under SQLite's 32,766 bound parameters for the widest table.
const BATCH: usize = 1_000;

/// Runs the same code against whichever pool the database holds. The SQL is shared: both
/// backends accept `$n` placeholders and the schema uses the same types by name.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Database::Sqlite($pool) => $body,
            Database::Postgres($pool) => $body,
        }
    };
}

/// Stored text that is not one of an enumeration's spellings: the database was written by
/// something else.
fn corrupt(error: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(error.to_string())
}

impl Database {
    /// Whether no signal, rule or content pack is stored yet.
    pub async fn is_empty(&self) -> Result<bool, StorageError> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM signals) + (SELECT COUNT(*) FROM detection_rules) + (SELECT COUNT(*) FROM content_packs)";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(SQL).fetch_one(pool).await?);
        Ok(n == 0)
    }

    pub async fn count_signals(&self) -> Result<i64, StorageError> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM signals").fetch_one(pool).await?);
        Ok(n)
    }

    /// Writes a whole dataset into an empty database, in one transaction.
    pub async fn save_dataset(&self, data: &Dataset) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;

            for chunk in data.users.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO users (id, username, display_name, role, active, created_at_ms) ");
                q.push_values(chunk, |mut b, u| {
                    b.push_bind(u.id).push_bind(&u.username).push_bind(&u.display_name)
                        .push_bind(u.role.as_str()).push_bind(u.active).push_bind(u.created_at_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.packs.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO content_packs (id, name, category, enabled, health, health_detail, health_since_ms) ");
                q.push_values(chunk, |mut b, p| {
                    b.push_bind(&p.id).push_bind(&p.name).push_bind(p.category.as_str()).push_bind(p.enabled)
                        .push_bind(p.health.as_str()).push_bind(&p.health_detail).push_bind(p.health_since_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.sources.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO log_sources (id, name, content_pack_id) ");
                q.push_values(chunk, |mut b, s| {
                    b.push_bind(&s.id).push_bind(&s.name).push_bind(&data.packs[s.pack].id);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.rules.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO detection_rules (id, name, default_severity, enabled, origin, log_source_id, content_pack_id, created_at_ms) ");
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(&r.id).push_bind(&r.name).push_bind(r.default_severity.as_str()).push_bind(r.enabled)
                        .push_bind(if r.custom { "custom" } else { "default" })
                        .push_bind(&data.sources[r.source].id).push_bind(&data.packs[r.pack].id).push_bind(r.created_at_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            let tactics: Vec<(&str, &str)> = data.rules.iter()
                .flat_map(|r| r.tactics.iter().map(move |t| (r.id.as_str(), t.as_str()))).collect();
            for chunk in tactics.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO rule_tactics (rule_id, tactic_id) ");
                q.push_values(chunk, |mut b, (r, t)| { b.push_bind(*r).push_bind(*t); });
                q.build().execute(&mut *tx).await?;
            }
            let techniques: Vec<(&str, &str)> = data.rules.iter()
                .flat_map(|r| r.techniques.iter().map(move |t| (r.id.as_str(), t.as_str()))).collect();
            for chunk in techniques.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO rule_techniques (rule_id, technique_id) ");
                q.push_values(chunk, |mut b, (r, t)| { b.push_bind(*r).push_bind(*t); });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.entities.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO entities (id, kind, name) ");
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(e.id).push_bind(e.kind.as_str()).push_bind(&e.name);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.cases.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO cases (id, title, description, status, priority, assignee_id, created_at_ms, updated_at_ms, closed_at_ms) ");
                q.push_values(chunk, |mut b, c| {
                    b.push_bind(c.id).push_bind(&c.title).push_bind(&c.description).push_bind(c.status.as_str())
                        .push_bind(c.priority.as_str()).push_bind(c.assignee_id).push_bind(c.created_at_ms)
                        .push_bind(c.updated_at_ms).push_bind(c.closed_at_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            let t = &data.signals;
            let indexes: Vec<usize> = (0..t.len()).collect();
            for chunk in indexes.chunks(BATCH) {
                let records: Vec<SignalRecord> = chunk.iter().map(|&i| data.signal_record(i)).collect();
                let mut q = QueryBuilder::new("INSERT INTO signals (id, rule_id, title, severity, product, log_source_id, first_seen_ms, detected_at_ms, ip, country_iso, region, city, isp, asn, ti_indicator, ti_category, ti_intention, ti_subcategory, triage_state, assignee_id, archive_reason, archive_comment, case_id, tags, version) ");
                q.push_values(&records, |mut b, s| {
                    b.push_bind(s.id).push_bind(&s.rule_id).push_bind(&s.title).push_bind(s.severity.as_str())
                        .push_bind(s.product.as_str()).push_bind(&s.log_source_id).push_bind(s.first_seen_ms)
                        .push_bind(s.detected_at_ms).push_bind(&s.ip).push_bind(&s.country_iso).push_bind(&s.region)
                        .push_bind(&s.city).push_bind(&s.isp).push_bind(s.asn).push_bind(&s.ti_indicator)
                        .push_bind(s.ti_category.map(|v| v.as_str())).push_bind(s.ti_intention.map(|v| v.as_str()))
                        .push_bind(s.ti_subcategory.map(|v| v.as_str())).push_bind(s.triage_state.as_str())
                        .push_bind(s.assignee_id).push_bind(s.archive_reason.map(|v| v.as_str()))
                        .push_bind(&s.archive_comment).push_bind(s.case_id).push_bind(s.tags.join(","))
                        .push_bind(s.version);
                });
                q.build().execute(&mut *tx).await?;
                let links: Vec<(i64, i64)> = records.iter()
                    .flat_map(|s| s.entity_ids.iter().map(move |e| (s.id, *e))).collect();
                for links in links.chunks(BATCH * 4) {
                    let mut q = QueryBuilder::new("INSERT INTO signal_entities (signal_id, entity_id) ");
                    q.push_values(links, |mut b, (s, e)| { b.push_bind(*s).push_bind(*e); });
                    q.build().execute(&mut *tx).await?;
                }
            }
            for chunk in data.incidents.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO incidents (id, title, severity, status, commander_id, case_id, signal_id, declared_at_ms) ");
                q.push_values(chunk, |mut b, i| {
                    b.push_bind(i.id).push_bind(&i.title).push_bind(i.severity.as_str()).push_bind(i.status.as_str())
                        .push_bind(i.commander_id).push_bind(i.case_id).push_bind(i.signal_id).push_bind(i.declared_at_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.history.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO history (id, at_ms, actor_id, asset_type, asset_id, action, old_value, new_value, reason, comment) ");
                q.push_values(chunk, |mut b, h| {
                    b.push_bind(h.id).push_bind(h.at_ms).push_bind(h.actor_id).push_bind(h.asset_type.as_str())
                        .push_bind(&h.asset_id).push_bind(&h.action).push_bind(&h.old_value).push_bind(&h.new_value)
                        .push_bind(&h.reason).push_bind(&h.comment);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.risk_scores.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO entity_risk_scores (entity_id, computed_at_ms, score) ");
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(r.entity_id).push_bind(r.computed_at_ms).push_bind(r.score);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.volume.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO log_volume (log_source_id, hour_ms, events) ");
                q.push_values(chunk, |mut b, v| {
                    b.push_bind(&data.sources[v.source].id).push_bind(v.hour_ms).push_bind(v.events);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.articles.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO articles (id, kind, title, url, summary, published_at_ms) ");
                q.push_values(chunk, |mut b, a| {
                    b.push_bind(a.id).push_bind(&a.kind).push_bind(&a.title).push_bind(&a.url)
                        .push_bind(&a.summary).push_bind(a.published_at_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Reads everything into memory: what the overview is computed from.
    pub async fn load_dataset(&self) -> Result<Dataset, StorageError> {
        on_pool!(self, pool => {
            let packs: Vec<ContentPack> = sqlx::query("SELECT id, name, category, enabled, health, health_detail, health_since_ms FROM content_packs ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(ContentPack {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    category: PackCategory::parse(r.try_get("category")?).map_err(corrupt)?,
                    enabled: r.try_get("enabled")?,
                    health: PackHealth::parse(r.try_get("health")?).map_err(corrupt)?,
                    health_detail: r.try_get("health_detail")?,
                    health_since_ms: r.try_get("health_since_ms")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            let pack_index: HashMap<String, usize> = packs.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
            let pack_of = |id: &str| pack_index.get(id).copied().ok_or_else(|| corrupt(format!("content pack '{id}' does not exist")));

            let sources: Vec<LogSource> = sqlx::query("SELECT id, name, content_pack_id FROM log_sources ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(LogSource {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    pack: pack_of(r.try_get("content_pack_id")?)?,
                }))
                .collect::<Result<_, StorageError>>()?;
            let source_index: HashMap<String, usize> = sources.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
            let source_of = |id: &str| source_index.get(id).copied().ok_or_else(|| corrupt(format!("log source '{id}' does not exist")));

            let mut tactics: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query("SELECT rule_id, tactic_id FROM rule_tactics ORDER BY rule_id, tactic_id").fetch_all(pool).await? {
                tactics.entry(r.try_get("rule_id")?).or_default().push(r.try_get("tactic_id")?);
            }
            let mut techniques: HashMap<String, Vec<String>> = HashMap::new();
            for r in sqlx::query("SELECT rule_id, technique_id FROM rule_techniques ORDER BY rule_id, technique_id").fetch_all(pool).await? {
                techniques.entry(r.try_get("rule_id")?).or_default().push(r.try_get("technique_id")?);
            }
            let rules: Vec<Rule> = sqlx::query("SELECT id, name, default_severity, enabled, origin, log_source_id, content_pack_id, created_at_ms FROM detection_rules ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| {
                    let id: String = r.try_get("id")?;
                    Ok(Rule {
                        name: r.try_get("name")?,
                        default_severity: Severity::parse(r.try_get("default_severity")?).map_err(corrupt)?,
                        enabled: r.try_get("enabled")?,
                        custom: r.try_get::<&str, _>("origin")? == "custom",
                        source: source_of(r.try_get("log_source_id")?)?,
                        pack: pack_of(r.try_get("content_pack_id")?)?,
                        created_at_ms: r.try_get("created_at_ms")?,
                        tactics: tactics.remove(&id).unwrap_or_default(),
                        techniques: techniques.remove(&id).unwrap_or_default(),
                        id,
                    })
                })
                .collect::<Result<_, StorageError>>()?;

            let users: Vec<User> = sqlx::query("SELECT id, username, display_name, role, active, created_at_ms FROM users ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(User {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    role: Role::parse(r.try_get("role")?).map_err(corrupt)?,
                    active: r.try_get("active")?,
                    created_at_ms: r.try_get("created_at_ms")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            let entities: Vec<Entity> = sqlx::query("SELECT id, kind, name FROM entities ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(Entity {
                    id: r.try_get("id")?,
                    kind: EntityKind::parse(r.try_get("kind")?).map_err(corrupt)?,
                    name: r.try_get("name")?,
                }))
                .collect::<Result<_, StorageError>>()?;

            let history: Vec<HistoryEvent> = sqlx::query("SELECT id, at_ms, actor_id, asset_type, asset_id, action, old_value, new_value, reason, comment FROM history ORDER BY at_ms, id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(HistoryEvent {
                    id: r.try_get("id")?,
                    at_ms: r.try_get("at_ms")?,
                    actor_id: r.try_get("actor_id")?,
                    asset_type: {
                        let text: &str = r.try_get("asset_type")?;
                        AssetType::parse(text).ok_or_else(|| corrupt(format!("unknown asset type '{text}'")))?
                    },
                    asset_id: r.try_get("asset_id")?,
                    action: r.try_get("action")?,
                    old_value: r.try_get("old_value")?,
                    new_value: r.try_get("new_value")?,
                    reason: r.try_get("reason")?,
                    comment: r.try_get("comment")?,
                }))
                .collect::<Result<_, StorageError>>()?;

            let mut data = Dataset::assemble(packs, sources, rules, users, entities, Vec::new(), history)
                .map_err(corrupt)?;

            let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
            {
                let mut rows = sqlx::query("SELECT signal_id, entity_id FROM signal_entities ORDER BY signal_id, entity_id").fetch(pool);
                while let Some(r) = rows.try_next().await? {
                    links.entry(r.try_get("signal_id")?).or_default().push(r.try_get("entity_id")?);
                }
            }
            {
                let mut rows = sqlx::query("SELECT id, rule_id, title, severity, product, log_source_id, first_seen_ms, detected_at_ms, ip, country_iso, region, city, isp, asn, ti_indicator, ti_category, ti_intention, ti_subcategory, triage_state, assignee_id, archive_reason, archive_comment, case_id, tags, version FROM signals ORDER BY detected_at_ms, id")
                    .fetch(pool);
                while let Some(r) = rows.try_next().await? {
                    let id: i64 = r.try_get("id")?;
                    let opt = |name: &str| -> Result<Option<String>, StorageError> { Ok(r.try_get(name)?) };
                    let tags: String = r.try_get("tags")?;
                    let record = SignalRecord {
                        id,
                        rule_id: r.try_get("rule_id")?,
                        title: r.try_get("title")?,
                        severity: Severity::parse(r.try_get("severity")?).map_err(corrupt)?,
                        product: Product::parse(r.try_get("product")?).map_err(corrupt)?,
                        log_source_id: r.try_get("log_source_id")?,
                        first_seen_ms: r.try_get("first_seen_ms")?,
                        detected_at_ms: r.try_get("detected_at_ms")?,
                        ip: opt("ip")?,
                        country_iso: opt("country_iso")?,
                        region: opt("region")?,
                        city: opt("city")?,
                        isp: opt("isp")?,
                        asn: r.try_get("asn")?,
                        ti_indicator: opt("ti_indicator")?,
                        ti_category: opt("ti_category")?.map(|v| ThreatCategory::parse(&v)).transpose().map_err(corrupt)?,
                        ti_intention: opt("ti_intention")?.map(|v| ThreatIntention::parse(&v)).transpose().map_err(corrupt)?,
                        ti_subcategory: opt("ti_subcategory")?.map(|v| ThreatSubcategory::parse(&v)).transpose().map_err(corrupt)?,
                        triage_state: TriageState::parse(r.try_get("triage_state")?).map_err(corrupt)?,
                        assignee_id: r.try_get("assignee_id")?,
                        archive_reason: opt("archive_reason")?.map(|v| ArchiveReason::parse(&v)).transpose().map_err(corrupt)?,
                        archive_comment: opt("archive_comment")?,
                        case_id: r.try_get("case_id")?,
                        tags: tags.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect(),
                        version: r.try_get("version")?,
                        entity_ids: links.remove(&id).unwrap_or_default(),
                    };
                    data.push_signal(&record).map_err(corrupt)?;
                }
            }
            data.derive_response_times();

            data.cases = sqlx::query("SELECT id, title, description, status, priority, assignee_id, created_at_ms, updated_at_ms, closed_at_ms FROM cases ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(Case {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    status: CaseStatus::parse(r.try_get("status")?).map_err(corrupt)?,
                    priority: CasePriority::parse(r.try_get("priority")?).map_err(corrupt)?,
                    assignee_id: r.try_get("assignee_id")?,
                    created_at_ms: r.try_get("created_at_ms")?,
                    updated_at_ms: r.try_get("updated_at_ms")?,
                    closed_at_ms: r.try_get("closed_at_ms")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            data.incidents = sqlx::query("SELECT id, title, severity, status, commander_id, case_id, signal_id, declared_at_ms FROM incidents ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(Incident {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    severity: IncidentSeverity::parse(r.try_get("severity")?).map_err(corrupt)?,
                    status: IncidentStatus::parse(r.try_get("status")?).map_err(corrupt)?,
                    commander_id: r.try_get("commander_id")?,
                    case_id: r.try_get("case_id")?,
                    signal_id: r.try_get("signal_id")?,
                    declared_at_ms: r.try_get("declared_at_ms")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            data.risk_scores = sqlx::query("SELECT entity_id, computed_at_ms, score FROM entity_risk_scores ORDER BY computed_at_ms, entity_id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(RiskScore {
                    entity_id: r.try_get("entity_id")?,
                    computed_at_ms: r.try_get("computed_at_ms")?,
                    score: r.try_get("score")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            let volume_rows = sqlx::query("SELECT log_source_id, hour_ms, events FROM log_volume ORDER BY hour_ms, log_source_id")
                .fetch_all(pool).await?;
            data.volume = volume_rows
                .iter()
                .map(|r| Ok(VolumePoint {
                    source: source_of(r.try_get("log_source_id")?)?,
                    hour_ms: r.try_get("hour_ms")?,
                    events: r.try_get("events")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            data.articles = sqlx::query("SELECT id, kind, title, url, summary, published_at_ms FROM articles ORDER BY id")
                .fetch_all(pool).await?
                .iter()
                .map(|r| Ok(Article {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    url: r.try_get("url")?,
                    summary: r.try_get("summary")?,
                    published_at_ms: r.try_get("published_at_ms")?,
                }))
                .collect::<Result<_, StorageError>>()?;
            Ok(data)
        })
    }
}
