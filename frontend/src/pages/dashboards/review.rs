//! Governance red flags for a month, the baseline comparison of two periods, and the
//! marketing scorecard.

use chrono::{Datelike, Duration, Utc};
use leptos::prelude::*;
use serde_json::{Value, json};

use super::export::ExportButton;
use super::filter::{Filter, day};
use super::generic::{DataTable, ReportView, at, filter_only, list, num, pct, text};
use crate::components::charts::{BarChart, Datum};

const GOVERNANCE: &str = "query Governance($month: String, $filter: ReportFilter) { \
     governance(month: $month, filter: $filter) { month anyRed flags { code name figure threshold red \
     offenders { kind key label figure threshold } } } }";

const BASELINE: &str = "query Baseline($a: PeriodInput!, $b: PeriodInput!, $filter: ReportFilter) { \
     baseline(periodA: $a, periodB: $b, filter: $filter) { \
     periodA { from to mqls sqls responded met breached } periodB { from to mqls sqls responded met breached } \
     mqlToSqlConversion { a b absoluteChange relativeChange } \
     averageFirstResponseSeconds { a b absoluteChange relativeChange } \
     medianFirstResponseSeconds { a b absoluteChange relativeChange } \
     slaComplianceRate { a b absoluteChange relativeChange } } }";

const SCORECARD: &str = "query Scorecard($filter: ReportFilter) { marketingScorecard(filter: $filter) { \
     mqls monthly { month mqls target attainment } monthlyMqlTarget complete completeness \
     fields { field count share } routed unrouted routingTargetSeconds routedWithinTarget \
     routedWithinTargetShare medianRoutingSeconds p90RoutingSeconds mqlThreshold meetingMinScore \
     meetingMinScoreShare salesMet salesBreached salesComplianceRate } }";

fn figure(v: &Value, key: &str) -> String {
    // Rates are shares (0..1) in this report; seconds and counts are larger.
    match num(v, key) {
        Some(f) if f.abs() <= 1.0 && f.fract() != 0.0 => pct(v, key),
        Some(f) => format!("{f:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned(),
        None => "—".to_owned(),
    }
}

fn governance_vars(filter: &Filter, month: &str) -> Value {
    let month = month.trim();
    json!({ "filter": filter.report_filter(), "month": (!month.is_empty()).then_some(month) })
}

fn governance_view(r: Value) -> AnyView {
    let flags = list(&r, "flags").to_vec();
    view! {
        <p data-testid="governance-summary">
            {format!("{}: ", text(&r, "month"))}
            <strong>{if at(&r, "anyRed").as_bool() == Some(true) { "red flags raised" } else { "no red flags" }}</strong>
        </p>
        <div class="board-grid">
            {flags.into_iter().map(|f| {
                let red = at(&f, "red").as_bool() == Some(true);
                let offenders: Vec<Vec<String>> = list(&f, "offenders").iter().map(|o| vec![
                    at(o, "label").as_str().or_else(|| at(o, "key").as_str()).unwrap_or("—").to_owned(),
                    text(o, "kind").to_lowercase(),
                    figure(o, "figure"),
                    figure(o, "threshold"),
                ]).collect();
                view! {
                    <section class=if red { "panel flag flag-red" } else { "panel flag" } data-testid="red-flag" data-code=text(&f, "code")>
                        <h3>{text(&f, "name")} " " <span class="flag-state">{if red { "RED" } else { "ok" }}</span></h3>
                        <p>{format!("Figure {} against threshold {}", figure(&f, "figure"), figure(&f, "threshold"))}</p>
                        <DataTable testid="offenders" headers=vec!["Offender", "Kind", "Figure", "Threshold"] rows=offenders/>
                    </section>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}

#[component]
pub fn GovernanceDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    let now = Utc::now();
    let month = RwSignal::new(format!("{:04}-{:02}", now.year(), now.month()));
    let draft = RwSignal::new(month.get_untracked());
    view! {
        <div class="page-head">
            <h2>"Governance red flags"</h2>
            <ExportButton name="governance" filter extra=Signal::derive(move || {
                let m = month.get();
                let m = m.trim();
                if m.is_empty() { String::new() } else { format!("month={m}") }
            })/>
        </div>
        <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); month.set(draft.get_untracked()); }>
            <label for="gov-month">"Month"</label>
            <input id="gov-month" type="month" prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))/>
            <button type="submit" class="secondary">"Show"</button>
        </form>
        <ReportView query=GOVERNANCE field="governance" vars=governance_vars render=governance_view filter extra=month/>
    }
}

/// Period A: `extra` as `from..to` (inclusive days), else the period of the same length just
/// before the filter's.
fn baseline_period_a(filter: &Filter, extra: &str) -> (String, String) {
    if let Some((a, b)) = extra.split_once("..")
        && let (Some(a), Some(b)) = (day(a), day(b))
    {
        let end = b + Duration::days(1);
        return (format!("{a}T00:00:00Z"), format!("{end}T00:00:00Z"));
    }
    let (from, to) = (day(&filter.from), day(&filter.to));
    match (from, to) {
        (Some(from), Some(to)) => {
            let length = to - from + Duration::days(1);
            (
                format!("{}T00:00:00Z", from - length),
                format!("{from}T00:00:00Z"),
            )
        }
        _ => filter.period(),
    }
}

fn baseline_vars(filter: &Filter, extra: &str) -> Value {
    let (a_from, a_to) = baseline_period_a(filter, extra);
    let (b_from, b_to) = filter.period();
    json!({
        "a": { "from": a_from, "to": a_to },
        "b": { "from": b_from, "to": b_to },
        "filter": filter.report_filter(),
    })
}

fn baseline_view(r: Value) -> AnyView {
    let a = at(&r, "periodA");
    let b = at(&r, "periodB");
    let span = |p: &Value| {
        format!(
            "{} – {}",
            text(p, "from").get(..10).unwrap_or_default(),
            text(p, "to").get(..10).unwrap_or_default()
        )
    };
    let counts: Vec<Vec<String>> = ["mqls", "sqls", "responded", "met", "breached"]
        .iter()
        .map(|k| vec![(*k).to_uppercase(), text(a, k), text(b, k)])
        .collect();
    let secs = |v: &Value, k: &str| super::hours(num(v, k));
    let change = |v: &Value| {
        num(v, "relativeChange").map_or_else(|| "—".to_owned(), |c| format!("{:+.1} %", c * 100.0))
    };
    let kpis: Vec<Vec<String>> = vec![
        {
            let f = at(&r, "mqlToSqlConversion");
            vec![
                "MQL → SQL conversion".to_owned(),
                pct(f, "a"),
                pct(f, "b"),
                change(f),
            ]
        },
        {
            let f = at(&r, "slaComplianceRate");
            vec![
                "SLA compliance".to_owned(),
                pct(f, "a"),
                pct(f, "b"),
                change(f),
            ]
        },
        {
            let f = at(&r, "averageFirstResponseSeconds");
            vec![
                "Average first response".to_owned(),
                secs(f, "a"),
                secs(f, "b"),
                change(f),
            ]
        },
        {
            let f = at(&r, "medianFirstResponseSeconds");
            vec![
                "Median first response".to_owned(),
                secs(f, "a"),
                secs(f, "b"),
                change(f),
            ]
        },
    ];
    view! {
        <p>{format!("A (baseline): {} · B: {}", span(a), span(b))}</p>
        <DataTable testid="baseline-kpis" headers=vec!["KPI", "A", "B", "Change"] rows=kpis/>
        <DataTable testid="baseline-counts" headers=vec!["Count", "A", "B"] rows=counts/>
    }
    .into_any()
}

#[component]
pub fn BaselineDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    let period = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    view! {
        <div class="page-head"><h2>"Baseline comparison"</h2></div>
        <p class="muted">"Period B is the filter's period; period A defaults to the same length just before it."</p>
        <form class="inline-form" on:submit=move |ev| {
            ev.prevent_default();
            period.set(format!("{}..{}", from.get_untracked(), to.get_untracked()));
        }>
            <label for="base-from">"Period A from"</label>
            <input id="base-from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
            <label for="base-to">"to (inclusive)"</label>
            <input id="base-to" type="date" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/>
            <button type="submit" class="secondary">"Compare"</button>
        </form>
        <ReportView query=BASELINE field="baseline" vars=baseline_vars render=baseline_view filter extra=period/>
    }
}

