//! The SLA compliance dashboard: met / breached / running / approaching and the rate, the
//! response-time distribution and the weekly trend as SVG charts, by rep and by team with a
//! drill-down to the leads behind a number, and average response against target by lead type.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::export::ExportButton;
use super::filter::Filter;
use super::generic::{DataTable, ReportView, at, filter_only, list, num, pct, text};
use super::{Loading, hours};
use crate::api;
use crate::components::Link;
use crate::components::charts::{BarChart, Datum, LineChart};
use crate::contexts::router::Route;
use crate::contexts::session::use_session;
use crate::pages::queue::LoadError;

const QUERY: &str = "query Compliance($filter: ReportFilter) { slaCompliance(filter: $filter) { \
     met breached running approaching complianceRate averageResponseSeconds averageTargetSeconds \
     byOwner { key label met breached running approaching complianceRate averageResponseSeconds } \
     byTeam { key label met breached running approaching complianceRate averageResponseSeconds } \
     byLeadType { key label complianceRate averageResponseSeconds averageTargetSeconds } \
     weekly { weekStart complianceRate } responseTimes { bucket count } } }";

const LEADS: &str = "query ComplianceLeads($filter: ReportFilter, $status: SlaComplianceStatus, \
     $ownerId: ID, $teamId: ID) { slaComplianceLeads(filter: $filter, status: $status, \
     ownerId: $ownerId, teamId: $teamId, first: 100) \
     { totalCount edges { node { id email company owner { name } } clock { state dueAt } } } }";

/// What a clicked number stands for: a status, for everyone or one owner or team.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Drill {
    title: String,
    status: &'static str,
    owner_id: Option<String>,
    team_id: Option<String>,
}

const STATUSES: [(&str, &str); 4] = [
    ("MET", "met"),
    ("BREACHED", "breached"),
    ("RUNNING", "running"),
    ("APPROACHING", "approaching"),
];

fn bucket_label(bucket: &str) -> &'static str {
    match bucket {
        "UNDER_TARGET" => "Under target",
        "APPROACHING" => "Approaching",
        "BREACHED" => "Breached",
        _ => "Other",
    }
}

fn lower(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("other", |(_, l)| l)
}

/// The selected drill-down, shared by the report's numbers and the list below them.
#[derive(Clone, Copy)]
struct Selected(RwSignal<Option<Drill>>);

#[component]
pub fn ComplianceDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    let selected = RwSignal::new(None::<Drill>);
    provide_context(Selected(selected));
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
        <ReportView query=QUERY field="slaCompliance" vars=filter_only render=compliance_view filter/>
        {move || selected.get().map(|d| view! { <DrillDown drill=d filter selected/> })}
    }
}

/// A count that opens the leads behind it.
#[component]
fn Count(count: String, drill: Drill, testid: String) -> impl IntoView {
    let selected = use_context::<Selected>().map(|s| s.0);
    let label = format!(
        "Show the {count} {} leads: {}",
        lower(drill.status),
        drill.title
    );
    let zero = count == "0";
    view! {
        <button
            type="button"
            class="linklike"
            aria-label=label
            data-testid=testid
            disabled=zero
            on:click=move |_| {
                if let Some(selected) = selected {
                    selected.set(Some(drill.clone()));
                }
            }
        >
            {count.clone()}
        </button>
    }
}

fn compliance_view(r: Value) -> AnyView {
    let tiles = STATUSES
        .iter()
        .map(|(status, low)| {
            let drill = Drill {
                title: format!("all {low}"),
                status,
                owner_id: None,
                team_id: None,
            };
            view! {
                <div class=format!("tile tile-{low}")>
                    <span class="tile-label">{*low}</span>
                    <span class="tile-value"><Count count=text(&r, low) drill testid=format!("tile-{low}")/></span>
                </div>
            }
        })
        .collect_view();
    let distribution: Vec<Datum> = list(&r, "responseTimes")
        .iter()
        .map(|b| {
            Datum::new(
                bucket_label(&text(b, "bucket")),
                num(b, "count").unwrap_or(0.0),
                text(b, "count"),
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
                num(w, "complianceRate").unwrap_or(0.0) * 100.0,
                pct(w, "complianceRate"),
            )
        })
        .collect();
    let types: Vec<Vec<String>> = list(&r, "byLeadType")
        .iter()
        .map(|g| {
            let ratio = match (
                num(g, "averageResponseSeconds"),
                num(g, "averageTargetSeconds"),
            ) {
                (Some(a), Some(t)) if t > 0.0 => format!("{:.0} %", a / t * 100.0),
                _ => "—".to_owned(),
            };
            vec![
                at(g, "label")
                    .as_str()
                    .or_else(|| at(g, "key").as_str())
                    .unwrap_or("—")
                    .to_owned(),
                hours(num(g, "averageResponseSeconds")),
                hours(num(g, "averageTargetSeconds")),
                ratio,
                pct(g, "complianceRate"),
            ]
        })
        .collect();
    view! {
        <div class="tiles" data-testid="compliance-tiles">
            <div class="tile tile-rate">
                <span class="tile-label">"Compliance"</span>
                <span class="tile-value" data-testid="tile-rate">{pct(&r, "complianceRate")}</span>
            </div>
            {tiles}
            <div class="tile">
                <span class="tile-label">"Average response / target"</span>
                <span class="tile-value" data-testid="tile-average">
                    {format!("{} / {}", hours(num(&r, "averageResponseSeconds")), hours(num(&r, "averageTargetSeconds")))}
                </span>
            </div>
        </div>
        <div class="board-grid">
            <section class="panel">
                <h3>"Response-time distribution"</h3>
                <BarChart title="Clocks by response time" data=distribution testid="chart-distribution"/>
            </section>
            <section class="panel">
                <h3>"Weekly compliance"</h3>
                <LineChart title="Compliance rate by week (%)" data=weekly max=100.0 testid="chart-weekly"/>
            </section>
            <section class="panel wide">
                <h3>"By rep"</h3>
                {group_table(list(&r, "byOwner"), "owner")}
            </section>
            <section class="panel wide">
                <h3>"By team"</h3>
                {group_table(list(&r, "byTeam"), "team")}
            </section>
            <section class="panel wide">
                <h3>"Average response vs target by lead type"</h3>
                <DataTable
                    testid="compliance-by-lead-type"
                    headers=vec!["Lead type", "Average response", "Average target", "Response / target", "Compliance"]
                    rows=types
                />
            </section>
        </div>
    }
    .into_any()
}

