//! The SLA scheduler: fires clock thresholds (the at-risk percentages, then the breach) at
//! their instants, by itself, exactly once.
//!
//! - Durable: each clock row stores the instant it must next act at (`next_fire_at`, indexed).
//!   A tick reads only the clocks due by now, so its cost follows what is due, never the number
//!   of open clocks. A process that was down finds what it missed due on its first tick and
//!   fires it then, once: a fired threshold is recorded in the clock row and logged in the
//!   lead's history in the same transaction.
//! - Multi-instance (PostgreSQL): each tick locks the leads it works on with `FOR UPDATE SKIP
//!   LOCKED`, so two processes never settle the same lead at once, and the second to see a
//!   clock finds it already settled. The notifications a threshold causes are written in that
//!   transaction with idempotency keys (see [`crate::notify`]). SQLite is single-instance.
//! - Precise: after each tick the loop sleeps until the next instant a clock acts at (read from
//!   the index), at most [`POLL`] (clocks started meanwhile may be due sooner), and while a tick
//!   finds a full batch it goes on at once.
//!
//! Firing goes through [`super::settle_with`], the same code that catches thresholds up when a
//! lead event arrives, so the log is the same whichever of them gets there first.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaEventKind;
use handoff_shared::lead::LeadEvent;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, TransactionTrait as _,
};

use super::SlaContext;
use crate::entities::{leads, sla_clocks};
use crate::error::ApiError;
use crate::handoff::routing::Router;
use crate::handoff::store::{EventBuffer, LeadRecord, Recorded};
use crate::state::AppState;

/// How often the scheduler looks for due clocks when the last tick drained them.
pub const POLL: StdDuration = StdDuration::from_millis(100);
/// Most clocks one tick (one transaction) settles.
pub const BATCH: u64 = 200;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    /// Due clocks found.
    pub due: usize,
    /// Leads settled.
    pub leads: usize,
    /// Thresholds logged (at risk and breached).
    pub thresholds: usize,
    /// Leads taken from their owner by a breach (`reassignOnBreach`).
    pub reassigned: usize,
    /// The earliest instant any clock must act at after this tick.
    pub next_due: Option<DateTime<Utc>>,
}

/// Runs the scheduler until the process ends.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!("the SLA scheduler is running");
        loop {
            let now = state.clock.now();
            let mut wait = POLL;
            match fire_due(&state.db, now, BATCH).await {
                Ok(tick) => {
                    if tick.thresholds > 0 {
                        state.events.committed();
                        tracing::info!(
                            due = tick.due,
                            thresholds = tick.thresholds,
                            reassigned = tick.reassigned,
                            "SLA thresholds fired"
                        );
                    }
                    // A full batch: more may be due; go on without waiting.
                    if tick.due as u64 >= BATCH {
                        continue;
                    }
                    // Sleep until the next instant a clock acts at, or the next poll (clocks
                    // started meanwhile may be due sooner), whichever comes first.
                    if let Some(next) = tick.next_due {
                        let until = (next - state.clock.now()).to_std().unwrap_or_default();
                        wait = wait.min(until);
                    }
                }
                Err(error) => {
                    let parts = error.into_parts();
                    tracing::warn!(error = %parts.message, "an SLA scheduler tick failed; retrying");
                }
            }
            tokio::time::sleep(wait).await;
        }
    })
}

