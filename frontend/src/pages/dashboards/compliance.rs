//! The SLA compliance dashboard: met / breached / running / approaching and the rate, the
//! response-time distribution and the weekly trend as SVG charts, by rep and by team with a
//! drill-down to the leads behind a number, and average response against target by lead type.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::export::ExportButton;
use super::filter::Filter;
use super::{Loading, hours, percent};
use crate::api::{self, ApiErrors};
use crate::components::Link;
use crate::components::charts::{BarChart, Datum, LineChart};
use crate::contexts::router::Route;
use crate::contexts::session::use_session;
use crate::pages::queue::LoadError;

const GROUP: &str = "key label weekStart met breached running approaching cancelled complianceRate \
     averageResponseSeconds averageTargetSeconds";

fn report_query() -> String {
    format!(
        "query Compliance($filter: ReportFilter) {{ slaCompliance(filter: $filter) {{ met breached \
         running approaching cancelled complianceRate averageResponseSeconds averageTargetSeconds \
         byOwner {{ {GROUP} }} byTeam {{ {GROUP} }} byLeadType {{ {GROUP} }} weekly {{ {GROUP} }} \
         responseTimes {{ bucket count }} }} }}"
    )
}

const LEADS: &str = "query ComplianceLeads($filter: ReportFilter, $status: SlaComplianceStatus, \
     $ownerId: ID, $teamId: ID, $leadType: String) { slaComplianceLeads(filter: $filter, \
     status: $status, ownerId: $ownerId, teamId: $teamId, leadType: $leadType, first: 100) \
     { totalCount edges { node { id email company owner { name } } clock { state dueAt } } } }";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub week_start: Option<DateTime<Utc>>,
    pub met: i64,
    pub breached: i64,
    pub running: i64,
    pub approaching: i64,
    #[serde(default)]
    pub compliance_rate: Option<f64>,
    #[serde(default)]
    pub average_response_seconds: Option<f64>,
    #[serde(default)]
    pub average_target_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Bucket {
    pub bucket: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub met: i64,
    pub breached: i64,
    pub running: i64,
    pub approaching: i64,
    #[serde(default)]
    pub compliance_rate: Option<f64>,
    #[serde(default)]
    pub average_response_seconds: Option<f64>,
    #[serde(default)]
    pub average_target_seconds: Option<f64>,
    pub by_owner: Vec<Group>,
    pub by_team: Vec<Group>,
    pub by_lead_type: Vec<Group>,
    pub weekly: Vec<Group>,
    pub response_times: Vec<Bucket>,
}

#[derive(Deserialize)]
struct ReportData {
    #[serde(rename = "slaCompliance")]
    report: Report,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct OwnerName {
    name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct DrillLead {
    id: String,
    email: String,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    owner: Option<OwnerName>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DrillClock {
    state: String,
    due_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct DrillEdge {
    node: DrillLead,
    clock: DrillClock,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DrillConnection {
    total_count: i64,
    edges: Vec<DrillEdge>,
}

#[derive(Deserialize)]
struct DrillData {
    #[serde(rename = "slaComplianceLeads")]
    leads: DrillConnection,
}

/// What a clicked number stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Drill {
    title: String,
    status: &'static str,
    owner_id: Option<String>,
    team_id: Option<String>,
    lead_type: Option<String>,
}

async fn load(token: &str, filter: Value) -> Result<Report, ApiErrors> {
    api::execute::<_, ReportData>(&report_query(), json!({ "filter": filter }), Some(token))
        .await
        .map(|d| d.report)
}

async fn drill(token: &str, filter: Value, drill: &Drill) -> Result<DrillConnection, ApiErrors> {
    let variables = json!({
        "filter": filter,
        "status": drill.status,
        "ownerId": drill.owner_id,
        "teamId": drill.team_id,
        "leadType": drill.lead_type,
    });
    api::execute::<_, DrillData>(LEADS, variables, Some(token))
        .await
        .map(|d| d.leads)
}

fn bucket_label(bucket: &str) -> &'static str {
    match bucket {
        "UNDER_TARGET" => "Under target",
        "APPROACHING" => "Approaching",
        "BREACHED" => "Breached",
        _ => "Other",
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "MET" => "met",
        "BREACHED" => "breached",
        "RUNNING" => "running",
        "APPROACHING" => "approaching",
        _ => "other",
    }
}

#[component]
pub fn ComplianceDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    let session = use_session();
    let selected = RwSignal::new(None::<Drill>);
    let report = LocalResource::new(move || {
        let token = session.require_token();
        let variables = filter.with(Filter::report_filter);
        async move { session.check(load(&token?, variables).await) }
    });
    // A new filter closes a drill-down of the old one.
    Effect::new(move |_| {
        filter.track();
        selected.set(None);
    });
    view! {
        <div class="page-head">
            <h2>"SLA compliance (first response)"</h2>
            <ExportButton name="slaCompliance" filter/>
        </div>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Body report selected/> }.into_any(),
                    Err(errors) => view! { <LoadError errors retry=move || report.refetch()/> }.into_any(),
                }
            })}
        </Transition>
        {move || selected.get().map(|d| view! { <DrillDown drill=d filter selected/> })}
    }
}

