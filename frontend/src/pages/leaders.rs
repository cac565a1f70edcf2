//! The leader board for managers and admins: SLA clocks at risk (50 %, 80 %) and breached as
//! they happen (live `slaEvents`, each with a toast), today's compliance by team, and who is
//! out of office.

use chrono::{DateTime, Local, Utc};
use handoff_shared::domain::SlaEventKind;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::types::{ComplianceGroup, SlaEvent};
use crate::api::{self, SLA_EVENTS};
use crate::components::Link;
use crate::components::countdown::kind_label;
use crate::components::nav::leads_teams;
use crate::contexts::live::{LiveBadge, use_live};
use crate::contexts::router::Route;
use crate::contexts::session::{use_me, use_session};
use crate::contexts::toasts::{Tone, use_toasts};
use crate::pages::lead::when;
use crate::pages::queue::LoadError;

/// Events kept on screen.
const KEEP: usize = 50;

#[derive(Deserialize)]
struct SlaEventData {
    #[serde(rename = "slaEvents")]
    sla_events: SlaEvent,
}

/// The board shows the transitions someone should act on.
fn worth_showing(kind: SlaEventKind) -> bool {
    matches!(
        kind,
        SlaEventKind::AtRisk50 | SlaEventKind::AtRisk80 | SlaEventKind::Breached
    )
}

fn kind_text(kind: SlaEventKind) -> &'static str {
    match kind {
        SlaEventKind::AtRisk50 => "50 % spent",
        SlaEventKind::AtRisk80 => "80 % spent",
        SlaEventKind::Breached => "Breached",
        _ => kind.as_str(),
    }
}

/// Midnight today in the browser's time zone.
fn start_of_today() -> DateTime<Utc> {
    let now = Local::now();
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| midnight.and_local_timezone(Local).earliest())
        .map_or_else(|| now.to_utc(), |m| m.to_utc())
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.0} %", r * 100.0))
}

#[component]
pub fn LeadersPage() -> impl IntoView {
    let me = use_me();
    let allowed = move || me.and_then(|m| m.get()).map(|m| leads_teams(m.role));
    view! {
        {move || match allowed() {
            None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
            Some(false) => view! {
                <section class="card">
                    <h1>"Leader board"</h1>
                    <p>"The leader board is for managers and admins."</p>
                    <Link to=Route::Queue>"Go to your queue"</Link>
                </section>
            }.into_any(),
            Some(true) => view! { <Board/> }.into_any(),
        }}
    }
}

