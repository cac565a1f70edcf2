//! Outbound webhooks: endpoints of other systems (usually the marketing platform) that receive
//! lead events as HMAC-signed JSON POSTs through the notification outbox.

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    NotSet, QueryFilter as _, QueryOrder as _, Set,
};

use crate::entities::outbound_webhooks;
use crate::error::ApiError;

/// A lead was returned to marketing nurture (rejected by sales or recycled automatically).
pub const LEAD_RECYCLED: &str = "lead.recycled";
/// Subscribes to every event, including those added later.
pub const ALL_EVENTS: &str = "*";
/// The events a webhook can subscribe to.
pub const KNOWN_EVENTS: &[&str] = &[
    LEAD_RECYCLED,
    crate::notify::sla::SLA_AT_RISK,
    crate::notify::sla::SLA_BREACHED,
    "sla.*",
];

/// A validated create-or-replace of an outbound webhook.
#[derive(Debug, Clone)]
pub struct WebhookChange {
    /// None creates a webhook.
    pub id: Option<i64>,
    pub name: String,
    pub url: String,
    /// None keeps the stored secret (required when creating).
    pub secret: Option<String>,
    /// Event kinds, or `["*"]` for all.
    pub events: Vec<String>,
    pub active: bool,
}

impl WebhookChange {
    /// Checks the raw values; `events` None or empty means all events.
    pub fn parse(
        id: Option<i64>,
        name: &str,
        url: &str,
        secret: Option<&str>,
        events: Option<Vec<String>>,
        active: Option<bool>,
    ) -> Result<Self, FieldError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(FieldError::new("name", "must be 1 to 100 characters"));
        }
        let url = url.trim();
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        let host_ok = url
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or_default())
            .is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace));
        if !scheme_ok || !host_ok || url.len() > 2000 {
            return Err(FieldError::new(
                "url",
                format!("{url:?} is not an http(s) URL with a host"),
            ));
        }
        let secret = match secret.map(str::trim) {
            Some(secret) if secret.len() < 16 => {
                return Err(FieldError::new(
                    "secret",
                    "must be at least 16 characters (it keys the HMAC-SHA256 signature)",
                ));
            }
            Some(secret) => Some(secret.to_owned()),
            None if id.is_none() => {
                return Err(FieldError::new(
                    "secret",
                    "is required when creating a webhook",
                ));
            }
            None => None,
        };
        let mut kinds: Vec<String> = Vec::new();
        for (i, event) in events.unwrap_or_default().iter().enumerate() {
            let event = event.trim();
            if event != ALL_EVENTS && !KNOWN_EVENTS.contains(&event) {
                return Err(FieldError::new(
                    format!("events[{i}]"),
                    format!(
                        "unknown event {event:?}; known: {}, or \"*\" for all",
                        KNOWN_EVENTS.join(", ")
                    ),
                ));
            }
            if !kinds.iter().any(|k| k == event) {
                kinds.push(event.to_owned());
            }
        }
        if kinds.is_empty() || kinds.iter().any(|k| k == ALL_EVENTS) {
            kinds = vec![ALL_EVENTS.to_owned()];
        }
        Ok(Self {
            id,
            name: name.to_owned(),
            url: url.to_owned(),
            secret,
            events: kinds,
            active: active.unwrap_or(true),
        })
    }
}

/// The stored event list of a webhook.
pub fn events_of(webhook: &outbound_webhooks::Model) -> Vec<String> {
    serde_json::from_str(&webhook.events).unwrap_or_else(|_| vec![ALL_EVENTS.to_owned()])
}

/// Whether the webhook wants `event`.
pub fn subscribes_to(webhook: &outbound_webhooks::Model, event: &str) -> bool {
    events_of(webhook)
        .iter()
        .any(|e| e == event || e == ALL_EVENTS)
}

/// Creates or replaces a webhook.
#[tracing::instrument(skip(db, change), fields(id = ?change.id))]
pub async fn upsert(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: WebhookChange,
) -> Result<outbound_webhooks::Model, ApiError> {
    let events = serde_json::to_string(&change.events).map_err(ApiError::internal)?;
    let mut row = outbound_webhooks::ActiveModel {
        name: Set(change.name),
        url: Set(change.url),
        secret: change.secret.map_or(NotSet, Set),
        events: Set(events),
        active: Set(change.active),
        ..Default::default()
    };
    match change.id {
        None => {
            row.created_at = Set(now);
            Ok(row.insert(db).await?)
        }
        Some(id) => {
            outbound_webhooks::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no outbound webhook with id {id}")))?;
            row.id = Set(id);
            Ok(row.update(db).await?)
        }
    }
}

/// All webhooks, oldest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<outbound_webhooks::Model>, ApiError> {
    Ok(outbound_webhooks::Entity::find()
        .order_by_asc(outbound_webhooks::Column::Id)
        .all(db)
        .await?)
}

/// The active webhooks subscribed to `event`.
pub async fn subscribers(
    conn: &impl ConnectionTrait,
    event: &str,
) -> Result<Vec<outbound_webhooks::Model>, ApiError> {
    let active = outbound_webhooks::Entity::find()
        .filter(outbound_webhooks::Column::Active.eq(true))
        .order_by_asc(outbound_webhooks::Column::Id)
        .all(conn)
        .await?;
    Ok(active
        .into_iter()
        .filter(|webhook| subscribes_to(webhook, event))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        url: &str,
        secret: Option<&str>,
        events: Option<Vec<&str>>,
    ) -> Result<WebhookChange, FieldError> {
        WebhookChange::parse(
            None,
            "Marketing",
            url,
            secret,
            events.map(|e| e.into_iter().map(str::to_owned).collect()),
            None,
        )
    }

    #[test]
    fn no_events_means_all_events() {
        let change = parse("https://mkt.example/hook", Some("0123456789abcdef"), None).unwrap();
        assert_eq!(change.events, vec!["*"]);
        assert!(change.active);
    }

    #[test]
    fn bad_values_name_their_field() {
        assert_eq!(
            parse("ftp://x", Some("0123456789abcdef"), None)
                .unwrap_err()
                .field,
            "url"
        );
        assert_eq!(
            parse("https://", Some("0123456789abcdef"), None)
                .unwrap_err()
                .field,
            "url"
        );
        assert_eq!(
            parse("https://x", Some("short"), None).unwrap_err().field,
            "secret"
        );
        assert_eq!(parse("https://x", None, None).unwrap_err().field, "secret");
        assert_eq!(
            parse(
                "https://x",
                Some("0123456789abcdef"),
                Some(vec!["lead.recycled", "lead.nope"])
            )
            .unwrap_err()
            .field,
            "events[1]"
        );
    }
}
