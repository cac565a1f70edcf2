//! The Definitions page: the marketing-to-sales playbook generated from the live configuration
//! (MQL criteria, SAL/SQL, SLA targets per lead type and clock with their calendars, escalation,
//! rejection reasons), so it cannot drift from what the system does. Every signed-in user.

use handoff_shared::domain::{Role, SlaKind};
use handoff_shared::sla::CalendarSpec;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::api::{ApiErrors, execute};
use crate::components::countdown::kind_label;
use crate::contexts::session::{use_me, use_session};
use crate::pages::admin::calendars::DAYS;
use crate::pages::queue::LoadError;

/// The live configuration; the SLA policies admin screen reads the same (one decoder, less wasm).
const DEFINITIONS: &str = "query Definitions { \
     leadTypes { key label instantMql active } \
     slaPolicies { id name leadType kind targetSeconds startOn notifyAtPercent escalateToManager \
       reassignOnBreach pauseOnResponse active \
       calendar { id name definition { timezone weekly { day open close } holidays } } } \
     rejectionReasons { code label recyclePlay } \
     businessCalendars { id name definition { timezone weekly { day open close } holidays } } }";

/// Report settings are for the reporting roles; others see the MQL rule without the number.
const THRESHOLD: &str = "query Threshold { reportSettings { mqlThreshold } }";