/// A count that opens the leads behind it.
fn drill_button(
    count: i64,
    selected: RwSignal<Option<Drill>>,
    drill: Drill,
    testid: String,
) -> impl IntoView {
    let label = format!(
        "Show the {count} {} leads: {}",
        status_label(drill.status),
        drill.title
    );
    view! {
        <button
            type="button"
            class="linklike"
            aria-label=label
            data-testid=testid
            disabled=count == 0
            on:click=move |_| selected.set(Some(drill.clone()))
        >
            {count}
        </button>
    }
}

#[component]
fn Body(report: Report, selected: RwSignal<Option<Drill>>) -> impl IntoView {
    let tile = move |status: &'static str, label: &'static str, count: i64| {
        let drill = Drill {
            title: format!("all {}", status_label(status)),
            status,
            owner_id: None,
            team_id: None,
            lead_type: None,
        };
        view! {
            <div class=format!("tile tile-{}", status_label(status))>
                <span class="tile-label">{label}</span>
                <span class="tile-value">
                    {drill_button(count, selected, drill, format!("tile-{}", status_label(status)))}
                </span>
            </div>
        }
    };
    let distribution: Vec<Datum> = report
        .response_times
        .iter()
        .map(|b| Datum::new(bucket_label(&b.bucket), b.count as f64, b.count.to_string()))
        .collect();
    let weekly: Vec<Datum> = report
        .weekly
        .iter()
        .map(|w| {
            let label = w
                .week_start
                .map(|d| d.format("%d %b").to_string())
                .or_else(|| w.label.clone())
                .unwrap_or_default();
            Datum::new(
                label,
                w.compliance_rate.unwrap_or(0.0) * 100.0,
                percent(w.compliance_rate),
            )
        })
        .collect();
    view! {
        <div class="tiles" data-testid="compliance-tiles">
            <div class="tile tile-rate">
                <span class="tile-label">"Compliance"</span>
                <span class="tile-value" data-testid="tile-rate">{percent(report.compliance_rate)}</span>
            </div>
            {tile("MET", "Met", report.met)}
            {tile("BREACHED", "Breached", report.breached)}
            {tile("RUNNING", "Running", report.running)}
            {tile("APPROACHING", "Approaching", report.approaching)}
            <div class="tile">
                <span class="tile-label">"Average response / target"</span>
                <span class="tile-value" data-testid="tile-average">
                    {format!("{} / {}", hours(report.average_response_seconds), hours(report.average_target_seconds))}
                </span>
            </div>
        </div>
        <div class="board-grid">
            <section class="panel" aria-labelledby="dist-title">
                <h3 id="dist-title">"Response-time distribution"</h3>
                <BarChart title="Clocks by response time" data=distribution testid="chart-distribution"/>
            </section>
            <section class="panel" aria-labelledby="trend-title">
                <h3 id="trend-title">"Weekly compliance"</h3>
                {if weekly.is_empty() {
                    view! { <p class="muted">"No weeks in the period."</p> }.into_any()
                } else {
                    view! { <LineChart title="Compliance rate by week (%)" data=weekly max=100.0 testid="chart-weekly"/> }.into_any()
                }}
            </section>
            <section class="panel wide" aria-labelledby="rep-title">
                <h3 id="rep-title">"By rep"</h3>
                <GroupTable groups=report.by_owner dimension="owner" selected/>
            </section>
            <section class="panel wide" aria-labelledby="team-title">
                <h3 id="team-title">"By team"</h3>
                <GroupTable groups=report.by_team dimension="team" selected/>
            </section>
            <section class="panel wide" aria-labelledby="type-title">
                <h3 id="type-title">"Average response vs target by lead type"</h3>
                <LeadTypeTable groups=report.by_lead_type/>
            </section>
        </div>
    }
}