fn group_table(groups: &[Value], dimension: &'static str) -> AnyView {
    if groups.is_empty() {
        return view! { <p class="muted">"No clocks in the period."</p> }.into_any();
    }
    let rows = groups
        .iter()
        .map(|g| {
            let name = at(g, "label")
                .as_str()
                .map_or_else(|| format!("No {dimension}"), str::to_owned);
            let key = at(g, "key").as_str().unwrap_or_default().to_owned();
            let cells = STATUSES
                .iter()
                .map(|(status, low)| {
                    let id = (!key.is_empty()).then(|| key.clone());
                    let drill = Drill {
                        title: name.clone(),
                        status,
                        owner_id: id.clone().filter(|_| dimension == "owner"),
                        team_id: id.filter(|_| dimension == "team"),
                    };
                    let testid = format!("drill-{dimension}-{key}-{low}");
                    view! { <td><Count count=text(g, low) drill testid/></td> }
                })
                .collect_view();
            view! {
                <tr data-testid=format!("{dimension}-row") data-key=key.clone()>
                    <th scope="row">{name}</th>
                    <td data-testid="rate">{pct(g, "complianceRate")}</td>
                    {cells}
                    <td>{hours(num(g, "averageResponseSeconds"))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="compliance" data-testid=format!("compliance-by-{dimension}")>
                <thead>
                    <tr>
                        <th scope="col">{if dimension == "owner" { "Rep" } else { "Team" }}</th>
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
fn DrillDown(
    drill: Drill,
    filter: RwSignal<Filter>,
    selected: RwSignal<Option<Drill>>,
) -> impl IntoView {
    let session = use_session();
    let heading = format!("Leads behind {}: {}", lower(drill.status), drill.title);
    let leads = LocalResource::new(move || {
        let token = session.require_token();
        let variables = json!({
            "filter": filter.with_untracked(Filter::report_filter),
            "status": drill.status,
            "ownerId": drill.owner_id,
            "teamId": drill.team_id,
        });
        async move {
            let data = api::execute::<_, Value>(LEADS, variables, Some(&token?)).await;
            session
                .check(data)
                .map(|d| at(&d, "slaComplianceLeads").clone())
        }
    });
    // Keyboard and screen-reader users land on the list they asked for.
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(el) = section.get() {
            let _ = el.focus();
        }
    });
    view! {
        <section class="panel" aria-labelledby="drill-title" data-testid="drill-down" tabindex="-1" node_ref=section>
            <div class="page-head">
                <h3 id="drill-title">{heading}</h3>
                <button type="button" class="secondary" on:click=move |_| selected.set(None)>"Close"</button>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match leads.await {
                        Ok(conn) => view! {
                            <p data-testid="drill-total">{format!("{} leads", text(&conn, "totalCount"))}</p>
                            <ul class="drill-list">
                                {list(&conn, "edges").iter().map(|e| {
                                    let (lead, clock) = (at(e, "node"), at(e, "clock"));
                                    let id = text(lead, "id");
                                    let to = Route::Lead(id.clone());
                                    let who = at(lead, "company").as_str().map_or_else(|| text(lead, "email"), str::to_owned);
                                    let rest = format!(" · {} · {} · due {}",
                                        at(at(lead, "owner"), "name").as_str().unwrap_or("unassigned"),
                                        text(clock, "state").to_lowercase(),
                                        text(clock, "dueAt").replace('T', " ").chars().take(16).collect::<String>());
                                    view! {
                                        <li data-testid="drill-lead" data-lead-id=id>
                                            <Link to>{who}</Link>{rest}
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
