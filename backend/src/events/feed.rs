//! The live feed: turns newly committed `lead_events` rows into [`LiveEvent`]s on the
//! [`EventBus`], in every `handoff serve` process.
//!
//! - SQLite (one process, writers serialised, so ids commit in order): polls
//!   `id > last` every [`POLL_EVERY`].
//! - PostgreSQL (several processes on one database): a statement-level trigger on `lead_events`
//!   sends one `pg_notify('handoff_live', '<min id>,<max id>')` per insert statement at commit
//!   (migration `m20261130_000001_live_feed_notify`). Each process LISTENs, loads the range and
//!   skips the ids it already published: a range may hold rows of another transaction, and
//!   ranges of concurrent transactions may overlap. After the listener lost its connection
//!   (notifications sent meanwhile are gone), it catches up with a bounded `id > last`.
//!
//! Per batch: one query for the events, one for the leads they touch, one for the SLA clocks;
//! then an [`LiveEvent::Sla`] per non-backfilled SLA transition and one [`LiveEvent::Lead`] per
//! lead that got events.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use handoff_shared::lead::LeadEvent;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait as _, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use tokio::task::JoinHandle;

use super::{EventBus, LiveEvent, SlaNotice};
use crate::entities::{lead_events, leads, sla_clocks};

/// The PostgreSQL notification channel the trigger sends on.
pub const CHANNEL: &str = "handoff_live";
/// How often SQLite is polled for new events: the feed's latency there.
pub const POLL_EVERY: Duration = Duration::from_millis(100);
/// Rows read per query.
const PAGE: u64 = 500;
/// How many published ids PostgreSQL remembers to skip in overlapping ranges.
const RECENT_IDS: usize = 100_000;
/// The most rows a catch-up after a lost listener connection publishes; older ones are skipped
/// (the clients' next query shows the current state anyway).
const CATCH_UP_MAX_ROWS: u64 = 20_000;
/// How long the PostgreSQL feed waits for more notifications after one arrived.
const GATHER: Duration = Duration::from_millis(10);
/// The most notifications merged into one pass.
const MAX_RANGES_PER_PASS: usize = 1000;
/// Pause after a database error before the feed tries again.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// Starts the feed from the events committed from now on. On PostgreSQL the listener is
/// connected before this returns, so nothing committed afterwards is missed.
pub async fn spawn(db: DatabaseConnection, bus: EventBus) -> anyhow::Result<JoinHandle<()>> {
    let last = max_id(&db).await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
        listener.listen(CHANNEL).await?;
        let mut feed = PgFeed {
            db,
            bus,
            listener,
            last,
            recent: RecentIds::default(),
        };
        Ok(tokio::spawn(async move { feed.run().await }))
    } else {
        Ok(tokio::spawn(poll(db, bus, last)))
    }
}

async fn max_id(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = lead_events::Entity::find()
        .select_only()
        .column_as(lead_events::Column::Id.max(), "max_id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// SQLite: read what was committed after `last`, page by page, forever.
async fn poll(db: DatabaseConnection, bus: EventBus, mut last: i64) {
    loop {
        // The next poll, or sooner when this process says it committed events.
        tokio::select! {
            () = tokio::time::sleep(POLL_EVERY) => {}
            () = bus.wait_committed() => {}
        }
        loop {
            let page = match rows_after(&db, last, None).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(%error, "the live feed could not read new events; retrying");
                    break;
                }
            };
            let Some(end) = page.last().map(|row| row.id) else {
                break;
            };
            if let Err(error) = publish_batch(&db, &bus, &page).await {
                tracing::warn!(%error, "the live feed could not load a batch; retrying");
                break;
            }
            last = end;
            if (page.len() as u64) < PAGE {
                break;
            }
        }
    }
}

/// One page of events with ids in `(after, up_to]`, in id order.
async fn rows_after(
    db: &DatabaseConnection,
    after: i64,
    up_to: Option<i64>,
) -> Result<Vec<lead_events::Model>, DbErr> {
    let mut query = lead_events::Entity::find().filter(lead_events::Column::Id.gt(after));
    if let Some(up_to) = up_to {
        query = query.filter(lead_events::Column::Id.lte(up_to));
    }
    query
        .order_by_asc(lead_events::Column::Id)
        .limit(PAGE)
        .all(db)
        .await
}

/// PostgreSQL: the listener and what it has already published.
struct PgFeed {
    db: DatabaseConnection,
    bus: EventBus,
    listener: PgListener,
    /// The highest id published: where a catch-up starts.
    last: i64,
    recent: RecentIds,
}

