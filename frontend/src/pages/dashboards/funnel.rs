//! The funnel dashboard: the cohort of leads that became MQL in the period, stage by stage
//! (bars), with the conversion from the previous stage and the median and mean cycle times,
//! and the same by source and by campaign.

use leptos::prelude::*;
use serde_json::Value;

use super::export::ExportButton;
use super::filter::Filter;
use super::generic::{DataTable, ReportView, at, filter_only, list, num, pct, text};
use crate::components::charts::{BarChart, Datum};

const QUERY: &str = "query Funnel($filter: ReportFilter) { funnel(filter: $filter) { \
     stages { stage count conversionFromPrevious medianHoursFromPrevious meanHoursFromPrevious } \
     bySource { key stages { stage count conversionFromPrevious } } \
     byCampaign { key stages { stage count conversionFromPrevious } } } }";

fn hours_text(v: &Value, key: &str) -> String {
    num(v, key).map_or_else(|| "—".to_owned(), |h| format!("{h:.1} h"))
}

/// One row per source or campaign: its count at each stage, then the last conversion.
fn group_rows(groups: &[Value], none: &str) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            let stages = list(g, "stages");
            let mut row = vec![at(g, "key").as_str().unwrap_or(none).to_owned()];
            row.extend(stages.iter().map(|s| text(s, "count")));
            row.push(
                stages
                    .last()
                    .map_or_else(|| "—".to_owned(), |s| pct(s, "conversionFromPrevious")),
            );
            row
        })
        .collect()
}

fn heads(first: &'static str) -> Vec<&'static str> {
    vec![
        first,
        "MQL",
        "SAL",
        "SQL",
        "Opportunity",
        "Last stage conversion",
    ]
}

fn funnel_view(r: Value) -> AnyView {
    let stages = list(&r, "stages");
    let bars: Vec<Datum> = stages
        .iter()
        .map(|s| {
            Datum::new(
                text(s, "stage"),
                num(s, "count").unwrap_or(0.0),
                text(s, "count"),
            )
        })
        .collect();
    let rows = stages
        .iter()
        .map(|s| {
            view! {
                <tr data-testid="funnel-stage" data-stage=text(s, "stage")>
                    <th scope="row">{text(s, "stage")}</th>
                    <td data-testid="count">{text(s, "count")}</td>
                    <td data-testid="conversion">{pct(s, "conversionFromPrevious")}</td>
                    <td>{hours_text(s, "medianHoursFromPrevious")}</td>
                    <td>{hours_text(s, "meanHoursFromPrevious")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="board-grid">
            <section class="panel wide" aria-labelledby="stages-title">
                <h3 id="stages-title">"Stages"</h3>
                <BarChart title="Leads reaching each stage" data=bars testid="chart-funnel"/>
                <div class="table-scroll">
                    <table data-testid="funnel-stages">
                        <thead>
                            <tr>
                                <th scope="col">"Stage"</th>
                                <th scope="col">"Leads"</th>
                                <th scope="col">"Conversion from previous"</th>
                                <th scope="col">"Median time from previous"</th>
                                <th scope="col">"Mean time from previous"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
            <section class="panel wide">
                <h3>"By source"</h3>
                <DataTable testid="funnel-by-source" headers=heads("Source") rows=group_rows(list(&r, "bySource"), "No source")/>
            </section>
            <section class="panel wide">
                <h3>"By campaign"</h3>
                <DataTable testid="funnel-by-campaign" headers=heads("Campaign") rows=group_rows(list(&r, "byCampaign"), "No campaign")/>
            </section>
        </div>
    }
    .into_any()
}

#[component]
pub fn FunnelDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    view! {
        <div class="page-head">
            <h2>"Funnel"</h2>
            <ExportButton name="funnel" filter/>
        </div>
        <p class="muted">"Leads that became MQL in the period, and how far they got."</p>
        <ReportView query=QUERY field="funnel" vars=filter_only render=funnel_view filter/>
    }
}
