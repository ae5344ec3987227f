//! The sparkline: a KPI's trend over the window, drawn beside its number.

use plotters::prelude::*;

/// A small area chart of `points` (a KPI's trend over the window), `width` × `height` pixels.
pub(crate) fn sparkline(points: &[u64], colour: RGBColor, width: u32, height: u32) -> String {
    super::memo(("sparkline", points, colour, width, height), || {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::SEVERITY_COLOURS;

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
