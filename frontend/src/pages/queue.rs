//! The rep's queue: their open leads, most urgent SLA first, each with a countdown that ticks
//! in the browser; below, the unclaimed leads of their team's queue with a Claim action.
//! Both lists refresh when the `leadChanged` subscription says something moved.

use leptos::prelude::*;
use serde_json::json;

use crate::api::types::LeadSummary;
use crate::api::{self, ApiErrors, LEAD_CHANGED, LeadAction};
use crate::components::{ClockLabel, Countdown, Link};
use crate::contexts::live::{LiveBadge, use_live};
use crate::contexts::router::Route;
use crate::contexts::session::{use_me, use_session};

#[component]
pub fn QueuePage() -> impl IntoView {
    let session = use_session();
    let me = use_me();
    let my_id = move || me.and_then(|m| m.get()).map(|m| m.id);
    let team_id = move || me.and_then(|m| m.get()).and_then(|m| m.team).map(|t| t.id);

    let mine = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(api::my_queue(&token?).await) }
    });
    let claimable = LocalResource::new(move || {
        let token = session.require_token();
        let team = team_id();
        async move {
            match team {
                Some(team) => session
                    .check(api::team_queue(&token?, &team).await)
                    .map(Some),
                None => Ok(None),
            }
        }
    });

    let live = use_live(
        LEAD_CHANGED,
        move || my_id().map(|id| json!({ "ownerId": id })),
        move |_| {
            mine.refetch();
            claimable.refetch();
        },
    );

    let claim = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            let token = session.require_token()?;
            let result = session.check(api::act(&token, &id, &LeadAction::Claim).await);
            if result.is_ok() {
                mine.refetch();
                claimable.refetch();
            }
            result.map(|_| ())
        }
    });
    let claim_error = move || claim.value().get().and_then(Result::err);

    view! {
        <div class="page-head">
            <h1>"My queue"</h1>
            <LiveBadge status=live/>
        </div>
        <section aria-labelledby="mine-title" class="panel">
            <h2 id="mine-title">"My open leads"</h2>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading your leads…"</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(leads) if leads.is_empty() => view! {
                            <p class="muted" data-testid="queue-empty">"No open leads. Well done."</p>
                        }.into_any(),
                        Ok(leads) => view! { <LeadTable leads testid="my-queue"/> }.into_any(),
                        Err(errors) => view! { <LoadError errors retry=move || mine.refetch()/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section aria-labelledby="team-title" class="panel">
            <h2 id="team-title">"My team's queue"</h2>
            {move || claim_error().map(|e| view! { <p class="alert" role="alert">{e.first_message().to_owned()}</p> })}
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading the team queue…"</p> }>
                {move || Suspend::new(async move {
                    match claimable.await {
                        Ok(None) => view! { <p class="muted">"You are not in a team."</p> }.into_any(),
                        Ok(Some(leads)) if leads.is_empty() => view! {
                            <p class="muted">"Nothing waiting to be claimed."</p>
                        }.into_any(),
                        Ok(Some(leads)) => view! {
                            <ul class="claimable" data-testid="team-queue">
                                {leads.into_iter().map(|lead| {
                                    let id = lead.id.clone();
                                    let name = lead.display_name();
                                    view! {
                                        <li>
                                            <span>{name.clone()} " · " {lead.company.clone().unwrap_or_default()}</span>
                                            <button
                                                type="button"
                                                class="secondary"
                                                aria-label=format!("Claim {name}")
                                                disabled=move || claim.pending().get()
                                                on:click=move |_| { claim.dispatch(id.clone()); }
                                            >
                                                "Claim"
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(errors) => view! { <LoadError errors retry=move || claimable.refetch()/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Leads with their most urgent clock.
#[component]
fn LeadTable(leads: Vec<LeadSummary>, testid: &'static str) -> impl IntoView {
    view! {
        <table class="leads" data-testid=testid>
            <thead>
                <tr>
                    <th scope="col">"Lead"</th>
                    <th scope="col">"Company"</th>
                    <th scope="col">"Stage"</th>
                    <th scope="col">"Score"</th>
                    <th scope="col">"SLA"</th>
                </tr>
            </thead>
            <tbody>
                {leads.into_iter().map(|lead| {
                    let clock = lead.urgent_clock().cloned();
                    let (id, name, email) = (lead.id.clone(), lead.display_name(), lead.email.clone());
                    let route = Route::Lead(id.clone());
                    view! {
                        <tr data-testid="queue-row" data-lead-id=id>
                            <td>
                                <Link to=route>{name}</Link>
                                <div class="muted small">{email}</div>
                            </td>
                            <td>{lead.company.clone().unwrap_or_default()}</td>
                            <td><span class="status" data-testid="lead-status">{lead.status.as_str()}</span></td>
                            <td>{lead.score}</td>
                            <td>
                                {match clock {
                                    Some(clock) => view! {
                                        <ClockLabel kind=clock.kind/> " " <Countdown clock/>
                                    }.into_any(),
                                    None => view! { <span class="muted">"—"</span> }.into_any(),
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A failed load, with a retry.
#[component]
pub fn LoadError(errors: ApiErrors, retry: impl Fn() + 'static) -> impl IntoView {
    view! {
        <div class="alert" role="alert">
            <p>"Could not load: " {errors.to_string()}</p>
            <button type="button" class="secondary" on:click=move |_| retry()>"Retry"</button>
        </div>
    }
}
