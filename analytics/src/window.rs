//! The time window every overview module is computed for.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::time::Span;

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

/// The window the page shows: a preset ending now, or a custom range `[from, to)` (UTC
/// milliseconds). In URLs it is `7d`, or `FROM/TO` with both ends as RFC 3339 times
/// (`2026-11-20T08:00:00Z/2026-11-20T20:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Window {
    Preset(WindowPreset),
    Range { from: i64, to: i64 },
}

impl Default for Window {
    fn default() -> Self {
        Window::Preset(WindowPreset::default())
    }
}

/// A window parameter that names no preset and no valid range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error(transparent)]
    Preset(#[from] WindowPresetError),
    #[error("the {end} of the range, '{given}', is not a time like 2026-11-20T08:00:00Z")]
    BadTime { end: &'static str, given: String },
    #[error("the range ends ({to}) before it starts ({from})")]
    Backwards { from: String, to: String },
    #[error("the range is longer than {max_days} days")]
    TooLong { max_days: i64 },
}

/// The longest custom range: the data kept online (the risk horizon and the widest preset).
pub const MAX_RANGE_DAYS: i64 = 90;

impl Window {
    /// Parses a URL value: a preset name, or `FROM/TO`.
    pub fn parse(value: &str) -> Result<Window, WindowError> {
        let value = value.trim();
        let Some((from, to)) = value.split_once('/') else {
            return Ok(Window::Preset(WindowPreset::parse(value)?));
        };
        let time = |end: &'static str, text: &str| -> Result<i64, WindowError> {
            parse_time(text).ok_or_else(|| WindowError::BadTime { end, given: text.trim().to_owned() })
        };
        let (from_ms, to_ms) = (time("start", from)?, time("end", to)?);
        if to_ms <= from_ms {
            return Err(WindowError::Backwards { from: from.trim().to_owned(), to: to.trim().to_owned() });
        }
        if to_ms - from_ms > MAX_RANGE_DAYS * 86_400_000 {
            return Err(WindowError::TooLong { max_days: MAX_RANGE_DAYS });
        }
        Ok(Window::Range { from: from_ms, to: to_ms })
    }

    /// The URL value: `7d`, or `FROM/TO`.
    pub fn as_param(&self) -> String {
        match self {
            Window::Preset(preset) => preset.as_str().to_owned(),
            Window::Range { from, to } => format!("{}/{}", format_time(*from), format_time(*to)),
        }
    }

    pub fn preset(&self) -> Option<WindowPreset> {
        match self {
            Window::Preset(preset) => Some(*preset),
            Window::Range { .. } => None,
        }
    }

    /// "Past 7 days", or "Nov 20 08:00 – Nov 20 20:00 UTC".
    pub fn label(&self) -> String {
        match self {
            Window::Preset(preset) => preset.label().to_owned(),
            Window::Range { from, to } => format!("{} – {} UTC", format_short(*from), format_short(*to)),
        }
    }

    /// The concrete interval `[from, to)` in milliseconds. A preset ends at the next whole
    /// minute after `now_ms`, so every request within a minute sees the same window (and the
    /// same cached result).
    pub fn bounds(&self, now_ms: i64) -> (i64, i64) {
        match self {
            Window::Preset(preset) => {
                const MINUTE: i64 = 60_000;
                let to = (now_ms.div_euclid(MINUTE) + 1) * MINUTE;
                (to - preset.duration().num_milliseconds(), to)
            }
            Window::Range { from, to } => (*from, *to),
        }
    }

    /// [`Window::bounds`] as a [`Span`].
    pub fn span(&self, now_ms: i64) -> Span {
        let (from, to) = self.bounds(now_ms);
        Span { from, to }
    }
}

impl From<WindowPreset> for Window {
    fn from(preset: WindowPreset) -> Self {
        Window::Preset(preset)
    }
}

