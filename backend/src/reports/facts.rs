//! Report facts: the final verdict of an SLA clock, attributed once and stored on its row, so
//! that the compliance report of a year of history adds up stored figures in SQL instead of
//! replaying every clock's log.
//!
//! A clock is *final* once its verdict can no longer change with time: it stopped (met,
//! breached or cancelled) or it is breached and not stopped (its due has passed and it is not
//! paused). Its verdict then belongs to the owner of the lead at the instant
//! [`attributed_at`] (the last `assigned` event at or before it) and, without an owner, to the
//! queue's team; the lead's source, campaign and lead type are stored with it.
//!
//! [`settle`] attributes final clocks without facts, a batch a transaction, holding the leads'
//! rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`) so that a lead changing meanwhile waits or is
//! left for the next batch. Any change to a clock (its row is written) or to its lead (an event
//! is appended; see [`invalidate`]) clears the facts, and the clock is attributed again. A clock
//! without facts is folded from the log by the report, the same way, so the figures are the same
//! whether facts exist or not; facts only make them fast.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaState;
use handoff_shared::lead::LeadEvent;
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, TransactionTrait as _,
};

use crate::entities::{lead_events, leads, sla_clocks};
use crate::error::ApiError;
use crate::state::AppState;

/// Most clocks one transaction attributes.
pub const BATCH: u64 = 500;

/// How long the worker rests when there is nothing to attribute.
const POLL: Duration = Duration::from_secs(5);

/// The instant a final clock's verdict belongs to: a met clock at its stop, a breached one at
/// min(stop, due), a cancelled one at min(stop, due). `None` when the row is not final at `now`.
pub fn attributed_at(row: &sla_clocks::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match row.stopped_at {
        Some(stop) if stop <= now => Some(if row.state == SlaState::Met.as_str() {
            stop
        } else {
            stop.min(row.due_at)
        }),
        Some(_) => None,
        None => (row.state == SlaState::Breached.as_str()
            && row.paused_at.is_none()
            && row.due_at <= now)
            .then_some(row.due_at),
    }
}

/// The condition (in SQL) under which a row's stored facts count at `now`: attributed, and
/// final by then. Rows failing it are folded from the log.
pub fn counted(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(sla_clocks::Column::ReportAt.is_not_null())
        .add(
            Condition::any()
                .add(sla_clocks::Column::StoppedAt.lte(now))
                .add(
                    Condition::all()
                        .add(sla_clocks::Column::StoppedAt.is_null())
                        .add(sla_clocks::Column::DueAt.lte(now)),
                ),
        )
}

/// One `assigned` event: when, to which owner, in which team.
pub type Assignment = (DateTime<Utc>, Option<i64>, Option<i64>);

/// Each lead's assignments in log order (occurred_at, then id).
pub async fn assignments(
    db: &impl ConnectionTrait,
    lead_ids: &[i64],
) -> Result<HashMap<i64, Vec<Assignment>>, ApiError> {
    let mut rows: Vec<(i64, i64, DateTime<Utc>, String, String)> = Vec::new();
    for chunk in lead_ids.chunks(1000) {
        // No ORDER BY: SQLite would walk the (kind, occurred_at) index, every assignment
        // ever, to spare itself a sort; sorted below instead.
        rows.extend(
            lead_events::Entity::find()
                .select_only()
                .column(lead_events::Column::Id)
                .column(lead_events::Column::LeadId)
                .column(lead_events::Column::OccurredAt)
                .column(lead_events::Column::Kind)
                .column(lead_events::Column::Payload)
                .filter(lead_events::Column::LeadId.is_in(chunk.iter().copied()))
                .filter(lead_events::Column::Kind.eq("assigned"))
                .into_tuple::<(i64, i64, DateTime<Utc>, String, String)>()
                .all(db)
                .await?,
        );
    }
    rows.sort_unstable_by_key(|(id, _, at, _, _)| (*at, *id));
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for (_, lead_id, at, kind, payload) in rows {
        if let Ok(LeadEvent::Assigned(a)) = LeadEvent::from_stored(&kind, &payload) {
            out.entry(lead_id)
                .or_default()
                .push((at, a.owner_id, a.team_id));
        }
    }
    Ok(out)
}

/// The owner and team of the last assignment at or before `at`; `(None, None)` before any.
pub fn assignment_at(
    list: Option<&Vec<Assignment>>,
    at: DateTime<Utc>,
) -> (Option<i64>, Option<i64>) {
    list.and_then(|list| {
        list.iter()
            .take_while(|(when, _, _)| *when <= at)
            .last()
            .map(|(_, owner, team)| (*owner, *team))
    })
    .unwrap_or((None, None))
}

