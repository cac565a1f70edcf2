//! What-if: replay the period's clocks of one lead type and kind under another target and/or
//! calendar (`simulateSlaPolicy`) and show the simulated figures beside the actual ones.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::filter::Filter;
use super::generic::{DataTable, ReportView, at, list, pct, text};
use crate::api::{self, ApiErrors};
use crate::contexts::session::use_session;

const SIMULATE: &str = "query Simulate($policy: SlaPolicyChangeInput!, $filter: ReportFilter) { \
     simulateSlaPolicy(policy: $policy, filter: $filter) { leadType kind currentTargetSeconds \
     simulatedTargetSeconds \
     actual { met breached running approaching cancelled complianceRate } \
     simulated { met breached running approaching cancelled complianceRate } \
     difference { byOwner { label met breached running approaching complianceRate } } \
     changes { leadId actual simulated } } }";

const OPTIONS: &str = "query SimOptions { leadTypes { key label } businessCalendars { id name } \
     slaPolicies { leadType kind targetSeconds } }";

#[derive(Debug, Clone, Default, Deserialize)]
struct KeyLabel {
    key: String,
    label: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct IdName {
    id: String,
    name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyTarget {
    lead_type: String,
    kind: String,
    target_seconds: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    lead_types: Vec<KeyLabel>,
    business_calendars: Vec<IdName>,
    sla_policies: Vec<PolicyTarget>,
}

fn simulate_vars(filter: &Filter, policy: &str) -> Value {
    let policy: Value = serde_json::from_str(policy).unwrap_or(Value::Null);
    json!({ "policy": policy, "filter": filter.report_filter() })
}

fn simulation_view(r: Value) -> AnyView {
    let actual = at(&r, "actual");
    let simulated = at(&r, "simulated");
    let rows: Vec<Vec<String>> = ["met", "breached", "running", "approaching", "cancelled"]
        .iter()
        .map(|k| {
            let (a, s) = (
                at(actual, k).as_i64().unwrap_or(0),
                at(simulated, k).as_i64().unwrap_or(0),
            );
            vec![
                (*k).to_owned(),
                a.to_string(),
                s.to_string(),
                format!("{:+}", s - a),
            ]
        })
        .chain(std::iter::once(vec![
            "compliance".to_owned(),
            pct(actual, "complianceRate"),
            pct(simulated, "complianceRate"),
            String::new(),
        ]))
        .collect();
    let owners: Vec<Vec<String>> = list(at(&r, "difference"), "byOwner")
        .iter()
        .map(|o| {
            vec![
                at(o, "label").as_str().unwrap_or("No owner").to_owned(),
                text(o, "met"),
                text(o, "breached"),
                text(o, "running"),
                pct(o, "complianceRate"),
            ]
        })
        .collect();
    view! {
        <p data-testid="simulation-summary">{format!(
            "{} · {}: target {} s now, {} s simulated; {} clocks change outcome.",
            text(&r, "leadType"), text(&r, "kind"), text(&r, "currentTargetSeconds"),
            text(&r, "simulatedTargetSeconds"), list(&r, "changes").len())}</p>
        <DataTable testid="simulation" headers=vec!["Clocks", "Actual", "Simulated", "Change"] rows/>
        <h3>"Change by owner (simulated minus actual)"</h3>
        <DataTable testid="simulation-owners" headers=vec!["Owner", "Met", "Breached", "Running", "Compliance"] rows=owners/>
    }
    .into_any()
}

#[component]
pub fn SimulatorDashboard(filter: RwSignal<Filter>) -> impl IntoView {
    let session = use_session();
    let options = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(api::execute::<_, Options>(OPTIONS, json!({}), Some(&token?)).await) }
    });
    let lead_type = RwSignal::new(String::new());
    let kind = RwSignal::new("FIRST_RESPONSE".to_owned());
    let target = RwSignal::new(String::new());
    let calendar = RwSignal::new(String::new());
    let run = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let current_target = move || {
        let (lt, k) = (lead_type.get(), kind.get());
        options.get().and_then(Result::ok).and_then(|o: Options| {
            o.sla_policies
                .into_iter()
                .find(|p| p.lead_type == lt && p.kind == k)
                .map(|p| p.target_seconds)
        })
    };
    let current =
        move || current_target().map(|t| format!("Current target: {t} s (empty: keep it)"));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // An empty target keeps the policy's own (to try another calendar only).
        let typed = target.get_untracked();
        let typed = if typed.trim().is_empty() {
            current_target().map(|t| t.to_string()).unwrap_or_default()
        } else {
            typed
        };
        let Ok(seconds) = typed.trim().parse::<i64>() else {
            problem.set(Some("Give the target in whole seconds."));
            return;
        };
        if lead_type.get_untracked().is_empty() || seconds <= 0 {
            problem.set(Some("Choose a lead type and a positive target."));
            return;
        }
        problem.set(None);
        let calendar = calendar.get_untracked();
        let policy = json!({
            "leadType": lead_type.get_untracked(),
            "kind": kind.get_untracked(),
            "targetSeconds": seconds,
            "calendarId": (!calendar.is_empty()).then_some(calendar),
        });
        run.set(policy.to_string());
    };
    let option_list = move |pick: fn(&Options) -> Vec<(String, String)>| {
        options
            .get()
            .and_then(Result::<Options, ApiErrors>::ok)
            .map(|o| {
                pick(&o)
                    .into_iter()
                    .map(|(v, l)| view! { <option value=v>{l}</option> })
                    .collect_view()
            })
    };
    view! {
        <div class="page-head"><h2>"What-if: SLA policy simulator"</h2></div>
        <p class="muted">"Replays the period's clocks of one lead type under another target or calendar."</p>
        <form class="filter-bar" aria-label="Simulated policy" on:submit=submit>
            <div class="field">
                <label for="sim-type">"Lead type"</label>
                <select id="sim-type" on:change=move |ev| lead_type.set(event_target_value(&ev))>
                    <option value="">"Choose…"</option>
                    {move || option_list(|o| o.lead_types.iter().map(|t| (t.key.clone(), t.label.clone())).collect())}
                </select>
            </div>
            <div class="field">
                <label for="sim-kind">"Clock"</label>
                <select id="sim-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="FIRST_RESPONSE">"First response"</option>
                    <option value="ACCEPTANCE">"Acceptance"</option>
                    <option value="QUALIFICATION">"Qualification"</option>
                </select>
            </div>
            <div class="field">
                <label for="sim-target">"Target (seconds)"</label>
                <input id="sim-target" type="number" min="1" prop:value=move || target.get()
                    on:input=move |ev| target.set(event_target_value(&ev))/>
                <span class="muted small">{current}</span>
            </div>
            <div class="field">
                <label for="sim-calendar">"Calendar"</label>
                <select id="sim-calendar" on:change=move |ev| calendar.set(event_target_value(&ev))>
                    <option value="">"The policy's own"</option>
                    {move || option_list(|o| o.business_calendars.iter().map(|c| (c.id.clone(), c.name.clone())).collect())}
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" data-testid="simulate">"Simulate"</button>
            </div>
        </form>
        {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
        <Show when=move || run.with(|r| !r.is_empty())>
            <ReportView query=SIMULATE field="simulateSlaPolicy" vars=simulate_vars render=simulation_view filter extra=run/>
        </Show>
    }
}
