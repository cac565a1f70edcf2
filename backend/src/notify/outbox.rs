//! The outbox: enqueueing (inside the caller's transaction) and the background sender.
//!
//! A row is claimed by pushing its `next_attempt_at` a lease into the future (PostgreSQL:
//! `FOR UPDATE SKIP LOCKED`, so concurrent senders never claim the same row), delivered outside
//! any transaction, then marked sent, retried with exponential backoff, or dead after
//! [`MAX_ATTEMPTS`]. A sender that dies mid-delivery leaves the row to be retried when the
//! lease runs out.
//!
//! E-mail to a plain `smtp://` server is sent at most once, so exactly once as long as the
//! server answers: "commit before the dot". Everything up to the message data goes out
//! ([`super::smtp`]), then the row is committed as sent, and only then the terminating
//! `<CRLF>.<CRLF>` is written. A crash before the commit leaves the server an unfinished DATA,
//! which it discards, and the row is retried; a crash after it loses the one write of the dot.
//! A refusal after the dot (4xx, 5xx) turns the committed attempt back into a failed one.
//!
//! Everything else is at least once: webhooks, Slack and Teams, and e-mail through lettre's
//! transport (`smtps://`, STARTTLS with `?tls=`, or `smtp://` with credentials), where a crash
//! between the receiver's acceptance and our commit means a second delivery. Receivers
//! deduplicate by `X-Handoff-Delivery` (webhooks) or by the stable `Message-ID` (e-mail), both
//! derived from the idempotency key.
//!
//! Channels: `webhook` (signed JSON: an outbound webhook, or a `notification_channels` row of
//! kind `webhook`), `slack` and `teams` (incoming-webhook JSON POSTed to the row's target as
//! is), `email` (plain text through SMTP to the row's target address).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
    TransactionTrait as _,
};

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};

use super::smtp::{PlainSmtp, Session, SmtpError};
use crate::clock::SharedClock;
use crate::configuration::MailSettings;
use crate::entities::{
    notification_attempts, notification_channels, notifications, org_settings, outbound_webhooks,
};
use crate::error::ApiError;
use crate::integrations::signature;
use crate::state::AppState;

/// `notifications.status` of a row waiting for (another) attempt.
pub const PENDING: &str = "pending";
/// Delivered.
pub const SENT: &str = "sent";
/// Given up on after [`MAX_ATTEMPTS`] failures (or a permanent failure).
pub const DEAD: &str = "dead";
/// The channel of signed JSON webhooks (outbound webhooks and `webhook` notification channels).
pub const WEBHOOK: &str = "webhook";
/// E-mail through `SMTP_URL`; the target is the address.
pub const EMAIL: &str = "email";
/// A Slack-style incoming webhook; the target is its URL, the body `{"text": …}`.
pub const SLACK: &str = "slack";
/// A Teams-style incoming webhook; the target is its URL, the body a MessageCard.
pub const TEAMS: &str = "teams";

/// Failed attempts after which a notification is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 8;
/// Delay after the first failure; it doubles with each further failure…
pub const FIRST_RETRY: Duration = Duration::seconds(30);
/// …up to this.
pub const MAX_RETRY: Duration = Duration::hours(1);
/// How long a claimed row is left alone while it is being delivered.
const LEASE: Duration = Duration::seconds(30);
/// How often the sender looks for due rows: a notification leaves within this of its commit.
/// The claim is one query on the `(status, next_attempt_at)` index, cheap when nothing is due.
const POLL: StdDuration = StdDuration::from_millis(250);
/// Rows claimed at once.
const CLAIM_BATCH: u64 = 32;
/// One HTTP delivery may take this long.
const HTTP_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// One SMTP conversation may take this long.
const SMTP_TIMEOUT: StdDuration = StdDuration::from_secs(15);
/// Channels this sender delivers; rows of other channels wait for their own sender.
const CHANNELS: &[&str] = &[WEBHOOK, EMAIL, SLACK, TEAMS];

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
    /// [`WEBHOOK`], [`EMAIL`], [`SLACK`] or [`TEAMS`].
    pub channel: String,
    /// Where it goes: the webhook URL, an e-mail address, …
    pub target: String,
    pub subject: String,
    /// For webhooks and chat, the exact JSON body that is (signed and) sent; for e-mail, the
    /// plain-text body.
    pub body: String,
}

