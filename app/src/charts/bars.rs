//! Bar charts: vertical bars with a name under each, and one horizontal bar split into segments.

use plotters::prelude::*;

use super::{compose, fragment, Label, Mark};
use crate::format::compact;

/// One bar: its name under it, its value, where a click leads (or the key the page handles),
/// and the hover text.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) href: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) title: String,
}

/// Vertical bars with a name under each (signals or rules per tactic).
pub(crate) fn bars(size: (u32, u32), label: &str, items: &[Bar], colour: RGBColor) -> String {
    super::memo(("bars", size, label, items, colour), || {
        let (w, h) = (size.0 as f64, size.1 as f64);
        let (bottom, top_room) = (h - 34.0, 14.0);
        let n = items.len().max(1);
        let slot = (w - 8.0) / n as f64;
        let width = slot * 0.7;
        let top = items.iter().map(|i| i.value).fold(0.0, f64::max).max(1.0);
        let mut marks = Vec::new();
        let mut labels = Vec::new();
        for (k, Bar { name, value, href, key, title }) in items.iter().enumerate() {
            let x0 = 4.0 + slot * k as f64 + (slot - width) / 2.0;
            let y1 = bottom - (bottom - top_room) * value / top;
            marks.push(Mark {
                body: fragment(size, |area| {
                    let _ = area.draw(&Rectangle::new(
                        [(x0.round() as i32, y1.round() as i32), ((x0 + width).round() as i32, bottom.round() as i32)],
                        colour.filled(),
                    ));
                }),
                title: title.clone(),
                href: href.clone(),
                count: Some(*value as u64),
                class: "bar",
                key: key.clone(),
            });
            labels.push(Label::new(x0 + width / 2.0, y1 - 3.0, compact(*value), "middle"));
            labels.push(Label::new(x0 + width / 2.0, bottom + 13.0, name.clone(), "middle"));
        }
        compose(size, label, &[], &marks, &labels)
    })
}

/// A horizontal bar split into segments sized by value (enabled packs by category).
pub(crate) fn segment_bar(size: (u32, u32), label: &str, segments: &[(String, f64, RGBColor, Option<String>)]) -> String {
    super::memo(("segment_bar", size, label, segments), || {
        let total: f64 = segments.iter().map(|s| s.1).sum();
        let (w, h) = (size.0 as f64, size.1 as f64);
        let mut x: f64 = 0.0;
        let mut marks = Vec::new();
        for (title, value, colour, href) in segments.iter().filter(|s| s.1 > 0.0) {
            let width = w * value / total.max(1e-9);
            let x0 = x;
            marks.push(Mark {
                body: fragment(size, |area| {
                    let _ = area.draw(&Rectangle::new(
                        [(x0.round() as i32, 0), ((x0 + width - 2.0).round() as i32, h as i32)],
                        colour.filled(),
                    ));
                }),
                title: title.clone(),
                href: href.clone(),
                count: Some(*value as u64),
                class: "segment",
                key: None,
            });
            x += width;
        }
        compose(size, label, &[], &marks, &[])
    })
}
