//! Live events, broadcast in-process from the services that cause them to the GraphQL
//! subscriptions that push them to browsers (`slaEvents`, `leadChanged`).
//!
//! Notices carry ids, not rows: each subscriber loads what it shows, with its own permissions.

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaEventKind;
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it skips ahead.
const CAPACITY: usize = 1024;

/// Something subscribers may want to know about.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// An SLA clock changed state or crossed a threshold.
    Sla(SlaNotice),
    /// A lead was created or changed (stage, owner, score, …).
    LeadChanged(LeadNotice),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlaNotice {
    pub kind: SlaEventKind,
    pub clock_id: i64,
    pub lead_id: i64,
    /// The lead's owner and team when the event happened; subscriptions filter on them.
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
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
            Self::LeadChanged(notice) => notice.owner_id,
        }
    }

    pub fn team_id(&self) -> Option<i64> {
        match self {
            Self::Sla(notice) => notice.team_id,
            Self::LeadChanged(notice) => notice.team_id,
        }
    }
}

/// The broadcast channel. Cloning shares it.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<LiveEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self { sender }
    }

    /// Sends to every current subscriber; nobody listening is fine.
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_receive_what_is_published_after_they_subscribe() {
        let bus = EventBus::new();
        bus.publish(LiveEvent::LeadChanged(LeadNotice {
            lead_id: 1,
            owner_id: None,
            team_id: None,
        }));
        let mut rx = bus.subscribe();
        let event = LiveEvent::LeadChanged(LeadNotice {
            lead_id: 2,
            owner_id: Some(7),
            team_id: None,
        });
        bus.publish(event.clone());
        assert_eq!(rx.recv().await.unwrap(), event);
    }
}
