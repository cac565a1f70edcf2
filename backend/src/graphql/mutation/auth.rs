//! Logging in and issuing API tokens.

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::auth::ApiTokenSummary;
use crate::graphql::types::enums::Role;
use crate::graphql::types::{ApiToken, Session, User};
use crate::graphql::{parse_id, state, to_id};

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Exchanges an e-mail and password for a session token. Wrong e-mail and wrong password
    /// fail alike, with `UNAUTHENTICATED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's e-mail address.")] email: String,
        #[graphql(desc = "The user's password.")] password: String,
    ) -> async_graphql::Result<Session> {
        let state = state(ctx)?;
        let outcome = auth::service::login(&state.db, state.clock.now(), &email, password).await?;
        Ok(Session {
            token: outcome.token,
            user: User(outcome.user),
        })
    }

    /// Issues an API token acting with `role` (admins only). The token is shown once, in this
    /// response; only its hash is stored.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the token is for, e.g. \"Marketo sync\".")] name: String,
        #[graphql(desc = "The role the token acts with, usually INTEGRATION.")] role: Role,
    ) -> async_graphql::Result<ApiToken> {
        let principal = auth::authorize(ctx, Permission::ManageApiTokens)?;
        let state = state(ctx)?;
        let issued = auth::service::create_api_token(
            &state.db,
            state.clock.now(),
            principal,
            &name,
            role.into(),
        )
        .await?;
        Ok(ApiToken {
            id: to_id(issued.record.id),
            name: issued.record.name,
            role,
            token: issued.token,
            created_at: issued.record.created_at,
        })
    }

    /// Revokes an API token (admins only): it stops authenticating at once. Revoking a revoked
    /// token is a no-op.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's id, as `apiTokens` lists it.")] id: ID,
    ) -> async_graphql::Result<ApiTokenSummary> {
        let principal = auth::authorize(ctx, Permission::ManageApiTokens)?;
        let state = state(ctx)?;
        let id = parse_id(&id, "id").map_err(ApiError::from)?;
        let record =
            auth::service::revoke_api_token(&state.db, state.clock.now(), principal, id).await?;
        Ok(ApiTokenSummary(record))
    }
}
