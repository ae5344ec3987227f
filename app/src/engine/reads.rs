//! What the pages read from the engine: the signal list and its facets, a signal's detail, the
//! audit trail, cases and their timelines, each as the rows the pages show.

use std::collections::{HashMap, HashSet};

use analytics::audit::AuditFilter;
use analytics::dataset::{AssetType, Dataset, HistoryEvent};
use analytics::query::{self, Attribute, Query, Sort};
use analytics::time::{now_ms, rfc3339};
use analytics::{attack, workflow, CaseStatus, IncidentStatus, Window};

use super::Engine;
use crate::error::AppError;
use crate::rows::{Assignable, CaseRow, Facet, FacetValue, HistoryRow, IncidentDetail, IncidentRow, SignalDetail, SignalPage, SignalRow};

/// Rows in one page of the signal list.
const PAGE: usize = 50;

/// How many signals sharing an entity or the IP a signal's detail lists.
const RELATED: usize = 10;

/// How many events a case's timeline shows.
const TIMELINE: usize = 500;

/// A signal as a list row.
fn signal_row(data: &Dataset, i: usize) -> SignalRow {
    let t = &data.signals;
    SignalRow {
        id: t.id[i],
        detected_at: rfc3339(t.detected_at_ms[i]),
        severity: t.severity[i],
        title: t.strings.get(t.title[i]).to_owned(),
        rule_name: data.rules[t.rule[i] as usize].name.clone(),
        source: data.sources[t.source[i] as usize].id.clone(),
        state: t.state[i],
        archive_reason: t.archive_reason[i],
        country: t.strings.get_opt(t.country[i]).map(str::to_owned),
        ip: t.strings.get_opt(t.ip[i]).map(str::to_owned),
        assignee: t.assignee[i].get().and_then(|id| display_name(data, id)),
        case_id: t.case_id[i].get(),
        version: t.version[i],
        events: i64::from(t.events[i]),
    }
}

fn display_name(data: &Dataset, id: i64) -> Option<String> {
    data.user(id).map(|u| u.display_name.clone())
}

/// A history event with its people named.
fn history_row(data: &Dataset, h: &HistoryEvent) -> HistoryRow {
    // Assignee values are user ids: show the person.
    let person = |v: &Option<String>| {
        v.as_ref().map(|v| match (h.action.as_str(), v.parse::<i64>()) {
            ("assignee", Ok(id)) => display_name(data, id).unwrap_or_else(|| v.clone()),
            _ => v.clone(),
        })
    };
    HistoryRow {
        at: rfc3339(h.at_ms),
        actor: h.actor_id.and_then(|a| data.user(a)).map(|u| match h.api_key_id {
            Some(key) => format!("{} (API key {key})", u.username),
            None => u.username.clone(),
        }),
        asset_type: h.asset_type.as_str().to_owned(),
        asset_id: h.asset_id.clone(),
        action: h.action.clone(),
        old_value: person(&h.old_value),
        new_value: person(&h.new_value),
        reason: h.reason.clone(),
        comment: h.comment.clone(),
    }
}

fn assignable(data: &Dataset) -> Vec<Assignable> {
    data.users
        .iter()
        .filter(|u| u.active && u.role.can_write_signals())
        .map(|u| Assignable { id: u.id, display_name: u.display_name.clone() })
        .collect()
}

fn parse_query(text: &str) -> Result<Query, AppError> {
    Query::parse(text).map_err(|e| AppError::BadRequest(e.to_string()))
}

impl Engine {
    /// One page of the signals matching `query` in `window`. A bad query says what and where;
    /// `stop` says when to give up (see [`crate::service::heavy::run`]).
    pub fn signals(&self, query: &str, window: Window, cursor: Option<&str>, sort: Sort, stop: &dyn Fn() -> bool) -> Result<SignalPage, AppError> {
        let parsed = parse_query(query)?;
        let cursor = match cursor {
            None => None,
            Some(text) => Some(query::parse_cursor(text).ok_or_else(|| AppError::BadRequest(format!("'{text}' is not a page of this list")))?),
        };
        let (from, to) = window.bounds(now_ms());
        let data = self.snapshot();
        let matches = query::search_until(&data, &parsed, from, to, sort, stop).map_err(|e| AppError::Unavailable(e.to_string()))?;
        let (range, next_cursor) = query::page(&data, &matches, cursor, PAGE, sort);
        let rows = matches[range].iter().map(|&i| signal_row(&data, i)).collect();
        Ok(SignalPage { total: matches.len(), rows, next_cursor })
    }