fn scorecard_view(r: Value) -> AnyView {
    let monthly: Vec<Datum> = list(&r, "monthly")
        .iter()
        .map(|m| {
            let target = num(m, "target")
                .map(|t| format!(" / {t:.0}"))
                .unwrap_or_default();
            Datum::new(
                text(m, "month"),
                num(m, "mqls").unwrap_or(0.0),
                format!("{}{target}", text(m, "mqls")),
            )
        })
        .collect();
    let fields: Vec<Vec<String>> = list(&r, "fields")
        .iter()
        .map(|f| vec![text(f, "field"), text(f, "count"), pct(f, "share")])
        .collect();
    let rows = vec![
        vec!["MQLs".to_owned(), text(&r, "mqls")],
        vec![
            "Complete records".to_owned(),
            format!("{} ({})", text(&r, "complete"), pct(&r, "completeness")),
        ],
        vec![
            "Routed / unrouted".to_owned(),
            format!("{} / {}", text(&r, "routed"), text(&r, "unrouted")),
        ],
        vec![
            format!(
                "Routed within {}",
                super::hours(num(&r, "routingTargetSeconds"))
            ),
            format!(
                "{} ({})",
                text(&r, "routedWithinTarget"),
                pct(&r, "routedWithinTargetShare")
            ),
        ],
        vec![
            "Routing time median / p90".to_owned(),
            format!(
                "{} / {}",
                super::hours(num(&r, "medianRoutingSeconds")),
                super::hours(num(&r, "p90RoutingSeconds"))
            ),
        ],
        vec![
            format!("Meeting the MQL threshold ({})", text(&r, "mqlThreshold")),
            format!(
                "{} ({})",
                text(&r, "meetingMinScore"),
                pct(&r, "meetingMinScoreShare")
            ),
        ],
        vec![
            "Sales SLA met / breached".to_owned(),
            format!(
                "{} / {} ({})",
                text(&r, "salesMet"),
                text(&r, "salesBreached"),
                pct(&r, "salesComplianceRate")
            ),
        ],
    ];
    view! {
        <div class="board-grid">
            <section class="panel wide">
                <h3>"Scorecard"</h3>
                <DataTable testid="scorecard" headers=vec!["Measure", "Value"] rows/>
            </section>
            <section class="panel">
                <h3>"MQLs by month"</h3>
                <BarChart title="MQLs by month (against target)" data=monthly testid="chart-mql-months"/>
            </section>
            <section class="panel">
                <h3>"Field completeness"</h3>
                <DataTable testid="field-completeness" headers=vec!["Field", "Filled", "Share"] rows=fields/>
            </section>
        </div>
    }
    .into_any()
}

#[component]
pub fn ScorecardDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    view! {
        <div class="page-head">
            <h2>"Marketing scorecard"</h2>
            <ExportButton name="marketingScorecard" filter/>
        </div>
        <ReportView query=SCORECARD field="marketingScorecard" vars=filter_only render=scorecard_view filter/>
    }
}