/// Writes a notification into the outbox (call it inside the transaction of the change that
/// causes it). Returns false when a notification with the same key already exists.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    notification: NewNotification,
) -> Result<bool, ApiError> {
    Ok(enqueue_many(conn, now, vec![notification]).await? > 0)
}

/// [`enqueue`] for many messages, in multi-row INSERTs; returns how many rows were new (a key
/// already stored, or repeated in `notifications`, stores nothing).
pub async fn enqueue_many(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    notifications: Vec<NewNotification>,
) -> Result<usize, ApiError> {
    let columns = <notifications::Column as sea_orm::Iterable>::iter().count();
    let per_statement = (crate::handoff::store::MAX_BIND_VALUES / columns).max(1);
    let mut rows: Vec<notifications::ActiveModel> = notifications
        .into_iter()
        .map(|n| pending_row(n, now))
        .collect();
    let mut inserted = 0;
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(per_statement));
        inserted += notifications::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(notifications::Column::IdempotencyKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
        rows = rest;
    }
    Ok(usize::try_from(inserted).unwrap_or(usize::MAX))
}

/// The row of a message waiting for its first attempt.
fn pending_row(notification: NewNotification, now: DateTime<Utc>) -> notifications::ActiveModel {
    notifications::ActiveModel {
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
    }
}

/// The idempotency key of a webhook delivery: `<what>:<source id>:<webhook id>`. The sender
/// reads the webhook id back from the last segment to find the URL and secret in force (see
/// [`channel_key`] for notification channels).
pub fn webhook_key(what: &str, source_id: i64, webhook_id: i64) -> String {
    format!("{what}:{source_id}:{webhook_id}")
}

/// The idempotency key of a delivery to a `notification_channels` row: `<what>:channel:<id>`.
pub fn channel_key(what: &str, channel_id: i64) -> String {
    format!("{what}:channel:{channel_id}")
}

/// Where a webhook row's URL and secret come from, read back from its key.
#[derive(Debug, PartialEq, Eq)]
enum SigningSource {
    Outbound(i64),
    Channel(i64),
}

fn signing_source(key: &str) -> Option<SigningSource> {
    let (rest, id) = key.rsplit_once(':')?;
    let id = id.parse().ok()?;
    Some(if rest.ends_with(":channel") || rest == "channel" {
        SigningSource::Channel(id)
    } else {
        SigningSource::Outbound(id)
    })
}

/// The `Message-ID` of an e-mail row: the same for every attempt, so a receiver can collapse
/// a re-delivery (after a crash between the server's acceptance and our commit).
pub fn message_id(idempotency_key: &str, from_domain: &str) -> String {
    let left: String = idempotency_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '.'
            }
        })
        .collect();
    let left = left.trim_matches('.');
    format!("<{left}@{from_domain}>")
}

/// Delay before the next attempt after `failures` failed attempts (1, 2, …).
pub fn backoff(failures: i32) -> Duration {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    (FIRST_RETRY * 2_i32.pow(doublings)).min(MAX_RETRY)
}

/// Starts the background sender on the current Tokio runtime. It first records the public URL
/// in `org_settings.app_base_url`, where the notification links are read from.
pub fn spawn_sender(state: AppState) {
    tokio::spawn(async move {
        let sender = match Sender::new(&state.settings.mail) {
            Ok(sender) => sender,
            Err(error) => {
                tracing::error!(%error, "the notification sender cannot start");
                return;
            }
        };
        if let Err(error) = store_public_url(&state.db, &state.settings.public_url).await {
            let parts = error.into_parts();
            tracing::warn!(message = %parts.message, "cannot record the public URL");
        }
        let mut ticks = tokio::time::interval(POLL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // A full batch: more are due; go on without waiting for the next tick.
            loop {
                match deliver_due(&state.db, &state.clock, &sender).await {
                    Ok(count) if count as u64 >= CLAIM_BATCH => continue,
                    Ok(_) => break,
                    Err(error) => {
                        let parts = error.into_parts();
                        tracing::warn!(message = %parts.message, "notification sender round failed");
                        break;
                    }
                }
            }
        }
    });
}