    /// The counts of each attribute's values over every signal matching `query` in `window`.
    pub fn facets(&self, query: &str, window: Window, stop: &dyn Fn() -> bool) -> Result<Vec<Facet>, AppError> {
        let parsed = parse_query(query)?;
        let (from, to) = window.bounds(now_ms());
        let data = self.snapshot();
        let matches = query::search_until(&data, &parsed, from, to, Sort::Oldest, stop).map_err(|e| AppError::Unavailable(e.to_string()))?;
        let matrix = attack::matrix();
        Ok(query::facets(&data, &matches, 8)
            .into_iter()
            .map(|(attribute, label, values)| Facet {
                label: label.to_owned(),
                attribute: attribute.name().to_owned(),
                values: values
                    .into_iter()
                    .map(|(value, count)| {
                        let label = match attribute {
                            Attribute::Tactic => matrix.tactic_index(&value).map_or_else(|| value.clone(), |k| format!("{} {value}", matrix.tactics[k].name)),
                            _ => value.replace('_', " "),
                        };
                        FacetValue { value, label, count }
                    })
                    .collect(),
            })
            .collect())
    }

    /// Everything the side panel shows about one signal; `None` when there is no such signal.
    pub fn detail(&self, id: i64) -> Option<SignalDetail> {
        let data = self.snapshot();
        let i = data.signal_by_id(id)?;
        let t = &data.signals;
        let rule = &data.rules[t.rule[i] as usize];
        let matrix = attack::matrix();
        let s = |v: u32| t.strings.get_opt(v).map(str::to_owned);
        // Related: signals sharing an entity or the IP, newest first.
        let mine: Vec<u32> = t.entities_of(i).copied().collect();
        let ip = t.ip[i];
        let mut related = Vec::new();
        for j in (0..t.len()).rev() {
            if j != i && ((ip != 0 && t.ip[j] == ip) || t.entities_of(j).any(|e| mine.contains(e))) {
                related.push(signal_row(&data, j));
                if related.len() == RELATED {
                    break;
                }
            }
        }
        let triage = data.triage_of(i);
        Some(SignalDetail {
            row: signal_row(&data, i),
            product: t.product[i].as_str().to_owned(),
            first_seen: rfc3339(t.first_seen_ms[i]),
            rule_id: rule.id.clone(),
            tactics: rule
                .tactics
                .iter()
                .map(|id| (id.clone(), matrix.tactic_index(id).map_or_else(String::new, |k| matrix.tactics[k].name.to_owned())))
                .collect(),
            techniques: rule
                .techniques
                .iter()
                .map(|id| (id.clone(), matrix.technique(id).map_or_else(String::new, |x| x.name.to_owned())))
                .collect(),
            entities: t
                .entities_of(i)
                .map(|&e| (data.entities[e as usize].kind.as_str().to_owned(), data.entities[e as usize].name.clone()))
                .collect(),
            region: s(t.region[i]),
            city: s(t.city[i]),
            isp: s(t.isp[i]),
            asn: (t.asn[i] != 0).then_some(t.asn[i]),
            ti_indicator: s(t.ti_indicator[i]),
            ti_category: t.ti_category[i].map(|v| v.as_str().to_owned()),
            ti_intention: t.ti_intention[i].map(|v| v.as_str().to_owned()),
            ti_subcategory: t.ti_subcategory[i].map(|v| v.as_str().to_owned()),
            archive_comment: triage.archive_comment.clone(),
            assignee_id: triage.assignee_id,
            related,
            history: data.history_of(i).map(|h| history_row(&data, &h)).collect(),
            modifiable: workflow::modifiable(t.detected_at_ms[i], now_ms()),
            next_states: workflow::next_states(triage.state),
            assignable: assignable(&data),
            open_cases: data.cases.iter().rev().filter(|c| c.status != CaseStatus::Closed).map(|c| (c.id, c.title.clone())).collect(),
            last_seen: rfc3339(t.last_seen_ms[i]),
            samples: Vec::new(),
        })
    }

    /// The audit trail, newest first: at most `limit` rows and how many match in all.
    pub fn audit(&self, actor: &str, action: &str, asset_type: &str, limit: usize) -> Result<(Vec<HistoryRow>, usize), AppError> {
        let data = self.snapshot();
        let filter = AuditFilter::from_params(&data, Some(actor), Some(action), Some(asset_type)).map_err(AppError::BadRequest)?;
        let mut total = 0;
        let mut rows = Vec::new();
        for h in filter.events(&data) {
            total += 1;
            if rows.len() < limit {
                rows.push(history_row(&data, &h.to_event()));
            }
        }
        Ok((rows, total))
    }

