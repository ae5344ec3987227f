//! Charts over time: stacked areas (log volume per source) and stacked bars (signal activity by
//! severity), on a shared plot with its axes and a hover column per bucket.

use plotters::prelude::*;

use super::{compose, fragment, Label, Mark};
use crate::format::{compact, thousands};

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

/// One series of a time chart.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) colour: RGBColor,
    pub(crate) values: Vec<f64>,
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
pub(crate) fn stacked_area(
    size: (u32, u32),
    label: &str,
    series: &[Series],
    visible: &[bool],
    times: &[String],
    end: &str,
    anomalies: &[(usize, usize, String)],
) -> String {
    super::memo(("stacked_area", size, label, series, visible, times, end, anomalies), || {
        // One bucket (an hour of logs in a one-hour window) is drawn across the whole width.
        if times.len() == 1 {
            let doubled: Vec<Series> = series.iter().map(|s| Series { values: vec![s.values.first().copied().unwrap_or(0.0); 2], ..s.clone() }).collect();
            let times = [times[0].clone(), times[0].clone()];
            let anomalies: Vec<(usize, usize, String)> = anomalies.iter().map(|(k, _, what)| (*k, 1, what.clone())).collect();
            return stacked_area(size, label, &doubled, visible, &times, end, &anomalies);
        }
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
                title: format!("{}: {} in the window", s.name, thousands(total)),
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
                title.push_str(&format!("\n{}: {}", series[k].name, thousands(v)));
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
        let (grid, labels) = plot.axes(top, times.first().map_or("", |s| s), end);
        compose(size, label, &[grid], &marks, &labels)
    })
}

/// Stacked bars over time (signal activity by severity). `link(series, bucket)` gives where a
/// segment leads.
pub(crate) fn stacked_bars(
    size: (u32, u32),
    label: &str,
    series: &[Series],
    visible: &[bool],
    times: &[String],
    end: &str,
    link: impl Fn(usize, usize) -> Option<String>,
) -> String {
    let links: Vec<Vec<Option<String>>> = (0..series.len()).map(|k| (0..times.len()).map(|j| link(k, j)).collect()).collect();
    super::memo(("stacked_bars", size, label, series, visible, times, end, &links), || {
        let link = |k: usize, j: usize| links.get(k).and_then(|l| l.get(j)).cloned().flatten();
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
                    title: format!("{} · {}: {}", times[j], series[k].name, thousands(v)),
                    href: link(k, j),
                    count: Some(v as u64),
                    class: "bar",
                    key: None,
                });
            }
        }
        let (grid, labels) = plot.axes(top, times.first().map_or("", |s| s), end);
        compose(size, label, &[grid], &marks, &labels)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::palette;

    #[test]
    fn hovering_a_time_chart_gives_every_series_value() {
        let series = vec![
            Series { name: "okta".into(), colour: palette(0), values: vec![1.0, 2.0, 3.0] },
            Series { name: "aws <prod>".into(), colour: palette(1), values: vec![10.0, 0.0, 5.0] },
        ];
        let times: Vec<String> = ["10:00", "11:00", "12:00"].iter().map(|s| s.to_string()).collect();
        let svg = stacked_area((300, 120), "logs", &series, &[true, true], &times, "13:00", &[(1, 2, "spike".into())]);
        assert!(svg.contains("<title>12:00\naws &lt;prod&gt;: 5\nokta: 3</title>"), "{svg}");
        assert!(svg.contains("class=\"mark anomaly\""));
        let hidden = stacked_area((300, 120), "logs", &series, &[true, false], &times, "13:00", &[(1, 2, "spike".into())]);
        assert!(!hidden.contains("aws"), "a hidden series is neither drawn nor listed");
        assert!(!hidden.contains("class=\"mark anomaly\""));
        let bars = stacked_bars((300, 120), "activity", &series, &[true, true], &times, "13:00", |k, j| Some(format!("/s?{k}-{j}")));
        assert!(bars.contains(">13:00<"), "the axis ends at the end given: {bars}");
        // One bucket still fills the width, from its start to the end given.
        let one = stacked_area((300, 120), "logs", &series[..1], &[true], &times[..1], "11:00", &[]);
        assert!(one.contains(">10:00<") && one.contains(">11:00<"), "{one}");
        assert_eq!(one.matches("hover-column").count(), 2);
        assert!(bars.contains(r#"href="/s?1-0" data-count="10""#), "{bars}");
        assert!(!bars.contains("/s?1-1"), "a zero segment is not drawn");
    }
}

/// A score from 0 to 100 over time (an entity's risk): a line on a fixed 0–100 scale, the risk
/// levels' thresholds as faint lines, and a hover column per point.
pub(crate) fn score_line(size: (u32, u32), label: &str, values: &[f64], times: &[String], colour: RGBColor) -> String {
    super::memo(("score_line", size, label, values, times, colour), || {
        let n = values.len();
        let plot = Plot::of(size);
        let top = 100.0;
        let pt = |j: usize, v: f64| (plot.x(j, n).round() as i32, plot.y(v, top).round() as i32);
        let thresholds = fragment(size, |area| {
            for level in [40.0, 70.0, 90.0] {
                let y = plot.y(level, top).round() as i32;
                let _ = area.draw(&PathElement::new(
                    vec![(plot.left as i32, y), (plot.right as i32, y)],
                    RGBColor(0x8e, 0x9b, 0xb8).mix(0.18).stroke_width(1),
                ));
            }
        });
        let line: Vec<(i32, i32)> = (0..n).map(|j| pt(j, values[j])).collect();
        let mut area_outline = line.clone();
        area_outline.push(pt(n.saturating_sub(1), 0.0));
        area_outline.push(pt(0, 0.0));
        let mut marks = vec![Mark {
            body: fragment(size, |area| {
                let _ = area.draw(&Polygon::new(area_outline, colour.mix(0.2).filled()));
                let _ = area.draw(&PathElement::new(line, colour.stroke_width(2)));
            }),
            title: label.to_owned(),
            class: "series",
            ..Mark::default()
        }];
        for j in 0..n {
            let half = if n > 1 { (plot.right - plot.left) / (n - 1) as f64 / 2.0 } else { 10.0 };
            let x = plot.x(j, n);
            marks.push(hover_column(
                (x - half).max(plot.left),
                (x + half).min(plot.right),
                plot.top,
                plot.bottom,
                format!("{}: {:.1}", times[j], values[j]),
            ));
        }
        let (grid, mut labels) = plot.axes(top, times.first().map_or("", |s| s), times.last().map_or("", |s| s));
        labels.push(Label::new(plot.left - 6.0, plot.y(90.0, top) + 4.0, "90", "end"));
        labels.push(Label::new(plot.left - 6.0, plot.y(40.0, top) + 4.0, "40", "end"));
        compose(size, label, &[grid, thresholds], &marks, &labels)
    })
}
