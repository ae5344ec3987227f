//! A log source's health from what it really sent (docs/product.md §7): silent for longer than
//! its own rhythm allows, or sending events that are refused, turns it to warning, then broken,
//! with what is wrong and since when.

use analytics::model::PackHealth;
use analytics::time::HOUR_MS;

/// What a source's intake says about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intake {
    pub last_received_ms: Option<i64>,
    pub refusing_since_ms: Option<i64>,
    pub last_refusal_ms: Option<i64>,
    pub refused_events: i64,
    pub last_refusal: Option<String>,
    /// How many of the 168 hours before the last receipt had events: the source's rhythm.
    pub active_hours_last_week: usize,
}

/// A judgement: the state, what is wrong, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub health: PackHealth,
    pub detail: Option<String>,
    pub since_ms: Option<i64>,
}

impl Assessment {
    pub fn active() -> Assessment {
        Assessment { health: PackHealth::Active, detail: None, since_ms: None }
    }

    fn rank(&self) -> u8 {
        match self.health {
            PackHealth::Broken => 3,
            PackHealth::Warning => 2,
            PackHealth::Disabled => 1,
            PackHealth::Active => 0,
        }
    }

    /// The worse of two judgements (the earlier `since` among equals).
    pub fn worst(self, other: Assessment) -> Assessment {
        match self.rank().cmp(&other.rank()) {
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Equal if other.since_ms < self.since_ms && other.since_ms.is_some() => other,
            std::cmp::Ordering::Equal => self,
        }
    }
}

/// Refusals older than this no longer count against a source.
pub const REFUSALS_COUNT_FOR_MS: i64 = HOUR_MS;

/// The usual longest gap between a source's events, in hours: a source that sent in every hour
/// of the last week is expected hourly; one that sent in 7 of them, about daily (at most 24).
pub fn usual_gap_hours(active_hours_last_week: usize) -> i64 {
    (168 / active_hours_last_week.max(1) as i64).clamp(1, 24)
}

/// Judges one source at `now_ms`:
/// - events refused in the last hour: warning, or broken when nothing was accepted since the
///   refusals began;
/// - silent for more than 2 × its usual gap + 1 hour: warning; more than 6 × + 6 hours: broken.
pub fn assess(now_ms: i64, intake: &Intake) -> Assessment {
    let mut judged = Assessment::active();
    if let (Some(last), Some(since)) = (intake.last_refusal_ms, intake.refusing_since_ms) {
        if now_ms - last < REFUSALS_COUNT_FOR_MS {
            let reason = intake.last_refusal.as_deref().unwrap_or("refused");
            let events = match intake.refused_events {
                1 => "1 event".to_owned(),
                n => format!("{n} events"),
            };
            let accepted_since = intake.last_received_ms.is_some_and(|r| r >= since);
            // The page shows since when beside the detail.
            judged = if accepted_since {
                Assessment {
                    health: PackHealth::Warning,
                    detail: Some(format!("{events} refused, others accepted; the last refused: {reason}")),
                    since_ms: Some(since),
                }
            } else {
                Assessment {
                    health: PackHealth::Broken,
                    detail: Some(format!("every batch was refused ({events}); the last: {reason}")),
                    since_ms: Some(since),
                }
            };
        }
    }
    if let Some(last) = intake.last_received_ms {
        let gap = usual_gap_hours(intake.active_hours_last_week);
        let silent = now_ms - last;
        let usually = if gap == 1 { "usually every hour".to_owned() } else { format!("usually at least every {gap} hours") };
        let detail = format!("no logs for {} ({usually})", duration(silent));
        let silence = if silent > (6 * gap + 6) * HOUR_MS {
            Assessment { health: PackHealth::Broken, detail: Some(detail), since_ms: Some(last) }
        } else if silent > (2 * gap + 1) * HOUR_MS {
            Assessment { health: PackHealth::Warning, detail: Some(detail), since_ms: Some(last) }
        } else {
            Assessment::active()
        };
        judged = judged.worst(silence);
    }
    judged
}

/// `3 h`, `2 d 4 h`, `45 min`.
fn duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    match (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, _) => format!("{h} h"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_323_045_000; // 2026-01-02T03:04:05Z

    fn hourly(last_received_ms: i64) -> Intake {
        Intake { last_received_ms: Some(last_received_ms), active_hours_last_week: 168, ..Intake::default() }
    }

    #[test]
    fn an_hourly_source_warns_after_three_silent_hours_and_breaks_after_twelve() {
        assert_eq!(assess(NOW, &hourly(NOW - 3 * HOUR_MS)).health, PackHealth::Active);
        let warned = assess(NOW, &hourly(NOW - 3 * HOUR_MS - 1));
        assert_eq!(warned.health, PackHealth::Warning);
        assert_eq!(warned.detail.as_deref(), Some("no logs for 3 h (usually every hour)"));
        assert_eq!(warned.since_ms, Some(NOW - 3 * HOUR_MS - 1));
        assert_eq!(assess(NOW, &hourly(NOW - 12 * HOUR_MS)).health, PackHealth::Warning);
        assert_eq!(assess(NOW, &hourly(NOW - 12 * HOUR_MS - 1)).health, PackHealth::Broken);
    }

    #[test]
    fn a_daily_source_is_judged_by_its_own_rhythm() {
        // 7 active hours in a week: one a day, so 24 h is the usual gap: warning after 49 h.
        let daily = Intake { last_received_ms: Some(NOW - 30 * HOUR_MS), active_hours_last_week: 7, ..Intake::default() };
        assert_eq!(assess(NOW, &daily).health, PackHealth::Active);
        let daily = Intake { last_received_ms: Some(NOW - 50 * HOUR_MS), ..daily };
        let judged = assess(NOW, &daily);
        assert_eq!(judged.health, PackHealth::Warning);
        assert!(judged.detail.unwrap().ends_with("(usually at least every 24 hours)"));
        assert_eq!(usual_gap_hours(0), 24);
        assert_eq!(usual_gap_hours(56), 3);
    }

    #[test]
    fn refused_events_warn_and_break_when_nothing_gets_through() {
        let since = NOW - 10 * 60_000;
        let refusing = Intake {
            last_received_ms: Some(since - 60_000),
            refusing_since_ms: Some(since),
            last_refusal_ms: Some(NOW - 60_000),
            refused_events: 42,
            last_refusal: Some("line 3: not valid JSON".into()),
            active_hours_last_week: 168,
        };
        let judged = assess(NOW, &refusing);
        assert_eq!(judged.health, PackHealth::Broken);
        assert_eq!(
            judged.detail.as_deref(),
            Some("every batch was refused (42 events); the last: line 3: not valid JSON")
        );
        assert_eq!(judged.since_ms, Some(since));
        let mixed = Intake { last_received_ms: Some(NOW - 30_000), ..refusing.clone() };
        assert_eq!(assess(NOW, &mixed).health, PackHealth::Warning);
        assert_eq!(assess(NOW, &mixed).detail.as_deref(), Some("42 events refused, others accepted; the last refused: line 3: not valid JSON"));
        assert_eq!(duration(50 * HOUR_MS + 59 * 60_000), "2 d 2 h");
        assert_eq!(duration(45 * 60_000), "45 min");
        let over = Intake { last_refusal_ms: Some(NOW - HOUR_MS), last_received_ms: Some(NOW - 30_000), ..refusing };
        assert_eq!(assess(NOW, &over), Assessment::active(), "refusals an hour old no longer count");
    }
}