    /// Every case, newest first, with its linked signal count.
    pub fn cases(&self) -> Vec<CaseRow> {
        let data = self.snapshot();
        let mut linked: HashMap<i64, usize> = HashMap::new();
        for c in data.signals.case_id.iter().filter_map(|c| c.get()) {
            *linked.entry(c).or_default() += 1;
        }
        let mut cases: Vec<CaseRow> = data
            .cases
            .iter()
            .map(|c| CaseRow {
                id: c.id,
                title: c.title.clone(),
                description: c.description.clone(),
                status: c.status,
                priority: c.priority,
                assignee: c.assignee_id.and_then(|id| display_name(&data, id)),
                assignee_id: c.assignee_id,
                created_at: rfc3339(c.created_at_ms),
                updated_at: rfc3339(c.updated_at_ms),
                signals: linked.get(&c.id).copied().unwrap_or(0),
            })
            .collect();
        cases.sort_by(|a, b| b.id.cmp(&a.id));
        cases
    }

    /// A case's timeline: its own events and those of its signals, newest first.
    pub fn case_timeline(&self, id: i64) -> Vec<HistoryRow> {
        let data = self.snapshot();
        let signals: HashSet<i64> = data
            .signals
            .case_id
            .iter()
            .enumerate()
            .filter(|(_, c)| c.get() == Some(id))
            .map(|(i, _)| data.signals.id[i])
            .collect();
        data.history()
            .rev()
            .filter(|h| {
                h.is_about(AssetType::Case, id)
                    || (h.asset_type() == AssetType::SecuritySignal && h.asset_number().is_some_and(|s| signals.contains(&s)))
            })
            .take(TIMELINE)
            .map(|h| history_row(&data, &h.to_event()))
            .collect()
    }

    /// Who a signal or case can be assigned to.
    pub fn assignable(&self) -> Vec<Assignable> {
        assignable(&self.snapshot())
    }

    /// The incidents declared from a case or from one of its signals, newest first.
    pub fn incidents_of_case(&self, id: i64) -> Vec<IncidentRow> {
        let data = self.snapshot();
        let now = now_ms();
        data.incidents
            .iter()
            .rev()
            .filter(|i| i.case_id == Some(id) || i.signal_id.and_then(|s| data.signal_by_id(s)).is_some_and(|k| data.signals.case_id[k].get() == Some(id)))
            .map(|i| incident_row(&data, i, now))
            .collect()
    }

    /// A case's signals, newest first (at most `limit`), and how many there are.
    pub fn case_signals(&self, id: i64, limit: usize) -> (Vec<SignalRow>, usize) {
        let data = self.snapshot();
        let t = &data.signals;
        let linked: Vec<usize> = (0..t.len()).rev().filter(|&i| t.case_id[i].get() == Some(id)).collect();
        (linked.iter().take(limit).map(|&i| signal_row(&data, i)).collect(), linked.len())
    }

    /// Every incident: those not resolved first, then the newest.
    pub fn incidents(&self) -> Vec<IncidentRow> {
        let data = self.snapshot();
        let now = now_ms();
        let mut rows: Vec<IncidentRow> = data.incidents.iter().map(|i| incident_row(&data, i, now)).collect();
        rows.sort_by(|a, b| {
            (a.status == IncidentStatus::Resolved).cmp(&(b.status == IncidentStatus::Resolved)).then(b.id.cmp(&a.id))
        });
        rows
    }

