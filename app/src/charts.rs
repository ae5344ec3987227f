//! Charts drawn with plotters as SVG text, the same on the server and in the browser, so a
//! server-rendered chart hydrates unchanged.
//!
//! Plotters draws the shapes. Each shape that can be hovered or clicked is drawn on its own and
//! wrapped in a [`Mark`]: an SVG `<a>` (a drill-down link) or `<g>` with a `<title>`, which the
//! browser shows on hover with the exact value. Text (axis ends, node names) is added as plain
//! SVG `<text>` styled by the page's CSS, so it follows the theme.

use plotters::coord::Shift;
use plotters::prelude::*;

/// The colour of each severity's series, in `Severity::ALL` order (matches the CSS pills).
pub const SEVERITY_COLOURS: [RGBColor; 5] = [
    RGBColor(0xf6, 0x56, 0x6b),
    RGBColor(0xff, 0x8a, 0x4c),
    RGBColor(0xf5, 0xb9, 0x4a),
    RGBColor(0x5b, 0x8c, 0xff),
    RGBColor(0x8e, 0x9b, 0xb8),
];

/// Colours for categorical series (sources, categories, countries), readable on both themes.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x5b, 0x8c, 0xff),
    RGBColor(0x36, 0xd3, 0x99),
    RGBColor(0xf5, 0xb9, 0x4a),
    RGBColor(0xc0, 0x84, 0xfc),
    RGBColor(0xff, 0x8a, 0x4c),
    RGBColor(0x22, 0xd3, 0xee),
    RGBColor(0xf4, 0x72, 0xb6),
    RGBColor(0xa3, 0xe6, 0x35),
    RGBColor(0xfb, 0x71, 0x85),
    RGBColor(0x94, 0xa3, 0xb8),
];

pub fn palette(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// `#rrggbb`, for HTML next to a chart (legend swatches).
pub fn css(colour: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

/// A heat colour for `t` in 0..=1 on the accent ramp: transparent-ish at 0, full at 1.
pub fn heat(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    if t == 0.0 {
        return "transparent".to_owned();
    }
    format!("rgba(91, 140, 255, {:.2})", 0.15 + 0.8 * t)
}

/// A small area chart of `points` (a KPI's trend over the window), `width` × `height` pixels.
pub fn sparkline(points: &[u64], colour: RGBColor, width: u32, height: u32) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let top = points.iter().copied().max().unwrap_or(0).max(1) as f64;
        let last = points.len().saturating_sub(1).max(1) as f64;
        let (w, h, m) = (width as f64, height as f64, 2.0);
        let line: Vec<(i32, i32)> = points
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let x = m + (w - 2.0 * m) * i as f64 / last;
                let y = h - m - (h - 2.0 * m) * v as f64 / top;
                (x.round() as i32, y.round() as i32)
            })
            .collect();
        if let (Some(&(x0, _)), Some(&(x1, _))) = (line.first(), line.last()) {
            let base = (h - m).round() as i32;
            let mut area = line.clone();
            area.push((x1, base));
            area.push((x0, base));
            let _ = root.draw(&Polygon::new(area, colour.mix(0.22).filled()));
            let _ = root.draw(&PathElement::new(line, colour.stroke_width(2)));
        }
        let _ = root.present();
    }
    svg
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// What plotters draws inside its `<svg>`: the elements alone, to be placed in a larger SVG.
pub fn fragment(size: (u32, u32), draw: impl FnOnce(&Area<'_>)) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root);
        let _ = root.present();
    }
    let start = svg.find("<svg").and_then(|at| svg[at..].find('>').map(|end| at + end + 1)).unwrap_or(0);
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    svg[start..end].trim().to_owned()
}

/// One hoverable (and, with `href`, clickable) shape of a chart.
#[derive(Debug, Clone, Default)]
pub struct Mark {
    /// SVG elements: usually a [`fragment`].
    pub body: String,
    /// Shown on hover: the exact value.
    pub title: String,
    /// Where a click leads (the signals behind the shape).
    pub href: Option<String>,
    /// The number the shape stands for, for tests and scripts (`data-count`).
    pub count: Option<u64>,
    /// A CSS class for the mark (`band`, `wedge`, `bar`…).
    pub class: &'static str,
    /// Names the shape for the page's own click handling (`data-key`), when a click opens
    /// something on the page rather than a link.
    pub key: Option<String>,
}

