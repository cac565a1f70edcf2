//! Integration types: `InboundIntegration`, `OutboundWebhook` (and its input), and the
//! delivery log's `Notification` and `NotificationAttempt`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use handoff_shared::FieldError;

use crate::entities::{
    inbound_integrations, notification_attempts, notifications, outbound_webhooks,
};
use crate::graphql::{parse_id, state, to_id};
use crate::integrations::outbound::{self, WebhookChange};
use crate::notify::{log, outbox};

/// A marketing-automation platform allowed to post leads to `POST /webhooks/leads`, signing
/// each request with its secret.
#[derive(Debug, Clone)]
pub struct InboundIntegration {
    pub record: inbound_integrations::Model,
    /// Only right after creation.
    pub secret: Option<String>,
}

#[Object]
impl InboundIntegration {
    /// The integration's id.
    async fn id(&self) -> ID {
        to_id(self.record.id)
    }

    /// Unique name, sent as the `X-Handoff-Integration` header.
    async fn name(&self) -> &str {
        &self.record.name
    }

    /// The HMAC-SHA256 key for `X-Handoff-Signature`. Shown once, in the answer of
    /// `createInboundIntegration`; null everywhere else.
    async fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    /// Inactive integrations are refused (401).
    async fn active(&self) -> bool {
        self.record.active
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.record.created_at
    }
}

/// An endpoint that receives lead events as signed JSON POSTs (`X-Handoff-Signature:
/// sha256=<hex HMAC-SHA256 of the body>`, `X-Handoff-Event`, `X-Handoff-Delivery`).
#[derive(Debug, Clone)]
pub struct OutboundWebhook(pub outbound_webhooks::Model);

#[Object]
impl OutboundWebhook {
    /// The webhook's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// A name for people.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The events it receives (`lead.recycled`), or `["*"]` for all.
    async fn events(&self) -> Vec<String> {
        outbound::events_of(&self.0)
    }

    /// Inactive webhooks receive nothing; their pending deliveries are dead-lettered.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Creates (without `id`) or replaces an outbound webhook.
#[derive(Debug, InputObject)]
pub struct OutboundWebhookInput {
    /// The webhook to replace; none creates one.
    pub id: Option<ID>,
    /// A name for people.
    pub name: String,
    /// An `http://` or `https://` URL.
    pub url: String,
    /// The HMAC-SHA256 key (at least 16 characters). Required when creating; omitted keeps the
    /// stored one. Never shown again.
    pub secret: Option<String>,
    /// Events to receive: `lead.recycled`, or `*` (the default) for all, including future ones.
    pub events: Option<Vec<String>>,
    /// Default true.
    pub active: Option<bool>,
}

impl TryFrom<OutboundWebhookInput> for WebhookChange {
    type Error = FieldError;

    fn try_from(input: OutboundWebhookInput) -> Result<Self, FieldError> {
        let id = input.id.as_ref().map(|id| parse_id(id, "id")).transpose()?;
        WebhookChange::parse(
            id,
            &input.name,
            &input.url,
            input.secret.as_deref(),
            input.events,
            input.active,
        )
    }
}

/// Where a notification is in its delivery.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationStatus {
    /// Waiting for its first or next attempt.
    #[graphql(name = "PENDING")]
    Pending,
    /// Delivered.
    #[graphql(name = "SENT")]
    Sent,
    /// Given up on after repeated failures (or because its target is gone).
    #[graphql(name = "DEAD")]
    Dead,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => outbox::PENDING,
            Self::Sent => outbox::SENT,
            Self::Dead => outbox::DEAD,
        }
    }

    fn from_stored(raw: &str) -> Self {
        match raw {
            outbox::SENT => Self::Sent,
            outbox::DEAD => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// Which notifications to list.
#[derive(Debug, Default, InputObject)]
pub struct NotificationFilter {
    /// Only this status.
    pub status: Option<NotificationStatus>,
    /// Only this channel, e.g. `webhook`.
    pub channel: Option<String>,
    /// Only this event, e.g. `lead.recycled`.
    pub event: Option<String>,
    /// Only about this lead.
    pub lead_id: Option<ID>,
}

impl TryFrom<NotificationFilter> for log::LogFilter {
    type Error = FieldError;

    fn try_from(filter: NotificationFilter) -> Result<Self, FieldError> {
        Ok(Self {
            status: filter.status.map(|s| s.as_str().to_owned()),
            channel: filter.channel,
            event: filter.event,
            lead_id: filter
                .lead_id
                .as_ref()
                .map(|id| parse_id(id, "filter.leadId"))
                .transpose()?,
        })
    }
}

/// One message in the outbox and how its delivery went.
#[derive(Debug, Clone)]
pub struct Notification(pub notifications::Model);

#[Object]
impl Notification {
    /// The notification's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Unique per message; sent as `X-Handoff-Delivery` so receivers can drop duplicates.
    async fn idempotency_key(&self) -> &str {
        &self.0.idempotency_key
    }

    /// What happened, e.g. `lead.recycled`.
    async fn event(&self) -> &str {
        &self.0.event
    }

    /// How it is delivered, e.g. `webhook`.
    async fn channel(&self) -> &str {
        &self.0.channel
    }

    /// Where it goes (for webhooks, the URL when it was enqueued).
    async fn target(&self) -> &str {
        &self.0.target
    }

    /// A one-line summary.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The payload (for webhooks, the exact JSON body that is signed).
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The lead it is about.
    async fn lead_id(&self) -> Option<ID> {
        self.0.lead_id.map(to_id)
    }

    /// PENDING, SENT or DEAD.
    async fn status(&self) -> NotificationStatus {
        NotificationStatus::from_stored(&self.0.status)
    }

    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// When the next attempt is due (pending ones).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == outbox::PENDING).then_some(self.0.next_attempt_at)
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When it was enqueued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was delivered.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }

    /// Every attempt, oldest first.
    async fn attempt_log(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<NotificationAttempt>> {
        let rows = log::attempts(&state(ctx)?.db, self.0.id).await?;
        Ok(rows.into_iter().map(NotificationAttempt::from).collect())
    }
}

/// One delivery attempt.
#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationAttempt {
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// Whether it was delivered.
    pub success: bool,
    /// The HTTP status answered, when there was an answer.
    pub status_code: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
}

impl From<notification_attempts::Model> for NotificationAttempt {
    fn from(row: notification_attempts::Model) -> Self {
        Self {
            attempted_at: row.attempted_at,
            success: row.success,
            status_code: row.status_code,
            error: row.error,
        }
    }
}

/// The extra field of `NotificationConnection`.
#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationConnectionFields {
    /// Notifications matching the filter, over all pages.
    pub total_count: i64,
}
