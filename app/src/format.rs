//! How the pages write numbers, durations, times and links to the signal explorer. This module
//! imports no other page module, so the charts, the panels and the explorer all build on it
//! without an import cycle.

/// `12,345`.
pub(crate) fn thousands(n: f64) -> String {
    // Rounded as `{:.0}` rounds (half to even), but written as an integer: formatting a float
    // to a fixed precision is slow, and pages write thousands of these.
    let rounded = n.abs().round_ties_even();
    let digits = if rounded < 1e18 { (rounded as u64).to_string() } else { format!("{:.0}", n.abs()) };
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 && digits != "0" {
        format!("-{out}")
    } else {
        out
    }
}

/// `1.2k`, `34`, `5.6M`: short axis numbers.
pub(crate) fn compact(n: f64) -> String {
    match n.abs() {
        v if v >= 1e6 => format!("{:.1}M", n / 1e6),
        v if v >= 1e4 => format!("{:.0}k", n / 1e3),
        v if v >= 1e3 => format!("{:.1}k", n / 1e3),
        _ => format!("{n:.0}"),
    }
}

/// `3h 25m`, `42s`, `2d 4h`.
pub(crate) fn duration(ms: f64) -> String {
    let s = (ms / 1000.0).round() as i64;
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m {}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h {}m", s / 3_600, (s % 3_600) / 60),
        s => format!("{}d {}h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// `Nov 21 14:00` (UTC), or `Nov 21` when the buckets are days.
pub(crate) fn clock(ms: i64, bucket_ms: i64) -> String {
    if bucket_ms >= 86_400_000 {
        analytics::window::format_day(ms)
    } else {
        analytics::window::format_short(ms)
    }
}

/// `2026-11-21 14:05 UTC`.
pub(crate) fn when(ms: i64) -> String {
    analytics::window::format_minute(ms)
}

/// `2026-11-21T14:05:09Z` → `2026-11-21 14:05:09`.
pub(crate) fn short_time(rfc3339: &str) -> String {
    rfc3339.replace('T', " ").get(0..19).unwrap_or_default().to_owned()
}

/// Decimals to show scores with: none, unless two listed scores would then read the same while
/// they differ (their order would look arbitrary), then one.
pub(crate) fn score_decimals(scores: impl Iterator<Item = f64>) -> usize {
    let scores: Vec<f64> = scores.collect();
    let tied = scores.windows(2).any(|w| w[0] != w[1] && format!("{:.0}", w[0]) == format!("{:.0}", w[1]));
    usize::from(tied)
}

/// `under_review` → `under review`.
pub(crate) fn human(spelling: &str) -> String {
    spelling.replace('_', " ")
}

/// `/signals?query=…&window=…`, percent-encoded.
pub fn signals_href(query: &str, window: &str) -> String {
    format!("/signals?query={}&window={}", encode(query), encode(window))
}

/// An entity's page: `/entities/{type}/{name}`, the name percent-encoded (slashes included).
pub fn entity_href(kind: analytics::EntityKind, name: &str) -> String {
    format!("/entities/{}/{}", kind.as_str(), encode(name))
}

/// Undoes [`encode`]: `%XX` becomes its byte; anything else stays as it is (so a text that was
/// never encoded comes back unchanged, unless it holds `%` and two hex digits).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[k], bytes.get(k + 1).copied().and_then(hex), bytes.get(k + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                k += 3;
            }
            (b, _, _) => {
                out.push(b);
                k += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations_read_well() {
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1200.0), "-1,200");
        // Rounded as the `{:.0}` it replaces: half to even, and beyond an integer's reach.
        for n in [0.5, 1.5, 2.5, -2.5, 999.5, 1234.4999, 4503599627370495.5, 1e21, -0.4, f64::NAN] {
            let expected = match format!("{n:.0}") {
                minus_zero if minus_zero == "-0" => "0".to_owned(),
                expected => expected,
            };
            assert_eq!(thousands(n).replace(',', ""), expected, "{n}");
        }
        assert_eq!(duration(42_000.0), "42s");
        assert_eq!(duration(125_000.0), "2m 5s");
        assert_eq!(duration(3_600_000.0 * 3.5), "3h 30m");
        assert_eq!(duration(86_400_000.0 * 2.0 + 3_600_000.0 * 4.0), "2d 4h");
    }

    #[test]
    fn one_decimal_only_where_whole_numbers_would_hide_the_order() {
        assert_eq!(score_decimals([96.2, 88.0, 40.5].into_iter()), 0);
        assert_eq!(score_decimals([96.2, 95.9, 40.5].into_iter()), 1, "96 and 96");
        assert_eq!(score_decimals([70.0, 70.0].into_iter()), 0, "a real tie reads as one");
        assert_eq!(score_decimals(std::iter::empty()), 0);
    }

    #[test]
    fn entity_names_survive_the_path() {
        let name = "arn:aws:iam::123456789012:role/ci-deployer";
        let href = entity_href(analytics::EntityKind::CloudIdentity, name);
        assert_eq!(href, "/entities/cloud_identity/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fci-deployer");
        assert_eq!(decode(href.rsplit('/').next().unwrap()), name);
        assert_eq!(decode("s3://plain name 100%"), "s3://plain name 100%", "nothing to undo");
        assert_eq!(decode("caf%C3%A9"), "café");
        assert_eq!(decode("%FF"), "%FF", "not UTF-8: left as it was");
    }

    #[test]
    fn bucket_times_read_as_utc() {
        let t = 1_763_733_600_000; // 2025-11-21 14:00 UTC
        assert_eq!(clock(t, 3_600_000), "Nov 21 14:00");
        assert_eq!(clock(t, 86_400_000), "Nov 21");
        assert_eq!(when(t), "2025-11-21 14:00 UTC");
    }

    #[test]
    fn drill_down_links_encode_the_query() {
        assert_eq!(
            signals_href("@workflow.rule.id:def-0001 status:\"a b\"", "7d"),
            "/signals?query=%40workflow.rule.id%3Adef-0001%20status%3A%22a%20b%22&window=7d"
        );
    }
}
