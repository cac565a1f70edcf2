//! `Session` and `ApiToken`.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};

use super::enums::Role;
use super::user::User;

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
