//! One lead: details, score breakdown, SLA clocks ticking in the browser, cadence, the full
//! history, and the steps a rep or manager can take. A step's field errors (GraphQL
//! `extensions.field`) appear beside the control they are about.

use chrono::{DateTime, Utc};
use handoff_shared::domain::{LeadStatus, Role, TouchChannel};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::types::{DirectoryUser, LeadDetail, RejectionReason};
use crate::api::{self, ApiErrors, Bant, LeadAction};
use crate::components::countdown::kind_label;
use crate::components::field::{FieldMessage, described_by, invalid};
use crate::components::nav::leads_teams;
use crate::components::{Countdown, Link};
use crate::contexts::router::Route;
use crate::contexts::session::{use_me, use_session};
use crate::pages::queue::LoadError;

/// "2026-03-06 16:30 UTC".
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Which form a step was sent from, so its errors show in that form.
type FormId = &'static str;

#[component]
pub fn LeadPage(id: String) -> impl IntoView {
    let session = use_session();
    let me = use_me();
    let role = move || me.and_then(|m| m.get()).map(|m| m.role);
    let lead_id = StoredValue::new(id);

    let lead = LocalResource::new(move || {
        let token = session.require_token();
        let id = lead_id.get_value();
        async move { session.check(api::lead(&token?, &id).await) }
    });
    let reasons = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(api::rejection_reasons(&token?).await) }
    });
    // Reassigning is for managers and admins: only they load the people to pick from.
    let people = LocalResource::new(move || {
        let token = session.require_token();
        let allowed = role().is_some_and(leads_teams);
        async move {
            if allowed {
                session.check(api::users(&token?, None, None).await)
            } else {
                Ok(Vec::new())
            }
        }
    });

    let active = RwSignal::new(None::<FormId>);
    let done = RwSignal::new(None::<String>);
    let step = Action::new_local(move |(form, action): &(FormId, LeadAction)| {
        let (form, action) = (*form, action.clone());
        // Read now: the page may be gone by the time the answer arrives.
        let id = lead_id.get_value();
        async move {
            let token = session.require_token()?;
            let result = session.check(api::act(&token, &id, &action).await);
            if result.is_ok() {
                done.set(Some(success_text(form).to_owned()));
                lead.refetch();
            }
            result.map(|_| ())
        }
    });
    let ctx = StepContext { active, done, step };

    view! {
        <p><Link to=Route::Queue>"← Back to the queue"</Link></p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading the lead…"</p> }>
            {move || Suspend::new(async move {
                match lead.await {
                    Ok(Some(detail)) => view! { <LeadView detail reasons people ctx/> }.into_any(),
                    Ok(None) => view! {
                        <section class="card">
                            <h1>"Lead not found"</h1>
                            <p>"There is no such lead, or it is not yours to see."</p>
                        </section>
                    }.into_any(),
                    Err(errors) => view! { <LoadError errors retry=move || lead.refetch()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn success_text(form: FormId) -> &'static str {
    match form {
        "claim" => "Lead claimed.",
        "accept" => "Lead accepted.",
        "reject" => "Lead rejected and handed back to marketing.",
        "touch" => "Touch logged.",
        "responded" => "Reply recorded.",
        "qualify" => "Lead qualified.",
        "convert" => "Converted to an opportunity.",
        "disqualify" => "Lead disqualified.",
        "reassign" => "Lead reassigned.",
        _ => "Done.",
    }
}

/// What every step form needs: the running step and which form sent it.
#[derive(Clone, Copy)]
struct StepContext {
    active: RwSignal<Option<FormId>>,
    done: RwSignal<Option<String>>,
    step: Action<(FormId, LeadAction), Result<(), ApiErrors>>,
}

impl StepContext {
    fn errors_of(&self, form: FormId) -> Option<ApiErrors> {
        if self.active.get() != Some(form) {
            return None;
        }
        self.step.value().get().and_then(Result::err)
    }

    /// The error about `field` from the last step of `form`.
    fn field_error(&self, form: FormId, field: &'static str) -> Signal<Option<String>> {
        let ctx = *self;
        Signal::derive(move || {
            ctx.errors_of(form)
                .and_then(|e| e.for_field(field).map(str::to_owned))
        })
    }

    fn pending(&self, form: FormId) -> bool {
        self.step.pending().get() && self.active.get() == Some(form)
    }

    fn busy(&self) -> bool {
        self.step.pending().get()
    }

    /// Sends a step (one at a time).
    fn run(&self, form: FormId, action: LeadAction) {
        if !self.step.pending().get_untracked() {
            self.active.set(Some(form));
            self.done.set(None);
            self.step.dispatch((form, action));
        }
    }
}

/// The errors of `form` that no control of it shows.
#[component]
fn FormErrors(ctx: StepContext, form: FormId, shown: &'static [&'static str]) -> impl IntoView {
    move || {
        ctx.errors_of(form).map(|errors| {
            let messages: Vec<String> = errors.general(shown).map(str::to_owned).collect();
            (!messages.is_empty()).then(|| {
                view! {
                    <div class="alert" role="alert" data-testid=format!("{form}-error")>
                        {messages.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
                    </div>
                }
            })
        })
    }
}

#[component]
fn LeadView(
    detail: LeadDetail,
    reasons: LocalResource<Result<Vec<RejectionReason>, ApiErrors>>,
    people: LocalResource<Result<Vec<DirectoryUser>, ApiErrors>>,
    ctx: StepContext,
) -> impl IntoView {
    let done = ctx.done;
    let me = use_me();
    let role = move || me.and_then(|m| m.get()).map(|m| m.role);
    let lead = &detail.summary;
    let status = lead.status;
    let owned = lead.owner.is_some();
    let allowed = status.allowed_next();
    let open = matches!(status, LeadStatus::Mql | LeadStatus::Sal | LeadStatus::Sql);
    let reason_options = move || {
        reasons
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|r| view! { <option value=r.code.clone()>{r.label}</option> })
            .collect_view()
    };

    let facts: Vec<(&'static str, String)> = [
        ("Email", Some(lead.email.clone())),
        ("Company", lead.company.clone()),
        ("Title", detail.title.clone()),
        ("Phone", detail.phone.clone()),
        ("Company size", detail.company_size.map(|n| n.to_string())),
        ("Industry", detail.industry.clone()),
        ("Country", detail.country.clone()),
        ("Lead type", Some(lead.lead_type.clone())),
        ("Source", detail.source.clone()),
        ("Campaign", detail.campaign.clone()),
        ("Owner", lead.owner.as_ref().map(|o| o.name.clone())),
        ("Team", lead.team.as_ref().map(|t| t.name.clone())),
        ("External id", Some(detail.external_id.clone())),
        ("Created", Some(when(detail.created_at))),
        ("Assigned", detail.assigned_at.map(when)),
        ("Last activity", detail.last_activity_at.map(when)),
        (
            "Rejection reason",
            detail.rejection_reason.as_ref().map(|r| r.label.clone()),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();

    view! {
        <div class="page-head">
            <h1 data-testid="lead-name">{lead.display_name()}</h1>
            <span class=format!("status status-{}", status.as_str().to_lowercase()) data-testid="lead-status">
                {status.as_str()}
            </span>
            <span class="muted">"Score " <strong data-testid="lead-score">{lead.score}</strong></span>
        </div>
        {move || done.get().map(|text| view! { <p class="notice" role="status" data-testid="step-done">{text}</p> })}
        <div class="lead-grid">
            <section class="panel" aria-labelledby="sla-title">
                <h2 id="sla-title">"SLA clocks"</h2>
                {if lead.sla_clocks.is_empty() {
                    view! { <p class="muted">"No SLA clocks."</p> }.into_any()
                } else {
                    view! {
                        <ul class="clocks">
                            {lead.sla_clocks.iter().map(|clock| view! {
                                <li data-testid="sla-clock" data-kind=clock.kind.as_str()>
                                    <strong>{kind_label(clock.kind)}</strong>
                                    " · " {clock.policy.name.clone()}
                                    <div><Countdown clock=clock.clone()/></div>
                                    <div class="muted small">
                                        {clock.state.as_str()} " · due " {when(clock.due_at)}
                                        {clock.stopped_at.map(|s| format!(" · stopped {}", when(s)))}
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {detail.cadence.clone().map(|c| view! {
                    <h3>"Cadence"</h3>
                    <p data-testid="cadence">
                        {format!("{} of {} touches over {} days", c.touches_done, c.touches_planned, c.window_days)}
                        {if c.connected { " · connected" } else if c.on_track { " · on track" } else { " · behind" }}
                        {if c.ended { " · ended" } else { "" }}
                    </p>
                    <progress max=c.touches_planned.to_string() value=c.touches_done.to_string() aria-label="Cadence progress"></progress>
                    {c.next_touch_due_at.map(|at| view! { <p class="muted small">"Next touch due " {when(at)}</p> })}
                })}
            </section>

            <section class="panel" aria-labelledby="details-title">
                <h2 id="details-title">"Details"</h2>
                <dl class="facts">
                    {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
            </section>

            <section class="panel actions" aria-labelledby="actions-title">
                <h2 id="actions-title">"Actions"</h2>
                <div class="buttons">
                    <Show when=move || !owned && open>
                        <button type="button" class="primary-inline" disabled=move || ctx.busy()
                            on:click=move |_| ctx.run("claim", LeadAction::Claim)>
                            {move || if ctx.pending("claim") { "Claiming…" } else { "Claim" }}
                        </button>
                    </Show>
                    <Show when=move || allowed.contains(&LeadStatus::Sal)>
                        <button type="button" class="primary-inline" disabled=move || ctx.busy()
                            on:click=move |_| ctx.run("accept", LeadAction::Accept)>
                            {move || if ctx.pending("accept") { "Accepting…" } else { "Accept" }}
                        </button>
                    </Show>
                    <Show when=move || open>
                        <button type="button" class="secondary" disabled=move || ctx.busy()
                            on:click=move |_| ctx.run("responded", LeadAction::Responded)>
                            {move || if ctx.pending("responded") { "Saving…" } else { "Mark responded" }}
                        </button>
                    </Show>
                </div>
                <FormErrors ctx form="claim" shown=&[]/>
                <FormErrors ctx form="accept" shown=&[]/>
                <FormErrors ctx form="responded" shown=&[]/>

                <Show when=move || matches!(status, LeadStatus::Mql | LeadStatus::Sal)>
                    <ReasonForm ctx form="reject" title="Reject" submit="Reject lead" options=reason_options/>
                </Show>
                <Show when=move || open>
                    <TouchForm ctx/>
                </Show>
                <Show when=move || status == LeadStatus::Sal>
                    <QualifyForm ctx/>
                </Show>
                <Show when=move || status == LeadStatus::Sql>
                    <ConvertForm ctx/>
                </Show>
                <Show when=move || allowed.contains(&LeadStatus::Disqualified)>
                    <ReasonForm ctx form="disqualify" title="Disqualify" submit="Disqualify lead" options=reason_options/>
                </Show>
                <Show when=move || open && role().is_some_and(|r| matches!(r, Role::Admin | Role::Manager))>
                    <ReassignForm ctx people/>
                </Show>
            </section>

            <section class="panel" aria-labelledby="score-title">
                <h2 id="score-title">"Score breakdown"</h2>
                {if detail.score_breakdown.is_empty() {
                    view! { <p class="muted">"No scoring rule applies."</p> }.into_any()
                } else {
                    view! {
                        <table class="score">
                            <thead><tr><th scope="col">"Rule"</th><th scope="col">"Times"</th><th scope="col">"Points"</th></tr></thead>
                            <tbody>
                                {detail.score_breakdown.iter().map(|l| view! {
                                    <tr><td>{l.rule.clone()}</td><td>{l.times}</td><td>{l.points}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>

            <section class="panel wide" aria-labelledby="history-title">
                <h2 id="history-title">"History"</h2>
                <ol class="timeline" data-testid="history">
                    {detail.history.iter().rev().map(|e| {
                        let moved = match (e.from_status, e.to_status) {
                            (Some(a), Some(b)) => Some(format!("{} → {}", a.as_str(), b.as_str())),
                            (None, Some(b)) => Some(format!("→ {}", b.as_str())),
                            _ => None,
                        };
                        view! {
                            <li data-testid="history-event" data-kind=e.kind.clone()>
                                <time datetime=e.occurred_at.to_rfc3339()>{when(e.occurred_at)}</time>
                                " · " <strong>{e.kind.clone()}</strong>
                                {moved.map(|m| view! { " · " <span>{m}</span> })}
                                " · " <span class="muted">{e.actor.as_ref().map_or_else(|| "system".to_owned(), |a| a.name.clone())}</span>
                                {e.detail.clone().map(|d| view! { <div class="small">{d}</div> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>
        </div>
    }
}

/// Reject or disqualify: a required reason from the picklist and an optional note.
#[component]
fn ReasonForm<F, V>(
    ctx: StepContext,
    form: FormId,
    title: &'static str,
    submit: &'static str,
    options: F,
) -> impl IntoView
where
    F: Fn() -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let (reason_id, note_id, title_id): (&'static str, &'static str, &'static str) = match form {
        "reject" => ("reject-reason", "reject-note", "reject-title"),
        _ => ("disqualify-reason", "disqualify-note", "disqualify-title"),
    };
    let reason_error = ctx.field_error(form, "reasonCode");
    let note_error = ctx.field_error(form, "note");
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (reason_code, note) = (reason.get_untracked(), note.get_untracked());
        let action = if form == "reject" {
            LeadAction::Reject { reason_code, note }
        } else {
            LeadAction::Disqualify { reason_code, note }
        };
        ctx.run(form, action);
    };
    view! {
        <form class="step" aria-labelledby=title_id on:submit=on_submit novalidate=true>
            <h3 id=title_id>{title}</h3>
            <div class="field">
                <label for=reason_id>"Reason"</label>
                <select
                    id=reason_id
                    prop:value=move || reason.get()
                    on:change=move |ev| reason.set(event_target_value(&ev))
                    aria-invalid=invalid(reason_error)
                    aria-describedby=described_by(reason_id, reason_error)
                    aria-required="true"
                >
                    <option value="">"Choose a reason…"</option>
                    {options}
                </select>
                <FieldMessage id=reason_id error=reason_error/>
            </div>
            <div class="field">
                <label for=note_id>"Note"</label>
                <textarea
                    id=note_id
                    rows="2"
                    prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))
                    aria-invalid=invalid(note_error)
                    aria-describedby=described_by(note_id, note_error)
                ></textarea>
                <FieldMessage id=note_id error=note_error/>
            </div>
            <FormErrors ctx form shown=&["reasonCode", "note"]/>
            <button type="submit" class="secondary" disabled=move || ctx.busy()>
                {move || if ctx.pending(form) { "Saving…" } else { submit }}
            </button>
        </form>
    }
}

#[component]
fn TouchForm(ctx: StepContext) -> impl IntoView {
    let channel = RwSignal::new(TouchChannel::Call.as_str().to_owned());
    let outcome = RwSignal::new(String::new());
    let channel_error = ctx.field_error("touch", "channel");
    let outcome_error = ctx.field_error("touch", "outcome");
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let channel = TouchChannel::parse(&channel.get_untracked()).unwrap_or(TouchChannel::Call);
        ctx.run(
            "touch",
            LeadAction::LogTouch {
                channel,
                outcome: outcome.get_untracked(),
            },
        );
    };
    view! {
        <form class="step" aria-labelledby="touch-title" on:submit=on_submit novalidate=true>
            <h3 id="touch-title">"Log a touch"</h3>
            <div class="field">
                <label for="touch-channel">"Channel"</label>
                <select
                    id="touch-channel"
                    prop:value=move || channel.get()
                    on:change=move |ev| channel.set(event_target_value(&ev))
                    aria-invalid=invalid(channel_error)
                    aria-describedby=described_by("touch-channel", channel_error)
                >
                    {TouchChannel::ALL.iter().map(|c| view! {
                        <option value=c.as_str()>{channel_label(*c)}</option>
                    }).collect_view()}
                </select>
                <FieldMessage id="touch-channel" error=channel_error/>
            </div>
            <div class="field">
                <label for="touch-outcome">"Outcome"</label>
                <input
                    id="touch-outcome"
                    type="text"
                    placeholder="e.g. left a voicemail"
                    prop:value=move || outcome.get()
                    on:input=move |ev| outcome.set(event_target_value(&ev))
                    aria-invalid=invalid(outcome_error)
                    aria-describedby=described_by("touch-outcome", outcome_error)
                />
                <FieldMessage id="touch-outcome" error=outcome_error/>
            </div>
            <FormErrors ctx form="touch" shown=&["channel", "outcome"]/>
            <button type="submit" class="secondary" disabled=move || ctx.busy()>
                {move || if ctx.pending("touch") { "Saving…" } else { "Log touch" }}
            </button>
        </form>
    }
}

fn channel_label(channel: TouchChannel) -> &'static str {
    match channel {
        TouchChannel::Call => "Call",
        TouchChannel::Email => "E-mail",
        TouchChannel::Meeting => "Meeting",
        TouchChannel::Social => "Social",
        TouchChannel::Sms => "SMS",
    }
}

#[component]
fn QualifyForm(ctx: StepContext) -> impl IntoView {
    let budget = RwSignal::new(false);
    let authority = RwSignal::new(false);
    let need = RwSignal::new(false);
    let timeline = RwSignal::new(false);
    let notes = RwSignal::new(String::new());
    let notes_error = ctx.field_error("qualify", "bant.notes");
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        ctx.run(
            "qualify",
            LeadAction::Qualify(Bant {
                budget: budget.get_untracked(),
                authority: authority.get_untracked(),
                need: need.get_untracked(),
                timeline: timeline.get_untracked(),
                notes: notes.get_untracked(),
            }),
        );
    };
    let check = |id: &'static str, label: &'static str, value: RwSignal<bool>| {
        view! {
            <div class="check">
                <input
                    id=id
                    type="checkbox"
                    prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))
                />
                <label for=id>{label}</label>
            </div>
        }
    };
    view! {
        <form class="step" aria-labelledby="qualify-title" on:submit=on_submit novalidate=true>
            <h3 id="qualify-title">"Qualify (BANT)"</h3>
            <fieldset>
                <legend>"Confirmed with the lead"</legend>
                {check("bant-budget", "Budget", budget)}
                {check("bant-authority", "Authority", authority)}
                {check("bant-need", "Need", need)}
                {check("bant-timeline", "Timeline", timeline)}
            </fieldset>
            <div class="field">
                <label for="bant-notes">"Notes"</label>
                <textarea
                    id="bant-notes"
                    rows="2"
                    prop:value=move || notes.get()
                    on:input=move |ev| notes.set(event_target_value(&ev))
                    aria-invalid=invalid(notes_error)
                    aria-describedby=described_by("bant-notes", notes_error)
                ></textarea>
                <FieldMessage id="bant-notes" error=notes_error/>
            </div>
            <FormErrors ctx form="qualify" shown=&["bant.notes"]/>
            <button type="submit" class="secondary" disabled=move || ctx.busy()>
                {move || if ctx.pending("qualify") { "Saving…" } else { "Qualify" }}
            </button>
        </form>
    }
}

#[component]
fn ConvertForm(ctx: StepContext) -> impl IntoView {
    let amount = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<String>);
    let server_error = ctx.field_error("convert", "amount");
    let amount_error = Signal::derive(move || local_error.get().or_else(|| server_error.get()));
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = amount.get_untracked();
        let text = text.trim();
        let parsed = if text.is_empty() {
            Ok(None)
        } else {
            text.replace(',', "").parse::<f64>().map(Some)
        };
        match parsed {
            Ok(amount) => {
                local_error.set(None);
                ctx.run("convert", LeadAction::Convert { amount });
            }
            Err(_) => local_error.set(Some("Enter an amount such as 12000.".to_owned())),
        }
    };
    view! {
        <form class="step" aria-labelledby="convert-title" on:submit=on_submit novalidate=true>
            <h3 id="convert-title">"Convert to an opportunity"</h3>
            <div class="field">
                <label for="convert-amount">"Amount (optional)"</label>
                <input
                    id="convert-amount"
                    type="text"
                    inputmode="decimal"
                    prop:value=move || amount.get()
                    on:input=move |ev| amount.set(event_target_value(&ev))
                    aria-invalid=invalid(amount_error)
                    aria-describedby=described_by("convert-amount", amount_error)
                />
                <FieldMessage id="convert-amount" error=amount_error/>
            </div>
            <FormErrors ctx form="convert" shown=&["amount"]/>
            <button type="submit" class="secondary" disabled=move || ctx.busy()>
                {move || if ctx.pending("convert") { "Saving…" } else { "Convert" }}
            </button>
        </form>
    }
}

#[component]
fn ReassignForm(
    ctx: StepContext,
    people: LocalResource<Result<Vec<DirectoryUser>, ApiErrors>>,
) -> impl IntoView {
    let owner = RwSignal::new(String::new());
    let owner_error = ctx.field_error("reassign", "ownerId");
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        ctx.run(
            "reassign",
            LeadAction::Reassign {
                owner_id: owner.get_untracked(),
            },
        );
    };
    let options = move || {
        people
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|u| u.role == Role::Rep)
            .map(|u| {
                let label = if u.out_of_office {
                    format!("{} (out of office)", u.name)
                } else {
                    u.name.clone()
                };
                view! { <option value=u.id.clone()>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <form class="step" aria-labelledby="reassign-title" on:submit=on_submit novalidate=true>
            <h3 id="reassign-title">"Reassign"</h3>
            <div class="field">
                <label for="reassign-owner">"New owner"</label>
                <select
                    id="reassign-owner"
                    prop:value=move || owner.get()
                    on:change=move |ev| owner.set(event_target_value(&ev))
                    aria-invalid=invalid(owner_error)
                    aria-describedby=described_by("reassign-owner", owner_error)
                >
                    <option value="">"Choose a rep…"</option>
                    {options}
                </select>
                <FieldMessage id="reassign-owner" error=owner_error/>
            </div>
            <FormErrors ctx form="reassign" shown=&["ownerId"]/>
            <button type="submit" class="secondary" disabled=move || ctx.busy()>
                {move || if ctx.pending("reassign") { "Saving…" } else { "Reassign" }}
            </button>
        </form>
    }
}
