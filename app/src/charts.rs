//! Charts drawn with plotters as SVG text, the same on the server and in the browser, so a
//! server-rendered chart hydrates unchanged.

use plotters::prelude::*;

/// The colour of each severity's series, in `Severity::ALL` order (matches the CSS pills).
pub const SEVERITY_COLOURS: [RGBColor; 5] = [
    RGBColor(0xf6, 0x56, 0x6b),
    RGBColor(0xff, 0x8a, 0x4c),
    RGBColor(0xf5, 0xb9, 0x4a),
    RGBColor(0x5b, 0x8c, 0xff),
    RGBColor(0x8e, 0x9b, 0xb8),
];

/// A small area chart of `points` (a KPI's trend over the window), `width` × `height` pixels.
pub fn sparkline(points: &[u64], colour: RGBColor, width: u32, height: u32) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let top = points.iter().copied().max().unwrap_or(0).max(1) as f64;
        let last = points.len().saturating_sub(1).max(1) as f64;
        if let Ok(mut chart) = ChartBuilder::on(&root).margin(2).build_cartesian_2d(0f64..last, 0f64..top) {
            let series = points.iter().enumerate().map(|(i, &v)| (i as f64, v as f64));
            let _ = chart.draw_series(
                AreaSeries::new(series, 0.0, colour.mix(0.22)).border_style(colour.stroke_width(2)),
            );
        }
        let _ = root.present();
    }
    svg
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
}