#[derive(Debug, Clone, Deserialize)]
pub struct LeadType {
    pub key: String,
    pub label: String,
    #[serde(rename = "instantMql")]
    pub instant_mql: bool,
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PolicyCalendar {
    pub id: String,
    pub name: String,
    pub definition: CalendarSpec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub lead_type: String,
    pub kind: SlaKind,
    pub target_seconds: i64,
    pub start_on: String,
    pub notify_at_percent: Vec<i32>,
    pub escalate_to_manager: bool,
    pub reassign_on_breach: bool,
    pub pause_on_response: bool,
    pub active: bool,
    pub calendar: Option<PolicyCalendar>,
}

#[derive(Debug, Clone, Deserialize)]
struct Reason {
    code: String,
    label: String,
    #[serde(rename = "recyclePlay")]
    recycle_play: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionsData {
    pub lead_types: Vec<LeadType>,
    pub sla_policies: Vec<Policy>,
    rejection_reasons: Vec<Reason>,
    pub business_calendars: Vec<PolicyCalendar>,
}

pub async fn load_configuration(token: &str) -> Result<DefinitionsData, ApiErrors> {
    execute::<_, DefinitionsData>(DEFINITIONS, json!({}), Some(token)).await
}

#[derive(Deserialize)]
struct Settings {
    #[serde(rename = "mqlThreshold")]
    mql_threshold: i64,
}

#[derive(Deserialize)]
struct ThresholdData {
    #[serde(rename = "reportSettings")]
    report_settings: Settings,
}

/// `90 minutes` → "1 h 30 min" of business time.
pub fn target_text(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

fn start_text(start_on: &str) -> &str {
    match start_on {
        "mql" => "when the lead becomes an MQL",
        "assigned" => "when the lead is assigned",
        "accepted" => "when sales accepts the lead",
        other => other,
    }
}

/// "Mon 09:00–12:00, 13:00–17:00; … (America/New_York), closed on 2 holidays".
fn calendar_text(spec: &CalendarSpec) -> String {
    let days: Vec<String> = DAYS
        .iter()
        .filter_map(|(key, _)| {
            let mut windows: Vec<_> = spec.weekly.iter().filter(|w| w.day == *key).collect();
            windows.sort_by(|a, b| a.open.cmp(&b.open));
            (!windows.is_empty()).then(|| {
                let hours: Vec<String> = windows
                    .iter()
                    .map(|w| format!("{}–{}", w.open, w.close))
                    .collect();
                format!("{} {}", key, hours.join(", "))
            })
        })
        .collect();
    let mut text = format!("{} ({})", days.join("; "), spec.timezone);
    if !spec.holidays.is_empty() {
        text.push_str(&format!(", closed {}", spec.holidays.join(", ")));
    }
    text
}

#[component]
pub fn DefinitionsPage() -> impl IntoView {
    let session = use_session();
    let config = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(load_configuration(&token?).await) }
    });
    let me = use_me();
    // Only the roles that may read report settings ask, so nobody else gets a refusal.
    let threshold = LocalResource::new(move || {
        let role = me.and_then(|m| m.get()).map(|m| m.role);
        let token = session.require_token();
        async move {
            let token = token?;
            if !role.is_some_and(|r| matches!(r, Role::Admin | Role::MarketingOps | Role::Manager))
            {
                return Err(ApiErrors::unexpected(
                    "The score threshold is in the report settings.",
                ));
            }
            execute::<_, ThresholdData>(THRESHOLD, json!({}), Some(&token))
                .await
                .map(|d| d.report_settings.mql_threshold)
        }
    });
    view! {
        <section class="panel definitions" aria-labelledby="definitions-title">
            <h1 id="definitions-title">"Definitions"</h1>
            <p class="muted">"Generated from the live configuration: this is what the system does."</p>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading the definitions…"</p> }>
                {move || Suspend::new(async move {
                    let threshold: Result<i64, ApiErrors> = threshold.await;
                    match config.await {
                        Ok(data) => view! { <Playbook data threshold=threshold.ok()/> }.into_any(),
                        Err(errors) => view! { <LoadError errors retry=move || config.refetch()/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Playbook(data: DefinitionsData, threshold: Option<i64>) -> impl IntoView {
    let label_of = {
        let types = data.lead_types.clone();
        move |key: &str| {
            types
                .iter()
                .find(|t| t.key == key)
                .map_or_else(|| key.to_owned(), |t| t.label.clone())
        }
    };
    let instant: Vec<String> = data
        .lead_types
        .iter()
        .filter(|t| t.instant_mql && t.active)
        .map(|t| t.label.clone())
        .collect();
    let mut policies = data.sla_policies.clone();
    policies.sort_by(|a, b| {
        (label_of(&a.lead_type), a.kind.as_str()).cmp(&(label_of(&b.lead_type), b.kind.as_str()))
    });
    let mql = match threshold {
        Some(t) => format!("A lead becomes a Marketing Qualified Lead (MQL) when its score reaches {t} points."),
        None => "A lead becomes a Marketing Qualified Lead (MQL) when its score reaches the scoring threshold (ask marketing ops for the number).".to_owned(),
    };
    view! {
        <h2>"Stages"</h2>
        <dl class="stages" data-testid="definitions-stages">
            <dt>"MQL"</dt>
            <dd data-testid="definition-mql">
                <p>{mql}</p>
                {if instant.is_empty() {
                    view! { <p>"No lead type is an MQL on arrival."</p> }.into_any()
                } else {
                    view! { <p>"These lead types are MQLs on arrival, whatever their score: " {instant.join(", ")} "."</p> }.into_any()
                }}
            </dd>
            <dt>"SAL"</dt>
            <dd>"Sales Accepted Lead: the owner (or a rep claiming it from the team queue) accepts the MQL. Rejecting it needs one of the rejection reasons below."</dd>
            <dt>"SQL"</dt>
            <dd>"Sales Qualified Lead: sales qualified the accepted lead in a conversation, recording budget, authority, need and timeline (BANT)."</dd>
            <dt>"Opportunity"</dt>
            <dd>"The SQL was converted into an opportunity, optionally with an amount."</dd>
        </dl>
        <h2>"Service levels"</h2>
        {if policies.is_empty() {
            view! { <p class="muted">"No SLA policies are configured."</p> }.into_any()
        } else {
            view! {
                <table class="definitions-table" data-testid="definitions-policies">
                    <thead>
                        <tr>
                            <th scope="col">"Lead type"</th>
                            <th scope="col">"Clock"</th>
                            <th scope="col">"Target (business time)"</th>
                            <th scope="col">"Starts"</th>
                            <th scope="col">"Counts in"</th>
                            <th scope="col">"Escalation"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {policies.into_iter().map(|p| {
                            let mut escalation: Vec<String> = p.notify_at_percent.iter()
                                .map(|n| format!("owner warned at {n} %"))
                                .collect();
                            escalation.push("owner notified on breach".to_owned());
                            if p.escalate_to_manager {
                                escalation.push("manager notified on breach".to_owned());
                            }
                            if p.reassign_on_breach {
                                escalation.push("lead reassigned on breach".to_owned());
                            }
                            if p.pause_on_response {
                                escalation.push("paused while waiting on the lead".to_owned());
                            }
                            let calendar = p.calendar.as_ref().map_or_else(
                                || "the owner's calendar (else the team's, else the organisation's)".to_owned(),
                                |c| format!("{}: {}", c.name, calendar_text(&c.definition)),
                            );
                            view! {
                                <tr data-testid="definition-policy" data-policy-id=p.id.clone() class:inactive=!p.active>
                                    <th scope="row">{label_of(&p.lead_type)} <span class="muted">" (" {p.lead_type.clone()} ")"</span></th>
                                    <td>{kind_label(p.kind)} <span class="muted">" · " {p.name.clone()}</span>
                                        {(!p.active).then(|| view! { <span class="muted">" (inactive)"</span> })}
                                    </td>
                                    <td data-testid="definition-target">{target_text(p.target_seconds)}</td>
                                    <td>{start_text(&p.start_on).to_owned()}</td>
                                    <td>{calendar}</td>
                                    <td>{escalation.join("; ")}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Rejection reasons"</h2>
        <dl class="reasons" data-testid="definitions-reasons">
            {data.rejection_reasons.into_iter().map(|r| view! {
                <dt>{r.label} <span class="muted">" (" {r.code} ")"</span></dt>
                <dd>{r.recycle_play.map_or_else(|| "No recycle play.".to_owned(), |p| format!("Marketing: {p}"))}</dd>
            }).collect_view()}
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_as_business_time() {
        assert_eq!(target_text(14_400), "4 h");
        assert_eq!(target_text(5_400), "1 h 30 min");
        assert_eq!(target_text(3), "3 s");
        assert_eq!(target_text(0), "0 s");
    }
}
