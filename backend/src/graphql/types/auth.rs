//! `Session` and `ApiToken`.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use handoff_shared::domain;

use super::enums::{Role, stored};
use super::user::User;
use crate::entities::api_tokens;
use crate::graphql::to_id;

/// A login session.
#[derive(Debug, SimpleObject)]
pub struct Session {
    /// Bearer token for `Authorization: Bearer <token>` and the WebSocket `connection_init`
    /// payload `{"token": …}`. Expires after 12 hours without use.
    pub token: String,
    /// Who logged in.
    pub user: User,
}

/// An API token for an integration.
#[derive(Debug, SimpleObject)]
pub struct ApiToken {
    /// The token's id.
    pub id: ID,
    /// What the token is for, e.g. "Marketo sync".
    pub name: String,
    /// The role the token acts with.
    pub role: Role,
    /// The bearer token. Shown only in the response that creates it; store it safely.
    pub token: String,
    /// When the token was created.
    pub created_at: DateTime<Utc>,
}

/// An API token as listed: never its secret or hash.
#[derive(Debug, Clone)]
pub struct ApiTokenSummary(pub api_tokens::Model);

#[Object]
impl ApiTokenSummary {
    /// The token's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// What the token is for.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The role the token acts with.
    async fn role(&self) -> async_graphql::Result<Role> {
        Ok(stored(&self.0.role, domain::Role::parse, "role")?.into())
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last authenticated a request (recorded at most every 5 minutes); null: never.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    /// When it was revoked; null while it works.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// Revoked: it no longer authenticates.
    async fn revoked(&self) -> bool {
        self.0.revoked_at.is_some()
    }
}
