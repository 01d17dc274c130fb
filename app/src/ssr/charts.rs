//! Report charts, drawn on the server as SVG text (issue 18): bars of one or more series over
//! labelled columns, a scale, a legend. Each chart names itself for assistive technology (its
//! `<title>` and `<desc>`); the page shows the same numbers as a table beside it.

use std::fmt::Write;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 44.0;
/// Colours that keep 3:1 against white and against each other's neighbours.
const COLOURS: [&str; 3] = ["#1f5fa8", "#2e7d32", "#b3261e"];

/// One series: its name (the legend) and a value per column.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

/// A bar chart: `labels` under the columns (at most every `label_every`th shown), each column a
/// bar per series. `id` makes the title and description ids unique on the page.
pub fn bars(id: &str, title: &str, description: &str, labels: &[String], label_every: usize, series: &[Series]) -> String {
    let columns = labels.len().max(1);
    let most = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0_f64, f64::max);
    let top = nice_ceiling(most);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let column_w = plot_w / columns as f64;
    let bar_w = (column_w * 0.8 / series.len().max(1) as f64).max(0.5);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(description)
    );
    // The scale: four lines with their values.
    for step in 0..=4 {
        let value = top * f64::from(step) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(step) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d5db"/><text x="{}" y="{:.1}" text-anchor="end" font-size="11" fill="#333">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 4.0,
            y + 4.0,
            number(value)
        );
    }
    for (s, one) in series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        for (c, value) in one.values.iter().enumerate() {
            let h = if top > 0.0 { plot_h * value / top } else { 0.0 };
            let x = LEFT + column_w * c as f64 + column_w * 0.1 + bar_w * s as f64;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{h:.1}" fill="{colour}"><title>{}: {}</title></rect>"#,
                TOP + plot_h - h,
                escape(&labels.get(c).cloned().unwrap_or_default()),
                escape(&format!("{} {}", number(*value), one.name))
            );
        }
    }
    for (c, label) in labels.iter().enumerate().step_by(label_every.max(1)) {
        let x = LEFT + column_w * c as f64 + column_w / 2.0;
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#333">{}</text>"##,
            HEIGHT - BOTTOM + 14.0,
            escape(label)
        );
    }
    // The legend, along the top.
    let mut x = LEFT;
    for (s, one) in series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="8" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="17" font-size="11" fill="#333">{}</text>"##,
            x + 14.0,
            escape(one.name)
        );
        x += 24.0 + 7.0 * one.name.chars().count() as f64;
    }
    svg.push_str("</svg>");
    svg
}

/// The scale's top: 1, 2 or 5 times a power of ten, at or above `most` (at least 1).
fn nice_ceiling(most: f64) -> f64 {
    if most <= 1.0 {
        return 1.0;
    }
    let power = 10f64.powf(most.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|v| *v >= most).unwrap_or(most)
}

fn number(value: f64) -> String {
    if value.fract().abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Text for SVG: the five characters XML gives meaning to, escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_names_itself_and_draws_a_bar_per_value() {
        let labels = vec!["Mon".to_string(), "Tue <b>".to_string()];
        let svg = bars(
            "c1",
            "Chats per day",
            "Requested & accepted",
            &labels,
            1,
            &[Series { name: "requested", values: vec![4.0, 7.0] }, Series { name: "accepted", values: vec![3.0, 0.0] }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img" aria-labelledby="c1-title c1-desc""#));
        assert!(svg.contains("<title id=\"c1-title\">Chats per day</title><desc id=\"c1-desc\">Requested &amp; accepted</desc>"));
        assert_eq!(svg.matches("<rect").count(), 4 + 2, "a bar per value, a legend box per series");
        assert!(svg.contains("Tue &lt;b&gt;: 7 requested"), "labels are escaped");
        assert!(!svg.contains("<b>"));
        assert!(svg.contains(">10</text>"), "the scale's top is a round number above the most");
    }

    #[test]
    fn the_scale_rounds_up_to_one_two_or_five() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(450.0), 500.0);
    }
}
