//! The top bar: where you can go (what your role may see), who you are, and a way out.

use handoff_shared::domain::Role;
use leptos::prelude::*;

use crate::components::Link;
use crate::contexts::router::Route;
use crate::contexts::session::{SignOutReason, use_me, use_session};
use crate::pages::dashboards::views_reports;

/// Roles that work leads from a queue.
pub fn works_leads(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager | Role::Rep)
}

/// Roles that watch the team's SLAs on the leader board.
pub fn leads_teams(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager)
}

#[component]
pub fn NavBar() -> impl IntoView {
    let session = use_session();
    let me = use_me();
    let role = move || me.and_then(|m| m.get()).map(|m| m.role);
    let name = move || me.and_then(|m| m.get()).map(|m| m.name);
    view! {
        <header class="topbar">
            <nav class="nav" aria-label="Main">
                <Link to=Route::Home class="brand">"Handoff"</Link>
                <Show when=move || role().is_some_and(works_leads)>
                    <Link to=Route::Queue testid="nav-queue">"Queue"</Link>
                </Show>
                <Show when=move || role().is_some_and(leads_teams)>
                    <Link to=Route::Leaders testid="nav-leaders">"Leader board"</Link>
                </Show>
                <Show when=move || role().is_some_and(views_reports)>
                    <Link to=Route::Dashboards(String::new()) testid="nav-dashboards">"Dashboards"</Link>
                </Show>
                <Link to=Route::Definitions testid="nav-definitions">"Definitions"</Link>
                <Show when=move || role() == Some(Role::Admin)>
                    <Link to=Route::Admin(String::new()) testid="nav-admin">"Admin"</Link>
                </Show>
            </nav>
            <div class="who">
                <span class="muted" data-testid="nav-user">{name}</span>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| session.sign_out(SignOutReason::LoggedOut)
                >
                    "Log out"
                </button>
            </div>
        </header>
    }
}
