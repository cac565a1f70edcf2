//! Feedback (rejection reasons, weekly trend, lead quality by source and campaign, campaigns
//! ranked) and leakage (MQLs going stale, with the estimated loss and the stuck leads).

use leptos::prelude::*;
use serde_json::{Value, json};

use super::export::ExportButton;
use super::filter::Filter;
use super::generic::{DataTable, ReportView, at, filter_only, list, money, num, pct, text};
use crate::components::Link;
use crate::components::charts::{BarChart, Datum, LineChart};
use crate::contexts::router::Route;

const FEEDBACK: &str = "query Feedback($filter: ReportFilter) { feedback(filter: $filter) { \
     rejections rejectionReasons { code count share } weekly { weekStart rejections } \
     bySource { source mqls accepted rejected sqls acceptanceRate sqlRate } \
     byCampaign { campaign mqls accepted rejected sqls acceptanceRate sqlRate } \
     campaignRanking { campaign mqls accepted rejected sqls acceptanceRate sqlRate } } }";

const LEAKAGE: &str = "query Leakage($filter: ReportFilter, $staleDays: Int) { \
     leakage(filter: $filter, staleDays: $staleDays) { staleDays count openMqls share \
     averageDealSize estimatedLoss leads(first: 100) { totalCount edges { node { \
     id email company owner { name } lastActivityAt } } } } }";

fn quality_rows(groups: &[Value], key: &str) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            let name = at(g, key).as_str().unwrap_or("(none)").to_owned();
            vec![
                name,
                text(g, "mqls"),
                text(g, "accepted"),
                text(g, "rejected"),
                text(g, "sqls"),
                pct(g, "acceptanceRate"),
                pct(g, "sqlRate"),
            ]
        })
        .collect()
}

const QUALITY_HEAD: [&str; 7] = [
    "",
    "MQLs",
    "Accepted",
    "Rejected",
    "SQLs",
    "Acceptance rate",
    "SQL rate",
];

fn quality_head(first: &'static str) -> Vec<&'static str> {
    let mut head = QUALITY_HEAD.to_vec();
    head[0] = first;
    head
}

fn feedback_view(r: Value) -> AnyView {
    let reasons: Vec<Datum> = list(&r, "rejectionReasons")
        .iter()
        .map(|x| {
            Datum::new(
                text(x, "code"),
                num(x, "count").unwrap_or(0.0),
                format!("{} ({})", text(x, "count"), pct(x, "share")),
            )
        })
        .collect();
    let weekly: Vec<Datum> = list(&r, "weekly")
        .iter()
        .map(|w| {
            Datum::new(
                text(w, "weekStart")
                    .get(5..10)
                    .unwrap_or_default()
                    .to_owned(),
                num(w, "rejections").unwrap_or(0.0),
                text(w, "rejections"),
            )
        })
        .collect();
    view! {
        <p data-testid="feedback-total">{format!("{} rejections in the period", text(&r, "rejections"))}</p>
        <div class="board-grid">
            <section class="panel">
                <h3>"Rejection reasons"</h3>
                <BarChart title="Rejections by reason" data=reasons testid="chart-reasons"/>
            </section>
            <section class="panel">
                <h3>"Rejections by week"</h3>
                <LineChart title="Rejections per week" data=weekly testid="chart-rejections-weekly"/>
            </section>
            <section class="panel wide">
                <h3>"Quality by source"</h3>
                <DataTable testid="quality-by-source" headers=quality_head("Source") rows=quality_rows(list(&r, "bySource"), "source")/>
            </section>
            <section class="panel wide">
                <h3>"Quality by campaign"</h3>
                <DataTable testid="quality-by-campaign" headers=quality_head("Campaign") rows=quality_rows(list(&r, "byCampaign"), "campaign")/>
            </section>
            <section class="panel wide">
                <h3>"Campaigns ranked"</h3>
                <DataTable testid="campaign-ranking" headers=quality_head("Campaign") rows=quality_rows(list(&r, "campaignRanking"), "campaign")/>
            </section>
        </div>
    }
    .into_any()
}

#[component]
pub fn FeedbackDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    view! {
        <div class="page-head">
            <h2>"Feedback"</h2>
            <ExportButton name="feedback" filter/>
        </div>
        <ReportView query=FEEDBACK field="feedback" vars=filter_only render=feedback_view filter/>
    }
}

fn leakage_vars(filter: &Filter, stale: &str) -> Value {
    let days = stale.trim().parse::<i64>().ok().filter(|d| *d > 0);
    json!({ "filter": filter.report_filter(), "staleDays": days })
}

fn leakage_view(r: Value) -> AnyView {
    let leads = at(&r, "leads");
    let rows: Vec<Vec<String>> = list(leads, "edges")
        .iter()
        .map(|e| {
            let n = at(e, "node");
            let who = at(n, "company")
                .as_str()
                .map_or_else(|| text(n, "email"), str::to_owned);
            vec![
                who,
                at(at(n, "owner"), "name")
                    .as_str()
                    .unwrap_or("unassigned")
                    .to_owned(),
                text(n, "lastActivityAt")
                    .replace('T', " ")
                    .chars()
                    .take(16)
                    .collect(),
                text(n, "id"),
            ]
        })
        .collect();
    view! {
        <div class="tiles">
            <div class="tile"><span class="tile-label">"Leaked MQLs"</span><span class="tile-value" data-testid="leakage-count">{text(&r, "count")}</span></div>
            <div class="tile"><span class="tile-label">"Open MQLs"</span><span class="tile-value">{text(&r, "openMqls")}</span></div>
            <div class="tile"><span class="tile-label">"Share leaked"</span><span class="tile-value">{pct(&r, "share")}</span></div>
            <div class="tile"><span class="tile-label">"Estimated loss"</span><span class="tile-value" data-testid="leakage-loss">{money(num(&r, "estimatedLoss"))}</span></div>
        </div>
        <p class="muted">{format!("No activity for more than {} days. Average deal size: {}.",
            text(&r, "staleDays"), money(num(&r, "averageDealSize")))}</p>
        <section class="panel">
            <h3>"Stuck leads"</h3>
            {if rows.is_empty() {
                view! { <p class="muted">"No stuck leads."</p> }.into_any()
            } else {
                view! {
                    <ul class="drill-list" data-testid="leakage-leads">
                        {rows.into_iter().map(|row| {
                            let rest = format!(" · {} · last activity {}", row[1], row[2]);
                            let (id, who) = (row[3].clone(), row[0].clone());
                            view! { <li><Link to=Route::Lead(id)>{who}</Link>{rest}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
pub fn LeakageDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    let stale = RwSignal::new(String::new());
    let draft = RwSignal::new(String::new());
    view! {
        <div class="page-head">
            <h2>"Leakage"</h2>
            <ExportButton name="leakage" filter/>
        </div>
        <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); stale.set(draft.get_untracked()); }>
            <label for="stale-days">"Stale after (days, empty: the setting)"</label>
            <input id="stale-days" type="number" min="1" prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))/>
            <button type="submit" class="secondary">"Update"</button>
        </form>
        <ReportView query=LEAKAGE field="leakage" vars=leakage_vars render=leakage_view filter extra=stale/>
    }
}
