//! Notification channels: the `notification_channels` rows that [`super::sla`] reads to send a
//! copy of each SLA notification to a team's, a user's or the whole organisation's e-mail
//! address, Slack or Teams incoming webhook, or signed JSON webhook.
//!
//! Values are checked here in the form [`super::sla`] reads them (scope `team`/`user`/`org`,
//! kind `email`/`slack`/`teams`/`webhook`, events a JSON array or NULL for all), so a channel
//! saved through the API is one the notifier understands.

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::{Email, SlaEventKind};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};

use crate::auth::Principal;
use crate::auth::permissions::{ChannelRights, channel_rights, may_manage_channel};
use crate::entities::{notification_channels, teams, users};
use crate::error::ApiError;
use crate::notify::{outbox, sla};

/// Scope names as stored (and as [`super::sla`] queries them).
const TEAM: &str = "team";
const USER: &str = "user";
const ORG: &str = "org";

/// The `events` entry that takes everything (also what a NULL list means).
pub const ALL_EVENTS: &str = "*";

/// Whose notifications a channel copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelScope {
    /// The SLA notifications about leads of this team.
    Team(i64),
    /// Everything this user is told.
    User(i64),
    /// Every SLA notification of the organisation.
    Org,
}

impl ChannelScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team(_) => TEAM,
            Self::User(_) => USER,
            Self::Org => ORG,
        }
    }

    pub fn id(self) -> Option<i64> {
        match self {
            Self::Team(id) | Self::User(id) => Some(id),
            Self::Org => None,
        }
    }

    /// The scope of a stored row; None for a row the notifier would never read either.
    pub fn of(row: &notification_channels::Model) -> Option<Self> {
        match (row.scope.as_str(), row.scope_id) {
            (TEAM, Some(id)) => Some(Self::Team(id)),
            (USER, Some(id)) => Some(Self::User(id)),
            (ORG, _) => Some(Self::Org),
            _ => None,
        }
    }
}

/// Which of the three scopes, before its id is known to be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Team,
    User,
    Org,
}

impl ScopeKind {
    /// The scope with its id: required for TEAM and USER, refused for ORG.
    pub fn with_id(self, id: Option<i64>) -> Result<ChannelScope, FieldError> {
        match (self, id) {
            (Self::Team, Some(id)) => Ok(ChannelScope::Team(id)),
            (Self::User, Some(id)) => Ok(ChannelScope::User(id)),
            (Self::Org, None) => Ok(ChannelScope::Org),
            (Self::Org, Some(_)) => Err(FieldError::new(
                "scopeId",
                "must be omitted for ORG channels",
            )),
            (_, None) => Err(FieldError::new(
                "scopeId",
                "is required for TEAM and USER channels",
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Team => TEAM,
            Self::User => USER,
            Self::Org => ORG,
        }
    }
}

/// How a channel delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Email,
    Slack,
    Teams,
    Webhook,
}

impl ChannelKind {
    /// The stored name, which is also the outbox channel it delivers through.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => outbox::EMAIL,
            Self::Slack => outbox::SLACK,
            Self::Teams => outbox::TEAMS,
            Self::Webhook => outbox::WEBHOOK,
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        [Self::Email, Self::Slack, Self::Teams, Self::Webhook]
            .into_iter()
            .find(|k| k.as_str() == stored)
    }
}

/// A validated create-or-replace of a channel.
#[derive(Debug, Clone)]
pub struct ChannelChange {
    /// None creates a channel.
    pub id: Option<i64>,
    pub scope: ChannelScope,
    pub kind: ChannelKind,
    /// An e-mail address (EMAIL) or an http(s) URL.
    pub target: String,
    /// The HMAC key of WEBHOOK channels; None keeps the stored one when replacing.
    pub secret: Option<String>,
    /// Canonical event names; empty: every event (stored as NULL).
    pub events: Vec<String>,
    pub active: bool,
}

impl ChannelChange {
    /// Checks the raw values; field names are those of `NotificationChannelInput`.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        id: Option<i64>,
        scope: ScopeKind,
        scope_id: Option<i64>,
        kind: ChannelKind,
        target: &str,
        secret: Option<&str>,
        events: Option<Vec<String>>,
        active: Option<bool>,
    ) -> Result<Self, FieldError> {
        let scope = scope.with_id(scope_id)?;
        let target = match kind {
            ChannelKind::Email => Email::parse(target)
                .map_err(|e| FieldError::new("target", e.message))?
                .as_str()
                .to_owned(),
            _ => http_url(target, "target")?,
        };
        let secret = match (kind, secret) {
            (ChannelKind::Webhook, Some(secret)) if secret.chars().count() < 16 => {
                return Err(FieldError::new(
                    "secret",
                    "must be at least 16 characters (it keys the HMAC-SHA256 signature)",
                ));
            }
            (ChannelKind::Webhook, Some(secret)) => Some(secret.to_owned()),
            (ChannelKind::Webhook, None) if id.is_none() => {
                return Err(FieldError::new(
                    "secret",
                    "is required for WEBHOOK channels (it signs every delivery)",
                ));
            }
            (_, Some(_)) => {
                return Err(FieldError::new(
                    "secret",
                    "only WEBHOOK channels are signed; omit it",
                ));
            }
            (_, None) => None,
        };
        Ok(Self {
            id,
            scope,
            kind,
            target,
            secret,
            events: parse_events(events.unwrap_or_default())?,
            active: active.unwrap_or(true),
        })
    }
}

