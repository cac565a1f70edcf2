//! The dashboards under `/dashboards/...`, for the roles that may read reports (admins,
//! managers and marketing ops): one filter bar shared by every dashboard, kept in the URL's
//! query string, and one tab per report.

pub mod compliance;
pub mod export;
pub mod filter;
pub mod funnel;
pub mod generic;
pub mod quality;
pub mod review;
pub mod simulator;

use handoff_shared::domain::Role;
use leptos::ev::MouseEvent;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::components::Link;
use crate::contexts::router::{Route, use_router};
use crate::contexts::session::use_me;
use compliance::ComplianceDashboard;
use filter::{Filter, FilterBar, current_search};
use funnel::FunnelDashboard;

/// Roles that may call the reports (`Permission::ViewReports`).
pub fn views_reports(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Manager | Role::MarketingOps)
}

/// The dashboards, as the path's last segment names them.
const VIEWS: [(&str, &str); 8] = [
    ("compliance", "SLA compliance"),
    ("funnel", "Funnel"),
    ("feedback", "Feedback"),
    ("leakage", "Leakage"),
    ("governance", "Governance"),
    ("baseline", "Baseline"),
    ("scorecard", "Marketing scorecard"),
    ("simulator", "What-if"),
];

pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

/// Seconds as hours (or minutes when under an hour).
pub fn hours(seconds: Option<f64>) -> String {
    match seconds {
        None => "—".to_owned(),
        Some(s) if s < 60.0 => format!("{s:.0} s"),
        Some(s) if s < 3600.0 => format!("{:.0} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3600.0),
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted" role="status" data-testid="loading">"Loading…"</p> }
}

#[component]
pub fn DashboardsPage(view: String) -> impl IntoView {
    let me = use_me();
    let allowed = move || me.and_then(|m| m.get()).map(|m| views_reports(m.role));
    view! {
        {move || match allowed() {
            None => view! { <Loading/> }.into_any(),
            Some(false) => view! {
                <section class="card">
                    <h1>"Dashboards"</h1>
                    <p>"The dashboards are for managers, admins and marketing ops."</p>
                    <Link to=Route::Home>"Home"</Link>
                </section>
            }.into_any(),
            Some(true) => view! { <Dashboards view=view.clone()/> }.into_any(),
        }}
    }
}

#[component]
fn Dashboards(view: String) -> impl IntoView {
    let router = use_router();
    let filter = RwSignal::new(Filter::parse(&current_search()));
    let current = if VIEWS.iter().any(|(v, _)| *v == view) {
        view
    } else {
        "compliance".to_owned()
    };
    let tabs = VIEWS
        .iter()
        .map(|(key, label)| {
            let key = *key;
            let href = move || format!("/dashboards/{key}{}", filter.with(Filter::query_string));
            let on_click = move |ev: MouseEvent| {
                let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key();
                if ev.button() != 0 || modified {
                    return;
                }
                ev.prevent_default();
                let href = href();
                router.navigate(Route::Dashboards(key.to_owned()), false);
                // The router writes the path only: keep the filter in the new entry.
                if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                    let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&href));
                }
            };
            let is_current = current == key;
            view! {
                <a
                    href=href
                    on:click=on_click
                    aria-current=is_current.then_some("page")
                    data-testid=format!("tab-{key}")
                >
                    {*label}
                </a>
            }
        })
        .collect_view();
    let body = match current.as_str() {
        "funnel" => view! { <FunnelDashboard filter/> }.into_any(),
        "feedback" => view! { <quality::FeedbackDashboard filter/> }.into_any(),
        "leakage" => view! { <quality::LeakageDashboard filter/> }.into_any(),
        "governance" => view! { <review::GovernanceDashboard filter/> }.into_any(),
        "baseline" => view! { <review::BaselineDashboard filter/> }.into_any(),
        "scorecard" => view! { <review::ScorecardDashboard filter/> }.into_any(),
        "simulator" => view! { <simulator::SimulatorDashboard filter/> }.into_any(),
        _ => view! { <ComplianceDashboard filter/> }.into_any(),
    };
    view! {
        <div class="page-head">
            <h1>"Dashboards"</h1>
        </div>
        <nav class="tabs" aria-label="Dashboards">{tabs}</nav>
        <FilterBar filter/>
        <div class="dashboard" data-testid=format!("dashboard-{current}")>{body}</div>
    }
}