/// Clears the facts of a lead's clocks: the lead changed (in the caller's transaction).
pub async fn invalidate(conn: &impl ConnectionTrait, lead_id: i64) -> Result<(), ApiError> {
    sla_clocks::Entity::update_many()
        .col_expr(
            sla_clocks::Column::ReportAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(sla_clocks::Column::LeadId.eq(lead_id))
        .filter(sla_clocks::Column::ReportAt.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// What one [`settle`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    /// Clocks attributed.
    pub clocks: usize,
    /// The last clock id looked at: where the next batch goes on from; none when there was
    /// nothing left behind `after`.
    pub last: Option<i64>,
}

/// Attributes up to `limit` final clocks without facts whose id is above `after`, in id order,
/// in one transaction.
pub async fn settle(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
    after: i64,
) -> Result<Settled, ApiError> {
    let txn = db.begin().await?;
    let final_now = Condition::any()
        .add(sla_clocks::Column::StoppedAt.lte(now))
        .add(
            Condition::all()
                .add(sla_clocks::Column::StoppedAt.is_null())
                .add(sla_clocks::Column::State.eq(SlaState::Breached.as_str()))
                .add(sla_clocks::Column::PausedAt.is_null())
                .add(sla_clocks::Column::DueAt.lte(now)),
        );
    let waiting: Vec<(i64, i64)> = sla_clocks::Entity::find()
        .select_only()
        .column(sla_clocks::Column::Id)
        .column(sla_clocks::Column::LeadId)
        .filter(sla_clocks::Column::ReportAt.is_null())
        .filter(sla_clocks::Column::Id.gt(after))
        .filter(final_now.clone())
        .order_by_asc(sla_clocks::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(&txn)
        .await?;
    let Some(last) = waiting.last().map(|(id, _)| *id) else {
        return Ok(Settled::default());
    };
    let mut lead_ids: Vec<i64> = waiting.iter().map(|(_, lead)| *lead).collect();
    let clock_ids: Vec<i64> = waiting.iter().map(|(id, _)| *id).collect();
    lead_ids.sort_unstable();
    lead_ids.dedup();
    // Hold the leads: a lead changing now is left for a later batch.
    let query = leads::Entity::find()
        .select_only()
        .column(leads::Column::Id)
        .column(leads::Column::Source)
        .column(leads::Column::Campaign)
        .column(leads::Column::LeadType)
        .filter(leads::Column::Id.is_in(lead_ids))
        .order_by_asc(leads::Column::Id);
    let query = if txn.get_database_backend() == DatabaseBackend::Postgres {
        query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
    } else {
        query
    };
    let held: Vec<(i64, Option<String>, Option<String>, String)> =
        query.into_tuple().all(&txn).await?;
    let lead_ids: Vec<i64> = held.iter().map(|(id, ..)| *id).collect();
    let attributes: HashMap<i64, (Option<String>, Option<String>, String)> = held
        .into_iter()
        .map(|(id, source, campaign, lead_type)| (id, (source, campaign, lead_type)))
        .collect();
    let assignments = assignments(&txn, &lead_ids).await?;
    let clocks = sla_clocks::Entity::find()
        .filter(sla_clocks::Column::Id.is_in(clock_ids))
        .filter(sla_clocks::Column::ReportAt.is_null())
        .filter(final_now)
        .all(&txn)
        .await?;
    let mut settled = 0;
    for row in clocks {
        let (Some(at), Some((source, campaign, lead_type))) =
            (attributed_at(&row, now), attributes.get(&row.lead_id))
        else {
            continue;
        };
        let (owner, team) = assignment_at(assignments.get(&row.lead_id), at);
        sla_clocks::Entity::update_many()
            .col_expr(sla_clocks::Column::ReportAt, Expr::value(now))
            .col_expr(sla_clocks::Column::ReportOwnerId, Expr::value(owner))
            .col_expr(sla_clocks::Column::ReportTeamId, Expr::value(team))
            .col_expr(
                sla_clocks::Column::ReportSource,
                Expr::value(source.clone()),
            )
            .col_expr(
                sla_clocks::Column::ReportCampaign,
                Expr::value(campaign.clone()),
            )
            .col_expr(
                sla_clocks::Column::ReportLeadType,
                Expr::value(lead_type.clone()),
            )
            .filter(sla_clocks::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        settled += 1;
    }
    txn.commit().await?;
    Ok(Settled {
        clocks: settled,
        last: Some(last),
    })
}

/// Attributes every final clock without facts, batch after batch; returns how many.
pub async fn settle_all(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut total = 0;
    let mut after = 0;
    while let Settled {
        clocks,
        last: Some(last),
    } = settle(db, now, BATCH, after).await?
    {
        total += clocks;
        after = last;
    }
    Ok(total)
}

/// Runs [`settle`] until the process ends: through the clocks in id order batch after batch,
/// then from the start again every few seconds.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut after = 0;
        loop {
            let wait = match settle(&state.db, state.clock.now(), BATCH, after).await {
                Ok(Settled {
                    last: Some(last), ..
                }) => {
                    after = last;
                    Duration::ZERO
                }
                Ok(_) => {
                    after = 0;
                    POLL
                }
                Err(error) => {
                    let parts = error.into_parts();
                    tracing::warn!(error = %parts.message, "attributing SLA clocks for the reports failed; retrying");
                    POLL
                }
            };
            tokio::time::sleep(wait).await;
        }
    })
}
