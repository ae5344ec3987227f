//! Deterministic, realistic demo data: the same seed gives the same dataset, ending at `now`.
//!
//! What it models: about 60 rules over 14 log sources, drawn by skewed weights; a daily rhythm
//! (busier in working hours, quieter at weekends) with one visible spike (an SQL injection burst
//! from one address, with the WAF's log volume spiking with it); attacker addresses from a
//! skewed set of countries with real regions and ISPs; threat intelligence on some of them;
//! users, hosts and cloud identities drawn with a long tail; triage that follows severity (fast
//! for critical, slow for info), archive reasons that follow each rule's false positive and true
//! positive rates, open and closed cases, a few incidents, and a broken pack whose source stopped
//! sending logs.

pub mod catalog;
mod rng;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::dataset::*;
use crate::model::*;
use catalog::*;
pub use rng::Rng;
use rng::cumulative;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoParams {
    pub signals: usize,
    pub seed: u64,
    pub days: u32,
    /// The instant the data ends at.
    pub now_ms: Millis,
}

use crate::time::MINUTE_MS;

/// The relative activity at an instant: busy working hours, quiet nights and weekends.
fn rhythm(at: Millis) -> f64 {
    let hour = (at.rem_euclid(DAY_MS) / HOUR_MS) as f64;
    let weekday = ((at.div_euclid(DAY_MS) + 3) % 7) as u32; // 0 = Monday (1970-01-01 was a Thursday)
    let daily = 0.35 + 0.65 * (-((hour - 14.0) / 4.5).powi(2)).exp();
    let weekly = if weekday >= 5 { 0.55 } else { 1.0 };
    daily * weekly
}

/// The burst: an SQL injection campaign from one address, in a 4-hour slot a few days back (or
/// in the middle of a short dataset).
struct Spike {
    from: Millis,
    to: Millis,
    rule: usize,
    source: usize,
}