/// A piece of text in a chart.
#[derive(Debug, Clone)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
}

impl Label {
    pub fn new(x: f64, y: f64, text: impl Into<String>, anchor: &'static str) -> Label {
        Label { x, y, text: text.into(), anchor }
    }
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole chart: a responsive `<svg>` holding the background layers, the marks and the labels.
pub fn compose(size: (u32, u32), label: &str, layers: &[String], marks: &[Mark], labels: &[Label]) -> String {
    let (w, h) = size;
    let mut out = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(label)
    );
    for layer in layers {
        out.push_str(layer);
    }
    for mark in marks {
        let mut count = mark.count.map(|n| format!(r#" data-count="{n}""#)).unwrap_or_default();
        if let Some(key) = &mark.key {
            count.push_str(&format!(r#" data-key="{}" tabindex="0" role="button""#, escape(key)));
        }
        let title = format!("<title>{}</title>", escape(&mark.title));
        match &mark.href {
            Some(href) => out.push_str(&format!(
                r#"<a class="mark {}" href="{}"{count}>{title}{}</a>"#,
                mark.class,
                escape(href),
                mark.body
            )),
            None => out.push_str(&format!(r#"<g class="mark {}"{count}>{title}{}</g>"#, mark.class, mark.body)),
        }
    }
    for l in labels {
        out.push_str(&format!(
            r#"<text class="chart-text" x="{:.1}" y="{:.1}" text-anchor="{}">{}</text>"#,
            l.x,
            l.y,
            l.anchor,
            escape(&l.text)
        ));
    }
    out.push_str("</svg>");
    out
}

/// A transparent full-height column over one bucket of a time chart: hovering it shows every
/// series' value at that time.
fn hover_column(x0: f64, x1: f64, top: f64, bottom: f64, title: String) -> Mark {
    Mark {
        body: format!(
            r#"<rect x="{x0:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="currentColor" fill-opacity="0"/>"#,
            (x1 - x0).max(0.5),
            bottom - top
        ),
        title,
        class: "hover-column",
        ..Mark::default()
    }
}

/// `1.2k`, `34`, `5.6M`: short axis numbers.
pub fn compact(n: f64) -> String {
    match n.abs() {
        v if v >= 1e6 => format!("{:.1}M", n / 1e6),
        v if v >= 1e4 => format!("{:.0}k", n / 1e3),
        v if v >= 1e3 => format!("{:.1}k", n / 1e3),
        _ => format!("{n:.0}"),
    }
}

/// One series of a time chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: RGBColor,
    pub values: Vec<f64>,
}

/// The plot rectangle inside a chart: room on the left for the y axis, below for the time.
#[derive(Debug, Clone, Copy)]
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Plot {
    fn of(size: (u32, u32)) -> Plot {
        Plot { left: 40.0, right: size.0 as f64 - 6.0, top: 8.0, bottom: size.1 as f64 - 18.0 }
    }

    fn x(&self, k: usize, n: usize) -> f64 {
        if n <= 1 {
            return (self.left + self.right) / 2.0;
        }
        self.left + (self.right - self.left) * k as f64 / (n - 1) as f64
    }

    fn y(&self, value: f64, top: f64) -> f64 {
        self.bottom - (self.bottom - self.top) * (value / top.max(1e-9))
    }

    fn axes(&self, top: f64, first: &str, last: &str) -> (String, Vec<Label>) {
        let (l, r, t, b) = (self.left as i32, self.right as i32, self.top as i32, self.bottom as i32);
        let grid = fragment(((r + 10) as u32, (b + 20) as u32), |area| {
            let line = RGBColor(0x8e, 0x9b, 0xb8).mix(0.25);
            let _ = area.draw(&PathElement::new(vec![(l, b), (r, b)], line.stroke_width(1)));
            let _ = area.draw(&PathElement::new(vec![(l, t), (r, t)], line.mix(0.5).stroke_width(1)));
        });
        let labels = vec![
            Label::new(self.left - 6.0, self.top + 4.0, compact(top), "end"),
            Label::new(self.left - 6.0, self.bottom, "0", "end"),
            Label::new(self.left, self.bottom + 14.0, first, "start"),
            Label::new(self.right, self.bottom + 14.0, last, "end"),
        ];
        (grid, labels)
    }
}

/// A stacked area chart over time (log volume per source). `visible[k]` hides series `k`;
/// `anomalies` are `(series, bucket, what)` marked with a ring on that series.
pub fn stacked_area(
    size: (u32, u32),
    label: &str,
    series: &[Series],
    visible: &[bool],
    times: &[String],
    anomalies: &[(usize, usize, String)],
) -> String {
    let n = times.len();
    let plot = Plot::of(size);
    let shown: Vec<usize> = (0..series.len()).filter(|&k| visible.get(k).copied().unwrap_or(true)).collect();
    let mut cumulative = vec![vec![0.0; n]; shown.len() + 1];
    for (row, &k) in shown.iter().enumerate() {
        for j in 0..n {
            cumulative[row + 1][j] = cumulative[row][j] + series[k].values.get(j).copied().unwrap_or(0.0);
        }
    }
    let top = cumulative.last().map_or(0.0, |c| c.iter().copied().fold(0.0, f64::max)).max(1.0);
    let pt = |j: usize, v: f64| (plot.x(j, n).round() as i32, plot.y(v, top).round() as i32);

    let mut marks = Vec::new();
    for (row, &k) in shown.iter().enumerate() {
        let s = &series[k];
        let upper: Vec<(i32, i32)> = (0..n).map(|j| pt(j, cumulative[row + 1][j])).collect();
        let mut outline = upper.clone();
        outline.extend((0..n).rev().map(|j| pt(j, cumulative[row][j])));
        let total: f64 = s.values.iter().sum();
        marks.push(Mark {
            body: fragment(size, |area| {
                let _ = area.draw(&Polygon::new(outline, s.colour.mix(0.45).filled()));
                let _ = area.draw(&PathElement::new(upper, s.colour.stroke_width(2)));
            }),
            title: format!("{}: {} in the window", s.name, crate::panels::thousands(total)),
            class: "series",
            ..Mark::default()
        });
    }
    for j in 0..n {
        let half = if n > 1 { (plot.right - plot.left) / (n - 1) as f64 / 2.0 } else { 10.0 };
        let x = plot.x(j, n);
        let mut title = times[j].clone();
        for &k in shown.iter().rev() {
            let v = series[k].values.get(j).copied().unwrap_or(0.0);
            title.push_str(&format!("\n{}: {}", series[k].name, crate::panels::thousands(v)));
        }
        marks.push(hover_column((x - half).max(plot.left), (x + half).min(plot.right), plot.top, plot.bottom, title));
    }
    for (k, j, what) in anomalies {
        let Some(row) = shown.iter().position(|s| s == k) else { continue };
        if *j >= n {
            continue;
        }
        let (x, y) = pt(*j, cumulative[row + 1][*j]);
        marks.push(Mark {
            body: fragment(size, |area| {
                let _ = area.draw(&Circle::new((x, y), 6, RGBColor(0xf6, 0x56, 0x6b).stroke_width(2)));
                let _ = area.draw(&Circle::new((x, y), 2, RGBColor(0xf6, 0x56, 0x6b).filled()));
            }),
            title: format!("{} at {}: {what}", series[*k].name, times[*j]),
            class: "anomaly",
            ..Mark::default()
        });
    }
    let (grid, labels) = plot.axes(top, times.first().map_or("", |s| s), times.last().map_or("", |s| s));
    compose(size, label, &[grid], &marks, &labels)
}

/// Stacked bars over time (signal activity by severity). `link(series, bucket)` gives where a
/// segment leads.
pub fn stacked_bars(
    size: (u32, u32),
    label: &str,
    series: &[Series],
    visible: &[bool],
    times: &[String],
    link: impl Fn(usize, usize) -> Option<String>,
) -> String {
    let n = times.len();
    let plot = Plot::of(size);
    let shown: Vec<usize> = (0..series.len()).filter(|&k| visible.get(k).copied().unwrap_or(true)).collect();
    let totals: Vec<f64> = (0..n)
        .map(|j| shown.iter().map(|&k| series[k].values.get(j).copied().unwrap_or(0.0)).sum())
        .collect();
    let top = totals.iter().copied().fold(0.0, f64::max).max(1.0);
    let slot = (plot.right - plot.left) / n.max(1) as f64;
    let width = (slot * 0.72).max(1.0);
    let mut marks = Vec::new();
    for j in 0..n {
        let x0 = plot.left + slot * j as f64 + (slot - width) / 2.0;
        let mut base = 0.0;
        for &k in &shown {
            let v = series[k].values.get(j).copied().unwrap_or(0.0);
            if v <= 0.0 {
                continue;
            }
            let (y1, y0) = (plot.y(base + v, top), plot.y(base, top));
            base += v;
            let colour = series[k].colour;
            marks.push(Mark {
                body: fragment(size, |area| {
                    let _ = area.draw(&Rectangle::new(
                        [(x0.round() as i32, y1.round() as i32), ((x0 + width).round() as i32, y0.round() as i32)],
                        colour.filled(),
                    ));
                }),
                title: format!("{} · {}: {}", times[j], series[k].name, crate::panels::thousands(v)),
                href: link(k, j),
                count: Some(v as u64),
                class: "bar",
                key: None,
            });
        }
    }
    let (grid, labels) = plot.axes(top, times.first().map_or("", |s| s), times.last().map_or("", |s| s));
    compose(size, label, &[grid], &marks, &labels)
}

/// One wedge of a donut.
#[derive(Debug, Clone)]
pub struct Wedge {
    pub label: String,
    pub value: f64,
    pub colour: RGBColor,
    pub href: Option<String>,
    pub key: Option<String>,
}

/// A donut chart: one wedge per value, clockwise from the top, the total in the middle.
pub fn donut(size: u32, label: &str, wedges: &[Wedge], centre: &str) -> String {
    let total: f64 = wedges.iter().map(|w| w.value).sum();
    let c = size as f64 / 2.0;
    let (outer, inner) = (c - 4.0, c * 0.58);
    let mut marks = Vec::new();
    let mut start = 0.0f64;
    for w in wedges.iter().filter(|w| w.value > 0.0) {
        let sweep = w.value / total.max(1e-9) * std::f64::consts::TAU;
        let end = start + sweep;
        let steps = ((sweep / 0.05).ceil() as usize).max(2);
        let at = |angle: f64, r: f64| ((c + r * angle.sin()).round() as i32, (c - r * angle.cos()).round() as i32);
        let mut points: Vec<(i32, i32)> = (0..=steps).map(|s| at(start + sweep * s as f64 / steps as f64, outer)).collect();
        points.extend((0..=steps).rev().map(|s| at(start + sweep * s as f64 / steps as f64, inner)));
        let colour = w.colour;
        marks.push(Mark {
            body: fragment((size, size), |area| {
                let _ = area.draw(&Polygon::new(points, colour.filled()));
            }),
            title: format!(
                "{}: {} ({:.1}%)",
                w.label,
                crate::panels::thousands(w.value),
                w.value * 100.0 / total.max(1e-9)
            ),
            href: w.href.clone(),
            count: Some(w.value as u64),
            class: "wedge",
            key: w.key.clone(),
        });
        start = end;
    }
    let labels = [Label::new(c, c + 5.0, centre, "middle")];
    compose((size, size), label, &[], &marks, &labels)
}

/// One band of a flow diagram, between two nodes (`column:name`).
#[derive(Debug, Clone)]
pub struct Band {
    pub from: String,
    pub to: String,
    pub value: f64,
    pub href: String,
}

/// A flow (Sankey) diagram in columns: nodes are `column_names[c]` entries in the order given,
/// bands join a node of one column to a node of the next. `colour_of(node)` colours a node and
/// the bands leaving it.
pub fn flow(
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
                title: format!("{name}: {}", crate::panels::thousands(*value)),
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
                crate::panels::thousands(band.value)
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

/// Vertical bars with a name under each (signals or rules per tactic).
/// One bar: its name under it, its value, where a click leads (or the key the page handles),
/// and the hover text.
#[derive(Debug, Clone)]
pub struct Bar {
    pub name: String,
    pub value: f64,
    pub href: Option<String>,
    pub key: Option<String>,
    pub title: String,
}

pub fn bars(size: (u32, u32), label: &str, items: &[Bar], colour: RGBColor) -> String {
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
}

/// A horizontal bar split into segments sized by value (enabled packs by category).
pub fn segment_bar(size: (u32, u32), label: &str, segments: &[(String, f64, RGBColor, Option<String>)]) -> String {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_is_an_svg_of_the_series() {
        let svg = sparkline(&[0, 3, 9, 4, 1], SEVERITY_COLOURS[0], 120, 32);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("width=\"120\"") && svg.contains("height=\"32\""));
        assert!(svg.contains("<polyline") || svg.contains("<path") || svg.contains("<polygon"), "{svg}");
        assert!(svg.contains("#F6566B") || svg.to_lowercase().contains("#f6566b"), "{svg}");
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn an_empty_or_flat_series_still_draws() {
        for points in [&[][..], &[0, 0, 0][..], &[5][..]] {
            let svg = sparkline(points, SEVERITY_COLOURS[4], 80, 20);
            assert!(svg.starts_with("<svg") && !svg.contains("NaN"), "{svg}");
        }
    }

    #[test]
    fn a_fragment_is_the_inside_of_plotters_svg() {
        let inner = fragment((10, 10), |area| {
            let _ = area.draw(&Rectangle::new([(1, 1), (5, 5)], RED.filled()));
        });
        assert!(!inner.contains("<svg") && !inner.contains("</svg>"), "{inner}");
        assert!(inner.contains("<rect"), "{inner}");
    }

    #[test]
    fn wedges_are_links_with_their_exact_value() {
        let wedges = vec![
            Wedge { label: "NL".into(), value: 30.0, colour: palette(0), href: Some("/signals?q=nl".into()), key: None },
            Wedge { label: "US".into(), value: 10.0, colour: palette(1), href: None, key: Some("US".into()) },
            Wedge { label: "none".into(), value: 0.0, colour: palette(2), href: None, key: None },
        ];
        let svg = donut(120, "Signals by country", &wedges, "40");
        assert_eq!(svg.matches("class=\"mark wedge\"").count(), 2, "an empty wedge is not drawn");
        assert!(svg.contains(r#"<a class="mark wedge" href="/signals?q=nl" data-count="30"><title>NL: 30 (75.0%)</title>"#), "{svg}");
        assert!(svg.contains(r#"data-count="10" data-key="US" tabindex="0" role="button"><title>US: 10 (25.0%)</title>"#), "{svg}");
        assert!(!svg.contains("NaN"));
    }

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
    fn hovering_a_time_chart_gives_every_series_value() {
        let series = vec![
            Series { name: "okta".into(), colour: palette(0), values: vec![1.0, 2.0, 3.0] },
            Series { name: "aws <prod>".into(), colour: palette(1), values: vec![10.0, 0.0, 5.0] },
        ];
        let times: Vec<String> = ["10:00", "11:00", "12:00"].iter().map(|s| s.to_string()).collect();
        let svg = stacked_area((300, 120), "logs", &series, &[true, true], &times, &[(1, 2, "spike".into())]);
        assert!(svg.contains("<title>12:00\naws &lt;prod&gt;: 5\nokta: 3</title>"), "{svg}");
        assert!(svg.contains("class=\"mark anomaly\""));
        let hidden = stacked_area((300, 120), "logs", &series, &[true, false], &times, &[(1, 2, "spike".into())]);
        assert!(!hidden.contains("aws"), "a hidden series is neither drawn nor listed");
        assert!(!hidden.contains("class=\"mark anomaly\""));
        let bars = stacked_bars((300, 120), "activity", &series, &[true, true], &times, |k, j| Some(format!("/s?{k}-{j}")));
        assert!(bars.contains(r#"href="/s?1-0" data-count="10""#), "{bars}");
        assert!(!bars.contains("/s?1-1"), "a zero segment is not drawn");
    }
}