#[component]
fn Board() -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let events = RwSignal::new(Vec::<SlaEvent>::new());
    let from = start_of_today();

    let compliance = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(api::sla_compliance(&token?, from).await) }
    });
    let away = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(api::users(&token?, None, Some(true)).await) }
    });

    let on_data = move |data: Option<Value>| {
        let Some(data) = data else {
            // Connected, or some events were dropped: the figures may be stale.
            compliance.refetch();
            return;
        };
        let Ok(SlaEventData { sla_events: event }) = serde_json::from_value::<SlaEventData>(data)
        else {
            return;
        };
        if matches!(event.kind, SlaEventKind::Breached | SlaEventKind::Met) {
            compliance.refetch();
        }
        if !worth_showing(event.kind) {
            return;
        }
        if let Some(toasts) = toasts {
            let who = event
                .lead
                .company
                .clone()
                .unwrap_or_else(|| event.lead.email.clone());
            let tone = if event.kind == SlaEventKind::Breached {
                Tone::Danger
            } else {
                Tone::Warning
            };
            toasts.push(
                tone,
                format!(
                    "{who}: {} SLA {}",
                    kind_label(event.clock.kind),
                    kind_text(event.kind).to_lowercase()
                ),
            );
        }
        let _ = events.try_update(|list| {
            list.insert(0, event);
            list.truncate(KEEP);
        });
    };
    let live = use_live(SLA_EVENTS, || Some(json!({})), on_data);

    view! {
        <div class="page-head">
            <h1>"Leader board"</h1>
            <LiveBadge status=live/>
        </div>
        <div class="board-grid">
            <section class="panel wide" aria-labelledby="risk-title">
                <h2 id="risk-title">"At risk and breached"</h2>
                <Show
                    when=move || events.with(|e| !e.is_empty())
                    fallback=|| view! { <p class="muted" data-testid="no-events">"Nothing at risk since you opened this page."</p> }
                >
                    <ul class="events" data-testid="sla-events">
                        <For each=move || events.get() key=|e| (e.lead.id.clone(), e.clock.kind, e.kind, e.occurred_at) let:event>
                            <li
                                class=format!("event event-{}", event.kind.as_str().to_lowercase())
                                data-testid="sla-event"
                                data-kind=event.kind.as_str()
                                data-lead-id=event.lead.id.clone()
                            >
                                <span class="event-kind">{kind_text(event.kind)}</span>
                                " · "
                                <Link to=Route::Lead(event.lead.id.clone())>
                                    {event.lead.company.clone().unwrap_or_else(|| event.lead.email.clone())}
                                </Link>
                                " · " {kind_label(event.clock.kind)}
                                " · " <span>{event.lead.owner.as_ref().map_or_else(|| "unassigned".to_owned(), |o| o.name.clone())}</span>
                                {event.lead.team.as_ref().map(|t| format!(" ({})", t.name))}
                                " · " <time datetime=event.occurred_at.to_rfc3339()>{when(event.occurred_at)}</time>
                            </li>
                        </For>
                    </ul>
                </Show>
            </section>

            <section class="panel wide" aria-labelledby="compliance-title">
                <h2 id="compliance-title">"First-response compliance today"</h2>
                <Transition fallback=|| view! { <p class="muted" role="status">"Loading compliance…"</p> }>
                    {move || Suspend::new(async move {
                        match compliance.await {
                            Ok(report) => view! {
                                <p data-testid="compliance-overall">
                                    "Overall " <strong>{percent(report.compliance_rate)}</strong>
                                    {format!(" · {} met · {} breached · {} running · {} approaching",
                                        report.met, report.breached, report.running, report.approaching)}
                                </p>
                                <TeamTable teams=report.by_team/>
                            }.into_any(),
                            Err(errors) => view! { <LoadError errors retry=move || compliance.refetch()/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>

            <section class="panel" aria-labelledby="away-title">
                <h2 id="away-title">"Out of office"</h2>
                <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match away.await {
                            Ok(people) if people.is_empty() => view! { <p class="muted">"Everyone is in."</p> }.into_any(),
                            Ok(people) => view! {
                                <ul data-testid="out-of-office">
                                    {people.into_iter().map(|p| view! {
                                        <li>{p.name} {p.team.map(|t| format!(" ({})", t.name))}</li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(errors) => view! { <LoadError errors retry=move || away.refetch()/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn TeamTable(teams: Vec<ComplianceGroup>) -> impl IntoView {
    if teams.is_empty() {
        return view! { <p class="muted">"No clocks started today."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
        <table class="compliance" data-testid="compliance-by-team">
            <thead>
                <tr>
                    <th scope="col">"Team"</th>
                    <th scope="col">"Compliance"</th>
                    <th scope="col">"Met"</th>
                    <th scope="col">"Breached"</th>
                    <th scope="col">"Running"</th>
                    <th scope="col">"Approaching"</th>
                </tr>
            </thead>
            <tbody>
                {teams.into_iter().map(|t| view! {
                    <tr>
                        <th scope="row">{t.label.unwrap_or_else(|| "No team".to_owned())}</th>
                        <td>{percent(t.compliance_rate)}</td>
                        <td>{t.met}</td>
                        <td>{t.breached}</td>
                        <td>{t.running}</td>
                        <td>{t.approaching}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}
