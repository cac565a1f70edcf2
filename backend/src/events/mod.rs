//! Live events, broadcast in-process to the GraphQL subscriptions that push them to browsers
//! (`slaEvents`, `leadChanged`).
//!
//! The events are derived from the committed `lead_events` log by [`feed`], so no service has
//! to remember to publish and nothing uncommitted is ever shown. The feed loads the rows an
//! event shows once per batch and sends them along, so a burst of events costs subscribers no
//! queries (on SQLite they would all queue on its single connection).
//!
//! The channel is bounded: publishing never waits, and a subscriber that falls behind by more
//! than [`CAPACITY`] events loses the oldest and is told how many (see the subscriptions).

pub mod feed;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaEventKind;
use tokio::sync::broadcast;

use crate::entities::{leads, sla_clocks};

/// How many events a slow subscriber may fall behind before it loses the oldest.
pub const CAPACITY: usize = 1024;

/// Something subscribers may want to know about.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// An SLA clock changed state or crossed a threshold (never a backfilled one).
    Sla(SlaNotice),
    /// A lead's committed state, after it was created or changed, with the row to show.
    Lead(Arc<leads::Model>),
    /// A lead changed, by id only: each subscriber loads the row. Kept for publishers outside
    /// the log; the feed sends [`LiveEvent::Lead`].
    LeadChanged(LeadNotice),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlaNotice {
    pub kind: SlaEventKind,
    pub clock_id: i64,
    pub lead_id: i64,
    /// The lead's owner and team when the event was published; subscriptions filter on them.
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
    /// The clock and the lead as committed when the feed read the event.
    pub clock: Arc<sla_clocks::Model>,
    pub lead: Arc<leads::Model>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeadNotice {
    pub lead_id: i64,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
}

impl LiveEvent {
    pub fn owner_id(&self) -> Option<i64> {
        match self {
            Self::Sla(notice) => notice.owner_id,
            Self::Lead(lead) => lead.owner_id,
            Self::LeadChanged(notice) => notice.owner_id,
        }
    }

    pub fn team_id(&self) -> Option<i64> {
        match self {
            Self::Sla(notice) => notice.team_id,
            Self::Lead(lead) => lead.team_id,
            Self::LeadChanged(notice) => notice.team_id,
        }
    }
}

/// The broadcast channel. Cloning shares it.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<LiveEvent>,
    /// Rung by in-process writers right after they commit (the SLA scheduler), so the SQLite
    /// feed reads at once instead of at its next poll.
    committed: std::sync::Arc<tokio::sync::Notify>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self {
            sender,
            committed: std::sync::Arc::default(),
        }
    }

    /// Tells the feed that new events were committed in this process.
    pub fn committed(&self) {
        self.committed.notify_one();
    }

    /// Resolves at the next [`Self::committed`] (or at once if one came since the last wait).
    pub async fn wait_committed(&self) {
        self.committed.notified().await;
    }

    /// Sends to every current subscriber without waiting for any; nobody listening is fine.
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    /// How many subscriptions are open now (tests wait for theirs before causing events).
    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(lead_id: i64) -> LiveEvent {
        LiveEvent::LeadChanged(LeadNotice {
            lead_id,
            owner_id: Some(7),
            team_id: None,
        })
    }

    #[tokio::test]
    async fn subscribers_receive_what_is_published_after_they_subscribe() {
        let bus = EventBus::new();
        bus.publish(notice(1));
        let mut rx = bus.subscribe();
        bus.publish(notice(2));
        assert_eq!(rx.recv().await.unwrap(), notice(2));
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_learns_how_much_it_lost() {
        let bus = EventBus::new();
        let mut rx = bus.subscribe();
        let total = CAPACITY as i64 + 10;
        for id in 0..total {
            bus.publish(notice(id));
        }
        assert_eq!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(10))
        );
        assert_eq!(rx.recv().await.unwrap(), notice(10));
    }
}