impl PgFeed {
    async fn run(&mut self) {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(notification)) => {
                    let mut ranges: Vec<(i64, i64)> =
                        parse_range(notification.payload()).into_iter().collect();
                    // A transaction's statements each notify, all at its commit: gather what
                    // follows closely, so that a lead changed by several statements (or a
                    // burst of transactions) is published once per pass.
                    let mut lost = false;
                    while ranges.len() < MAX_RANGES_PER_PASS {
                        match tokio::time::timeout(GATHER, self.listener.try_recv()).await {
                            Ok(Ok(Some(more))) => ranges.extend(parse_range(more.payload())),
                            // Timed out: the cancelled receive loses nothing.
                            Err(_) => break,
                            Ok(Ok(None) | Err(_)) => {
                                lost = true;
                                break;
                            }
                        }
                    }
                    for (from, to) in merge_ranges(ranges) {
                        self.publish_range(from - 1, Some(to), u64::MAX).await;
                    }
                    if lost {
                        tracing::warn!("the live feed's listener lost its connection; catching up");
                        self.publish_range(self.last, None, CATCH_UP_MAX_ROWS).await;
                    }
                }
                // The connection was lost and made again: what was sent meanwhile is gone.
                Ok(None) => {
                    tracing::warn!("the live feed's listener reconnected; catching up");
                    self.publish_range(self.last, None, CATCH_UP_MAX_ROWS).await;
                }
                Err(error) => {
                    tracing::warn!(%error, "the live feed's listener failed; reconnecting");
                    tokio::time::sleep(RETRY_AFTER).await;
                    self.publish_range(self.last, None, CATCH_UP_MAX_ROWS).await;
                }
            }
        }
    }

    /// Publishes the not yet published rows with ids in `(after, up_to]`, at most `max_rows`.
    async fn publish_range(&mut self, after: i64, up_to: Option<i64>, max_rows: u64) {
        let mut cursor = after;
        let mut read = 0u64;
        let mut failures = 0;
        while read < max_rows {
            let page = match rows_after(&self.db, cursor, up_to).await {
                Ok(page) => page,
                Err(error) => {
                    failures += 1;
                    tracing::warn!(%error, failures, "the live feed could not read events");
                    if failures >= 3 {
                        return;
                    }
                    tokio::time::sleep(RETRY_AFTER).await;
                    continue;
                }
            };
            let Some(end) = page.last().map(|row| row.id) else {
                return;
            };
            let full = page.len() as u64 == PAGE;
            read += page.len() as u64;
            let fresh: Vec<_> = page
                .into_iter()
                .filter(|row| !self.recent.contains(row.id))
                .collect();
            if let Err(error) = publish_batch(&self.db, &self.bus, &fresh).await {
                failures += 1;
                tracing::warn!(%error, failures, "the live feed could not load a batch");
                if failures >= 3 {
                    return;
                }
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
            for row in &fresh {
                self.recent.insert(row.id);
            }
            self.last = self.last.max(end);
            cursor = end;
            if !full {
                return;
            }
        }
    }
}

/// `"<min>,<max>"` from the trigger.
fn parse_range(payload: &str) -> Option<(i64, i64)> {
    let (from, to) = payload.split_once(',')?;
    let (from, to) = (from.trim().parse().ok()?, to.trim().parse().ok()?);
    (from <= to).then_some((from, to))
}

/// Sorted, with overlapping and adjacent ranges joined.
fn merge_ranges(mut ranges: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if from <= last.1.saturating_add(1) => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// A bounded set of the ids published last.
#[derive(Default)]
struct RecentIds {
    set: HashSet<i64>,
    order: VecDeque<i64>,
}

impl RecentIds {
    fn contains(&self, id: i64) -> bool {
        self.set.contains(&id)
    }

    fn insert(&mut self, id: i64) {
        if self.set.insert(id) {
            self.order.push_back(id);
            if self.order.len() > RECENT_IDS
                && let Some(oldest) = self.order.pop_front()
            {
                self.set.remove(&oldest);
            }
        }
    }
}

/// Loads what the events of one batch show and publishes them: the SLA transitions that are
/// not backfill, then each lead that got events once.
async fn publish_batch(
    db: &DatabaseConnection,
    bus: &EventBus,
    rows: &[lead_events::Model],
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut lead_ids = Vec::new();
    let mut seen = HashSet::new();
    for row in rows {
        if seen.insert(row.lead_id) {
            lead_ids.push(row.lead_id);
        }
    }
    let transitions: Vec<_> = rows
        .iter()
        .filter(|row| row.kind == "sla")
        .filter_map(|row| match LeadEvent::from_stored(&row.kind, &row.payload) {
            Ok(LeadEvent::Sla(transition)) if !transition.backfill => Some((row, transition)),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, event_id = row.id, "an SLA event's payload does not parse");
                None
            }
        })
        .collect();

    let leads: HashMap<i64, Arc<leads::Model>> = leads::Entity::find()
        .filter(leads::Column::Id.is_in(lead_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|lead| (lead.id, Arc::new(lead)))
        .collect();
    let clocks: HashMap<i64, Arc<sla_clocks::Model>> = if transitions.is_empty() {
        HashMap::new()
    } else {
        let ids: HashSet<i64> = transitions.iter().map(|(_, t)| t.clock_id).collect();
        sla_clocks::Entity::find()
            .filter(sla_clocks::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|clock| (clock.id, Arc::new(clock)))
            .collect()
    };

    for (row, transition) in transitions {
        let (Some(lead), Some(clock)) = (leads.get(&row.lead_id), clocks.get(&transition.clock_id))
        else {
            continue;
        };
        bus.publish(LiveEvent::Sla(SlaNotice {
            kind: transition.transition,
            clock_id: clock.id,
            lead_id: lead.id,
            owner_id: lead.owner_id,
            team_id: lead.team_id,
            occurred_at: row.occurred_at,
            clock: clock.clone(),
            lead: lead.clone(),
        }));
    }
    for id in lead_ids {
        if let Some(lead) = leads.get(&id) {
            bus.publish(LiveEvent::Lead(lead.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_merge() {
        assert_eq!(parse_range("3,9"), Some((3, 9)));
        assert_eq!(parse_range("9,3"), None);
        assert_eq!(parse_range("x"), None);
        assert_eq!(
            merge_ranges(vec![(10, 12), (1, 3), (4, 5), (11, 20), (30, 30)]),
            vec![(1, 5), (10, 20), (30, 30)]
        );
    }

    #[test]
    fn recent_ids_forget_the_oldest() {
        let mut recent = RecentIds::default();
        for id in 0..(RECENT_IDS as i64 + 2) {
            recent.insert(id);
        }
        assert!(!recent.contains(0));
        assert!(!recent.contains(1));
        assert!(recent.contains(2));
        assert!(recent.contains(RECENT_IDS as i64 + 1));
    }
}