    /// One incident's page, or `None` if there is no such incident.
    pub fn incident(&self, id: i64) -> Option<IncidentDetail> {
        let data = self.snapshot();
        let incident = data.incidents.iter().find(|i| i.id == id)?.clone();
        let row = incident_row(&data, &incident, now_ms());
        // Its case: the one it was declared from, or that of the signal it was declared from.
        let case_id = incident.case_id.or_else(|| incident.signal_id.and_then(|s| data.signal_by_id(s)).and_then(|k| data.signals.case_id[k].get()));
        let t = &data.signals;
        let mut signals: Vec<usize> = match case_id {
            Some(case) => (0..t.len()).filter(|&i| t.case_id[i].get() == Some(case)).collect(),
            None => incident.signal_id.and_then(|s| data.signal_by_id(s)).into_iter().collect(),
        };
        if let Some(own) = incident.signal_id.and_then(|s| data.signal_by_id(s)) {
            if !signals.contains(&own) {
                signals.push(own);
            }
        }
        signals.sort_by(|&a, &b| t.detected_at_ms[b].cmp(&t.detected_at_ms[a]));
        let ids: HashSet<i64> = signals.iter().map(|&i| t.id[i]).collect();
        let declared = format!("incident {id} (");
        let updated = format!("incident {id}");
        let timeline = data
            .history()
            .rev()
            .filter(|h| {
                let action = h.action();
                let own = (action == "incident" && h.new_value().is_some_and(|v| v.starts_with(&declared)))
                    || (action.starts_with("incident_") && h.comment() == Some(updated.as_str()));
                own || case_id.is_some_and(|c| h.is_about(AssetType::Case, c))
                    || (h.asset_type() == AssetType::SecuritySignal && h.asset_number().is_some_and(|s| ids.contains(&s)))
            })
            .take(TIMELINE)
            .map(|h| history_row(&data, &h.to_event()))
            .collect();
        let case = case_id.and_then(|c| self.cases().into_iter().find(|row| row.id == c));
        Some(IncidentDetail {
            incident: row,
            case,
            signals_total: signals.len(),
            signals: signals.iter().take(200).map(|&i| signal_row(&data, i)).collect(),
            timeline,
            assignable: assignable(&data),
        })
    }
}

fn incident_row(data: &Dataset, i: &analytics::dataset::Incident, now: i64) -> IncidentRow {
    IncidentRow {
        id: i.id,
        title: i.title.clone(),
        severity: i.severity,
        status: i.status,
        commander: i.commander_id.and_then(|c| display_name(data, c)),
        commander_id: i.commander_id,
        declared_at: rfc3339(i.declared_at_ms),
        age_ms: (now - i.declared_at_ms).max(0),
        case_id: i.case_id,
        signal_id: i.signal_id,
    }
}

/// A rule's signals over the last 30 days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStats {
    pub signals: usize,
    /// Open, under review, archived.
    pub by_state: [usize; 3],
    pub archived: usize,
    /// Archived as false positive or testing.
    pub false_positives: usize,
}

/// The span rule statistics cover.
const RULE_STATS_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

impl Engine {
    /// Per rule id: its signals detected in the 30 days before `now`, by state and archive reason.
    pub fn rule_stats(&self, now: i64) -> HashMap<String, RuleStats> {
        let data = self.snapshot();
        let t = &data.signals;
        let from = t.detected_at_ms.partition_point(|&d| d < now - RULE_STATS_DAYS * DAY_MS);
        let mut per_rule: Vec<RuleStats> = vec![RuleStats::default(); data.rules.len()];
        for i in from..t.len() {
            let stats = &mut per_rule[t.rule[i] as usize];
            stats.signals += 1;
            let state = t.state[i];
            stats.by_state[match state {
                analytics::TriageState::Open => 0,
                analytics::TriageState::UnderReview => 1,
                analytics::TriageState::Archived => 2,
            }] += 1;
            if state == analytics::TriageState::Archived {
                stats.archived += 1;
                if t.archive_reason[i].is_some_and(|r| r.clears_risk()) {
                    stats.false_positives += 1;
                }
            }
        }
        data.rules.iter().zip(per_rule).map(|(rule, stats)| (rule.id.clone(), stats)).collect()
    }

    /// The rule's signals per UTC day over the 30 days ending with `now`'s day: (day, count).
    pub fn rule_daily(&self, id: &str, now: i64) -> Vec<(String, usize)> {
        let data = self.snapshot();
        let Some(rule) = data.rule_by_id(id) else { return Vec::new() };
        let t = &data.signals;
        let today = now - now.rem_euclid(DAY_MS);
        let first = today - (RULE_STATS_DAYS - 1) * DAY_MS;
        let mut counts = vec![0usize; RULE_STATS_DAYS as usize];
        let from = t.detected_at_ms.partition_point(|&d| d < first);
        for i in from..t.len() {
            if t.rule[i] as usize == rule {
                let day = ((t.detected_at_ms[i] - first) / DAY_MS) as usize;
                if let Some(c) = counts.get_mut(day) {
                    *c += 1;
                }
            }
        }
        counts.into_iter().enumerate().map(|(k, n)| (rfc3339(first + k as i64 * DAY_MS)[..10].to_owned(), n)).collect()
    }
}
