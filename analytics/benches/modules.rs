//! Every overview module computed from an in-memory demo dataset, at 100,000 and 1,000,000
//! signals, for the 7-day and 30-day windows: the pure analytics cost, without the database,
//! the cache or serialization (those are in `server/benches/overview.rs`).
//!
//! Run: `cargo bench -p analytics --bench modules` (`BENCH_SIGNALS=100000` for one size only).
//! The clock is fixed, so every run measures the same data.

use analytics::demo::{generate, DemoParams};
use analytics::overview::{compute, ModuleId};
use analytics::time::DAY_MS;
use analytics::{Window, WindowPreset};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// 2026-11-30T12:00:00Z: a fixed "now" for the generated data and the windows.
const NOW: i64 = 1_796_040_000_000;

fn sizes() -> Vec<usize> {
    match std::env::var("BENCH_SIGNALS") {
        Ok(n) => vec![n.parse().expect("BENCH_SIGNALS is a number of signals")],
        Err(_) => vec![100_000, 1_000_000],
    }
}

fn modules(c: &mut Criterion) {
    for signals in sizes() {
        let data = generate(DemoParams { signals, seed: 42, days: 30, now_ms: NOW });
        for preset in [WindowPreset::SevenDays, WindowPreset::ThirtyDays] {
            let span = Window::Preset(preset).span(NOW);
            assert!(span.len() <= 30 * DAY_MS);
            let mut group = c.benchmark_group(format!("{} signals, {}", signals, preset.as_str()));
            group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
            for &id in ModuleId::ALL {
                group.bench_with_input(BenchmarkId::from_parameter(id), &id, |b, &id| b.iter(|| compute(&data, id, span, NOW)));
            }
            group.bench_function("all-nine", |b| b.iter(|| ModuleId::ALL.iter().map(|&id| compute(&data, id, span, NOW)).count()));
            group.finish();
        }
    }
}

criterion_group!(benches, modules);
criterion_main!(benches);