// Dates are written and read by hand rather than with chrono's `format` and `parse_from_str`:
// those bring a formatting engine into the browser bundle, and these few shapes are all we need.

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The civil date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to a civil date (`days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day, hour, minute, second) of a UTC instant.
pub fn utc_parts(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let secs = ms.div_euclid(1_000);
    let (year, month, day) = civil(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400) as u32;
    (year, month, day, of_day / 3_600, of_day / 60 % 60, of_day % 60)
}

/// `2026-11-20T08:00:00Z`.
pub fn format_time(ms: i64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2026-11-20 08:00 UTC`.
pub fn format_minute(ms: i64) -> String {
    let (y, mo, d, h, mi, _) = utc_parts(ms);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `Nov 20 08:00` (UTC).
pub fn format_short(ms: i64) -> String {
    let (_, mo, d, h, mi, _) = utc_parts(ms);
    format!("{} {d:02} {h:02}:{mi:02}", MONTHS[mo as usize - 1])
}

/// `Nov 20` (UTC).
pub fn format_day(ms: i64) -> String {
    let (_, mo, d, ..) = utc_parts(ms);
    format!("{} {d:02}", MONTHS[mo as usize - 1])
}

/// A time as `2026-11-20T08:00`, with optional seconds (and fraction) and an optional zone (`Z`
/// or `+01:00`); `T` or a space between date and time. Without a zone it is read as UTC, as a
/// `datetime-local` input gives it.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') || b[13] != b':' {
        return None;
    }
    let (year, month, day, hour, minute) = (num(0, 4)?, num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?);
    let mut at = 16;
    let mut second = 0;
    let mut millis = 0;
    if b.get(at) == Some(&b':') {
        second = num(at + 1, 2)?;
        at += 3;
        if b.get(at) == Some(&b'.') {
            let digits = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            let fraction = &text[at + 1..at + 1 + digits.min(3)];
            millis = fraction.parse::<i64>().ok()? * 10_i64.pow(3 - fraction.len() as u32);
            at += 1 + digits;
        }
    }
    let offset_minutes = match &text[at..] {
        "" | "Z" | "z" => 0,
        zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) && zone.as_bytes()[3] == b':' => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            sign * (num(at + 1, 2)? * 60 + num(at + 4, 2)?)
        }
        _ => return None,
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    Some(((days * 24 + hour) * 60 + minute - offset_minutes) * 60_000 + second * 1_000 + millis)
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

    #[test]
    fn a_custom_range_round_trips_through_the_url() {
        let w = Window::parse("2026-11-20T08:00:00Z/2026-11-20T20:00:00Z").unwrap();
        let day = 86_400_000;
        assert_eq!(w, Window::Range { from: at(8).timestamp_millis() - day, to: at(20).timestamp_millis() - day });
        assert_eq!(Window::parse(&w.as_param()).unwrap(), w);
        assert_eq!(w.bounds(123), w.bounds(999_999_999), "a range does not move with time");
        assert_eq!(w.label(), "Nov 20 08:00 – Nov 20 20:00 UTC");
        let short = Window::parse("2026-11-20T08:00/2026-11-20T09:30").unwrap();
        assert_eq!(short.bounds(0).1 - short.bounds(0).0, 90 * 60_000, "datetime-local values are read as UTC");
    }

    #[test]
    fn a_bad_range_says_what_is_wrong() {
        assert_eq!(
            Window::parse("yesterday/2026-11-20T09:00").unwrap_err().to_string(),
            "the start of the range, 'yesterday', is not a time like 2026-11-20T08:00:00Z"
        );
        assert_eq!(
            Window::parse("2026-11-20T09:00/2026-11-20T08:00").unwrap_err().to_string(),
            "the range ends (2026-11-20T08:00) before it starts (2026-11-20T09:00)"
        );
        assert_eq!(
            Window::parse("2026-01-01T00:00/2026-06-01T00:00").unwrap_err().to_string(),
            "the range is longer than 90 days"
        );
        assert!(matches!(Window::parse("2w"), Err(WindowError::Preset(_))));
        assert_eq!(Window::parse("7d").unwrap(), Window::Preset(WindowPreset::SevenDays));
    }

    #[test]
    fn a_preset_ends_at_the_next_whole_minute() {
        let now = at(12).timestamp_millis() + 25_000;
        let (from, to) = Window::Preset(WindowPreset::OneHour).bounds(now);
        assert_eq!(to, at(12).timestamp_millis() + 60_000);
        assert_eq!(to - from, 3_600_000);
    }

    #[test]
    fn times_are_written_and_read_by_hand_as_chrono_would() {
        use chrono::TimeZone;
        for ms in [0, 951_782_400_000, 1_763_733_600_123, 4_102_444_799_000, -86_400_000] {
            let t = Utc.timestamp_millis_opt(ms).unwrap();
            assert_eq!(format_time(ms), t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            assert_eq!(format_short(ms), t.format("%b %d %H:%M").to_string());
            assert_eq!(format_day(ms), t.format("%b %d").to_string());
            assert_eq!(format_minute(ms), t.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(parse_time(&t.to_rfc3339()), Some(ms - ms.rem_euclid(1000) + ms.rem_euclid(1000)));
        }
        assert_eq!(parse_time("2026-11-20T08:00"), Some(Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap().timestamp_millis()));
        assert_eq!(parse_time("2026-11-20 08:00:30+01:00"), Some(Utc.with_ymd_and_hms(2026, 11, 20, 7, 0, 30).unwrap().timestamp_millis()));
        assert_eq!(parse_time("2024-02-29T00:00Z"), Some(Utc.with_ymd_and_hms(2024, 2, 29, 0, 0, 0).unwrap().timestamp_millis()));
        for bad in ["", "yesterday", "2026-02-30T00:00", "2026-11-20T24:00", "2026-11-20T08:00Q", "2026-11-20T08:00:00."] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
