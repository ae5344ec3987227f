//! The server's charts drawn recently, by what they were drawn from.
//!
//! A page view draws a dozen charts (the logs analyzed over the window, donuts, bars) and the
//! world map; with cached module data they are the same for every reader until the next change,
//! and drawing them was about a fifth of the server's time per overview page (`perf`, 50 readers).
//! Kept: the SVG text, under a 128-bit hash of the input's `Debug` text. Bounded: when the
//! recent charts pass [`BUDGET_BYTES`], they become the older generation and the older one is
//! dropped, so the charts still in use stay and the rest go (memory stays under twice the budget).

use std::collections::HashMap;
use std::fmt::{Debug, Write};
use std::hash::{DefaultHasher, Hasher};
use std::sync::{Arc, Mutex};

/// How many bytes of SVG one generation holds.
const BUDGET_BYTES: usize = 8 << 20;

type Key = (u64, u64);

#[derive(Default)]
struct Generations {
    recent: HashMap<Key, Arc<str>>,
    recent_bytes: usize,
    older: HashMap<Key, Arc<str>>,
}

static DRAWN: Mutex<Option<Generations>> = Mutex::new(None);

/// The chart drawn from `input`, drawn now if it is not kept.
pub(super) fn get_or_draw(input: impl Debug, draw: impl FnOnce() -> String) -> String {
    let key = key_of(&input);
    if let Some(svg) = lookup(key) {
        return svg.to_string();
    }
    let svg = draw();
    keep(key, Arc::from(svg.as_str()));
    svg
}

fn lookup(key: Key) -> Option<Arc<str>> {
    let mut drawn = DRAWN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let drawn = drawn.get_or_insert_with(Generations::default);
    if let Some(svg) = drawn.recent.get(&key) {
        return Some(svg.clone());
    }
    // Still in use: back into the recent generation, so it outlives the next turn.
    let svg = drawn.older.remove(&key)?;
    drawn.recent_bytes += svg.len();
    drawn.recent.insert(key, svg.clone());
    Some(svg)
}

fn keep(key: Key, svg: Arc<str>) {
    if svg.len() > BUDGET_BYTES {
        return;
    }
    let mut drawn = DRAWN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let drawn = drawn.get_or_insert_with(Generations::default);
    if drawn.recent_bytes + svg.len() > BUDGET_BYTES {
        drawn.older = std::mem::take(&mut drawn.recent);
        drawn.recent_bytes = 0;
    }
    drawn.recent_bytes += svg.len();
    drawn.recent.insert(key, svg);
}

/// Two independent SipHash values of the input's `Debug` text (which quotes and escapes text
/// and writes numbers so they read back exactly), and so, with its length, one key per input.
fn key_of(input: &impl Debug) -> Key {
    struct Both(DefaultHasher, DefaultHasher, u64);
    impl Write for Both {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            self.1.write(s.as_bytes());
            self.2 += s.len() as u64;
            Ok(())
        }
    }
    let mut second = DefaultHasher::new();
    second.write_u64(0x5167_6e61_6c62_6f61);
    let mut both = Both(DefaultHasher::new(), second, 0);
    let _ = write!(both, "{input:?}");
    let Both(first, second, length) = both;
    (first.finish() ^ length.rotate_left(32), second.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_drawn_once_for_the_same_input_and_again_for_another() {
        let drawn = std::cell::Cell::new(0);
        let draw = |text: &str| {
            drawn.set(drawn.get() + 1);
            format!("<svg>{text}</svg>")
        };
        let input = ("test-chart", vec![1.0, 2.5], "a \"label\"");
        assert_eq!(get_or_draw(&input, || draw("one")), "<svg>one</svg>");
        assert_eq!(get_or_draw(&input, || draw("two")), "<svg>one</svg>");
        assert_eq!(drawn.get(), 1);
        // Any difference in the input is another chart: a value, or text that only differs
        // in where a quote falls.
        assert_eq!(get_or_draw(("test-chart", vec![1.0, 2.6], "a \"label\""), || draw("three")), "<svg>three</svg>");
        assert_eq!(get_or_draw(("test-chart", vec![1.0, 2.5], "a \"label\"", ""), || draw("four")), "<svg>four</svg>");
        assert_eq!(drawn.get(), 3);
    }

    #[test]
    fn memory_stays_bounded_and_charts_in_use_stay() {
        let big = "x".repeat(BUDGET_BYTES / 4);
        let in_use = ("test-bounded", "in use");
        get_or_draw(in_use, || big.clone());
        for k in 0..20 {
            get_or_draw(("test-bounded", k), || big.clone());
            // Read between the others, as every page view reads it.
            assert_eq!(get_or_draw(in_use, || panic!("drawn again although in use")), big);
        }
        let drawn = DRAWN.lock().unwrap();
        let drawn = drawn.as_ref().unwrap();
        let bytes: usize = drawn.recent.values().chain(drawn.older.values()).map(|s| s.len()).sum();
        assert!(bytes <= 2 * BUDGET_BYTES, "{bytes} bytes kept");
    }
}
