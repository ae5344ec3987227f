//! Team performance (docs/product.md §4.10): who took the signals detected in the window, how
//! fast they were answered and archived, why they were archived, how many came back, and what
//! is open on each analyst's desk now. Every figure comes from the immutable history (who took a
//! signal, who archived it, whether it was reopened: see [`crate::dataset::SignalTable`]), never
//! from the fields a later change overwrites; only "open and assigned now" reads the present.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::stats::percentile;
use super::{term, Kpi, Span};
use crate::dataset::Dataset;
use crate::model::*;
use crate::query::Attribute;

/// Nearest-rank percentiles of a set of durations, in milliseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Percentiles {
    /// How many durations they are taken over.
    pub count: u64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

impl Percentiles {
    fn of(mut values: Vec<f64>) -> Percentiles {
        values.sort_by(f64::total_cmp);
        Percentiles {
            count: values.len() as u64,
            p50_ms: percentile(&values, 50.0),
            p90_ms: percentile(&values, 90.0),
            p99_ms: percentile(&values, 99.0),
        }
    }
}

/// A count and the explorer query that lists exactly the signals behind it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Counted {
    pub count: u64,
    pub query: String,
}

/// One analyst's figures, or the team's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PerformanceRow {
    /// The analyst's username; `None` for the team row.
    pub username: Option<String>,
    pub display_name: String,
    /// Signals taken: the first assignment named them, or they first moved the signal out of
    /// `open`, whichever came first.
    pub taken: Counted,
    /// From detection to the first move out of `open`, over the signals taken that had one.
    pub first_response: Percentiles,
    /// Signals whose last archive was theirs (reopened since or not).
    pub archived: Counted,
    /// From detection to the archive, over those still archived.
    pub to_archive: Percentiles,
    /// Those still archived, by reason (reasons with none left out).
    pub by_reason: Vec<(ArchiveReason, Counted)>,
    /// Those of `archived` that were moved out of `archived` at some time.
    pub reopened: Counted,
    /// `reopened / archived` in percent; `None` with nothing archived.
    pub reopen_rate_pct: Option<f64>,
    /// Not archived and assigned to them now.
    pub open_assigned: Counted,
}

/// The figures for one severity filter (or none).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TeamView {
    /// `None`: every severity.
    pub severity: Option<Severity>,
    pub team: PerformanceRow,
    /// Signals taken, against the previous window.
    pub taken: Kpi,
    pub previous_first_response_p50_ms: Option<f64>,
    pub previous_to_archive_p50_ms: Option<f64>,
    pub previous_reopen_rate_pct: Option<f64>,
    /// One row per analyst with any figure, most signals taken first. Empty unless asked for
    /// (per-analyst rows are for admins: see [`team_performance`]).
    pub analysts: Vec<PerformanceRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TeamPerformance {
    /// Every severity first, then critical to info.
    pub views: Vec<TeamView>,
    /// Whether the per-analyst rows were computed (for admins only).
    pub per_analyst: bool,
}

#[derive(Default)]
struct Tally {
    taken: u64,
    responses: Vec<f64>,
    archived: u64,
    to_archive: Vec<f64>,
    by_reason: [u64; ArchiveReason::COUNT],
    reopened: u64,
    open_assigned: u64,
}

/// Team performance over the signals detected in `span` (§4.10). The team row counts every
/// signal; with `per_analyst`, each user with any figure gets a row too. The overview module
/// is computed without them, since it is shared by every role; the per-analyst figures are
/// served to admins only.
pub fn team_performance(data: &Dataset, span: Span, per_analyst: bool) -> TeamPerformance {
    let filters = std::iter::once(None).chain(Severity::ALL.iter().copied().map(Some));
    let views = filters
        .map(|severity| {
            let (team, analysts) = tally(data, span, severity, per_analyst);
            let (previous, _) = tally(data, span.previous(), severity, false);
            let previous = row(data, None, &previous, severity);
            let team_row = row(data, None, &team, severity);
            let mut rows: Vec<PerformanceRow> = analysts.iter().map(|(&user, t)| row(data, Some(user), t, severity)).collect();
            rows.sort_by(|a, b| {
                (b.taken.count, b.open_assigned.count, b.archived.count)
                    .cmp(&(a.taken.count, a.open_assigned.count, a.archived.count))
                    .then_with(|| a.username.cmp(&b.username))
            });
            TeamView {
                severity,
                taken: Kpi::new(team_row.taken.count as f64, previous.taken.count as f64),
                previous_first_response_p50_ms: previous.first_response.p50_ms,
                previous_to_archive_p50_ms: previous.to_archive.p50_ms,
                previous_reopen_rate_pct: previous.reopen_rate_pct,
                team: team_row,
                analysts: rows,
            }
        })
        .collect();
    TeamPerformance { views, per_analyst }
}