/// Fires every threshold due by `now` of up to `limit` clocks: logs the transitions in the
/// leads' histories (with their notifications, see [`super::settle_with`]) and applies
/// `reassignOnBreach`, in one transaction.
#[tracing::instrument(skip(db))]
pub async fn fire_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Tick, ApiError> {
    let txn = db.begin().await?;
    let due: Vec<i64> = sla_clocks::Entity::find()
        .select_only()
        .column(sla_clocks::Column::LeadId)
        .filter(sla_clocks::Column::NextFireAt.lte(now))
        .order_by_asc(sla_clocks::Column::NextFireAt)
        .limit(limit)
        .into_tuple()
        .all(&txn)
        .await?;
    let mut tick = Tick {
        due: due.len(),
        ..Tick::default()
    };
    if due.is_empty() {
        tick.next_due = next_due(&txn).await?;
        return Ok(tick);
    }
    let mut lead_ids = due;
    lead_ids.sort_unstable();
    lead_ids.dedup();
    let claimed = claim_leads(&txn, lead_ids).await?;

    // The tick's reads in two queries (the leads above, their clocks here), its notifications
    // in one INSERT at the end, and what they are computed from read once.
    let mut context = SlaContext::new();
    let claimed_ids: Vec<i64> = claimed.iter().map(|lead| lead.id).collect();
    context.preload_clocks(&txn, &claimed_ids).await?;
    context.notify.hold();
    let mut events = EventBuffer::new();
    let mut router: Option<Router> = None;
    for lead in claimed {
        let mut record = LeadRecord::from_model(lead)?;
        let transitions = super::settle_with(&mut context, &txn, &record, now).await?;
        if transitions.is_empty() {
            continue;
        }
        tick.leads += 1;
        let mut reassign = false;
        for recorded in &transitions {
            if let LeadEvent::Sla(t) = &recorded.event {
                if t.percent.is_some() {
                    tick.thresholds += 1;
                }
                if t.transition == SlaEventKind::Breached && !t.backfill {
                    reassign |= context.policy(&txn, t.policy_id).await?.reassign_on_breach;
                }
            }
        }
        for recorded in transitions {
            record.append_buffered(&mut events, recorded, now);
        }
        if reassign && record.state.status.is_open() {
            if router.is_none() {
                let generic = crate::handoff::dedupe::DomainLists::load(&txn)
                    .await?
                    .generic();
                router = Some(Router::load(&txn, generic).await?);
            }
            if let Some(router) = router.as_mut()
                && take_from_owner(&txn, router, &mut context, &mut events, &mut record, now)
                    .await?
            {
                tick.reassigned += 1;
            }
        }
        record.save(&txn).await?;
    }
    events.flush(&txn).await?;
    context.notify.flush(&txn, now).await?;
    if let Some(router) = &router {
        router.save(&txn, now).await?;
    }
    tick.next_due = next_due(&txn).await?;
    txn.commit().await?;
    Ok(tick)
}

/// The earliest `next_fire_at` of all clocks (one step down the index).
async fn next_due(txn: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, ApiError> {
    Ok(sla_clocks::Entity::find()
        .select_only()
        .column(sla_clocks::Column::NextFireAt)
        .filter(sla_clocks::Column::NextFireAt.is_not_null())
        .order_by_asc(sla_clocks::Column::NextFireAt)
        .limit(1)
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(txn)
        .await?
        .flatten())
}

/// The leads of `ids` this transaction may work on, in id order: on PostgreSQL it locks them,
/// passing over those another transaction holds (another scheduler, or a user changing the
/// lead, whose own SLA hook catches the thresholds up); the rest are settled on a later tick.
async fn claim_leads(
    txn: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> Result<Vec<leads::Model>, ApiError> {
    let query = leads::Entity::find()
        .filter(leads::Column::Id.is_in(ids))
        .order_by_asc(leads::Column::Id);
    let query = if txn.get_database_backend() == DatabaseBackend::Postgres {
        query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
    } else {
        query
    };
    Ok(query.all(txn).await?)
}

/// `reassignOnBreach`: the lead goes to the next rep of its team, or the team's queue. Returns
/// false when the lead has no team to go back to.
async fn take_from_owner(
    txn: &impl ConnectionTrait,
    router: &mut Router,
    context: &mut SlaContext,
    events: &mut EventBuffer,
    record: &mut LeadRecord,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let Some(team_id) = record.state.team_id else {
        return Ok(false);
    };
    let assignment = router
        .next_in_team(txn, team_id, record.state.owner_id)
        .await?;
    if let Some(previous) = record.state.owner_id {
        router.adjust_open(previous, -1);
    }
    let event = LeadEvent::Assigned(assignment);
    record.append_buffered(
        events,
        Recorded {
            event: event.clone(),
            actor_id: None,
            occurred_at: now,
        },
        now,
    );
    for recorded in super::on_lead_event_with(context, txn, record, &event, now, now).await? {
        record.append_buffered(events, recorded, now);
    }
    Ok(true)
}