/// Writes the base of the links in notifications (`HANDOFF_PUBLIC_URL`) to the organisation's
/// settings.
pub async fn store_public_url(db: &DatabaseConnection, url: &str) -> Result<(), ApiError> {
    org_settings::Entity::update_many()
        .col_expr(
            org_settings::Column::AppBaseUrl,
            sea_orm::sea_query::Expr::value(url.trim_end_matches('/').to_owned()),
        )
        .filter(org_settings::Column::Id.eq(1))
        .exec(db)
        .await?;
    Ok(())
}

/// What delivers: the HTTP client and, when `SMTP_URL` is set and valid, the SMTP transport.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    /// The transport, or why there is none (written to the log of every e-mail row).
    mail: Result<Mailer, String>,
}

impl Sender {
    /// The sender of these mail settings. A bad `SMTP_URL` does not stop webhooks: e-mails
    /// fail with the reason instead.
    pub fn new(mail: &MailSettings) -> reqwest::Result<Self> {
        Ok(Self {
            http: http_client()?,
            mail: Mailer::new(mail),
        })
    }
}

/// An SMTP transport with the sender's address.
#[derive(Clone)]
struct Mailer {
    transport: MailTransport,
    from: Mailbox,
}

/// How e-mail leaves.
#[derive(Clone)]
enum MailTransport {
    /// Plain `smtp://` without credentials: our own client, committing before the dot
    /// (exactly once).
    Plain(PlainSmtp),
    /// TLS (`smtps://`, `?tls=`) or credentials: lettre's pooled transport (at least once,
    /// with a stable `Message-ID`).
    Lettre(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    fn new(settings: &MailSettings) -> Result<Self, String> {
        let Some(url) = &settings.smtp_url else {
            return Err("SMTP_URL is not set: e-mail delivery is switched off".to_owned());
        };
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|error| format!("HANDOFF_MAIL_FROM {:?}: {error}", settings.from))?;
        // lettre validates every form (and reports what is wrong); plain ones then go through
        // the split client.
        let lettre = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| format!("SMTP_URL is not a usable SMTP URL: {error}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let transport = match PlainSmtp::from_url(url, SMTP_TIMEOUT) {
            Some(plain) => MailTransport::Plain(plain),
            None => MailTransport::Lettre(lettre),
        };
        Ok(Self { transport, from })
    }
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
    sender: &Sender,
) -> Result<usize, ApiError> {
    let claimed = claim(db, clock.now()).await?;
    let count = claimed.len();
    let since = std::time::Instant::now();
    let mut rows = claimed.into_iter();
    // One plain SMTP connection for the batch's e-mails, opened on the first.
    let mut smtp: Option<Session> = None;
    let result = async {
        while let Some(notification) = rows.next() {
            // Past half the lease, hand the rest back rather than risk another sender claiming a
            // row this one is still delivering.
            if since.elapsed() > (LEASE / 2).to_std().unwrap_or_default() {
                let rest: Vec<i64> = std::iter::once(notification.id)
                    .chain(rows.by_ref().map(|n| n.id))
                    .collect();
                release(db, clock.now(), rest).await?;
                break;
            }
            if notification.channel == EMAIL {
                send_email(db, clock, &sender.mail, &mut smtp, &notification).await?;
            } else {
                let outcome = deliver(db, sender, &notification).await;
                // Recorded at once, row by row: the window between the receiver's acceptance and
                // the row being marked sent (where a crash means a second delivery) stays one
                // statement.
                record(db, clock.now(), &notification, outcome, None).await?;
            }
        }
        Ok::<_, ApiError>(())
    }
    .await;
    if let Some(session) = smtp {
        session.quit().await;
    }
    result.map(|()| count)
}

