//! The signed-in landing screen: who you are, and a way out.

use handoff_shared::ErrorCode;
use handoff_shared::domain::Role;
use leptos::prelude::*;

use crate::api::{self, ApiErrors, Me};
use crate::contexts::session::{SignOutReason, use_session};

/// A role as people read it; the contract name stays available in `data-role`.
fn role_label(role: Role) -> &'static str {
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
    let session = use_session();
    let me = LocalResource::new(move || {
        let token = session.token();
        async move {
            match token {
                Some(token) => api::me(&token).await,
                None => Err(ApiErrors::unauthenticated()),
            }
        }
    });

    // A token the server no longer accepts sends the user back to the login page.
    Effect::new(move || {
        let expired =
            me.with(|r| matches!(r, Some(Err(e)) if e.has_code(ErrorCode::Unauthenticated)));
        if expired && session.is_signed_in() {
            session.sign_out(SignOutReason::Expired);
        }
    });

    view! {
        <header class="topbar">
            <span class="brand">"Handoff"</span>
            <button type="button" class="secondary" on:click=move |_| session.sign_out(SignOutReason::LoggedOut)>
                "Log out"
            </button>
        </header>
        <main class="page">
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading your profile…"</p> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(user) => view! { <Profile user/> }.into_any(),
                        Err(errors) => view! {
                            <div class="alert" role="alert">
                                <p>"Could not load your profile: " {errors.to_string()}</p>
                                <button type="button" class="secondary" on:click=move |_| me.refetch()>"Retry"</button>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Profile(user: Me) -> impl IntoView {
    let team = user
        .team
        .map(|t| t.name)
        .unwrap_or_else(|| "No team".to_owned());
    view! {
        <section class="card" aria-labelledby="welcome">
            <h1 id="welcome">"Welcome, " <span data-testid="me-name">{user.name.clone()}</span></h1>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd data-testid="me-full-name">{user.name}</dd>
                <dt>"Email"</dt>
                <dd data-testid="me-email">{user.email}</dd>
                <dt>"Role"</dt>
                <dd data-testid="me-role" data-role=user.role.as_str()>{role_label(user.role)}</dd>
                <dt>"Team"</dt>
                <dd data-testid="me-team">{team}</dd>
            </dl>
        </section>
    }
}
