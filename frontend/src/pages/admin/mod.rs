//! The admin screens under `/admin/...`: organisation configuration through the GraphQL API.
//! Admins only; other roles get a short explanation instead.

pub mod calendars;
pub mod form;
pub mod integrations;
pub mod policies;
pub mod reasons;
pub mod rules;
pub mod users;

use handoff_shared::domain::Role;
use leptos::prelude::*;

use crate::components::Link;
use crate::contexts::router::Route;
use crate::contexts::session::use_me;
use crate::pages::NotFoundPage;

use calendars::CalendarsPage;
use integrations::IntegrationsPage;
use policies::PoliciesPage;
use reasons::ReasonsPage;
use rules::{RoutingPage, ScoringPage};
use users::UsersPage;

/// The sections of the admin area, as (path segment, title, what it is for).
const SECTIONS: [(&str, &str, &str); 7] = [
    (
        "calendars",
        "Business calendars",
        "Opening hours, lunch breaks, time zones and holidays the SLA clocks count in, with a live due-time preview.",
    ),
    (
        "policies",
        "SLA policies",
        "Targets per lead type and clock, when they start, warnings, escalation and reassignment on breach.",
    ),
    (
        "scoring",
        "Scoring rules",
        "What a lead's profile and engagement are worth, with a preview that scores a sample lead.",
    ),
    (
        "routing",
        "Routing rules",
        "Which team and rep an MQL goes to, with a preview that routes a sample lead.",
    ),
    (
        "users",
        "Users and teams",
        "Who works here: roles, teams, managers, time zones, capacity, routing weight, availability and notification channels.",
    ),
    (
        "reasons",
        "Rejection reasons and lead types",
        "The reasons sales may give for rejecting a lead, and the kinds of lead with their MQL rule.",
    ),
    (
        "integrations",
        "Integrations",
        "API tokens (list and revoke), inbound integrations, outbound webhooks and the notification delivery log.",
    ),
];

#[component]
pub fn AdminPage(section: String) -> impl IntoView {
    let me = use_me();
    let role = move || me.and_then(|m| m.get()).map(|m| m.role);
    view! {
        {move || match role() {
            None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
            Some(Role::Admin) => match section.as_str() {
                "" => view! { <AdminIndex/> }.into_any(),
                "calendars" => view! { <CalendarsPage/> }.into_any(),
                "policies" => view! { <PoliciesPage/> }.into_any(),
                "scoring" => view! { <ScoringPage/> }.into_any(),
                "routing" => view! { <RoutingPage/> }.into_any(),
                "users" => view! { <UsersPage/> }.into_any(),
                "reasons" => view! { <ReasonsPage/> }.into_any(),
                "integrations" => view! { <IntegrationsPage/> }.into_any(),
                _ => view! { <NotFoundPage/> }.into_any(),
            },
            Some(_) => view! {
                <section class="card">
                    <h1>"Admin"</h1>
                    <p>"The admin screens are for admins."</p>
                    <Link to=Route::Definitions>"See the definitions"</Link>
                </section>
            }
            .into_any(),
        }}
    }
}

#[component]
fn AdminIndex() -> impl IntoView {
    view! {
        <section class="panel admin">
            <h1>"Admin"</h1>
            <ul class="admin-sections">
                {SECTIONS
                    .iter()
                    .map(|(path, title, about)| {
                        view! {
                            <li>
                                <Link to=Route::Admin((*path).to_owned()) testid=format!("admin-{path}")>
                                    {*title}
                                </Link>
                                <p class="muted">{*about}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}
