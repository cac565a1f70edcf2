//! `handoff rebuild`: the lead rows recomputed from their logs.
//!
//! Each lead's events are folded again with [`LeadState::replay`] (in the order
//! [`store::history`] reads them: occurred_at, then id) and the row's derived columns are
//! written back: status, score, owner, team, every stage stamp, reasons, touches, version.
//! Rows are updated in place, never deleted, so the events (and clocks) that reference them
//! stay valid. Run it with the server stopped: a lead changed during the rebuild is skipped
//! (its version moved) and counted.

use std::collections::BTreeMap;

use handoff_shared::lead::{LeadEvent, LeadState};
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, Set, TransactionTrait as _,
};

use crate::entities::{lead_events, leads};
use crate::error::ApiError;
use crate::handoff::store;

/// Leads handled per transaction.
const PAGE: u64 = 500;

/// What a rebuild did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RebuildReport {
    /// Leads whose row was recomputed.
    pub leads: usize,
    /// Of those, rows that differed from their log (and were rewritten).
    pub changed: usize,
    /// Leads changed by someone else during the rebuild, left as they were.
    pub skipped: usize,
    /// Leads whose log cannot explain a row (missing `created`, unreadable event), left as
    /// they were: id and why.
    pub unexplained: Vec<(i64, String)>,
}

/// Recomputes every lead row from its event log.
#[tracing::instrument(skip(db))]
pub async fn rebuild_leads(db: &DatabaseConnection) -> Result<RebuildReport, ApiError> {
    let mut report = RebuildReport::default();
    let mut after = 0_i64;
    loop {
        let txn = db.begin().await?;
        let rows = leads::Entity::find()
            .filter(leads::Column::Id.gt(after))
            .order_by_asc(leads::Column::Id)
            .limit(PAGE)
            .all(&txn)
            .await?;
        let Some(last) = rows.last() else {
            txn.commit().await?;
            break;
        };
        after = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut logs: BTreeMap<i64, Vec<lead_events::Model>> = BTreeMap::new();
        for event in lead_events::Entity::find()
            .filter(lead_events::Column::LeadId.is_in(ids.iter().copied()))
            .order_by_asc(lead_events::Column::LeadId)
            .order_by_asc(lead_events::Column::OccurredAt)
            .order_by_asc(lead_events::Column::Id)
            .all(&txn)
            .await?
        {
            logs.entry(event.lead_id).or_default().push(event);
        }
        for row in rows {
            let id = row.id;
            let version = row.version;
            let log = logs.remove(&id).unwrap_or_default();
            let state = match replay(&log) {
                Ok(state) => state,
                Err(why) => {
                    report.unexplained.push((id, why));
                    continue;
                }
            };
            report.leads += 1;
            let unchanged = store::state_from_model(row).is_ok_and(|current| current == state);
            if unchanged {
                continue;
            }
            let mut update = store::active_model(&state);
            update.id = Set(id);
            let result = leads::Entity::update_many()
                .set(update)
                .filter(leads::Column::Id.eq(id))
                .filter(leads::Column::Version.eq(version))
                .exec(&txn)
                .await?;
            if result.rows_affected == 0 {
                report.skipped += 1;
            } else {
                report.changed += 1;
            }
        }
        txn.commit().await?;
    }
    tracing::info!(
        leads = report.leads,
        changed = report.changed,
        skipped = report.skipped,
        unexplained = report.unexplained.len(),
        "lead rows rebuilt from their logs"
    );
    Ok(report)
}

/// The state a stored log folds to.
pub fn replay(log: &[lead_events::Model]) -> Result<LeadState, String> {
    let mut events = Vec::with_capacity(log.len());
    for row in log {
        let event = LeadEvent::from_stored(&row.kind, &row.payload)
            .map_err(|e| format!("event {} ({}) cannot be read: {e}", row.id, row.kind))?;
        events.push((event, row.occurred_at));
    }
    LeadState::replay(events.iter().map(|(event, at)| (event, *at)))
        .ok_or_else(|| "its log does not start with a `created` event".to_owned())
}
