//! The flow (Sankey) diagram: how many signals go from one node to the next, column by column.

use plotters::prelude::*;

use super::{compose, fragment, Label, Mark};
use crate::format::thousands;

/// One band of a flow diagram, between two nodes (`column:name`).
#[derive(Debug, Clone)]
pub(crate) struct Band {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) value: f64,
    pub(crate) href: String,
}

/// A flow (Sankey) diagram in columns: nodes are `column_names[c]` entries in the order given,
/// bands join a node of one column to a node of the next. `colour_of(node)` colours a node and
/// the bands leaving it.
pub(crate) fn flow(
    size: (u32, u32),
    label: &str,
    columns: &[Vec<(String, String)>],
    bands: &[Band],
    colour_of: impl Fn(&str) -> RGBColor,
) -> String {
    let (w, h) = (size.0 as f64, size.1 as f64);
    let (left_room, right_room, node_w, gap) = (84.0, 118.0, 10.0, 5.0);
    let total_of = |node: &str| -> f64 {
        let out: f64 = bands.iter().filter(|b| b.from == node).map(|b| b.value).sum();
        let inn: f64 = bands.iter().filter(|b| b.to == node).map(|b| b.value).sum();
        out.max(inn)
    };
    let columns: Vec<Vec<(String, String, f64)>> = columns
        .iter()
        .map(|col| {
            col.iter()
                .map(|(id, name)| (id.clone(), name.clone(), total_of(id)))
                .filter(|(_, _, v)| *v > 0.0)
                .collect()
        })
        .collect();
    let ncols = columns.len().max(2);
    let scale = columns
        .iter()
        .map(|col| {
            let sum: f64 = col.iter().map(|n| n.2).sum();
            (h - 4.0 - gap * col.len().saturating_sub(1) as f64) / sum.max(1e-9)
        })
        .fold(f64::INFINITY, f64::min);
    let x_of = |c: usize| left_room + (w - left_room - right_room - node_w) * c as f64 / (ncols - 1) as f64;
    // Node tops, and running offsets for the bands leaving and entering each node.
    let mut top = std::collections::HashMap::new();
    let mut marks = Vec::new();
    let mut labels = Vec::new();
    for (c, col) in columns.iter().enumerate() {
        let mut y: f64 = 2.0;
        for (id, name, value) in col {
            top.insert(id.clone(), (c, y));
            let height = (value * scale).max(1.0);
            let x = x_of(c);
            let colour = colour_of(id);
            marks.push(Mark {
                body: fragment(size, |area| {
                    let _ = area.draw(&Rectangle::new(
                        [(x.round() as i32, y.round() as i32), ((x + node_w).round() as i32, (y + height).round() as i32)],
                        colour.filled(),
                    ));
                }),
                title: format!("{name}: {}", thousands(*value)),
                class: "node",
                ..Mark::default()
            });
            let (lx, anchor) = if c == 0 {
                (x - 6.0, "end")
            } else if c + 1 == columns.len() {
                (x + node_w + 6.0, "start")
            } else {
                (x + node_w + 4.0, "start")
            };
            if height >= 9.0 {
                labels.push(Label::new(lx, y + height / 2.0 + 4.0, name.clone(), anchor));
            }
            y += height + gap;
        }
    }
    let mut out_offset: std::collections::HashMap<&str, f64> = Default::default();
    let mut in_offset: std::collections::HashMap<&str, f64> = Default::default();
    let name_of = |id: &str| {
        columns.iter().flatten().find(|n| n.0 == id).map_or_else(|| id.to_owned(), |n| n.1.clone())
    };
    for band in bands {
        let (Some(&(c0, y0)), Some(&(c1, y1))) = (top.get(&band.from), top.get(&band.to)) else { continue };
        let thickness = (band.value * scale).max(0.8);
        let from_off = out_offset.entry(band.from.as_str()).or_insert(0.0);
        let (a_top, a_x) = (y0 + *from_off, x_of(c0) + node_w);
        *from_off += thickness;
        let to_off = in_offset.entry(band.to.as_str()).or_insert(0.0);
        let (b_top, b_x) = (y1 + *to_off, x_of(c1));
        *to_off += thickness;
        let curve = |t: f64, ya: f64, yb: f64| {
            // A cubic Bézier with horizontal tangents at both ends.
            let mt = 1.0 - t;
            let x = mt * mt * mt * a_x + 3.0 * mt * mt * t * (a_x + b_x) / 2.0 + 3.0 * mt * t * t * (a_x + b_x) / 2.0 + t * t * t * b_x;
            let y = mt * mt * mt * ya + 3.0 * mt * mt * t * ya + 3.0 * mt * t * t * yb + t * t * t * yb;
            (x.round() as i32, y.round() as i32)
        };
        const STEPS: usize = 20;
        let mut points: Vec<(i32, i32)> = (0..=STEPS).map(|s| curve(s as f64 / STEPS as f64, a_top, b_top)).collect();
        points.extend(
            (0..=STEPS).rev().map(|s| curve(s as f64 / STEPS as f64, a_top + thickness, b_top + thickness)),
        );
        let colour = colour_of(&band.from);
        marks.push(Mark {
            body: fragment(size, |area| {
                let _ = area.draw(&Polygon::new(points, colour.mix(0.35).filled()));
            }),
            title: format!(
                "{} → {}: {}",
                name_of(&band.from),
                name_of(&band.to),
                thousands(band.value)
            ),
            href: Some(band.href.clone()),
            count: Some(band.value as u64),
            class: "band",
            key: None,
        });
    }
    // Bands under the nodes: move node marks last.
    marks.sort_by_key(|m| m.class == "node");
    compose(size, label, &[], &marks, &labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::palette;

    #[test]
    fn flow_bands_keep_their_values_and_links() {
        let columns = vec![
            vec![("severity:high".to_owned(), "high".to_owned())],
            vec![("source:a".to_owned(), "A".to_owned()), ("source:b".to_owned(), "B".to_owned())],
            vec![("resolution:open".to_owned(), "open".to_owned())],
        ];
        let bands = vec![
            Band { from: "severity:high".into(), to: "source:a".into(), value: 3.0, href: "/x?1".into() },
            Band { from: "severity:high".into(), to: "source:b".into(), value: 1.0, href: "/x?2".into() },
            Band { from: "source:a".into(), to: "resolution:open".into(), value: 3.0, href: "/x?3".into() },
            Band { from: "source:b".into(), to: "resolution:open".into(), value: 1.0, href: "/x?4".into() },
        ];
        let svg = flow((400, 200), "flow", &columns, &bands, |_| palette(0));
        assert_eq!(svg.matches("class=\"mark band\"").count(), 4);
        assert!(svg.contains("<title>high → A: 3</title>"), "{svg}");
        assert!(svg.contains("<title>B → open: 1</title>"));
        assert!(svg.contains(">open</text>"), "node names are labelled");
        assert!(!svg.contains("NaN"));
    }
}