/// The team's tally and, with `per_analyst`, each user's, over the signals detected in `span`.
fn tally(data: &Dataset, span: Span, severity: Option<Severity>, per_analyst: bool) -> (Tally, HashMap<i64, Tally>) {
    let t = &data.signals;
    let mut team = Tally::default();
    let mut users: HashMap<i64, Tally> = HashMap::new();
    for i in t.range(span.from, span.to) {
        if severity.is_some_and(|s| t.severity[i] != s) {
            continue;
        }
        let detected = t.detected_at_ms[i];
        let archived_now = t.state[i] == TriageState::Archived;
        let mut each = |user: Option<i64>, add: &dyn Fn(&mut Tally)| {
            add(&mut team);
            if let (true, Some(user)) = (per_analyst, user) {
                add(users.entry(user).or_default());
            }
        };
        if let Some(user) = t.taken_by[i].get() {
            let response = t.first_response(i).map(|at| (at - detected).max(0) as f64);
            each(Some(user), &|tally| {
                tally.taken += 1;
                tally.responses.extend(response);
            });
        }
        if let Some(user) = t.archived_by[i].get() {
            let reopened = t.reopened[i];
            let archive = archived_now.then(|| (t.archived_at(i).unwrap_or(detected) - detected).max(0) as f64);
            let reason = t.archive_reason[i].filter(|_| archived_now);
            each(Some(user), &|tally| {
                tally.archived += 1;
                tally.reopened += u64::from(reopened);
                tally.to_archive.extend(archive);
                if let Some(reason) = reason {
                    tally.by_reason[reason.index()] += 1;
                }
            });
        }
        if let (false, Some(user)) = (archived_now, t.assignee[i].get()) {
            each(Some(user), &|tally| tally.open_assigned += 1);
        }
    }
    (team, users)
}

fn row(data: &Dataset, user: Option<i64>, t: &Tally, severity: Option<Severity>) -> PerformanceRow {
    let username = user.map(|id| data.user(id).map_or_else(|| format!("user {id}"), |u| u.username.clone()));
    let display_name = match user {
        None => "Team".to_owned(),
        Some(id) => data.user(id).map_or_else(|| format!("user {id}"), |u| u.display_name.clone()),
    };
    // Each query names the person (or, for the team, anyone) and the severity filter.
    let who = |attribute: Attribute| match &username {
        Some(name) => term(attribute.name(), name),
        None => format!("{}:*", attribute.name()),
    };
    let query = |parts: &[String]| {
        let mut all: Vec<String> = parts.to_vec();
        if let Some(s) = severity {
            all.push(term(Attribute::Severity.name(), s.as_str()));
        }
        all.join(" ")
    };
    let state = |s: TriageState| term(Attribute::TriageState.name(), s.as_str());
    let archived_query = query(&[who(Attribute::ArchivedBy)]);
    let still_archived = query(&[who(Attribute::ArchivedBy), state(TriageState::Archived)]);
    let by_reason = ArchiveReason::ALL
        .iter()
        .filter(|r| t.by_reason[r.index()] > 0)
        .map(|&r| {
            let q = format!("{still_archived} {}", term(Attribute::ArchiveReason.name(), r.as_str()));
            (r, Counted { count: t.by_reason[r.index()], query: q })
        })
        .collect();
    PerformanceRow {
        display_name,
        taken: Counted { count: t.taken, query: query(&[who(Attribute::TakenBy)]) },
        first_response: Percentiles::of(t.responses.clone()),
        archived: Counted { count: t.archived, query: archived_query },
        to_archive: Percentiles::of(t.to_archive.clone()),
        by_reason,
        reopened: Counted {
            count: t.reopened,
            query: query(&[who(Attribute::ArchivedBy), term(Attribute::Reopened.name(), "true")]),
        },
        reopen_rate_pct: (t.archived > 0).then(|| t.reopened as f64 / t.archived as f64 * 100.0),
        open_assigned: Counted {
            count: t.open_assigned,
            query: query(&[who(Attribute::Assignee), format!("-{}", state(TriageState::Archived))]),
        },
        username,
    }
}
