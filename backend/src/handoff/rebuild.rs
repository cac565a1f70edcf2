//! `handoff rebuild`: the lead rows and their SLA clocks recomputed from their logs.
//!
//! Each lead's events are folded again with [`LeadState::replay`] (in the order
//! [`store::history`] reads them: occurred_at, then id) and the row's derived columns are
//! written back: status, score, owner, team, every stage stamp, reasons, touches, version.
//! Lead rows are updated in place, never deleted, so the events that reference them stay
//! valid. The lead's `sla_clocks` rows are replayed from its SLA transitions
//! ([`sla::replay_clocks`]) under the clock ids the log names: rows that differ are rewritten,
//! missing ones inserted, and rows no transition explains deleted. Run it with the server
//! stopped: a lead changed during the rebuild is skipped (its version moved) and counted.

use std::collections::BTreeMap;

use handoff_shared::lead::{LeadEvent, LeadState};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait as _, DatabaseBackend,
    DatabaseConnection, DatabaseTransaction, EntityTrait as _, IntoActiveModel as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set, TransactionTrait as _,
};

use crate::entities::{lead_events, leads, sla_clocks};
use crate::error::ApiError;
use crate::handoff::store;
use crate::sla::{self, Logged, ReplaySources, SlaContext};

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
    /// Leads whose log cannot explain a row (missing `created`, unreadable event, an SLA
    /// transition that does not replay), left as they were: id and why.
    pub unexplained: Vec<(i64, String)>,
    /// SLA clock rows recomputed.
    pub clocks: usize,
    /// Clock rows written because they differed from their log or were missing, plus rows no
    /// log explains (deleted).
    pub clocks_changed: usize,
}

/// Recomputes every lead row from its event log.
#[tracing::instrument(skip(db))]
pub async fn rebuild_leads(db: &DatabaseConnection) -> Result<RebuildReport, ApiError> {
    let mut report = RebuildReport::default();
    let mut context = SlaContext::new();
    let mut inserted_clocks = false;
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
        let mut clocks: BTreeMap<i64, Vec<sla_clocks::Model>> = BTreeMap::new();
        for clock in sla_clocks::Entity::find()
            .filter(sla_clocks::Column::LeadId.is_in(ids.iter().copied()))
            .all(&txn)
            .await?
        {
            clocks.entry(clock.lead_id).or_default().push(clock);
        }
        for row in rows {
            let id = row.id;
            let version = row.version;
            let log = logs.remove(&id).unwrap_or_default();
            let events = match parse(&log) {
                Ok(events) => events,
                Err(why) => {
                    report.unexplained.push((id, why));
                    continue;
                }
            };
            let Some(state) = fold(&log, &events) else {
                report.unexplained.push((
                    id,
                    "its log does not start with a `created` event".to_owned(),
                ));
                continue;
            };
            report.leads += 1;
            let unchanged = store::state_from_model(row).is_ok_and(|current| current == state);
            if !unchanged {
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
                    continue;
                }
                report.changed += 1;
                crate::reports::facts::invalidate(&txn, id).await?;
            }

            let logged: Vec<Logged<'_>> = log
                .iter()
                .zip(&events)
                .map(|(row, event)| Logged {
                    id: row.id,
                    event,
                    occurred_at: row.occurred_at,
                    recorded_at: row.recorded_at,
                })
                .collect();
            let sources = ReplaySources::fetch(&mut context, &txn, &logged).await?;
            let replayed = match sla::replay_clocks(id, &logged, &sources) {
                Ok(replayed) => replayed,
                Err(why) => {
                    report
                        .unexplained
                        .push((id, format!("its SLA clocks were left as they were: {why}")));
                    continue;
                }
            };
            report.clocks += replayed.len();
            let stored = clocks.remove(&id).unwrap_or_default();
            let synced = sync_clocks(&txn, stored, replayed).await?;
            report.clocks_changed += synced.changed;
            inserted_clocks |= synced.inserted;
        }
        txn.commit().await?;
    }
    if inserted_clocks && db.get_database_backend() == DatabaseBackend::Postgres {
        // Rows inserted under their logged ids leave the id sequence behind them.
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('sla_clocks', 'id'), \
             (SELECT COALESCE(MAX(id), 1) FROM sla_clocks))",
        )
        .await?;
    }
    tracing::info!(
        leads = report.leads,
        changed = report.changed,
        skipped = report.skipped,
        unexplained = report.unexplained.len(),
        clocks = report.clocks,
        clocks_changed = report.clocks_changed,
        "lead rows and SLA clocks rebuilt from their logs"
    );
    Ok(report)
}

/// The state a stored log folds to.
pub fn replay(log: &[lead_events::Model]) -> Result<LeadState, String> {
    let events = parse(log)?;
    fold(log, &events).ok_or_else(|| "its log does not start with a `created` event".to_owned())
}

fn parse(log: &[lead_events::Model]) -> Result<Vec<LeadEvent>, String> {
    log.iter()
        .map(|row| {
            LeadEvent::from_stored(&row.kind, &row.payload)
                .map_err(|e| format!("event {} ({}) cannot be read: {e}", row.id, row.kind))
        })
        .collect()
}

fn fold(log: &[lead_events::Model], events: &[LeadEvent]) -> Option<LeadState> {
    LeadState::replay(
        events
            .iter()
            .zip(log)
            .map(|(event, row)| (event, row.occurred_at)),
    )
}

/// What [`sync_clocks`] wrote.
struct Synced {
    /// Rows rewritten, inserted or deleted.
    changed: usize,
    /// Whether some row was inserted under its logged id.
    inserted: bool,
}

/// Makes a lead's stored clock rows the replayed ones.
/// `row` with the report facts of `stored` (`reports::facts`).
fn with_facts_of(mut row: sla_clocks::Model, stored: &sla_clocks::Model) -> sla_clocks::Model {
    row.report_at = stored.report_at;
    row.report_owner_id = stored.report_owner_id;
    row.report_team_id = stored.report_team_id;
    row.report_source.clone_from(&stored.report_source);
    row.report_campaign.clone_from(&stored.report_campaign);
    row.report_lead_type.clone_from(&stored.report_lead_type);
    row
}

async fn sync_clocks(
    txn: &DatabaseTransaction,
    stored: Vec<sla_clocks::Model>,
    replayed: Vec<sla_clocks::Model>,
) -> Result<Synced, ApiError> {
    let mut stored: BTreeMap<i64, sla_clocks::Model> =
        stored.into_iter().map(|row| (row.id, row)).collect();
    let mut synced = Synced {
        changed: 0,
        inserted: false,
    };
    for row in replayed {
        let current = stored.remove(&row.id);
        // The report facts are not part of the replay: an otherwise equal row keeps them.
        if current
            .as_ref()
            .is_some_and(|c| *c == with_facts_of(row.clone(), c))
        {
            continue;
        }
        synced.changed += 1;
        let write = row.into_active_model().reset_all();
        if current.is_some() {
            write.update(txn).await?;
        } else {
            sla_clocks::Entity::insert(write)
                .exec_without_returning(txn)
                .await?;
            synced.inserted = true;
        }
    }
    if !stored.is_empty() {
        synced.changed += stored.len();
        sla_clocks::Entity::delete_many()
            .filter(sla_clocks::Column::Id.is_in(stored.into_keys()))
            .exec(txn)
            .await?;
    }
    Ok(synced)
}
