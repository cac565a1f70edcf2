//! `NotificationChannel`, its input, and the `ChannelScope` and `ChannelKind` enums.

use async_graphql::{Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use handoff_shared::FieldError;

use crate::entities::notification_channels;
use crate::graphql::{parse_id, to_id};
use crate::notify::channels::{self, ChannelChange, ScopeKind};

/// Whose SLA notifications a channel copies.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelScope {
    /// Every SLA notification about the leads of one team (`scopeId`: the team).
    #[graphql(name = "TEAM")]
    Team,
    /// Everything one person is told (`scopeId`: the user).
    #[graphql(name = "USER")]
    User,
    /// Every SLA notification of the organisation.
    #[graphql(name = "ORG")]
    Org,
}

impl From<ChannelScope> for ScopeKind {
    fn from(scope: ChannelScope) -> Self {
        match scope {
            ChannelScope::Team => Self::Team,
            ChannelScope::User => Self::User,
            ChannelScope::Org => Self::Org,
        }
    }
}

/// How a channel delivers.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// Plain-text e-mail to `target` (an address).
    #[graphql(name = "EMAIL")]
    Email,
    /// A Slack incoming webhook at `target` (`{"text": …}`).
    #[graphql(name = "SLACK")]
    Slack,
    /// A Microsoft Teams incoming webhook at `target` (a MessageCard).
    #[graphql(name = "TEAMS")]
    Teams,
    /// The full JSON event POSTed to `target`, signed with the channel's secret
    /// (`X-Handoff-Signature: sha256=<hex HMAC-SHA256 of the body>`).
    #[graphql(name = "WEBHOOK")]
    Webhook,
}

impl From<ChannelKind> for channels::ChannelKind {
    fn from(kind: ChannelKind) -> Self {
        match kind {
            ChannelKind::Email => Self::Email,
            ChannelKind::Slack => Self::Slack,
            ChannelKind::Teams => Self::Teams,
            ChannelKind::Webhook => Self::Webhook,
        }
    }
}

impl From<channels::ChannelKind> for ChannelKind {
    fn from(kind: channels::ChannelKind) -> Self {
        match kind {
            channels::ChannelKind::Email => Self::Email,
            channels::ChannelKind::Slack => Self::Slack,
            channels::ChannelKind::Teams => Self::Teams,
            channels::ChannelKind::Webhook => Self::Webhook,
        }
    }
}

/// A destination that receives a copy of SLA notifications of a team, a user or the whole
/// organisation.
#[derive(Debug, Clone)]
pub struct NotificationChannel(pub notification_channels::Model);

#[Object]
impl NotificationChannel {
    /// The channel's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// TEAM, USER or ORG.
    async fn scope(&self) -> async_graphql::Result<ChannelScope> {
        match channels::ChannelScope::of(&self.0) {
            Some(channels::ChannelScope::Team(_)) => Ok(ChannelScope::Team),
            Some(channels::ChannelScope::User(_)) => Ok(ChannelScope::User),
            Some(channels::ChannelScope::Org) => Ok(ChannelScope::Org),
            None => Err(crate::error::ApiError::internal(anyhow::anyhow!(
                "notification channel {} has an unknown scope {:?}",
                self.0.id,
                self.0.scope
            ))
            .into()),
        }
    }

    /// The team or user of a TEAM or USER channel.
    async fn scope_id(&self) -> Option<ID> {
        self.0.scope_id.map(to_id)
    }

    /// How it delivers.
    async fn kind(&self) -> async_graphql::Result<ChannelKind> {
        channels::ChannelKind::parse(&self.0.kind)
            .map(ChannelKind::from)
            .ok_or_else(|| {
                crate::error::ApiError::internal(anyhow::anyhow!(
                    "notification channel {} has an unknown kind {:?}",
                    self.0.id,
                    self.0.kind
                ))
                .into()
            })
    }

    /// The e-mail address or URL.
    async fn target(&self) -> &str {
        &self.0.target
    }

    /// Whether a signing secret is stored (the secret itself is never shown).
    async fn has_secret(&self) -> bool {
        self.0.secret.as_deref().is_some_and(|s| !s.is_empty())
    }

    /// The events it takes, or `["*"]` for all.
    async fn events(&self) -> Vec<String> {
        channels::events_of(&self.0)
    }

    /// Inactive channels receive nothing.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Creates (without `id`) or replaces a notification channel.
#[derive(Debug, InputObject)]
pub struct NotificationChannelInput {
    /// The channel to replace; none creates one.
    pub id: Option<ID>,
    /// Whose notifications it copies.
    pub scope: ChannelScope,
    /// The team (TEAM) or user (USER); must exist. Omitted for ORG.
    pub scope_id: Option<ID>,
    /// How it delivers.
    pub kind: ChannelKind,
    /// An e-mail address for EMAIL, an `http://` or `https://` URL otherwise.
    pub target: String,
    /// WEBHOOK only: the HMAC-SHA256 key, at least 16 characters. Required when creating;
    /// omitted keeps the stored one. Never shown again.
    pub secret: Option<String>,
    /// Events to take: `sla.at_risk`, `sla.breached`, `sla.*`, the transitions `AT_RISK_50`,
    /// `AT_RISK_80`, `BREACHED`, or `*` (the default) for all.
    pub events: Option<Vec<String>>,
    /// Default true.
    pub active: Option<bool>,
}

impl TryFrom<NotificationChannelInput> for ChannelChange {
    type Error = FieldError;

    fn try_from(input: NotificationChannelInput) -> Result<Self, FieldError> {
        let id = input.id.as_ref().map(|id| parse_id(id, "id")).transpose()?;
        let scope_id = input
            .scope_id
            .as_ref()
            .map(|id| parse_id(id, "scopeId"))
            .transpose()?;
        ChannelChange::parse(
            id,
            input.scope.into(),
            scope_id,
            input.kind.into(),
            &input.target,
            input.secret.as_deref(),
            input.events,
            input.active,
        )
    }
}
