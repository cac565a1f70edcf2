//! SLA policies: one per lead type and clock; the list, and a form that sets a policy with
//! `upsertSlaPolicy` (which creates the pair's policy or updates it in place): target, start
//! event, at-risk percents, escalation, reassignment on breach, pause, calendar, active.

use handoff_shared::domain::SlaKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::json;

use crate::api::{ApiErrors, execute};
use crate::components::countdown::kind_label;
use crate::contexts::session::use_session;
use crate::pages::definitions::{
    LeadType, Policy, PolicyCalendar, load_configuration, target_text,
};
use crate::pages::queue::LoadError;

const UPSERT: &str =
    "mutation SavePolicy($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }";

const KINDS: [SlaKind; 3] = [
    SlaKind::FirstResponse,
    SlaKind::Acceptance,
    SlaKind::Qualification,
];

#[derive(Deserialize)]
struct Saved {}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let session = use_session();
    let data = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(load_configuration(&token?).await) }
    });
    // The policy in the form: Some(None) for a new one.
    let editing = RwSignal::new(None::<Option<Policy>>);
    let notice = RwSignal::new(None::<String>);
    view! {
        <section class="panel admin" aria-labelledby="policies-title">
            <h1 id="policies-title">"SLA policies"</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="policy-saved">{n}</p> })}
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading policies…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! {
                            <table class="definitions-table" data-testid="policy-list">
                                <thead><tr>
                                    <th scope="col">"Lead type"</th><th scope="col">"Clock"</th>
                                    <th scope="col">"Target"</th><th scope="col">"Calendar"</th>
                                    <th scope="col">"Active"</th><th scope="col">"Edit"</th>
                                </tr></thead>
                                <tbody>
                                    {d.sla_policies.into_iter().map(|p| {
                                        let label = format!("Edit {} {}", p.lead_type, kind_label(p.kind));
                                        let row = p.clone();
                                        view! {
                                            <tr>
                                                <th scope="row">{p.lead_type.clone()}</th>
                                                <td>{kind_label(p.kind)}</td>
                                                <td>{target_text(p.target_seconds)}</td>
                                                <td>{p.calendar.map_or_else(|| "owner's".to_owned(), |c| c.name)}</td>
                                                <td>{if p.active { "yes" } else { "no" }}</td>
                                                <td><button type="button" class="secondary" aria-label=label
                                                    on:click=move |_| { notice.set(None); editing.set(Some(Some(row.clone()))); }>"Edit"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(errors) => view! { <LoadError errors retry=move || data.refetch()/> }.into_any(),
                    }
                })}
            </Transition>
            <button type="button" class="secondary" on:click=move |_| { notice.set(None); editing.set(Some(None)); }>"New policy"</button>
        </section>
        {move || {
            let initial = editing.get()?;
            let d = data.get_untracked().and_then(Result::ok)?;
            let on_saved = move |text: String| {
                notice.set(Some(text));
                editing.set(None);
                data.refetch();
            };
            Some(view! { <PolicyForm initial types=d.lead_types calendars=d.business_calendars on_saved/> })
        }}
    }
}