#[component]
fn GroupTable(
    groups: Vec<Group>,
    dimension: &'static str,
    selected: RwSignal<Option<Drill>>,
) -> impl IntoView {
    if groups.is_empty() {
        return view! { <p class="muted">"No clocks in the period."</p> }.into_any();
    }
    let heading = if dimension == "owner" { "Rep" } else { "Team" };
    let rows = groups
        .into_iter()
        .map(|g| {
            let name = g
                .label
                .clone()
                .unwrap_or_else(|| format!("No {dimension}"));
            let key = g.key.clone().unwrap_or_default();
            let cell = |status: &'static str, count: i64| {
                let drill = Drill {
                    title: name.clone(),
                    status,
                    owner_id: (dimension == "owner" && !key.is_empty()).then(|| key.clone()),
                    team_id: (dimension == "team" && !key.is_empty()).then(|| key.clone()),
                    lead_type: None,
                };
                view! {
                    <td>{drill_button(count, selected, drill, format!("drill-{dimension}-{key}-{}", status_label(status)))}</td>
                }
            };
            view! {
                <tr data-testid=format!("{dimension}-row") data-key=key.clone()>
                    <th scope="row">{name.clone()}</th>
                    <td data-testid="rate">{percent(g.compliance_rate)}</td>
                    {cell("MET", g.met)}
                    {cell("BREACHED", g.breached)}
                    {cell("RUNNING", g.running)}
                    {cell("APPROACHING", g.approaching)}
                    <td>{hours(g.average_response_seconds)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="compliance" data-testid=format!("compliance-by-{dimension}")>
                <thead>
                    <tr>
                        <th scope="col">{heading}</th>
                        <th scope="col">"Compliance"</th>
                        <th scope="col">"Met"</th>
                        <th scope="col">"Breached"</th>
                        <th scope="col">"Running"</th>
                        <th scope="col">"Approaching"</th>
                        <th scope="col">"Avg response"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn LeadTypeTable(groups: Vec<Group>) -> impl IntoView {
    if groups.is_empty() {
        return view! { <p class="muted">"No clocks in the period."</p> }.into_any();
    }
    let data: Vec<Datum> = groups
        .iter()
        .map(|g| {
            let ratio = match (g.average_response_seconds, g.average_target_seconds) {
                (Some(r), Some(t)) if t > 0.0 => r / t * 100.0,
                _ => 0.0,
            };
            Datum::new(
                g.label
                    .clone()
                    .or_else(|| g.key.clone())
                    .unwrap_or_default(),
                ratio,
                format!("{ratio:.0} % of target"),
            )
        })
        .collect();
    view! {
        <BarChart title="Average response as a share of the target" data/>
        <div class="table-scroll">
            <table data-testid="compliance-by-lead-type">
                <thead>
                    <tr>
                        <th scope="col">"Lead type"</th>
                        <th scope="col">"Average response"</th>
                        <th scope="col">"Average target"</th>
                        <th scope="col">"Compliance"</th>
                    </tr>
                </thead>
                <tbody>
                    {groups.into_iter().map(|g| view! {
                        <tr>
                            <th scope="row">{g.label.or(g.key).unwrap_or_default()}</th>
                            <td>{hours(g.average_response_seconds)}</td>
                            <td>{hours(g.average_target_seconds)}</td>
                            <td>{percent(g.compliance_rate)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DrillDown(
    drill: Drill,
    filter: RwSignal<Filter>,
    selected: RwSignal<Option<Drill>>,
) -> impl IntoView {
    let session = use_session();
    let heading = format!(
        "Leads behind {}: {}",
        status_label(drill.status),
        drill.title
    );
    let leads = LocalResource::new(move || {
        let token = session.require_token();
        let variables = filter.with_untracked(Filter::report_filter);
        let drill = drill.clone();
        async move { session.check(super::compliance::drill(&token?, variables, &drill).await) }
    });
    view! {
        <section class="panel" aria-labelledby="drill-title" data-testid="drill-down">
            <div class="page-head">
                <h3 id="drill-title">{heading}</h3>
                <button type="button" class="secondary" on:click=move |_| selected.set(None)>"Close"</button>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match leads.await {
                        Ok(conn) => view! {
                            <p data-testid="drill-total">{format!("{} leads", conn.total_count)}</p>
                            <ul class="drill-list">
                                {conn.edges.into_iter().map(|e| {
                                    let who = e.node.company.clone().unwrap_or_else(|| e.node.email.clone());
                                    view! {
                                        <li data-testid="drill-lead" data-lead-id=e.node.id.clone()>
                                            <Link to=Route::Lead(e.node.id.clone())>{who}</Link>
                                            {format!(" · {} · {} · due {}",
                                                e.node.owner.map_or_else(|| "unassigned".to_owned(), |o| o.name),
                                                e.clock.state.to_lowercase(),
                                                e.clock.due_at.format("%Y-%m-%d %H:%M UTC"))}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(errors) => view! { <LoadError errors retry=move || leads.refetch()/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
