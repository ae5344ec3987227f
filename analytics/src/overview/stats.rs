//! Helpers every module's arithmetic shares: a fast hash map for small integer keys,
//! nearest-rank percentiles, medians, rounding and the time buckets of a chart.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::Span;
use crate::dataset::{Millis, DAY_MS, HOUR_MS};
use crate::time::MINUTE_MS;
use crate::model::Severity;

/// A quick, non-cryptographic hasher for small integer keys on hot paths (the multiply-rotate
/// scheme of rustc's FxHasher).
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A count per severity, indexed by [`Severity::index`].
pub(crate) fn severity_counts() -> [u64; Severity::COUNT] {
    [0; Severity::COUNT]
}

/// Bucket size for time series. Up to a day: the smallest of 5, 10, 15 or 30 minutes or an hour
/// that cuts the window into at most 24 buckets (12 of 5 minutes at 1 h, 24 of an hour at 1 d);
/// then an hour up to two days; then the window split into about 48 buckets rounded to whole
/// hours. Log volume is kept per hour, so its charts use at least an hour (see
/// [`log_bucket_for`]).
pub fn bucket_for(span: Span) -> Millis {
    const SHORT: [Millis; 5] = [5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS, 30 * MINUTE_MS, HOUR_MS];
    let len = span.len().max(1);
    if len <= DAY_MS {
        return SHORT.into_iter().find(|b| (len + b - 1) / b <= 24).unwrap_or(HOUR_MS);
    }
    let raw = len / 48;
    if raw <= HOUR_MS {
        HOUR_MS
    } else {
        (raw + HOUR_MS - 1) / HOUR_MS * HOUR_MS
    }
}

/// The bucket of log volume charts: [`bucket_for`], but never under the hour the volume is kept at.
pub fn log_bucket_for(span: Span) -> Millis {
    bucket_for(span).max(HOUR_MS)
}

pub(crate) fn buckets(span: Span, bucket: Millis) -> Vec<Millis> {
    let mut starts = Vec::new();
    let mut t = span.from;
    while t < span.to {
        starts.push(t);
        t += bucket;
    }
    starts
}

pub(crate) fn median(values: &mut [i64]) -> i64 {
    values.sort_unstable();
    values[values.len() / 2]
}

pub(crate) fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// [`percentile`] without sorting: a linear-time selection that reorders `values`.
pub fn select_percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    let (_, value, _) = values.select_nth_unstable_by(rank.min(values.len()) - 1, f64::total_cmp);
    Some(*value)
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Nearest-rank percentile of sorted values: the smallest value with at least `p` % of the values
/// at or below it.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DAY_MS;

    #[test]
    fn selection_agrees_with_the_sorted_percentile() {
        let mut values: Vec<f64> = (0..1_001).map(|k| ((k * 7_919) % 1_001) as f64).collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [1.0, 50.0, 90.0, 99.0, 100.0] {
            assert_eq!(select_percentile(&mut values, p), percentile(&sorted, p), "p{p}");
        }
        assert_eq!(select_percentile(&mut [], 50.0), None);
    }

    #[test]
    fn buckets_cover_the_window() {
        let hour = Span { from: 0, to: HOUR_MS };
        assert_eq!((bucket_for(hour), buckets(hour, bucket_for(hour)).len()), (5 * MINUTE_MS, 12));
        assert_eq!(log_bucket_for(hour), HOUR_MS, "log volume is hourly");
        let four = Span { from: 0, to: 4 * HOUR_MS };
        assert_eq!((bucket_for(four), buckets(four, bucket_for(four)).len()), (10 * MINUTE_MS, 24));
        let half_day = Span { from: 0, to: 12 * HOUR_MS };
        assert_eq!(bucket_for(half_day), 30 * MINUTE_MS);
        let two_days = Span { from: 0, to: 2 * DAY_MS };
        assert_eq!(bucket_for(two_days), HOUR_MS);
        let day = Span { from: 0, to: DAY_MS };
        assert_eq!(bucket_for(day), HOUR_MS);
        assert_eq!(buckets(day, HOUR_MS).len(), 24);
        let month = Span { from: 0, to: 30 * DAY_MS };
        assert_eq!(bucket_for(month), 15 * HOUR_MS);
        assert_eq!(buckets(month, bucket_for(month)).len(), 48);
    }
}