#[component]
fn PolicyForm(
    initial: Option<Policy>,
    types: Vec<LeadType>,
    calendars: Vec<PolicyCalendar>,
    on_saved: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let session = use_session();
    let existing = initial.is_some();
    let p = initial.unwrap_or(Policy {
        id: String::new(),
        name: String::new(),
        lead_type: types.first().map(|t| t.key.clone()).unwrap_or_default(),
        kind: SlaKind::FirstResponse,
        target_seconds: 3600,
        start_on: "assigned".to_owned(),
        notify_at_percent: vec![50, 80],
        escalate_to_manager: true,
        reassign_on_breach: false,
        pause_on_response: false,
        active: true,
        calendar: None,
    });
    let name = RwSignal::new(p.name.clone());
    let lead_type = RwSignal::new(p.lead_type.clone());
    let kind = RwSignal::new(p.kind);
    let minutes = RwSignal::new((p.target_seconds / 60).to_string());
    let start_on = RwSignal::new(p.start_on.clone());
    let percents = RwSignal::new(
        p.notify_at_percent
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    let escalate = RwSignal::new(p.escalate_to_manager);
    let reassign = RwSignal::new(p.reassign_on_breach);
    let pause = RwSignal::new(p.pause_on_response);
    let active = RwSignal::new(p.active);
    let calendar = RwSignal::new(
        p.calendar
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_default(),
    );
    let errors = RwSignal::new(None::<ApiErrors>);
    let saving = RwSignal::new(false);

    let error_for = move |field: &'static str| {
        move || {
            errors.with(|e| {
                e.as_ref().and_then(|e| {
                    e.for_field(field)
                        .or_else(|| e.for_field(&format!("input.{field}")))
                        .map(str::to_owned)
                })
            })
        }
    };
    let shown = [
        "name",
        "leadType",
        "kind",
        "targetSeconds",
        "startOn",
        "notifyAtPercent",
        "calendarId",
    ];
    let general = move || {
        errors.with(|e| {
            e.as_ref()
                .map(|e| {
                    e.general(&shown)
                        .filter(|m| !m.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let target = minutes
            .get_untracked()
            .trim()
            .parse::<i64>()
            .map_or(-1, |m| m * 60);
        let notify: Vec<i64> = percents
            .get_untracked()
            .split(',')
            .filter_map(|p| p.trim().parse().ok())
            .collect();
        let calendar_id = calendar.get_untracked();
        let input = json!({
            "name": name.get_untracked().trim(),
            "leadType": lead_type.get_untracked(),
            "kind": kind.get_untracked().as_str(),
            "targetSeconds": target,
            "startOn": start_on.get_untracked(),
            "notifyAtPercent": notify,
            "escalateToManager": escalate.get_untracked(),
            "reassignOnBreach": reassign.get_untracked(),
            "pauseOnResponse": pause.get_untracked(),
            "active": active.get_untracked(),
            "calendarId": (!calendar_id.is_empty()).then_some(calendar_id),
        });
        saving.set(true);
        spawn_local(async move {
            let result = match session.require_token() {
                Ok(token) => session.check(
                    execute::<_, Saved>(UPSERT, json!({ "input": input }), Some(&token)).await,
                ),
                Err(e) => Err(e),
            };
            let _ = saving.try_set(false);
            match result {
                Ok(_) => on_saved("Policy saved.".to_owned()),
                Err(e) => {
                    let _ = errors.try_set(Some(e));
                }
            }
        });
    };

    let check = |id: &'static str, label: &'static str, signal: RwSignal<bool>| {
        view! {
            <div class="field check">
                <input id=id type="checkbox" prop:checked=signal on:change=move |ev| signal.set(event_target_checked(&ev))/>
                <label for=id>{label}</label>
            </div>
        }
    };
    let message = |f: &'static str| {
        let text = error_for(f);
        move || text().map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    };

    view! {
        <section class="panel admin" aria-labelledby="policy-form-title">
            <h2 id="policy-form-title">{if existing { "Edit policy" } else { "New policy" }}</h2>
            <form on:submit=save novalidate>
                <div class="field">
                    <label for="pol-type">"Lead type"</label>
                    <select id="pol-type" disabled=existing on:change=move |ev| lead_type.set(event_target_value(&ev))>
                        {types.into_iter().map(|t| {
                            let selected = t.key == p.lead_type;
                            let text = format!("{} ({})", t.label, t.key);
                            view! { <option value=t.key selected=selected>{text}</option> }
                        }).collect_view()}
                    </select>
                    {message("leadType")}
                </div>
                <div class="field">
                    <label for="pol-kind">"Clock"</label>
                    <select id="pol-kind" disabled=existing on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(k) = KINDS.into_iter().find(|k| k.as_str() == value) { kind.set(k); }
                    }>
                        {KINDS.into_iter().map(|k| view! { <option value=k.as_str() selected=k == p.kind>{kind_label(k)}</option> }).collect_view()}
                    </select>
                    {message("kind")}
                </div>
                <div class="field">
                    <label for="pol-name">"Name"</label>
                    <input id="pol-name" type="text" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    {message("name")}
                </div>
                <div class="field">
                    <label for="pol-target">"Target (business minutes)"</label>
                    <input id="pol-target" type="number" min="1" prop:value=minutes on:input=move |ev| minutes.set(event_target_value(&ev))/>
                    {message("targetSeconds")}
                </div>
                <div class="field">
                    <label for="pol-start">"Starts on"</label>
                    <select id="pol-start" on:change=move |ev| start_on.set(event_target_value(&ev))>
                        {[("mql", "MQL"), ("assigned", "assignment"), ("accepted", "acceptance")].into_iter().map(|(v, l)| {
                            view! { <option value=v selected=v == p.start_on>{l}</option> }
                        }).collect_view()}
                    </select>
                    {message("startOn")}
                </div>
                <div class="field">
                    <label for="pol-notify">"Warn at percent of the target (comma-separated)"</label>
                    <input id="pol-notify" type="text" prop:value=percents on:input=move |ev| percents.set(event_target_value(&ev))/>
                    {message("notifyAtPercent")}
                </div>
                <div class="field">
                    <label for="pol-calendar">"Calendar"</label>
                    <select id="pol-calendar" on:change=move |ev| calendar.set(event_target_value(&ev))>
                        <option value="" selected=p.calendar.is_none()>"The owner's (else the team's, else the organisation's)"</option>
                        {calendars.into_iter().map(|c| {
                            let selected = p.calendar.as_ref().is_some_and(|pc| pc.id == c.id);
                            view! { <option value=c.id selected=selected>{c.name}</option> }
                        }).collect_view()}
                    </select>
                    {message("calendarId")}
                </div>
                {check("pol-escalate", "Notify the owner's manager on breach", escalate)}
                {check("pol-reassign", "Reassign the lead on breach", reassign)}
                {check("pol-pause", "Pause while waiting on the lead", pause)}
                {check("pol-active", "Active", active)}
                {move || {
                    let general = general();
                    (!general.is_empty()).then(|| view! {
                        <div class="alert" role="alert">{general.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}</div>
                    })
                }}
                <button type="submit" class="primary-inline" data-testid="policy-save" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save policy" }}
                </button>
            </form>
        </section>
    }
}