/// Makes claimed rows due again at once.
async fn release(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    ids: Vec<i64>,
) -> Result<(), ApiError> {
    notifications::Entity::update_many()
        .col_expr(
            notifications::Column::NextAttemptAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(notifications::Column::Id.is_in(ids))
        .filter(notifications::Column::Status.eq(PENDING))
        .exec(db)
        .await?;
    Ok(())
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

    fn transient(error: String) -> Self {
        Self {
            success: false,
            status_code: None,
            error: Some(error),
            permanent: false,
        }
    }
}

/// One delivery attempt of a webhook, Slack or Teams row (e-mail goes through
/// [`send_email`], which records its attempts itself).
async fn deliver(
    db: &DatabaseConnection,
    sender: &Sender,
    notification: &notifications::Model,
) -> Outcome {
    match notification.channel.as_str() {
        WEBHOOK => deliver_webhook(db, &sender.http, notification).await,
        SLACK | TEAMS => post_json(&sender.http, &notification.target, None, notification).await,
        other => Outcome::permanent(format!("channel {other:?} has no sender")),
    }
}

/// The URL and secret of a webhook row, read when it is delivered (so a changed URL or
/// secret, or a switched-off webhook, takes effect for what is still pending).
async fn webhook_target(
    db: &DatabaseConnection,
    notification: &notifications::Model,
) -> Result<(String, Option<String>), Outcome> {
    let read_failed = |what: String, error: sea_orm::DbErr| {
        Outcome::transient(format!("cannot read {what}: {error}"))
    };
    match signing_source(&notification.idempotency_key) {
        None => Err(Outcome::permanent(
            "the delivery key names no webhook".to_owned(),
        )),
        Some(SigningSource::Outbound(id)) => {
            match outbound_webhooks::Entity::find_by_id(id).one(db).await {
                Ok(Some(webhook)) if webhook.active => Ok((webhook.url, Some(webhook.secret))),
                Ok(Some(_)) => Err(Outcome::permanent(format!("webhook {id} is inactive"))),
                Ok(None) => Err(Outcome::permanent(format!("webhook {id} was deleted"))),
                Err(error) => Err(read_failed(format!("webhook {id}"), error)),
            }
        }
        Some(SigningSource::Channel(id)) => {
            match notification_channels::Entity::find_by_id(id).one(db).await {
                Ok(Some(channel)) if channel.active => Ok((channel.target, channel.secret)),
                Ok(Some(_)) => Err(Outcome::permanent(format!(
                    "notification channel {id} is inactive"
                ))),
                Ok(None) => Err(Outcome::permanent(format!(
                    "notification channel {id} was deleted"
                ))),
                Err(error) => Err(read_failed(format!("notification channel {id}"), error)),
            }
        }
    }
}

async fn deliver_webhook(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    notification: &notifications::Model,
) -> Outcome {
    match webhook_target(db, notification).await {
        Ok((url, secret)) => post_json(http, &url, secret.as_deref(), notification).await,
        Err(outcome) => outcome,
    }
}

/// POSTs the row's body as JSON, signed when there is a secret.
async fn post_json(
    http: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    notification: &notifications::Model,
) -> Outcome {
    let body = notification.body.clone().into_bytes();
    let mut request = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Handoff-Event", &notification.event)
        .header("X-Handoff-Delivery", &notification.idempotency_key);
    if let Some(secret) = secret {
        request = request.header(signature::SIGNATURE_HEADER, signature::sign(secret, &body));
    }
    let sent = request.body(body).send().await;
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

/// Sends an e-mail row and records the attempt: To its target, From `HANDOFF_MAIL_FROM`, with
/// a `Message-ID` derived from its key. A permanent SMTP refusal (5xx) dead-letters it at once;
/// anything else is retried. `smtp` is the batch's plain connection (opened here when needed,
/// dropped when broken).
async fn send_email(
    db: &DatabaseConnection,
    clock: &SharedClock,
    mail: &Result<Mailer, String>,
    smtp: &mut Option<Session>,
    notification: &notifications::Model,
) -> Result<(), ApiError> {
    let mailer = match mail {
        Ok(mailer) => mailer,
        Err(reason) => {
            let outcome = Outcome::transient(reason.clone());
            return record(db, clock.now(), notification, outcome, None)
                .await
                .map(drop);
        }
    };
    let message = match build_email(mailer, notification) {
        Ok(message) => message,
        Err(outcome) => {
            return record(db, clock.now(), notification, outcome, None)
                .await
                .map(drop);
        }
    };
    match &mailer.transport {
        MailTransport::Lettre(transport) => {
            let outcome = send_with_lettre(transport, message).await;
            record(db, clock.now(), notification, outcome, None)
                .await
                .map(drop)
        }
        MailTransport::Plain(plain) => {
            send_before_the_dot(db, clock, plain, smtp, notification, &message).await
        }
    }
}

/// The e-mail of a row, or the permanent failure of a row that can never be one.
fn build_email(
    mailer: &Mailer,
    notification: &notifications::Model,
) -> Result<lettre::Message, Outcome> {
    let to: Mailbox = notification.target.parse().map_err(|error| {
        Outcome::permanent(format!(
            "{:?} is not an e-mail address: {error}",
            notification.target
        ))
    })?;
    let domain = mailer.from.email.domain().to_owned();
    lettre::Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(notification.subject.clone())
        .message_id(Some(message_id(&notification.idempotency_key, &domain)))
        .date(std::time::SystemTime::from(notification.created_at))
        .header(ContentType::TEXT_PLAIN)
        .body(notification.body.clone())
        .map_err(|error| Outcome::permanent(format!("cannot build the e-mail: {error}")))
}

/// One attempt through lettre's transport: at least once (see the module docs).
async fn send_with_lettre(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    message: lettre::Message,
) -> Outcome {
    match transport.send(message).await {
        Ok(response) => Outcome {
            success: true,
            status_code: Some(i32::from(u16::from(response.code()))),
            error: None,
            permanent: false,
        },
        Err(error) => {
            let status_code = error.status().map(|code| i32::from(u16::from(code)));
            let mut text = format!("SMTP: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            Outcome {
                success: false,
                status_code,
                error: Some(text),
                permanent: error.is_permanent(),
            }
        }
    }
}

/// The failed attempt of an SMTP error.
fn smtp_failure(error: &SmtpError) -> Outcome {
    Outcome {
        success: false,
        status_code: error.code.map(i32::from),
        error: Some(error.text.clone()),
        permanent: error.is_permanent(),
    }
}

/// "Commit before the dot": sends the message up to its terminating dot, commits the row as
/// sent, then ends the message. A refusal of the finished message reverts the row (4xx:
/// pending with backoff, 5xx: dead); a refusal before it is an ordinary failed attempt.
async fn send_before_the_dot(
    db: &DatabaseConnection,
    clock: &SharedClock,
    plain: &PlainSmtp,
    smtp: &mut Option<Session>,
    notification: &notifications::Model,
    message: &lettre::Message,
) -> Result<(), ApiError> {
    let bytes = message.formatted();
    let session = match prepare(plain, smtp, message, &bytes).await {
        Ok(session) => session,
        Err(error) => {
            // The server has taken nothing: an ordinary failed attempt.
            return record(db, clock.now(), notification, smtp_failure(&error), None)
                .await
                .map(drop);
        }
    };
    // The commit. Its status code comes only with the reply to the dot: a refusal rewrites
    // the attempt below, an acceptance leaves it as it is.
    let committed = Outcome {
        success: true,
        status_code: None,
        error: None,
        permanent: false,
    };
    let attempt = match record(db, clock.now(), notification, committed, None).await {
        Ok(attempt) => attempt,
        Err(error) => {
            // Not committed: drop the connection, so the server discards the unfinished
            // message, and leave the row to its lease.
            *smtp = None;
            return Err(error);
        }
    };
    match session.finish().await {
        Ok(_) => Ok(()),
        Err(error) if error.code.is_some() => {
            tracing::warn!(
                notification_id = notification.id,
                error = %error,
                "the SMTP server refused the finished e-mail; the sent mark is reverted"
            );
            record(
                db,
                clock.now(),
                notification,
                smtp_failure(&error),
                Some(attempt),
            )
            .await
            .map(drop)
        }
        Err(error) => {
            // No verdict: the server may have the message. Sending it again could deliver it
            // twice, so it stays sent, with the doubt in the log.
            *smtp = None;
            tracing::warn!(
                notification_id = notification.id,
                error = %error,
                "no SMTP reply to the end of an e-mail; it is counted as sent"
            );
            unconfirmed(db, notification.id, attempt, &error).await
        }
    }
}

/// The batch's session with the message prepared on it (all but the dot). A reused
/// connection that has broken (the server timed it out) is replaced once: nothing was taken.
async fn prepare<'s>(
    plain: &PlainSmtp,
    smtp: &'s mut Option<Session>,
    message: &lettre::Message,
    bytes: &[u8],
) -> Result<&'s mut Session, SmtpError> {
    if let Some(session) = smtp.as_mut() {
        match session.prepare(message.envelope(), bytes).await {
            Ok(()) => {}
            Err(error) if error.code.is_some() => return Err(error),
            Err(_) => *smtp = None,
        }
    }
    if smtp.is_none() {
        let mut session = plain.connect().await?;
        let prepared = session.prepare(message.envelope(), bytes).await;
        let broken = matches!(&prepared, Err(error) if error.code.is_none());
        if !broken {
            *smtp = Some(session);
        }
        prepared?;
    }
    smtp.as_mut().ok_or_else(|| SmtpError {
        code: None,
        text: "SMTP: no connection".to_owned(),
    })
}