/// The events a channel may filter on, exactly as [`super::sla`] matches them: the event names,
/// their family, and the SLA transitions that notify.
pub fn known_events() -> Vec<&'static str> {
    vec![
        ALL_EVENTS,
        "sla.*",
        sla::SLA_AT_RISK,
        sla::SLA_BREACHED,
        SlaEventKind::AtRisk50.as_str(),
        SlaEventKind::AtRisk80.as_str(),
        SlaEventKind::Breached.as_str(),
    ]
}

/// Canonical, deduplicated event names; empty (or containing `*`) means all.
fn parse_events(raw: Vec<String>) -> Result<Vec<String>, FieldError> {
    let known = known_events();
    let mut events: Vec<String> = Vec::new();
    for (i, event) in raw.iter().enumerate() {
        let event = event.trim();
        let Some(name) = known.iter().find(|k| {
            // Transition names are matched ignoring case by the notifier; event names exactly.
            if k.contains('.') || **k == ALL_EVENTS {
                **k == event
            } else {
                k.eq_ignore_ascii_case(event)
            }
        }) else {
            return Err(FieldError::new(
                format!("events[{i}]"),
                format!("unknown event {event:?}; known: {}", known.join(", ")),
            ));
        };
        if !events.iter().any(|e| e == name) {
            events.push((*name).to_owned());
        }
    }
    if events.iter().any(|e| e == ALL_EVENTS) {
        events.clear();
    }
    Ok(events)
}

/// The events of a stored channel; `["*"]` when it takes everything.
pub fn events_of(row: &notification_channels::Model) -> Vec<String> {
    row.events
        .as_deref()
        .and_then(|raw| serde_json::from_str::<Vec<String>>(raw).ok())
        .filter(|events| !events.is_empty())
        .unwrap_or_else(|| vec![ALL_EVENTS.to_owned()])
}

/// An `http://` or `https://` URL with a host (at most 2048 characters); `field` names it.
pub fn http_url(raw: &str, field: &str) -> Result<String, FieldError> {
    let url = raw.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !host.contains(char::is_whitespace)
    });
    if !host_ok || url.len() > 2048 {
        return Err(FieldError::new(field, "must be an http:// or https:// URL"));
    }
    Ok(url.to_owned())
}

/// The manager of a team, or NOT_FOUND-style bad input naming `field` when there is no team.
async fn team_manager(
    db: &DatabaseConnection,
    team_id: i64,
    field: &str,
) -> Result<Option<i64>, ApiError> {
    teams::Entity::find_by_id(team_id)
        .one(db)
        .await?
        .map(|team| team.manager_id)
        .ok_or_else(|| ApiError::bad_input(field, format!("there is no team with id {team_id}")))
}

/// What [`may_manage_channel`] needs to know about a scope: the team's manager for TEAM.
async fn scope_manager(
    db: &DatabaseConnection,
    scope: ChannelScope,
) -> Result<Option<i64>, ApiError> {
    match scope {
        ChannelScope::Team(id) => team_manager(db, id, "scopeId").await,
        ChannelScope::User(id) => {
            if users::Entity::find_by_id(id).one(db).await?.is_none() {
                return Err(ApiError::bad_input(
                    "scopeId",
                    format!("there is no user with id {id}"),
                ));
            }
            Ok(None)
        }
        ChannelScope::Org => Ok(None),
    }
}

/// The stored scope of an existing channel, checked against `actor`'s rights.
async fn authorize_existing(
    db: &DatabaseConnection,
    actor: &Principal,
    row: &notification_channels::Model,
) -> Result<(), ApiError> {
    let manager = match ChannelScope::of(row) {
        Some(ChannelScope::Team(id)) => teams::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|t| t.manager_id),
        _ => None,
    };
    let scope = ChannelScope::of(row).unwrap_or(ChannelScope::Org);
    if may_manage_channel(actor, scope, manager) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

async fn find(db: &DatabaseConnection, id: i64) -> Result<notification_channels::Model, ApiError> {
    notification_channels::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("there is no notification channel with id {id}"))
        })
}

