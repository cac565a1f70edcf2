//! Who is calling and what they may do.
//!
//! Credentials are opaque bearer tokens (`hs_…`) from `login` (a session) or `createApiToken`;
//! only their SHA-256 is stored. A valid token becomes a [`Principal`] in the request data, and
//! every permission check goes through [`authorize`] (role rules in [`permissions`]).

pub mod bootstrap;
pub mod password;
pub mod permissions;
pub mod service;
pub mod token;

use async_graphql::Context;
use handoff_shared::domain::Role;

pub use permissions::Permission;

use crate::error::ApiError;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user acting (for API tokens: the token's service user).
    pub user_id: i64,
    /// The role in force: the user's, or the API token's.
    pub role: Role,
    /// How the caller proved who they are.
    pub credential: Credential,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    Session {
        session_id: i64,
    },
    ApiToken {
        token_id: i64,
    },
    /// A signed `POST /webhooks/leads` from an inbound integration (acting as its service user).
    Integration {
        integration_id: i64,
    },
    /// The command line (`handoff import`), acting as a service user.
    Cli,
}

impl Principal {
    /// `Forbidden` unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if permissions::allows(self.role, permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The caller, or `Unauthenticated`.
pub fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal, ApiError> {
    ctx.data_opt::<Principal>().ok_or(ApiError::Unauthenticated)
}

/// The caller, if their role allows `permission`: the one entry point of role checks.
pub fn authorize<'a>(ctx: &Context<'a>, permission: Permission) -> Result<&'a Principal, ApiError> {
    let principal = principal(ctx)?;
    principal.require(permission)?;
    Ok(principal)
}
