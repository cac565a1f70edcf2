//! Small SVG charts drawn by Leptos (no JavaScript chart library). Each is an `<svg role="img">`
//! with a `<title>` and an `aria-label` that reads out every value, and prints the values as
//! text beside the marks, so the figure is never only a shape.

use leptos::prelude::*;

/// One bar or point: its label, its value, and the text shown for the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    pub label: String,
    pub value: f64,
    pub text: String,
}

impl Datum {
    pub fn new(label: impl Into<String>, value: f64, text: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value,
            text: text.into(),
        }
    }
}

fn summary(title: &str, data: &[Datum]) -> String {
    let values: Vec<String> = data
        .iter()
        .map(|d| format!("{}: {}", d.label, d.text))
        .collect();
    if values.is_empty() {
        format!("{title}: no data")
    } else {
        format!("{title}. {}", values.join("; "))
    }
}

const ROW: f64 = 28.0;
const LABEL_W: f64 = 110.0;
const BAR_W: f64 = 200.0;
const WIDTH: f64 = 380.0;

/// Horizontal bars, one row per datum, scaled to the largest value.
#[component]
pub fn BarChart(
    #[prop(into)] title: String,
    data: Vec<Datum>,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    let max = data.iter().map(|d| d.value).fold(0.0_f64, f64::max);
    let height = (data.len().max(1) as f64) * ROW + 8.0;
    let label = summary(&title, &data);
    let rows = data
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let y = i as f64 * ROW + 4.0;
            let w = if max > 0.0 {
                (d.value / max * BAR_W).max(if d.value > 0.0 { 2.0 } else { 0.0 })
            } else {
                0.0
            };
            view! {
                <g>
                    <text x=LABEL_W - 6.0 y=y + 17.0 text-anchor="end" class="chart-label">{d.label.clone()}</text>
                    <rect x=LABEL_W y=y + 3.0 width=w height=ROW - 8.0 rx="3" class="chart-bar"/>
                    <text x=LABEL_W + w + 6.0 y=y + 17.0 class="chart-value">{d.text}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart"
            role="img"
            aria-label=label
            data-testid=testid
            viewBox=format!("0 0 {WIDTH} {height}")
            preserveAspectRatio="xMinYMin meet"
        >
            <title>{title}</title>
            {rows}
        </svg>
    }
}

const LINE_H: f64 = 180.0;
const PAD_L: f64 = 40.0;
const PAD_B: f64 = 40.0;
const PAD_T: f64 = 20.0;

/// A line over equally spaced points (e.g. weeks), from 0 to the largest value (or `max`).
#[component]
pub fn LineChart(
    #[prop(into)] title: String,
    data: Vec<Datum>,
    #[prop(optional)] max: Option<f64>,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    let top = max
        .unwrap_or_else(|| data.iter().map(|d| d.value).fold(0.0_f64, f64::max))
        .max(f64::EPSILON);
    let label = summary(&title, &data);
    let n = data.len();
    let plot_w = WIDTH - PAD_L - 20.0;
    let plot_h = LINE_H - PAD_T - PAD_B;
    let x = move |i: usize| {
        if n <= 1 {
            PAD_L + plot_w / 2.0
        } else {
            PAD_L + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = move |v: f64| PAD_T + plot_h - (v / top).clamp(0.0, 1.0) * plot_h;
    let points: Vec<String> = data
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.value)))
        .collect();
    let marks = data
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            view! {
                <g>
                    <circle cx=x(i) cy=y(d.value) r="4" class="chart-point"/>
                    <text x=x(i) y=y(d.value) - 8.0 text-anchor="middle" class="chart-value">{d.text}</text>
                    <text x=x(i) y=LINE_H - PAD_B + 18.0 text-anchor="middle" class="chart-label">{d.label}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart"
            role="img"
            aria-label=label
            data-testid=testid
            viewBox=format!("0 0 {WIDTH} {LINE_H}")
            preserveAspectRatio="xMinYMin meet"
        >
            <title>{title}</title>
            <line x1=PAD_L y1=PAD_T + plot_h x2=PAD_L + plot_w y2=PAD_T + plot_h class="chart-axis"/>
            <line x1=PAD_L y1=PAD_T x2=PAD_L y2=PAD_T + plot_h class="chart-axis"/>
            <polyline points=points.join(" ") class="chart-line" fill="none"/>
            {marks}
        </svg>
    }
}
