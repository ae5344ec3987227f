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

/// The least height of a node, so that every node can carry its label.
const MIN_NODE: f64 = 13.0;
/// The least thickness of a band, so that the thinnest still has an area of its own to hover.
const MIN_BAND: f64 = 2.5;

/// A flow (Sankey) diagram in columns: nodes are `column_names[c]` entries in the order given,
/// bands join a node of one column to a node of the next. `colour_of(node)` colours a node and
/// the bands leaving it.
///
/// Every node is labelled: a node is at least [`MIN_NODE`] high, with the scale chosen so that
/// every column still fits. Bands leave and enter a node in the order of the node at their
/// other end, which keeps crossings few, and the thinnest are drawn last, on top, so each band
/// keeps an area of its own that hovering and clicking reach.
pub(crate) fn flow(
    size: (u32, u32),
    label: &str,
    columns: &[Vec<(String, String)>],
    bands: &[Band],
    colour_of: impl Fn(&str) -> RGBColor,
) -> String {
    let nodes = columns.iter().flatten().map(|(node, _)| node).chain(bands.iter().map(|b| &b.from));
    let colours: Vec<RGBColor> = nodes.map(|node| colour_of(node)).collect();
    super::memo(("flow", size, label, columns, bands, &colours), || {
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
        // A node is as tall as its value, but never shorter than its label needs nor than the bands
        // leaving or entering it, each at its least thickness.
        // Each node's band values, leaving and entering, gathered once: the scale is searched for.
        let mut ends: std::collections::HashMap<&str, (Vec<f64>, Vec<f64>)> = Default::default();
        for b in bands {
            ends.entry(b.from.as_str()).or_default().0.push(b.value);
            ends.entry(b.to.as_str()).or_default().1.push(b.value);
        }
        let node_height = |id: &str, value: f64, scale: f64| -> f64 {
            let side = |values: &[f64]| -> f64 { values.iter().map(|v| (v * scale).max(MIN_BAND)).sum() };
            let (out, inn) = ends.get(id).map_or((0.0, 0.0), |(o, i)| (side(o), side(i)));
            (value * scale).max(MIN_NODE).max(out).max(inn)
        };
        let scale = fit_scale(&columns, h - 4.0, gap, &node_height);
        let x_of = |c: usize| left_room + (w - left_room - right_room - node_w) * c as f64 / (ncols - 1) as f64;
        // Node tops and heights.
        let mut place: std::collections::HashMap<&str, (usize, f64, f64)> = Default::default();
        let mut marks = Vec::new();
        let mut labels = Vec::new();
        for (c, col) in columns.iter().enumerate() {
            let mut y: f64 = 2.0;
            for (id, name, value) in col {
                let height = node_height(id, *value, scale);
                place.insert(id.as_str(), (c, y, height));
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
                labels.push(Label::new(lx, y + height / 2.0 + 4.0, name.clone(), anchor));
                y += height + gap;
            }
        }
        let name_of = |id: &str| {
            columns.iter().flatten().find(|n| n.0 == id).map_or_else(|| id.to_owned(), |n| n.1.clone())
        };
        // Where each band leaves and enters its nodes: in the order of the node at the other end,
        // spread over the node's height when it was raised to its least height.
        let placed: Vec<(&Band, (usize, f64, f64), (usize, f64, f64))> = bands
            .iter()
            .filter_map(|b| Some((b, *place.get(b.from.as_str())?, *place.get(b.to.as_str())?)))
            .collect();
        let thickness = |b: &Band| (b.value * scale).max(MIN_BAND);
        let mut from_top = vec![0.0; placed.len()];
        let mut to_top = vec![0.0; placed.len()];
        for (side, tops) in [(0, &mut from_top), (1, &mut to_top)] {
            let mut order: Vec<usize> = (0..placed.len()).collect();
            // Group by this end's node, then order by the other end's position.
            let key = |k: usize| {
                let (b, from, to) = &placed[k];
                let (this, other) = if side == 0 { (&b.from, to) } else { (&b.to, from) };
                (this.clone(), other.1)
            };
            order.sort_by(|&a, &b| {
                let (na, ya) = key(a);
                let (nb, yb) = key(b);
                na.cmp(&nb).then(ya.total_cmp(&yb))
            });
            let mut k = 0;
            while k < order.len() {
                let node = key(order[k]).0;
                let group: Vec<usize> = order[k..].iter().copied().take_while(|&j| key(j).0 == node).collect();
                let (_, top, height) = if side == 0 { placed[group[0]].1 } else { placed[group[0]].2 };
                let used: f64 = group.iter().map(|&j| thickness(placed[j].0)).sum();
                // Extra room (a node raised to its least height) goes between the bands.
                let spare = ((height - used) / (group.len() + 1) as f64).max(0.0);
                let mut y = top + spare;
                for &j in &group {
                    tops[j] = y;
                    y += thickness(placed[j].0) + spare;
                }
                k += group.len();
            }
        }
        let mut band_marks: Vec<(f64, Mark)> = Vec::new();
        for (k, (band, (c0, ..), (c1, ..))) in placed.iter().enumerate() {
            let t = thickness(band);
            let (a_top, a_x) = (from_top[k], x_of(*c0) + node_w);
            let (b_top, b_x) = (to_top[k], x_of(*c1));
            let colour = colour_of(&band.from);
            band_marks.push((
                t,
                Mark {
                    body: band_path((a_x, a_top), (b_x, b_top), t, colour),
                    title: format!("{} → {}: {}", name_of(&band.from), name_of(&band.to), thousands(band.value)),
                    href: Some(band.href.clone()),
                    count: Some(band.value as u64),
                    class: "band",
                    key: None,
                },
            ));
        }
        // The widest first: a thinner band is drawn over any wider one it crosses.
        band_marks.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut all: Vec<Mark> = band_marks.into_iter().map(|(_, m)| m).collect();
        // Nodes over the bands.
        all.append(&mut marks);
        compose(size, label, &[], &all, &labels)
    })
}

