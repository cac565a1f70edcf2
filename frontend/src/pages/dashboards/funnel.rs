//! The funnel dashboard: the cohort of leads that became MQL in the period, stage by stage
//! (bars), with the conversion from the previous stage and the median and mean cycle times,
//! and the same by source and by campaign.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::export::ExportButton;
use super::filter::Filter;
use super::{Loading, percent};
use crate::api::{self, ApiErrors};
use crate::components::charts::{BarChart, Datum};
use crate::contexts::session::use_session;
use crate::pages::queue::LoadError;

const STAGES: &str =
    "stages { stage count conversionFromPrevious medianHoursFromPrevious meanHoursFromPrevious }";

fn query() -> String {
    format!(
        "query Funnel($filter: ReportFilter) {{ funnel(filter: $filter) {{ {STAGES} \
         bySource {{ key {STAGES} }} byCampaign {{ key {STAGES} }} }} }}"
    )
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub stage: String,
    pub count: i64,
    #[serde(default)]
    pub conversion_from_previous: Option<f64>,
    #[serde(default)]
    pub median_hours_from_previous: Option<f64>,
    #[serde(default)]
    pub mean_hours_from_previous: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Group {
    #[serde(default)]
    pub key: Option<String>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub stages: Vec<Stage>,
    pub by_source: Vec<Group>,
    pub by_campaign: Vec<Group>,
}

#[derive(Deserialize)]
struct ReportData {
    funnel: Report,
}

async fn load(token: &str, filter: Value) -> Result<Report, ApiErrors> {
    api::execute::<_, ReportData>(&query(), json!({ "filter": filter }), Some(token))
        .await
        .map(|d| d.funnel)
}

fn hours_text(h: Option<f64>) -> String {
    h.map_or_else(|| "—".to_owned(), |h| format!("{h:.1} h"))
}

#[component]
pub fn FunnelDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    let session = use_session();
    let report = LocalResource::new(move || {
        let token = session.require_token();
        let variables = filter.with(Filter::report_filter);
        async move { session.check(load(&token?, variables).await) }
    });
    view! {
        <div class="page-head">
            <h2>"Funnel"</h2>
            <ExportButton name="funnel" filter/>
        </div>
        <p class="muted">"Leads that became MQL in the period, and how far they got."</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Body report/> }.into_any(),
                    Err(errors) => view! { <LoadError errors retry=move || report.refetch()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Body(report: Report) -> impl IntoView {
    let bars: Vec<Datum> = report
        .stages
        .iter()
        .map(|s| Datum::new(s.stage.clone(), s.count as f64, s.count.to_string()))
        .collect();
    let stage_names: Vec<String> = report.stages.iter().map(|s| s.stage.clone()).collect();
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
                        <tbody>
                            {report.stages.into_iter().map(|s| view! {
                                <tr data-testid="funnel-stage" data-stage=s.stage.clone()>
                                    <th scope="row">{s.stage.clone()}</th>
                                    <td data-testid="count">{s.count}</td>
                                    <td data-testid="conversion">{percent(s.conversion_from_previous)}</td>
                                    <td>{hours_text(s.median_hours_from_previous)}</td>
                                    <td>{hours_text(s.mean_hours_from_previous)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
            <section class="panel wide" aria-labelledby="by-source-title">
                <h3 id="by-source-title">"By source"</h3>
                <GroupTable groups=report.by_source stages=stage_names.clone() dimension="source"/>
            </section>
            <section class="panel wide" aria-labelledby="by-campaign-title">
                <h3 id="by-campaign-title">"By campaign"</h3>
                <GroupTable groups=report.by_campaign stages=stage_names dimension="campaign"/>
            </section>
        </div>
    }
}

#[component]
fn GroupTable(groups: Vec<Group>, stages: Vec<String>, dimension: &'static str) -> impl IntoView {
    if groups.is_empty() {
        return view! { <p class="muted">"No leads in the period."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table data-testid=format!("funnel-by-{dimension}")>
                <thead>
                    <tr>
                        <th scope="col">{if dimension == "source" { "Source" } else { "Campaign" }}</th>
                        {stages.iter().map(|s| view! { <th scope="col">{s.clone()}</th> }).collect_view()}
                        <th scope="col">"Last stage conversion"</th>
                    </tr>
                </thead>
                <tbody>
                    {groups.into_iter().map(|g| {
                        let last = g.stages.last().and_then(|s| s.conversion_from_previous);
                        view! {
                            <tr>
                                <th scope="row">{g.key.unwrap_or_else(|| format!("No {dimension}"))}</th>
                                {g.stages.into_iter().map(|s| view! {
                                    <td title=format!("conversion {}", percent(s.conversion_from_previous))>{s.count}</td>
                                }).collect_view()}
                                <td>{percent(last)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
