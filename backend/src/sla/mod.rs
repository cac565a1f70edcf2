//! SLA clocks: started, paused, stopped and re-planned from lead events (CONTRACT.md section 6).
//!
//! Whoever appends a lead event calls [`on_lead_event`] in the same transaction, with the
//! record already holding the event, and appends the SLA transitions it returns. The clocks are
//! `sla_clocks` rows; the business-time arithmetic is `handoff_shared::sla::ClockState`.
//!
//! - Clocks start per active policy of the lead's type on its `start_on` event (`mql`,
//!   `assigned` with an owner or queue, `accepted`), once per funnel round (a recycled lead that
//!   qualifies again gets new clocks).
//! - FIRST_RESPONSE stops at the first touch, acceptance, rejection or disqualification;
//!   ACCEPTANCE at acceptance or rejection; QUALIFICATION at qualification, disqualification or
//!   recycling (rejection included). MET at or before due, else BREACHED. Whatever still runs
//!   when the lead is recycled, disqualified or converted is CANCELLED.
//! - A reply (`Responded`) pauses the clocks of `pause_on_response` policies: FIRST_RESPONSE
//!   until the rep's next touch (which stops it), ACCEPTANCE and QUALIFICATION until the lead's
//!   next engagement or the rep's next touch.
//! - A clock counts in its policy's calendar, else the owner's, else the owner's team's, else
//!   the lead's team's, else the organisation default. A new owner (or a claim from a queue)
//!   keeps the business time spent and recomputes the due instant in the new calendar.
//! - Thresholds (the policy's at-risk percentages, then 100 % = BREACHED) that are already past
//!   when an event arrives are logged in order before the event's own transitions. Those that
//!   were already past when the clock was last written (backfilled history) carry
//!   `backfill: true` and are never notified. After backfilling a lead's history, call
//!   [`settle`] once to log the thresholds passed between its last event and now.
//! - The rows are a projection of the log: each transition carries what its clock was computed
//!   from (owner, calendar, the policy's thresholds then), and [`replay_clocks`] rebuilds the
//!   rows from a lead's log with the same operations. A row's `created_at` and `updated_at` are
//!   the `now` of the hook call that wrote it, so callers append the returned transitions with
//!   that same `now` as their `recorded_at`.

mod clock;
mod context;
mod replan;
mod replay;
mod rules;
pub mod scheduler;
mod simulate;

use chrono::{DateTime, Utc};
use handoff_shared::lead::{LeadEvent, SlaTransition};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};

pub use clock::{ClockView, view};
pub use context::{Policy, SlaContext, calendar_from_row, fallback_calendar};
pub use replan::{replan_calendar, replan_policy};
pub use replay::{Logged, ReplaySources, replay_clocks};
pub use simulate::{PolicyOverride, simulate_clocks};

use self::clock::{TrackedClock, Transition};
use self::rules::Action;
use crate::entities::sla_clocks;
use crate::error::ApiError;
use crate::handoff::store::{LeadRecord, Recorded};

