//! The outbox: enqueueing (inside the caller's transaction) and the background sender.
//!
//! Delivery is at least once: a row is claimed by pushing its `next_attempt_at` a lease into
//! the future (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent senders never claim the
//! same row), delivered outside any transaction, then marked sent, retried with exponential
//! backoff, or dead after [`MAX_ATTEMPTS`]. A sender that dies mid-delivery leaves the row to
//! be retried when the lease runs out; receivers deduplicate by `X-Handoff-Delivery`.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
    TransactionTrait as _,
};

use crate::clock::SharedClock;
use crate::entities::{notification_attempts, notifications, outbound_webhooks};
use crate::error::ApiError;
use crate::integrations::signature;
use crate::state::AppState;

/// `notifications.status` of a row waiting for (another) attempt.
pub const PENDING: &str = "pending";
/// Delivered.
pub const SENT: &str = "sent";
/// Given up on after [`MAX_ATTEMPTS`] failures (or a permanent failure).
pub const DEAD: &str = "dead";
/// The channel of outbound webhooks.
pub const WEBHOOK: &str = "webhook";

/// Failed attempts after which a notification is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 8;
/// Delay after the first failure; it doubles with each further failure…
pub const FIRST_RETRY: Duration = Duration::seconds(30);
/// …up to this.
pub const MAX_RETRY: Duration = Duration::hours(1);
/// How long a claimed row is left alone while it is being delivered.
const LEASE: Duration = Duration::minutes(5);
/// How often the sender looks for due rows.
const POLL: StdDuration = StdDuration::from_secs(1);
/// Rows claimed at once.
const CLAIM_BATCH: u64 = 32;
/// One HTTP delivery may take this long.
const HTTP_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// Channels this sender delivers; rows of other channels wait for their own sender.
const CHANNELS: &[&str] = &[WEBHOOK];

/// A message to enqueue.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// Unique per logical message: enqueueing the same key twice stores it once.
    pub idempotency_key: String,
    pub lead_id: Option<i64>,
    pub clock_id: Option<i64>,
    /// e.g. `lead.recycled`.
    pub event: String,
    pub recipient_user_id: Option<i64>,
    /// `webhook` (more channels come with e-mail and chat).
    pub channel: String,
    /// Where it goes: the webhook URL, an e-mail address, …
    pub target: String,
    pub subject: String,
    /// For webhooks, the exact JSON body that is signed and sent.
    pub body: String,
}