/// Creates or replaces a channel. The actor must be allowed both the channel as stored and the
/// channel as it will be (a manager cannot move a channel out of, or into, someone else's team).
#[tracing::instrument(skip(db, actor, change), fields(actor = actor.user_id, id = ?change.id))]
pub async fn upsert(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    change: ChannelChange,
) -> Result<notification_channels::Model, ApiError> {
    let existing = match change.id {
        Some(id) => {
            let row = find(db, id).await?;
            authorize_existing(db, actor, &row).await?;
            Some(row)
        }
        None => None,
    };
    let manager = scope_manager(db, change.scope).await?;
    if !may_manage_channel(actor, change.scope, manager) {
        return Err(ApiError::Forbidden);
    }
    let secret = match (change.kind, change.secret, &existing) {
        (ChannelKind::Webhook, Some(secret), _) => Some(secret),
        (ChannelKind::Webhook, None, Some(row)) if row.secret.is_some() => row.secret.clone(),
        (ChannelKind::Webhook, None, _) => {
            return Err(ApiError::bad_input(
                "secret",
                "is required for WEBHOOK channels (it signs every delivery)",
            ));
        }
        (_, _, _) => None,
    };
    let events = if change.events.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&change.events).map_err(ApiError::internal)?)
    };
    let mut row = match existing {
        Some(row) => notification_channels::ActiveModel::from(row),
        None => notification_channels::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.scope = Set(change.scope.as_str().to_owned());
    row.scope_id = Set(change.scope.id());
    row.kind = Set(change.kind.as_str().to_owned());
    row.target = Set(change.target);
    row.secret = Set(secret);
    row.events = Set(events);
    row.active = Set(change.active);
    let saved = match change.id {
        Some(_) => row.update(db).await?,
        None => row.insert(db).await?,
    };
    tracing::info!(
        channel_id = saved.id,
        scope = saved.scope,
        kind = saved.kind,
        "notification channel saved"
    );
    Ok(saved)
}

/// Deletes a channel; pending notifications already enqueued for it still go out.
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn delete(db: &DatabaseConnection, actor: &Principal, id: i64) -> Result<(), ApiError> {
    let row = find(db, id).await?;
    authorize_existing(db, actor, &row).await?;
    notification_channels::Entity::delete_by_id(id)
        .exec(db)
        .await?;
    tracing::info!(channel_id = id, "notification channel deleted");
    Ok(())
}

/// The channels `actor` may manage, optionally of one scope kind (and id), oldest first.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Principal,
    scope: Option<ScopeKind>,
    scope_id: Option<i64>,
) -> Result<Vec<notification_channels::Model>, ApiError> {
    let mut condition = Condition::all();
    if let Some(scope) = scope {
        condition = condition.add(notification_channels::Column::Scope.eq(scope.as_str()));
    }
    if let Some(id) = scope_id {
        condition = condition.add(notification_channels::Column::ScopeId.eq(id));
    }
    match channel_rights(actor) {
        ChannelRights::All => {}
        ChannelRights::TeamsManaged => {
            let managed: Vec<i64> = teams::Entity::find()
                .filter(teams::Column::ManagerId.eq(actor.user_id))
                .all(db)
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect();
            condition = condition
                .add(notification_channels::Column::Scope.eq(TEAM))
                .add(notification_channels::Column::ScopeId.is_in(managed));
        }
        ChannelRights::None => return Err(ApiError::Forbidden),
    }
    Ok(notification_channels::Entity::find()
        .filter(condition)
        .order_by_asc(notification_channels::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        kind: ChannelKind,
        target: &str,
        secret: Option<&str>,
        events: &[&str],
    ) -> Result<ChannelChange, FieldError> {
        ChannelChange::parse(
            None,
            ScopeKind::Team,
            Some(1),
            kind,
            target,
            secret,
            Some(events.iter().map(|e| (*e).to_owned()).collect()),
            None,
        )
    }

    #[test]
    fn events_are_canonical_and_star_means_all() {
        let change = parse(
            ChannelKind::Slack,
            "https://hooks.example/x",
            None,
            &["at_risk_80", "sla.breached", "AT_RISK_80"],
        )
        .unwrap();
        assert_eq!(change.events, ["AT_RISK_80", "sla.breached"]);
        let all = parse(
            ChannelKind::Slack,
            "https://hooks.example/x",
            None,
            &["sla.at_risk", "*"],
        )
        .unwrap();
        assert!(all.events.is_empty());
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let url = "https://hooks.example/x";
        let cases: Vec<(&str, Result<ChannelChange, FieldError>)> = vec![
            (
                "target",
                parse(ChannelKind::Email, "not-an-address", None, &[]),
            ),
            ("target", parse(ChannelKind::Slack, "ftp://x", None, &[])),
            ("secret", parse(ChannelKind::Webhook, url, None, &[])),
            (
                "secret",
                parse(ChannelKind::Webhook, url, Some("short"), &[]),
            ),
            (
                "secret",
                parse(ChannelKind::Teams, url, Some("0123456789abcdef"), &[]),
            ),
            (
                "events[1]",
                parse(ChannelKind::Slack, url, None, &["*", "lead.recycled"]),
            ),
            (
                "scopeId",
                ChannelChange::parse(
                    None,
                    ScopeKind::User,
                    None,
                    ChannelKind::Slack,
                    url,
                    None,
                    None,
                    None,
                ),
            ),
            (
                "scopeId",
                ChannelChange::parse(
                    None,
                    ScopeKind::Org,
                    Some(3),
                    ChannelKind::Slack,
                    url,
                    None,
                    None,
                    None,
                ),
            ),
        ];
        for (field, result) in cases {
            let err = result.expect_err(field);
            assert_eq!(err.field, field, "{err:?}");
        }
    }
}
