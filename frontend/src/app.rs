//! The root component: provides the session, the router, the ticking clock and the toasts;
//! signed out it shows the login page, signed in the app shell (nav bar and the current
//! screen). A deep link (`/leads/42`) survives signing in: the route is kept.

use leptos::prelude::*;

use crate::api::{self, ApiErrors};
use crate::components::NavBar;
use crate::contexts::now::provide_now;
use crate::contexts::router::{Route, provide_router, use_router};
use crate::contexts::session::{CurrentUser, provide_session, use_session};
use crate::contexts::toasts::{ToastRegion, provide_toasts};
use crate::pages::admin::AdminPage;
use crate::pages::dashboards::DashboardsPage;
use crate::pages::definitions::DefinitionsPage;
use crate::pages::{HomePage, LeadPage, LeadersPage, LoginPage, NotFoundPage, QueuePage};

#[component]
pub fn App() -> impl IntoView {
    let session = provide_session();
    provide_router();
    provide_now();
    let toasts = provide_toasts();
    view! {
        <Show when=move || session.is_signed_in() fallback=|| view! { <LoginPage/> }>
            <Shell/>
        </Show>
        <ToastRegion toasts/>
    }
}

/// The signed-in frame: loads who the user is once, for the nav bar and every screen.
#[component]
fn Shell() -> impl IntoView {
    let session = use_session();
    let router = use_router();
    let me = LocalResource::new(move || {
        let token = session.token();
        async move {
            match token {
                Some(token) => session.check(api::me(&token).await),
                None => Err(ApiErrors::unauthenticated()),
            }
        }
    });
    provide_context(CurrentUser(me));
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <NavBar/>
        <main id="main" class="page" tabindex="-1">
            {move || match router.route() {
                Route::Home => view! { <HomePage/> }.into_any(),
                Route::Queue => view! { <QueuePage/> }.into_any(),
                Route::Lead(id) => view! { <LeadPage id/> }.into_any(),
                Route::Leaders => view! { <LeadersPage/> }.into_any(),
                Route::Dashboards(view) => view! { <DashboardsPage view/> }.into_any(),
                Route::Admin(section) => view! { <AdminPage section/> }.into_any(),
                Route::Definitions => view! { <DefinitionsPage/> }.into_any(),
                Route::NotFound => view! { <NotFoundPage/> }.into_any(),
            }}
        </main>
    }
}
