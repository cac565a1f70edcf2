//! Open clocks follow their policy and calendar: when an admin changes a policy's target,
//! thresholds or calendar, or edits a calendar's hours, every clock still open under it keeps
//! the business time it has counted and is planned again (new due instant, next threshold),
//! with a REASSIGNED transition in the lead's history that says why.

use chrono::{DateTime, Utc};
use handoff_shared::sla::BusinessCalendar;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QuerySelect as _,
};

use super::{SlaContext, load_clocks, save_and_log};
use crate::entities::sla_clocks;
use crate::error::ApiError;
use crate::handoff::store::LeadRecord;

/// Re-plans the open clocks of policy `policy_id` after it was saved (call in the transaction
/// that saved it). Returns how many clocks changed.
pub async fn replan_policy(
    txn: &impl ConnectionTrait,
    policy_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let leads = open_clock_leads(txn, sla_clocks::Column::PolicyId.eq(policy_id)).await?;
    replan_leads(
        txn,
        &mut SlaContext::new(),
        leads,
        now,
        "policy changed",
        |clock| clock.policy.id == policy_id,
    )
    .await
}

/// Re-plans the open clocks counting in calendar `calendar_id` after its hours were edited
/// (call in the transaction that saved it): business time counted so far stays as `old`
/// counted it; from now on the clocks count in the new hours.
pub async fn replan_calendar(
    txn: &impl ConnectionTrait,
    calendar_id: i64,
    old: BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let leads = open_clock_leads(txn, sla_clocks::Column::CalendarId.eq(calendar_id)).await?;
    let mut context = SlaContext::new();
    context.remember_calendar(calendar_id, old);
    replan_leads(txn, &mut context, leads, now, "calendar changed", |clock| {
        clock.calendar_id == Some(calendar_id)
    })
    .await
}

/// The leads with an open clock matching `filter`.
async fn open_clock_leads(
    txn: &impl ConnectionTrait,
    filter: sea_orm::sea_query::SimpleExpr,
) -> Result<Vec<i64>, ApiError> {
    let mut ids: Vec<i64> = sla_clocks::Entity::find()
        .select_only()
        .column(sla_clocks::Column::LeadId)
        .filter(filter)
        .filter(sla_clocks::Column::StoppedAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

async fn replan_leads(
    txn: &impl ConnectionTrait,
    context: &mut SlaContext,
    leads: Vec<i64>,
    now: DateTime<Utc>,
    cause: &str,
    concerned: impl Fn(&super::TrackedClock) -> bool,
) -> Result<usize, ApiError> {
    let mut changed = 0;
    for lead_id in leads {
        let Some(mut record) = LeadRecord::load(txn, lead_id).await? else {
            continue;
        };
        record.lock(txn).await?;
        let mut clocks = load_clocks(context, txn, lead_id).await?;
        let mut log = Vec::new();
        for (index, clock) in clocks.iter_mut().enumerate() {
            if !clock.is_open() || !concerned(clock) {
                continue;
            }
            let policy = clock.policy.clone();
            let calendar_id = context
                .resolve_calendar_id(txn, &policy, clock.owner_id, record.state.team_id)
                .await?;
            // What the calendar's id now holds (the context may remember older hours).
            let calendar = match calendar_id {
                Some(id) => {
                    let row = crate::entities::business_calendars::Entity::find_by_id(id)
                        .one(txn)
                        .await?
                        .ok_or_else(|| {
                            ApiError::internal(anyhow::anyhow!("calendar {id} does not exist"))
                        })?;
                    super::calendar_from_row(&row)?
                }
                None => super::fallback_calendar()?,
            };
            // Thresholds already passed under the new plan count from now: catch them up
            // first under the old plan, so that nothing is logged twice.
            for transition in clock.catch_up(now, true)? {
                log.push((index, transition));
            }
            let transition =
                clock.replan(policy.target_seconds, calendar_id, calendar, now, cause)?;
            log.push((index, transition));
            changed += 1;
        }
        if log.is_empty() {
            continue;
        }
        for recorded in save_and_log(context, txn, clocks, log, now).await? {
            record.append(txn, recorded, now).await?;
        }
        record.save(txn).await?;
    }
    Ok(changed)
}
