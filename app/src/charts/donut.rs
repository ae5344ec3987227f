//! The donut chart: a share of a whole per wedge.

use plotters::prelude::*;

use super::{compose, fragment, Label, Mark};
use crate::format::thousands;

/// One wedge of a donut.
#[derive(Debug, Clone)]
pub(crate) struct Wedge {
    pub(crate) label: String,
    pub(crate) value: f64,
    pub(crate) colour: RGBColor,
    pub(crate) href: Option<String>,
    pub(crate) key: Option<String>,
}

/// A donut chart: one wedge per value, clockwise from the top, the total in the middle.
pub(crate) fn donut(size: u32, label: &str, wedges: &[Wedge], centre: &str) -> String {
    super::memo(("donut", size, label, wedges, centre), || {
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
                    thousands(w.value),
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::palette;

    #[test]
    fn wedges_are_links_with_their_exact_value() {
        let wedges = vec![
            Wedge { label: "NL".into(), value: 30.0, colour: palette(0), href: Some("/signals?q=nl".into()), key: None },
            Wedge { label: "US".into(), value: 10.0, colour: palette(1), href: None, key: Some("US".into()) },
            Wedge { label: "none".into(), value: 0.0, colour: palette(2), href: None, key: None },
        ];
        let svg = donut(120, "Signals by country", &wedges, "40");
        assert_eq!(svg.matches("class=\"mark wedge\"").count(), 2, "an empty wedge is not drawn");
        // The first clickable wedge is the chart's tab stop; the arrow keys reach the others.
        assert!(svg.contains(r#"<a class="mark wedge" href="/signals?q=nl" data-count="30" tabindex="0"><title>NL: 30 (75.0%)</title>"#), "{svg}");
        assert!(svg.contains(r#"data-count="10" tabindex="-1" data-key="US" role="button"><title>US: 10 (25.0%)</title>"#), "{svg}");
        assert!(!svg.contains("NaN"));
    }
}
