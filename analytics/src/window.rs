//! The time window every overview module is computed for.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the fixed look-back windows offered by the picker, named as it appears in the URL
/// (`?window=7d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum WindowPreset {
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "4h")]
    FourHours,
    #[default]
    #[serde(rename = "1d")]
    OneDay,
    #[serde(rename = "7d")]
    SevenDays,
    #[serde(rename = "30d")]
    ThirtyDays,
}

/// A window name that is not one of the presets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time window '{given}': expected one of 1h, 4h, 1d, 7d, 30d")]
pub struct WindowPresetError {
    pub given: String,
}

impl WindowPreset {
    /// Every preset, shortest first: the order the picker shows them in.
    pub const ALL: [WindowPreset; 5] = [
        WindowPreset::OneHour,
        WindowPreset::FourHours,
        WindowPreset::OneDay,
        WindowPreset::SevenDays,
        WindowPreset::ThirtyDays,
    ];

    /// The name used in URLs and the API (`1h`, `4h`, `1d`, `7d`, `30d`).
    pub const fn as_str(self) -> &'static str {
        match self {
            WindowPreset::OneHour => "1h",
            WindowPreset::FourHours => "4h",
            WindowPreset::OneDay => "1d",
            WindowPreset::SevenDays => "7d",
            WindowPreset::ThirtyDays => "30d",
        }
    }

    /// A phrase for people: "Past 7 days".
    pub const fn label(self) -> &'static str {
        match self {
            WindowPreset::OneHour => "Past 1 hour",
            WindowPreset::FourHours => "Past 4 hours",
            WindowPreset::OneDay => "Past 1 day",
            WindowPreset::SevenDays => "Past 7 days",
            WindowPreset::ThirtyDays => "Past 30 days",
        }
    }

    pub fn duration(self) -> Duration {
        match self {
            WindowPreset::OneHour => Duration::hours(1),
            WindowPreset::FourHours => Duration::hours(4),
            WindowPreset::OneDay => Duration::days(1),
            WindowPreset::SevenDays => Duration::days(7),
            WindowPreset::ThirtyDays => Duration::days(30),
        }
    }

    /// Parses a URL value. Surrounding whitespace and letter case are forgiven (`7D`), anything
    /// else is an error naming the value.
    pub fn parse(value: &str) -> Result<Self, WindowPresetError> {
        let wanted = value.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|preset| preset.as_str() == wanted)
            .ok_or_else(|| WindowPresetError {
                given: value.to_owned(),
            })
    }

    /// The concrete window `[now - duration, now)`.
    pub fn ending_at(self, now: DateTime<Utc>) -> TimeWindow {
        TimeWindow {
            from: now - self.duration(),
            to: now,
        }
    }
}

impl fmt::Display for WindowPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WindowPreset {
    type Err = WindowPresetError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::parse(value)
    }
}

/// A half-open interval `[from, to)` of time. Every metric counts what happened at or after
/// `from` and strictly before `to`, so adjacent windows never count a signal twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl TimeWindow {
    pub fn length(&self) -> Duration {
        self.to - self.from
    }

    /// The window of the same length that ends where this one starts: what every KPI's change is
    /// measured against.
    pub fn previous(&self) -> TimeWindow {
        TimeWindow {
            from: self.from - self.length(),
            to: self.from,
        }
    }

    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.from <= instant && instant < self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, hour, 0, 0).unwrap()
    }

    #[test]
    fn every_preset_round_trips_through_its_url_name() {
        for preset in WindowPreset::ALL {
            assert_eq!(WindowPreset::parse(preset.as_str()), Ok(preset));
            assert_eq!(preset.to_string().parse::<WindowPreset>(), Ok(preset));
        }
    }

    #[test]
    fn parsing_forgives_case_and_whitespace() {
        assert_eq!(WindowPreset::parse(" 7D "), Ok(WindowPreset::SevenDays));
    }

    #[test]
    fn unknown_window_is_an_error_naming_the_value() {
        let err = WindowPreset::parse("2w").unwrap_err();
        assert_eq!(err.given, "2w");
        assert_eq!(
            err.to_string(),
            "unknown time window '2w': expected one of 1h, 4h, 1d, 7d, 30d"
        );
        assert!(WindowPreset::parse("").is_err());
    }

    #[test]
    fn presets_are_ordered_shortest_first() {
        let lengths: Vec<_> = WindowPreset::ALL.iter().map(|p| p.duration()).collect();
        assert!(lengths.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn window_ends_now_and_previous_window_abuts_it() {
        let window = WindowPreset::FourHours.ending_at(at(12));
        assert_eq!(window.from, at(8));
        assert_eq!(window.to, at(12));
        let previous = window.previous();
        assert_eq!(previous.from, at(4));
        assert_eq!(previous.to, at(8));
    }

    #[test]
    fn window_is_half_open() {
        let window = WindowPreset::OneHour.ending_at(at(12));
        assert!(window.contains(at(11)));
        assert!(!window.contains(at(12)));
        assert!(!window.previous().contains(at(11)));
    }

    #[test]
    fn serde_uses_the_url_names() {
        for preset in WindowPreset::ALL {
            let json = serde_json::to_string(&preset).unwrap();
            assert_eq!(json, format!("\"{}\"", preset.as_str()));
            assert_eq!(serde_json::from_str::<WindowPreset>(&json).unwrap(), preset);
        }
    }
}