/// A band `thickness` thick from `(x, top)` on its left node to `(x, top)` on its right one: two
/// cubic Béziers with horizontal tangents at both ends (the top edge left to right, the bottom edge
/// back), as one SVG path of a few dozen bytes.
fn band_path(from: (f64, f64), to: (f64, f64), thickness: f64, colour: RGBColor) -> String {
    let ((ax, at), (bx, bt)) = (from, to);
    let (ab, bb) = (at + thickness, bt + thickness);
    let mid = (ax + bx) / 2.0;
    let RGBColor(r, g, b) = colour;
    format!(
        r##"<path d="M{ax:.1},{at:.1}C{mid:.1},{at:.1} {mid:.1},{bt:.1} {bx:.1},{bt:.1}L{bx:.1},{bb:.1}C{mid:.1},{bb:.1} {mid:.1},{ab:.1} {ax:.1},{ab:.1}Z" fill="#{r:02X}{g:02X}{b:02X}" opacity="0.35"/>"##
    )
}

/// The largest scale (pixels per signal) at which every column fits in `height`, each node
/// `node_height(id, value, scale)` high and `gap` apart.
fn fit_scale(
    columns: &[Vec<(String, String, f64)>],
    height: f64,
    gap: f64,
    node_height: &dyn Fn(&str, f64, f64) -> f64,
) -> f64 {
    let fits = |scale: f64| {
        columns.iter().all(|col| {
            let used: f64 = col.iter().map(|n| node_height(&n.0, n.2, scale)).sum::<f64>();
            used + gap * col.len().saturating_sub(1) as f64 <= height
        })
    };
    let largest = columns.iter().flatten().map(|n| n.2).fold(0.0, f64::max);
    if largest <= 0.0 {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0, height / largest);
    if fits(hi) {
        return hi;
    }
    for _ in 0..50 {
        let mid = (lo + hi) / 2.0;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
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

    #[test]
    fn every_node_is_labelled_and_thin_bands_are_drawn_over_wide_ones() {
        let columns = vec![
            vec![("s:big".to_owned(), "big".to_owned()), ("s:tiny".to_owned(), "tiny".to_owned())],
            vec![("t:x".to_owned(), "x".to_owned()), ("t:y".to_owned(), "y".to_owned())],
        ];
        let bands = vec![
            Band { from: "s:big".into(), to: "t:x".into(), value: 5000.0, href: "/a".into() },
            Band { from: "s:big".into(), to: "t:y".into(), value: 4000.0, href: "/b".into() },
            Band { from: "s:tiny".into(), to: "t:x".into(), value: 1.0, href: "/c".into() },
        ];
        let svg = flow((400, 200), "flow", &columns, &bands, |_| palette(0));
        assert!(svg.contains(">tiny</text>"), "a one-signal node keeps its label: {svg}");
        let at = |needle: &str| svg.find(needle).unwrap_or_else(|| panic!("{needle} in {svg}"));
        assert!(at("href=\"/c\"") > at("href=\"/a\"") && at("href=\"/c\"") > at("href=\"/b\""), "the thinnest band is drawn last");
        assert!(at("class=\"mark node\"") > at("href=\"/c\""), "nodes are drawn over bands");
        let columns_fit = fit_scale(
            &[vec![("a".into(), "a".into(), 1000.0), ("b".into(), "b".into(), 1.0), ("c".into(), "c".into(), 1.0)]],
            100.0,
            5.0,
            &|_, v, scale| (v * scale).max(MIN_NODE),
        );
        assert!(1000.0 * columns_fit + 2.0 * MIN_NODE + 10.0 <= 100.0 + 1e-6);
        assert!(1000.0 * columns_fit + 2.0 * MIN_NODE + 10.0 > 99.0, "the scale uses the room there is");
    }

    #[test]
    fn a_small_node_with_many_bands_holds_them_all_inside_the_chart() {
        // One big source and a small one with a band to each of eight resolutions.
        let resolutions: Vec<(String, String)> = (0..8).map(|k| (format!("r:{k}"), format!("r{k}"))).collect();
        let columns = vec![vec![("s:big".to_owned(), "big".to_owned()), ("s:small".to_owned(), "small".to_owned())], resolutions];
        let mut bands: Vec<Band> = (0..8).map(|k| Band { from: "s:big".into(), to: format!("r:{k}"), value: 10_000.0, href: format!("/b{k}") }).collect();
        bands.extend((0..8).map(|k| Band { from: "s:small".into(), to: format!("r:{k}"), value: 1.0, href: format!("/s{k}") }));
        let svg = flow((400, 200), "flow", &columns, &bands, |_| palette(0));
        // Every band's end and control points (so, a Bézier being inside their hull, the whole
        // band) lie inside the 200-pixel-high canvas.
        let paths: Vec<&str> = svg.split("<path d=\"").skip(1).map(|p| &p[..p.find('"').unwrap()]).collect();
        assert_eq!(paths.len(), 16, "one path per band");
        for d in paths {
            let numbers: Vec<f64> = d.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).filter(|n| !n.is_empty()).map(|n| n.parse().unwrap()).collect();
            assert_eq!(numbers.len(), 16, "{d}");
            for y in numbers.iter().skip(1).step_by(2) {
                assert!((0.0..=200.0).contains(y), "{y} in {d}");
            }
        }
    }
}