/// Updates the lead's SLA clocks after `event` (already applied to `record.state`), which
/// happened at `at`, and returns the SLA transitions for the caller to append to the lead's log.
pub async fn on_lead_event(
    txn: &impl ConnectionTrait,
    record: &LeadRecord,
    event: &LeadEvent,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>, ApiError> {
    on_lead_event_with(&mut SlaContext::new(), txn, record, event, at, now).await
}

/// [`on_lead_event`] with policies and calendars cached in `context` across calls (one context
/// per transaction or batch).
#[tracing::instrument(skip_all, fields(lead_id = record.id, event = event.kind()))]
pub async fn on_lead_event_with(
    context: &mut SlaContext,
    txn: &impl ConnectionTrait,
    record: &LeadRecord,
    event: &LeadEvent,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>, ApiError> {
    if !rules::concerns_clocks(event) {
        return Ok(Vec::new());
    }
    let state = &record.state;
    let starting = match rules::start_trigger(event) {
        Some(start_on) => {
            context
                .starting(txn, &state.profile.lead_type, start_on)
                .await?
        }
        None => Vec::new(),
    };
    // Becoming an MQL changes no running clock: skip the read unless a clock starts here.
    if matches!(event, LeadEvent::Mql { .. }) && starting.is_empty() {
        return Ok(Vec::new());
    }

    let mut clocks = load_clocks(context, txn, record.id).await?;
    let mut log: Vec<(usize, Transition)> = Vec::new();

    for (index, clock) in clocks.iter_mut().enumerate() {
        if !clock.is_open() {
            continue;
        }
        let action = rules::action(clock.kind(), clock.policy.pause_on_response, event);
        // A stopping event logs the breach itself (as its outcome), so only at-risk points
        // are caught up before it.
        let include_breach = action != Some(Action::Stop);
        for transition in clock.catch_up(at.min(now), include_breach)? {
            log.push((index, transition));
        }
        let transition = match action {
            None => None,
            Some(Action::Stop) => Some(clock.stop(at)?),
            Some(Action::Cancel) => Some(clock.cancel(at)?),
            Some(Action::Pause) => clock.pause(at)?,
            Some(Action::Resume) => clock.resume(at)?,
            Some(Action::Reassign) => {
                let calendar_id = context
                    .resolve_calendar_id(txn, &clock.policy, state.owner_id, state.team_id)
                    .await?;
                let calendar = context.calendar(txn, calendar_id).await?;
                clock.reassign(state.owner_id, calendar_id, calendar, at)?
            }
        };
        log.extend(transition.map(|t| (index, t)));
    }

    let round_start = state.mql_at.unwrap_or(state.created_at);
    for policy in starting {
        let ran_this_round = clocks.iter().any(|c| {
            c.policy.id == policy.id && (c.is_open() || c.clock.started_at >= round_start)
        });
        if ran_this_round || !rules::may_start(policy.kind, state.status) {
            continue;
        }
        let calendar_id = context
            .resolve_calendar_id(txn, &policy, state.owner_id, state.team_id)
            .await?;
        let calendar = context.calendar(txn, calendar_id).await?;
        let (clock, started) = TrackedClock::start(
            record.id,
            policy,
            state.owner_id,
            calendar_id,
            calendar,
            at,
            now,
        )?;
        clocks.push(clock);
        log.push((clocks.len() - 1, started));
    }

    let transitions = save_and_log(context, txn, clocks, log, now).await?;
    // Thresholds passed by now (not backfill) notify, in this transaction (the outbox).
    crate::notify::sla::on_transitions(&mut context.notify, txn, now, record, &transitions).await?;
    Ok(transitions)
}

/// Logs the thresholds of the lead's running clocks passed by `now` (backfilled history: marked
/// `backfill`, never notified) and marks a clock whose due has passed BREACHED. Intake calls it
/// once after appending a lead's history; the SLA scheduler uses it for live clocks.
pub async fn settle(
    txn: &impl ConnectionTrait,
    record: &LeadRecord,
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>, ApiError> {
    settle_with(&mut SlaContext::new(), txn, record, now).await
}

/// [`settle`] with a shared [`SlaContext`].
#[tracing::instrument(skip_all, fields(lead_id = record.id))]
pub async fn settle_with(
    context: &mut SlaContext,
    txn: &impl ConnectionTrait,
    record: &LeadRecord,
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>, ApiError> {
    let mut clocks = load_clocks(context, txn, record.id).await?;
    let mut log = Vec::new();
    for (index, clock) in clocks.iter_mut().enumerate() {
        if clock.is_running() {
            log.extend(clock.catch_up(now, true)?.into_iter().map(|t| (index, t)));
        }
    }
    let transitions = save_and_log(context, txn, clocks, log, now).await?;
    crate::notify::sla::on_transitions(&mut context.notify, txn, now, record, &transitions).await?;
    Ok(transitions)
}

/// Every clock of a lead, oldest first.
pub async fn lead_clocks(
    conn: &impl ConnectionTrait,
    lead_id: i64,
) -> Result<Vec<sla_clocks::Model>, ApiError> {
    Ok(sla_clocks::Entity::find()
        .filter(sla_clocks::Column::LeadId.eq(lead_id))
        .order_by_asc(sla_clocks::Column::StartedAt)
        .order_by_asc(sla_clocks::Column::Id)
        .all(conn)
        .await?)
}

/// The lead's clocks in the order [`lead_clocks`] reads them: the stored ones (none for a lead
/// a write-behind context knows is new) and those the context has not written yet.
async fn load_clocks(
    context: &mut SlaContext,
    conn: &impl ConnectionTrait,
    lead_id: i64,
) -> Result<Vec<TrackedClock>, ApiError> {
    let fresh = context
        .pending
        .as_ref()
        .is_some_and(|pending| pending.fresh.contains(&lead_id));
    let mut clocks = Vec::new();
    if !fresh {
        let rows = match context.preloaded(lead_id) {
            Some(rows) => rows,
            None => lead_clocks(conn, lead_id).await?,
        };
        clocks.reserve(rows.len());
        for row in &rows {
            let policy = context.policy(conn, row.policy_id).await?;
            let calendar = context.calendar(conn, row.calendar_id).await?;
            clocks.push(TrackedClock::from_row(row, policy, calendar)?);
        }
    }
    if let Some(pending) = &mut context.pending
        && let Some(unwritten) = pending.clocks.remove(&lead_id)
    {
        clocks.extend(unwritten);
        clocks.sort_by_key(|c| (c.clock.started_at, c.id));
    }
    Ok(clocks)
}

/// Writes the changed clocks (a write-behind context keeps the new ones, with reserved ids, for
/// its flush) and turns their transitions into log entries, oldest first.
async fn save_and_log(
    context: &mut SlaContext,
    conn: &impl ConnectionTrait,
    mut clocks: Vec<TrackedClock>,
    mut log: Vec<(usize, Transition)>,
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>, ApiError> {
    let behind = context.pending.is_some();
    for clock in clocks.iter_mut().filter(|c| c.changed) {
        if clock.stored {
            clock.active_model(now).update(conn).await?;
        } else if behind {
            if clock.id.is_none() {
                clock.id = context.clock_id(conn).await?;
            }
        } else {
            let inserted = sla_clocks::Entity::insert(clock.active_model(now))
                .exec(conn)
                .await?;
            clock.id = Some(inserted.last_insert_id);
            clock.stored = true;
        }
        clock.updated_at = now;
        clock.changed = false;
    }
    log.sort_by_key(|(_, t)| t.at);
    let entries = log
        .into_iter()
        .map(|(index, t)| {
            let clock = &clocks[index];
            let clock_id = clock.id.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!(
                    "an SLA clock was logged before it was saved"
                ))
            })?;
            Ok(Recorded {
                occurred_at: t.at,
                event: LeadEvent::Sla(logged(clock_id, clock, t)),
                actor_id: None,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    if let Some(pending) = &mut context.pending {
        for clock in clocks.into_iter().filter(|c| !c.stored) {
            pending.clocks.entry(clock.lead_id).or_default().push(clock);
        }
    }
    Ok(entries)
}

/// The log entry of a transition of `clock` (saved as `clock_id`): with what the row was
/// computed from, so that [`replay_clocks`] can compute it again.
fn logged(clock_id: i64, clock: &TrackedClock, t: Transition) -> SlaTransition {
    SlaTransition {
        clock_id,
        clock: clock.kind(),
        transition: t.kind,
        policy_id: clock.policy.id,
        calendar_id: t.calendar_id,
        target_seconds: clock.clock.target_seconds,
        due_at: Some(t.due_at),
        elapsed_seconds: t.elapsed_seconds,
        backfill: t.backfill,
        owner_id: t.owner_id,
        percent: t.percent,
        thresholds: clock.policy.thresholds.clone(),
        cause: t.cause,
    }
}
