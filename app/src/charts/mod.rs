//! Charts drawn with plotters as SVG text, the same on the server and in the browser, so a
//! server-rendered chart hydrates unchanged.
//!
//! Plotters draws the shapes. Each shape that can be hovered or clicked is drawn on its own and
//! wrapped in a [`Mark`]: an SVG `<a>` (a drill-down link) or `<g>` with a `<title>`, which the
//! browser shows on hover with the exact value. Text (axis ends, node names) is added as plain
//! SVG `<text>` styled by the page's CSS, so it follows the theme.
//!
//! This module holds the colours and the SVG canvas every chart shares; each kind of chart has
//! its own file. Charts know nothing of panels or of the signal explorer: a chart's links are
//! given to it.

mod bars;
mod donut;
mod flow;
mod sparkline;
mod time;

pub(crate) use bars::{bars, segment_bar, Bar};
pub(crate) use donut::{donut, Wedge};
pub(crate) use flow::{flow, Band};
pub(crate) use sparkline::sparkline;
pub(crate) use time::{score_line, stacked_area, stacked_bars, Series};

use plotters::coord::Shift;
use plotters::prelude::*;

#[cfg(feature = "ssr")]
mod drawn;

/// A chart drawn from `input` by `draw`. Charts are pure, so the server, which draws the same
/// charts for every page view until the data changes, keeps the ones it drew recently (see
/// [`drawn`]) and hands them out again. `input` must name everything the chart is drawn from,
/// its kind included: its `Debug` text is the key. The browser draws every time.
pub(crate) fn memo(input: impl std::fmt::Debug, draw: impl FnOnce() -> String) -> String {
    #[cfg(feature = "ssr")]
    return drawn::get_or_draw(input, draw);
    #[cfg(not(feature = "ssr"))]
    {
        let _ = input;
        draw()
    }
}

/// The colour of each severity's series, in `Severity::ALL` order (matches the CSS pills).
pub(crate) const SEVERITY_COLOURS: [RGBColor; 5] = [
    RGBColor(0xf6, 0x56, 0x6b),
    RGBColor(0xff, 0x8a, 0x4c),
    RGBColor(0xf5, 0xb9, 0x4a),
    RGBColor(0x5b, 0x8c, 0xff),
    RGBColor(0x8e, 0x9b, 0xb8),
];

/// Colours for categorical series (sources, categories, countries), readable on both themes.
pub(crate) const PALETTE: [RGBColor; 10] = [
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

pub(crate) fn palette(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// `#rrggbb`, for HTML next to a chart (legend swatches).
pub(crate) fn css(colour: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

/// A heat colour for `t` in 0..=1 on the accent ramp: transparent-ish at 0, full at 1.
pub(crate) fn heat(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    if t == 0.0 {
        return "transparent".to_owned();
    }
    format!("rgba(91, 140, 255, {:.2})", 0.15 + 0.8 * t)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// What plotters draws inside its `<svg>`: the elements alone, to be placed in a larger SVG.
fn fragment(size: (u32, u32), draw: impl FnOnce(&Area<'_>)) -> String {
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
struct Mark {
    /// SVG elements: usually a [`fragment`].
    body: String,
    /// Shown on hover: the exact value.
    title: String,
    /// Where a click leads (the signals behind the shape).
    href: Option<String>,
    /// The number the shape stands for, for tests and scripts (`data-count`).
    count: Option<u64>,
    /// A CSS class for the mark (`band`, `wedge`, `bar`…).
    class: &'static str,
    /// Names the shape for the page's own click handling (`data-key`), when a click opens
    /// something on the page rather than a link.
    key: Option<String>,
}

/// A piece of text in a chart.
#[derive(Debug, Clone)]
struct Label {
    x: f64,
    y: f64,
    text: String,
    /// `start`, `middle` or `end`.
    anchor: &'static str,
}

impl Label {
    fn new(x: f64, y: f64, text: impl Into<String>, anchor: &'static str) -> Label {
        Label { x, y, text: text.into(), anchor }
    }
}

/// Text made safe inside SVG or HTML markup: element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
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
fn compose(size: (u32, u32), label: &str, layers: &[String], marks: &[Mark], labels: &[Label]) -> String {
    let (w, h) = size;
    // The marks that can be clicked are one tab stop, moved between with the arrow keys.
    let interactive = marks.iter().any(|m| m.href.is_some() || m.key.is_some());
    let mut out = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMidYMid meet" role="{}" aria-label="{}"{} xmlns="http://www.w3.org/2000/svg">"#,
        // An image's parts are hidden from assistive technology: a chart with links is a group.
        if interactive { "group" } else { "img" },
        escape(label),
        if interactive { r#" data-roving="""# } else { "" }
    );
    for layer in layers {
        out.push_str(layer);
    }
    let mut first = true;
    for mark in marks {
        let mut count = mark.count.map(|n| format!(r#" data-count="{n}""#)).unwrap_or_default();
        if mark.href.is_some() || mark.key.is_some() {
            count.push_str(if first { r#" tabindex="0""# } else { r#" tabindex="-1""# });
            first = false;
        }
        if let Some(key) = &mark.key {
            count.push_str(&format!(r#" data-key="{}" role="button""#, escape(key)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_is_the_inside_of_plotters_svg() {
        let inner = fragment((10, 10), |area| {
            let _ = area.draw(&Rectangle::new([(1, 1), (5, 5)], RED.filled()));
        });
        assert!(!inner.contains("<svg") && !inner.contains("</svg>"), "{inner}");
        assert!(inner.contains("<rect"), "{inner}");
    }

    #[test]
    fn clickable_marks_are_one_tab_stop() {
        let mark = |href: Option<&str>| Mark { body: String::new(), title: "t".into(), href: href.map(str::to_owned), class: "bar", ..Mark::default() };
        let svg = compose((10, 10), "c", &[], &[mark(Some("/a")), mark(None), mark(Some("/b")), mark(Some("/c"))], &[]);
        assert!(svg.contains("data-roving"), "{svg}");
        assert_eq!(svg.matches(r#"tabindex="0""#).count(), 1, "{svg}");
        assert_eq!(svg.matches(r#"tabindex="-1""#).count(), 2, "{svg}");
        let still = compose((10, 10), "c", &[], &[mark(None)], &[]);
        assert!(!still.contains("data-roving") && !still.contains("tabindex"), "{still}");
    }
}
