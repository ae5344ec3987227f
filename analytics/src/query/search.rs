//! Running a query over a window: the matching signals in an order, paged with a cursor, and
//! the facets counted over them.

use serde::{Deserialize, Serialize};

use super::{values, Attribute, Query};
use crate::dataset::Dataset;

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
    /// By triage state in the order work moves (open, under review, archived), newest first
    /// within a state.
    State,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::Oldest, Sort::Severity, Sort::State];

    pub const fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Severity => "severity",
            Sort::State => "state",
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
            Sort::State => (t.state[i] as i64, -t.detected_at_ms[i], -t.id[i]),
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
        Sort::Severity | Sort::State => found.sort_by_cached_key(|&i| sort.key(data, i)),
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
        let data = super::super::tests::dataset();
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
        let by_state = search(&data, &all, i64::MIN, i64::MAX, Sort::State);
        let states: Vec<_> = by_state.iter().map(|&i| data.signals.state[i] as usize).collect();
        assert!(states.windows(2).all(|w| w[0] <= w[1]), "open, then under review, then archived");
        assert!(states.first() < states.last(), "the test data holds more than one state");
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
        let data = super::super::tests::dataset();
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