/// Notes, on a row kept as sent, that the server never answered its final dot.
async fn unconfirmed(
    db: &DatabaseConnection,
    notification_id: i64,
    attempt: i64,
    error: &SmtpError,
) -> Result<(), ApiError> {
    let text = format!("{error}; counted as sent (the server may not have it)");
    let txn = db.begin().await?;
    notification_attempts::ActiveModel {
        id: Set(attempt),
        error: Set(Some(text.clone())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    notifications::ActiveModel {
        id: Set(notification_id),
        last_error: Set(Some(text)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
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

/// Writes the attempt to the log and moves the notification on; returns the attempt's id.
/// With `amend`, the outcome replaces that attempt (committed as a success before the
/// server's verdict on an e-mail, which then refused it) instead of adding one; `notification`
/// is the row as claimed, before that attempt.
async fn record(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    notification: &notifications::Model,
    outcome: Outcome,
    amend: Option<i64>,
) -> Result<i64, ApiError> {
    let attempts = notification.attempts + 1;
    let txn = db.begin().await?;
    let attempt = match amend {
        None => {
            notification_attempts::ActiveModel {
                notification_id: Set(notification.id),
                attempted_at: Set(now),
                success: Set(outcome.success),
                status_code: Set(outcome.status_code),
                error: Set(outcome.error.clone()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
        Some(id) => {
            notification_attempts::ActiveModel {
                id: Set(id),
                success: Set(outcome.success),
                status_code: Set(outcome.status_code),
                error: Set(outcome.error.clone()),
                ..Default::default()
            }
            .update(&txn)
            .await?
            .id
        }
    };
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
        row.sent_at = Set(None);
        tracing::warn!(
            notification_id = notification.id,
            attempts,
            error = outcome.error.as_deref().unwrap_or_default(),
            "notification dead-lettered"
        );
    } else {
        row.status = Set(PENDING.to_owned());
        row.sent_at = Set(None);
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
    Ok(attempt)
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
    fn channel_keys_name_the_channel_and_other_keys_the_outbound_webhook() {
        assert_eq!(
            signing_source(&webhook_key("recycled", 41, 7)),
            Some(SigningSource::Outbound(7))
        );
        assert_eq!(
            signing_source(&channel_key("sla:3:80", 5)),
            Some(SigningSource::Channel(5))
        );
        assert_eq!(
            signing_source("sla:3:80:webhook:9"),
            Some(SigningSource::Outbound(9))
        );
        assert_eq!(signing_source("nonsense"), None);
    }

    #[test]
    fn the_message_id_is_a_stable_dot_atom_of_the_key() {
        let id = message_id("sla:12:50:user:3:email", "handoff.test");
        assert_eq!(id, "<sla.12.50.user.3.email@handoff.test>");
        assert_eq!(id, message_id("sla:12:50:user:3:email", "handoff.test"));
    }

    #[test]
    fn the_webhook_is_the_last_segment_of_the_key() {
        let key = webhook_key("recycled", 41, 7);
        assert_eq!(key, "recycled:41:7");
        assert_eq!(signing_source(&key), Some(SigningSource::Outbound(7)));
    }
}