/// Writes a notification into the outbox (call it inside the transaction of the change that
/// causes it). Returns false when a notification with the same key already exists.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    notification: NewNotification,
) -> Result<bool, ApiError> {
    let row = notifications::ActiveModel {
        idempotency_key: Set(notification.idempotency_key),
        lead_id: Set(notification.lead_id),
        clock_id: Set(notification.clock_id),
        event: Set(notification.event),
        recipient_user_id: Set(notification.recipient_user_id),
        channel: Set(notification.channel),
        target: Set(notification.target),
        subject: Set(notification.subject),
        body: Set(notification.body),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    let inserted = notifications::Entity::insert(row)
        .on_conflict(
            OnConflict::column(notifications::Column::IdempotencyKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted > 0)
}

/// The idempotency key of a webhook delivery: `<what>:<source id>:<webhook id>`. The sender
/// reads the webhook id back from the last segment to find the URL and secret in force.
pub fn webhook_key(what: &str, source_id: i64, webhook_id: i64) -> String {
    format!("{what}:{source_id}:{webhook_id}")
}

fn webhook_id_of(key: &str) -> Option<i64> {
    key.rsplit_once(':')?.1.parse().ok()
}

/// Delay before the next attempt after `failures` failed attempts (1, 2, …).
pub fn backoff(failures: i32) -> Duration {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    (FIRST_RETRY * 2_i32.pow(doublings)).min(MAX_RETRY)
}

/// Starts the background sender on the current Tokio runtime.
pub fn spawn_sender(state: AppState) {
    tokio::spawn(async move {
        let http = match http_client() {
            Ok(http) => http,
            Err(error) => {
                tracing::error!(%error, "the notification sender cannot start");
                return;
            }
        };
        let mut ticks = tokio::time::interval(POLL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = deliver_due(&state.db, &state.clock, &http).await {
                let parts = error.into_parts();
                tracing::warn!(message = %parts.message, "notification sender round failed");
            }
        }
    });
}

/// The HTTP client of the sender.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .user_agent(concat!("Handoff-Webhooks/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Claims the due notifications and delivers them; returns how many were attempted.
pub async fn deliver_due(
    db: &DatabaseConnection,
    clock: &SharedClock,
    http: &reqwest::Client,
) -> Result<usize, ApiError> {
    let claimed = claim(db, clock.now()).await?;
    let count = claimed.len();
    for notification in claimed {
        let outcome = deliver(db, http, &notification).await;
        record(db, clock.now(), &notification, outcome).await?;
    }
    Ok(count)
}

/// Takes up to [`CLAIM_BATCH`] due rows and leases them.
async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<notifications::Model>, ApiError> {
    let txn = db.begin().await?;
    let mut due = notifications::Entity::find()
        .filter(notifications::Column::Status.eq(PENDING))
        .filter(notifications::Column::NextAttemptAt.lte(now))
        .filter(notifications::Column::Channel.is_in(CHANNELS.iter().copied()))
        .order_by_asc(notifications::Column::NextAttemptAt)
        .order_by_asc(notifications::Column::Id)
        .limit(CLAIM_BATCH);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = due.all(&txn).await?;
    if !rows.is_empty() {
        notifications::Entity::update_many()
            .col_expr(
                notifications::Column::NextAttemptAt,
                sea_orm::sea_query::Expr::value(now + LEASE),
            )
            .filter(notifications::Column::Id.is_in(rows.iter().map(|n| n.id)))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows)
}

/// What one attempt came to.
#[derive(Debug)]
pub struct Outcome {
    pub success: bool,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// No point in retrying (the webhook is gone or switched off).
    pub permanent: bool,
}

impl Outcome {
    fn permanent(error: String) -> Self {
        Self {
            success: false,
            status_code: None,
            error: Some(error),
            permanent: true,
        }
    }
}

/// One delivery attempt.
pub async fn deliver(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    notification: &notifications::Model,
) -> Outcome {
    match notification.channel.as_str() {
        WEBHOOK => deliver_webhook(db, http, notification).await,
        other => Outcome::permanent(format!("channel {other:?} has no sender")),
    }
}

async fn deliver_webhook(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    notification: &notifications::Model,
) -> Outcome {
    let Some(webhook_id) = webhook_id_of(&notification.idempotency_key) else {
        return Outcome::permanent("the delivery key names no webhook".to_owned());
    };
    let webhook = match outbound_webhooks::Entity::find_by_id(webhook_id)
        .one(db)
        .await
    {
        Ok(Some(webhook)) => webhook,
        Ok(None) => return Outcome::permanent(format!("webhook {webhook_id} was deleted")),
        Err(error) => {
            return Outcome {
                success: false,
                status_code: None,
                error: Some(format!("cannot read webhook {webhook_id}: {error}")),
                permanent: false,
            };
        }
    };
    if !webhook.active {
        return Outcome::permanent(format!("webhook {webhook_id} is inactive"));
    }
    let body = notification.body.clone().into_bytes();
    let sent = http
        .post(&webhook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            signature::SIGNATURE_HEADER,
            signature::sign(&webhook.secret, &body),
        )
        .header("X-Handoff-Event", &notification.event)
        .header("X-Handoff-Delivery", &notification.idempotency_key)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Outcome {
            success: true,
            status_code: Some(i32::from(response.status().as_u16())),
            error: None,
            permanent: false,
        },
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            let excerpt: String = text.chars().take(200).collect();
            Outcome {
                success: false,
                status_code: Some(i32::from(status.as_u16())),
                error: Some(format!("HTTP {status}: {excerpt}").trim_end().to_owned()),
                permanent: false,
            }
        }
        Err(error) => Outcome {
            success: false,
            status_code: None,
            error: Some(describe(&error)),
            permanent: false,
        },
    }
}

/// A transport error with its causes (reqwest's own text is "error sending request").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Writes the attempt to the log and moves the notification on.
async fn record(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    notification: &notifications::Model,
    outcome: Outcome,
) -> Result<(), ApiError> {
    let attempts = notification.attempts + 1;
    let txn = db.begin().await?;
    notification_attempts::ActiveModel {
        notification_id: Set(notification.id),
        attempted_at: Set(now),
        success: Set(outcome.success),
        status_code: Set(outcome.status_code),
        error: Set(outcome.error.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut row = notifications::ActiveModel {
        id: Set(notification.id),
        attempts: Set(attempts),
        last_error: Set(outcome.error.clone()),
        ..Default::default()
    };
    if outcome.success {
        row.status = Set(SENT.to_owned());
        row.sent_at = Set(Some(now));
        tracing::info!(
            notification_id = notification.id,
            attempts,
            "notification sent"
        );
    } else if outcome.permanent || attempts >= MAX_ATTEMPTS {
        row.status = Set(DEAD.to_owned());
        tracing::warn!(
            notification_id = notification.id,
            attempts,
            error = outcome.error.as_deref().unwrap_or_default(),
            "notification dead-lettered"
        );
    } else {
        row.next_attempt_at = Set(now + backoff(attempts));
        tracing::info!(
            notification_id = notification.id,
            attempts,
            error = outcome.error.as_deref().unwrap_or_default(),
            "notification delivery failed; will retry"
        );
    }
    row.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(7), Duration::seconds(1920));
        assert_eq!(backoff(8), Duration::hours(1));
        assert_eq!(backoff(100), Duration::hours(1));
    }

    #[test]
    fn the_webhook_is_the_last_segment_of_the_key() {
        let key = webhook_key("recycled", 41, 7);
        assert_eq!(key, "recycled:41:7");
        assert_eq!(webhook_id_of(&key), Some(7));
        assert_eq!(webhook_id_of("nonsense"), None);
    }
}
