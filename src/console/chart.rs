//! Line charts drawn on the server as SVG (no script, no inline style: colours come from
//! classes in console.css), readable with JavaScript off and in a screenshot.

use maud::{html, Markup};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One line: its legend text, CSS class and points (x, y).
pub struct Series {
    pub label: String,
    pub class: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// A horizontal reference line (a reorder point, an order-up-to level).
pub struct Level {
    pub label: String,
    pub class: &'static str,
    pub y: f64,
}

pub struct Chart {
    pub title: String,
    pub x_first: String,
    pub x_last: String,
    pub series: Vec<Series>,
    pub levels: Vec<Level>,
}

/// The y range drawn: always includes zero, and a little headroom above the highest value.
fn y_range(chart: &Chart) -> (f64, f64) {
    let values = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(chart.levels.iter().map(|l| l.y));
    let (low, high) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let high = if high <= low {
        low + 1.0
    } else {
        high + (high - low) * 0.05
    };
    (low, high)
}

fn x_range(chart: &Chart) -> (f64, f64) {
    let xs = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (low, high) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if low > high {
        (0.0, 1.0)
    } else if high <= low {
        (low, low + 1.0)
    } else {
        (low, high)
    }
}

/// Whole numbers as such, others with one decimal.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

pub fn render(chart: &Chart) -> Markup {
    let (x0, x1) = x_range(chart);
    let (y0, y1) = y_range(chart);
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT);
    let py = |y: f64| TOP + (y1 - y) / (y1 - y0) * (HEIGHT - TOP - BOTTOM);
    let path = |points: &[(f64, f64)]| {
        points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let viewbox = format!("0 0 {WIDTH} {HEIGHT}");
    html! {
        figure.chart {
            svg viewBox=(viewbox) role="img" aria-label=(chart.title) xmlns="http://www.w3.org/2000/svg" {
                title { (chart.title) }
                line.axis x1=(LEFT) y1=(py(0.0)) x2=(WIDTH - RIGHT) y2=(py(0.0)) {}
                line.axis x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(HEIGHT - BOTTOM) {}
                text.tick x=(LEFT - 4.0) y=(py(y1) + 4.0) text-anchor="end" { (number(y1)) }
                text.tick x=(LEFT - 4.0) y=(py(0.0) + 4.0) text-anchor="end" { "0" }
                @if y0 < 0.0 { text.tick x=(LEFT - 4.0) y=(py(y0)) text-anchor="end" { (number(y0)) } }
                text.tick x=(LEFT) y=(HEIGHT - 8.0) { (chart.x_first) }
                text.tick x=(WIDTH - RIGHT) y=(HEIGHT - 8.0) text-anchor="end" { (chart.x_last) }
                @for level in &chart.levels {
                    line class={ "level " (level.class) } x1=(LEFT) y1=(py(level.y)) x2=(WIDTH - RIGHT) y2=(py(level.y)) {}
                }
                @for series in &chart.series {
                    polyline class={ "series " (series.class) } points=(path(&series.points)) {}
                }
            }
            figcaption {
                @for series in &chart.series { span class={ "key " (series.class) } { (series.label) } }
                @for level in &chart.levels { span class={ "key " (level.class) } { (level.label) ": " (number(level.y)) } }
            }
        }
    }
}