/// Generates the demo dataset.
pub fn generate(params: DemoParams) -> Dataset {
    let mut rng = Rng::new(params.seed);
    let end = params.now_ms;
    let start = end - params.days.max(1) as Millis * DAY_MS;

    let packs: Vec<ContentPack> = CONTENT_PACKS
        .iter()
        .enumerate()
        .map(|(k, p)| ContentPack {
            id: p.id.to_owned(),
            name: p.name.to_owned(),
            category: p.category,
            enabled: p.enabled,
            health: p.health,
            health_detail: p.health_detail.map(str::to_owned),
            health_since_ms: match p.health {
                PackHealth::Broken => Some(end - 2 * DAY_MS - 5 * HOUR_MS),
                PackHealth::Warning => Some(end - (3 + 7 * k as Millis % 20) * HOUR_MS),
                _ => None,
            },
        })
        .collect();
    let pack_index: HashMap<&str, usize> = CONTENT_PACKS.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let sources: Vec<LogSource> = LOG_SOURCES
        .iter()
        .map(|s| LogSource { id: s.id.to_owned(), name: s.name.to_owned(), pack: pack_index[s.pack] })
        .collect();
    let source_index: HashMap<&str, usize> = LOG_SOURCES.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let rules: Vec<Rule> = RULES
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let source = source_index[r.source];
            Rule {
                id: r.id.to_owned(),
                name: r.name.to_owned(),
                default_severity: r.severity,
                enabled: r.enabled,
                custom: r.custom,
                source,
                pack: sources[source].pack,
                created_at_ms: start - (90 + k as Millis) * DAY_MS,
                tactics: r.tactics.iter().map(|t| t.to_string()).collect(),
                techniques: r.techniques.iter().map(|t| t.to_string()).collect(),
            }
        })
        .collect();
    let users: Vec<User> = ANALYSTS
        .iter()
        .enumerate()
        .map(|(k, (username, display, role))| User {
            id: k as i64 + 1,
            username: username.to_string(),
            display_name: display.to_string(),
            role: Role::parse(role).expect("catalogue roles are valid"),
            active: true,
            created_at_ms: start - 200 * DAY_MS + k as Millis * DAY_MS,
        })
        .collect();
    let analysts: Vec<i64> = users.iter().filter(|u| u.role.can_write_signals()).map(|u| u.id).collect();

    // Entities: the named pools first; attacker IPs are added as they are used.
    let mut entities: Vec<Entity> = Vec::new();
    let mut pools: Vec<(EntityKind, Vec<usize>)> = Vec::new();
    for (kind, names) in ENTITY_NAME_POOLS {
        let ids = names
            .iter()
            .map(|name| {
                entities.push(Entity { id: entities.len() as i64 + 1, kind: *kind, name: name.to_string() });
                entities.len() - 1
            })
            .collect();
        pools.push((*kind, ids));
    }
    let pool = |kind: EntityKind| &pools.iter().find(|(k, _)| *k == kind).expect("pool").1;
    // Per source, per entity slot: the entities (indices) its logs can name.
    let slot_pools: Vec<Vec<Vec<usize>>> = LOG_SOURCES
        .iter()
        .map(|source| {
            source
                .entities
                .iter()
                .map(|slot| {
                    let names: Vec<usize> =
                        pool(slot.kind).iter().copied().filter(|&e| slot.admits(&entities[e].name)).collect();
                    assert!(!names.is_empty(), "the catalogue names entities for every slot of {}", source.id);
                    names
                })
                .collect()
        })
        .collect();

    // Attacker addresses: a pool per country, used with a long tail.
    let country_weights = cumulative(COUNTRIES.iter().map(|c| c.weight as f64));
    let mut ip_pools: Vec<Vec<String>> = COUNTRIES
        .iter()
        .map(|c| {
            let n = 8 + c.weight as usize / 4;
            (0..n)
                .map(|_| {
                    let prefix = c.ip_prefixes[rng.below(c.ip_prefixes.len())];
                    format!("{prefix}.{}.{}", rng.below(254) + 1, rng.below(253) + 2)
                })
                .collect()
        })
        .collect();
    for pool in &mut ip_pools {
        pool.dedup();
    }
    let ti_weights = cumulative(THREAT_INTEL_MIX.iter().map(|(_, _, w)| *w as f64));

    // Rules that fire: enabled ones, by weight.
    let firing: Vec<usize> = (0..rules.len()).filter(|&r| rules[r].enabled).collect();
    let rule_weights = cumulative(firing.iter().map(|&r| RULES[r].weight as f64));
    let spike_rule = RULES.iter().position(|r| r.id == "def-0048").unwrap_or(firing[0]);
    let spike_at = if params.days >= 6 { end - 3 * DAY_MS - 9 * HOUR_MS } else { start + (end - start) / 2 };
    let spike_at = spike_at - spike_at.rem_euclid(HOUR_MS);
    let spike = Spike { from: spike_at, to: spike_at + 4 * HOUR_MS, rule: spike_rule, source: rules[spike_rule].source };
    let spike_ip = format!("{}.{}.{}", COUNTRIES[4 % COUNTRIES.len()].ip_prefixes[0], 17, 203);
    let spike_country = 4 % COUNTRIES.len();

    // Detection times: rejection-sampled from the rhythm, 4 % of them in the spike.
    let mut times: Vec<Millis> = Vec::with_capacity(params.signals);
    let spike_share = 0.04;
    while times.len() < params.signals {
        if rng.chance(spike_share) {
            times.push(spike.from + (rng.f64() * (spike.to - spike.from) as f64) as Millis);
            continue;
        }
        let t = start + (rng.f64() * (end - start) as f64) as Millis;
        if rng.f64() < rhythm(t) {
            times.push(t);
        }
    }
    times.sort_unstable();

    let mut data = Dataset::assemble(packs, sources, rules, users, entities, Vec::new(), Vec::new())
        .expect("an empty dataset has no dangling references");
    let mut history: Vec<HistoryEvent> = Vec::new();
    let mut ip_entities: HashMap<String, usize> = HashMap::new();
    let mut cases: Vec<Case> = Vec::new();

    for (k, &detected) in times.iter().enumerate() {
        let in_spike = detected >= spike.from && detected < spike.to && rng.chance(0.75);
        let r = if in_spike { spike.rule } else { firing[rng.weighted(&rule_weights)] };
        let spec = &RULES[r];
        let rule_source = data.rules[r].source;
        let severity = match rng.f64() {
            x if x < 0.88 => spec.severity,
            x if x < 0.94 => Severity::ALL[spec.severity.index().saturating_sub(1)],
            _ => Severity::ALL[(spec.severity.index() + 1).min(4)],
        };
        let source_spec = &LOG_SOURCES[rule_source];
        // Delay between the first event and the detection: cloud audit logs arrive late.
        let delay_median = match source_spec.product {
            Product::Workload => 40_000.0,
            Product::Appsec => 15_000.0,
            Product::Siem => 4.0 * MINUTE_MS as f64,
        };
        let delay = rng.lognormal(delay_median, 0.8).min(6.0 * HOUR_MS as f64) as Millis;

        // The attacker's address and where it is.
        let (ip, country, region, city, isp, asn) = if in_spike {
            let c = &COUNTRIES[spike_country];
            (Some(spike_ip.clone()), Some(c.iso), Some(c.regions[0].0), Some(c.regions[0].1), Some(c.isps[0].0), Some(c.isps[0].1 as i64))
        } else if rng.chance(0.86) {
            let ci = rng.weighted(&country_weights);
            let c = &COUNTRIES[ci];
            let ip = ip_pools[ci][rng.zipf(ip_pools[ci].len())].clone();
            // Region and ISP follow the address, so one IP always sits in one place.
            let h = ip.bytes().fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
            let region = c.regions[h % c.regions.len()];
            let isp = c.isps[(h / 7) % c.isps.len()];
            (Some(ip), Some(c.iso), Some(region.0), Some(region.1), Some(isp.0), Some(isp.1 as i64))
        } else {
            (None, None, None, None, None, None)
        };
        let threat = if ip.is_some() && (in_spike || rng.chance(0.28)) {
            let (category, subcategory, _) = THREAT_INTEL_MIX[if in_spike { 3 } else { rng.weighted(&ti_weights) }];
            let intention = match category {
                ThreatCategory::Anonymizer if !rng.chance(0.3) => ThreatIntention::Unknown,
                _ => ThreatIntention::Malicious,
            };
            Some((category, subcategory, intention))
        } else {
            None
        };

        // Entities: those the rule's log source names, then the remote address.
        let mut entity_ids = Vec::with_capacity(3);
        for (slot, names) in source_spec.entities.iter().zip(&slot_pools[rule_source]) {
            if rng.chance(slot.share as f64) {
                entity_ids.push(data.entities[names[rng.zipf(names.len())]].id);
            }
        }
        if let Some(ip) = &ip {
            let e = match ip_entities.get(ip) {
                Some(&e) => e,
                None => {
                    let id = data.entities.len() as i64 + 1;
                    let e = data.add_entity(Entity { id, kind: EntityKind::Ip, name: ip.clone() });
                    ip_entities.insert(ip.clone(), e);
                    e
                }
            };
            entity_ids.push(data.entities[e].id);
        }

        // Triage: the older and the more severe, the likelier it was handled.
        let id = k as i64 + 1;
        let age = end - detected;
        let response_median = match severity {
            Severity::Critical => 25.0 * MINUTE_MS as f64,
            Severity::High => 90.0 * MINUTE_MS as f64,
            Severity::Medium => 6.0 * HOUR_MS as f64,
            Severity::Low => 16.0 * HOUR_MS as f64,
            Severity::Info => 30.0 * HOUR_MS as f64,
        };
        let handled_share = match severity {
            Severity::Critical | Severity::High => 0.97,
            Severity::Medium => 0.9,
            Severity::Low => 0.8,
            Severity::Info => 0.6,
        };
        let mut state = TriageState::Open;
        let mut assignee = None;
        let mut archive_reason = None;
        let mut archive_comment = None;
        if rng.chance(handled_share) {
            let response = rng.lognormal(response_median, 1.0) as Millis + MINUTE_MS;
            if response < age {
                let analyst = analysts[rng.zipf(analysts.len())];
                assignee = Some(analyst);
                let first_at = detected + response;
                let push = |history: &mut Vec<HistoryEvent>, at: Millis, action: &str, old: Option<&str>, new: Option<&str>, reason: Option<&str>, comment: Option<&str>| {
                    history.push(HistoryEvent {
                        id: 0,
                        entry: HistoryEntry {
                            at_ms: at,
                            actor_id: Some(analyst),
                            asset_type: AssetType::SecuritySignal,
                            asset_id: id.to_string(),
                            action: action.to_owned(),
                            old_value: old.map(str::to_owned),
                            new_value: new.map(str::to_owned),
                            reason: reason.map(str::to_owned),
                            comment: comment.map(str::to_owned),
                            api_key_id: None,
                        },
                    });
                };
                push(&mut history, first_at - 1000, "assignee", None, Some(&analyst.to_string()), None, None);
                let reviewed_first = rng.chance(0.55);
                let archive_at = if reviewed_first {
                    push(&mut history, first_at, "state", Some("open"), Some("under_review"), None, None);
                    first_at + rng.lognormal(2.0 * HOUR_MS as f64, 1.0) as Millis
                } else {
                    first_at
                };
                if archive_at < end && (!reviewed_first || rng.chance(0.85)) {
                    let reason = pick_reason(&mut rng, spec);
                    let comments: Vec<&str> = ARCHIVE_COMMENTS
                        .iter()
                        .filter(|(r, _)| *r == reason.as_str())
                        .map(|(_, c)| *c)
                        .collect();
                    let comment = (!comments.is_empty() && rng.chance(0.6)).then(|| comments[rng.below(comments.len())]);
                    let from = if reviewed_first { "under_review" } else { "open" };
                    push(&mut history, archive_at, "state", Some(from), Some("archived"), Some(reason.as_str()), comment);
                    state = TriageState::Archived;
                    archive_reason = Some(reason);
                    archive_comment = comment.map(str::to_owned);
                } else {
                    state = TriageState::UnderReview;
                }
            }
        }

        let title = match (&ip, entity_ids.first().and_then(|&e| data.entity_by_id(e))) {
            (_, Some(e)) if data.entities[e].kind != EntityKind::Ip => format!("{} ({})", spec.name, data.entities[e].name),
            (Some(ip), _) => format!("{} from {ip}", spec.name),
            _ => spec.name.to_owned(),
        };
        let record = SignalRecord {
            id,
            rule_id: spec.id.to_owned(),
            title,
            severity,
            product: source_spec.product,
            log_source_id: source_spec.id.to_owned(),
            first_seen_ms: detected - delay,
            detected_at_ms: detected,
            ti_indicator: threat.and(ip.clone()),
            ip,
            country_iso: country.map(str::to_owned),
            region: region.map(str::to_owned),
            city: city.map(str::to_owned),
            isp: isp.map(str::to_owned),
            asn,
            ti_category: threat.map(|t| t.0),
            ti_intention: threat.map(|t| t.2),
            ti_subcategory: threat.and_then(|t| t.1),
            triage_state: state,
            assignee_id: assignee,
            archive_reason,
            archive_comment,
            case_id: None,
            tags: vec![format!("source:{}", source_spec.id)],
            version: 1 + history.iter().rev().take_while(|h| h.asset_id == id.to_string()).count() as i64,
            events: 1,
            last_seen_ms: 0,
            entity_ids,
        };
        data.push_signal(&record).expect("generated references exist");
    }

    // Cases: built around important signals, the newer ones still open.
    let t = &data.signals;
    let important: Vec<usize> = (0..t.len()).filter(|&i| t.severity[i].is_important()).collect();
    let case_count = CASE_TITLES.len().min(important.len());
    for c in 0..case_count {
        let anchor = important[important.len() - 1 - (c * important.len() / case_count.max(1)).min(important.len() - 1)];
        let created = t.detected_at_ms[anchor] + 30 * MINUTE_MS;
        if created >= end {
            continue;
        }
        let age = end - created;
        let status = if age < 2 * DAY_MS {
            CaseStatus::Open
        } else if age < 6 * DAY_MS && c % 2 == 0 {
            CaseStatus::InProgress
        } else {
            CaseStatus::Closed
        };
        let case_id = c as i64 + 1;
        let priority = CasePriority::ALL[[0, 1, 1, 2, 2, 2, 3, 4][c % 8]];
        let assignee = analysts[c % analysts.len()];
        cases.push(Case {
            id: case_id,
            title: CASE_TITLES[c].to_owned(),
            description: format!("Opened from signal {} ({}).", t.id[anchor], data.rules[t.rule[anchor] as usize].name),
            status,
            priority,
            assignee_id: Some(assignee),
            created_at_ms: created,
            updated_at_ms: (created + age / 3).min(end),
            closed_at_ms: (status == CaseStatus::Closed).then_some((created + age / 2).min(end)),
        });
        history.push(HistoryEvent {
            id: 0,
            entry: HistoryEntry {
                at_ms: created,
                actor_id: Some(assignee),
                asset_type: AssetType::SecuritySignal,
                asset_id: t.id[anchor].to_string(),
                action: "case".to_owned(),
                old_value: None,
                new_value: Some(case_id.to_string()),
                reason: None,
                comment: None,
                api_key_id: None,
            },
        });
    }
    for case in &cases {
        if let Some(anchor) = case.description.split_whitespace().nth(3).and_then(|id| id.parse::<i64>().ok()) {
            if let Some(i) = data.signal_by_id(anchor) {
                data.signals.case_id[i] = Some(case.id).into();
                data.signals.version[i] += 1;
            }
        }
    }
    data.incidents = cases
        .iter()
        .filter(|c| c.priority == CasePriority::P1)
        .take(3)
        .enumerate()
        .map(|(k, c)| Incident {
            id: k as i64 + 1,
            title: c.title.clone(),
            severity: IncidentSeverity::ALL[k.min(4)],
            status: if c.status == CaseStatus::Closed { IncidentStatus::Resolved } else { IncidentStatus::Active },
            commander_id: c.assignee_id,
            case_id: Some(c.id),
            signal_id: None,
            // An hour after the case was opened, or half-way to now for a case opened less than
            // two hours ago: never in the future.
            declared_at_ms: c.created_at_ms + HOUR_MS.min((end - c.created_at_ms) / 2),
        })
        .collect();
    data.cases = cases.into();
    // The packs in trouble were active until their trouble began.
    for pack in data.packs.iter() {
        if let Some(since) = pack.health_since_ms {
            history.push(HistoryEvent {
                id: 0,
                entry: HistoryEntry {
                    at_ms: since,
                    actor_id: None,
                    asset_type: AssetType::Rule,
                    asset_id: crate::overview::pack_asset_id(&pack.id),
                    action: "health".to_owned(),
                    old_value: Some(PackHealth::Active.as_str().to_owned()),
                    new_value: Some(pack.health.as_str().to_owned()),
                    reason: None,
                    comment: pack.health_detail.clone(),
                    api_key_id: None,
                },
            });
        }
    }

    history.sort_by_key(|h| h.at_ms);
    for (k, h) in history.iter_mut().enumerate() {
        h.id = k as i64 + 1;
    }
    data.set_history(history);

    // Log volume: hourly, per source, with the daily rhythm, the spike, and the broken source.
    let broken: Vec<usize> = data
        .sources
        .iter()
        .enumerate()
        .filter(|(_, s)| data.packs[s.pack].health == PackHealth::Broken)
        .map(|(i, _)| i)
        .collect();
    let mut hour = start - start.rem_euclid(HOUR_MS);
    while hour < end {
        for (s, spec) in LOG_SOURCES.iter().enumerate() {
            let pack = &data.packs[data.sources[s].pack];
            if !pack.enabled {
                continue;
            }
            if broken.contains(&s) && pack.health_since_ms.is_some_and(|since| hour >= since) {
                continue;
            }
            let mut events = spec.events_per_hour as f64 * rhythm(hour) * (0.85 + 0.3 * rng.f64());
            if s == spike.source && hour >= spike.from && hour < spike.to {
                events *= 4.5;
            }
            data.volume.push(VolumePoint { source: s, hour_ms: hour, events: events as i64 });
        }
        hour += HOUR_MS;
    }

    data.articles = ARTICLES
        .iter()
        .enumerate()
        .map(|(k, a)| Article {
            id: k as i64 + 1,
            kind: a.kind.to_owned(),
            title: a.title.to_owned(),
            url: a.url.to_owned(),
            summary: a.summary.to_owned(),
            published_at_ms: end - a.days_ago as Millis * DAY_MS - (k as Millis * 3 + 2) * HOUR_MS,
        })
        .collect();

    data
}

fn pick_reason(rng: &mut Rng, spec: &RuleSpec) -> ArchiveReason {
    let fp = spec.false_positive_rate as f64;
    let tpm = spec.malicious_rate as f64;
    let x = rng.f64();
    if x < fp {
        ArchiveReason::FalsePositive
    } else if x < fp + tpm {
        ArchiveReason::TruePositiveMalicious
    } else {
        // The rest spread over the other reasons, benign true positives first.
        let others = [
            (ArchiveReason::TruePositiveBenign, 0.4),
            (ArchiveReason::InvestigatedElsewhere, 0.25),
            (ArchiveReason::TestingOrMaintenance, 0.2),
            (ArchiveReason::Other, 0.15),
        ];
        let cum = cumulative(others.iter().map(|(_, w)| *w));
        others[rng.weighted(&cum)].0
    }
}
