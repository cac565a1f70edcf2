//! The signed-in landing screen: who you are. Reps go straight on to their queue.

use handoff_shared::domain::Role;
use leptos::prelude::*;

use crate::api::Me;
use crate::components::Link;
use crate::components::nav::{leads_teams, works_leads};
use crate::contexts::router::{Route, use_router};
use crate::contexts::session::use_me;

/// A role as people read it; the contract name stays available in `data-role`.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::MarketingOps => "Marketing ops",
        Role::Manager => "Manager",
        Role::Rep => "Sales rep",
        Role::Integration => "Integration",
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let router = use_router();
    let Some(me) = use_me() else {
        return view! { <p class="alert" role="alert">"The app shell is missing."</p> }.into_any();
    };
    // The queue is a rep's home.
    Effect::new(move || {
        if me.get().is_some_and(|m| m.role == Role::Rep) {
            router.navigate(Route::Queue, true);
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Loading your profile…"</p> }>
            {move || Suspend::new(async move {
                match me.0.await {
                    Ok(user) => view! { <Profile user/> }.into_any(),
                    Err(errors) => view! {
                        <div class="alert" role="alert">
                            <p>"Could not load your profile: " {errors.to_string()}</p>
                            <button type="button" class="secondary" on:click=move |_| me.0.refetch()>"Retry"</button>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Profile(user: Me) -> impl IntoView {
    let team = user
        .team
        .map(|t| t.name)
        .unwrap_or_else(|| "No team".to_owned());
    let role = user.role;
    view! {
        <section class="card" aria-labelledby="welcome">
            <h1 id="welcome">"Welcome, " <span data-testid="me-name">{user.name.clone()}</span></h1>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd data-testid="me-full-name">{user.name}</dd>
                <dt>"Email"</dt>
                <dd data-testid="me-email">{user.email}</dd>
                <dt>"Role"</dt>
                <dd data-testid="me-role" data-role=role.as_str()>{role_label(role)}</dd>
                <dt>"Team"</dt>
                <dd data-testid="me-team">{team}</dd>
            </dl>
            <p class="actions">
                <Show when=move || works_leads(role)>
                    <Link to=Route::Queue>"Open the queue"</Link>
                </Show>
                <Show when=move || leads_teams(role)>
                    <Link to=Route::Leaders>"Open the leader board"</Link>
                </Show>
            </p>
        </section>
    }
}

/// Any path the app does not know.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <Link to=Route::Home>"Go to the start page"</Link>
        </section>
    }
}
