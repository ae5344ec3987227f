//! Time as the whole product counts it: milliseconds since the Unix epoch, UTC.

use chrono::{TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

pub const MINUTE_MS: Millis = 60_000;
pub const HOUR_MS: Millis = 60 * MINUTE_MS;
pub const DAY_MS: Millis = 24 * HOUR_MS;
pub const WEEK_MS: Millis = 7 * DAY_MS;

/// The current instant (the server's clock; in the browser, the browser's).
pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

/// An instant as RFC 3339 with milliseconds, in UTC (`2026-12-01T18:00:00.000Z`); empty when
/// the instant is out of chrono's range.
pub fn rfc3339(ms: Millis) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// A window in milliseconds, half-open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: Millis,
    pub to: Millis,
}

impl Span {
    pub fn len(&self) -> Millis {
        self.to - self.from
    }

    pub fn is_empty(&self) -> bool {
        self.to <= self.from
    }

    pub fn previous(&self) -> Span {
        Span { from: self.from - self.len(), to: self.from }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_utc_with_milliseconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(DAY_MS + 1), "1970-01-02T00:00:00.001Z");
        assert_eq!(rfc3339(i64::MAX), "");
    }
}
