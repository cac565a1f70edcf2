//! Queries about people.

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::User;
use crate::graphql::types::auth::ApiTokenSummary;
use crate::graphql::{parse_id, state};
use crate::users;

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The caller: the logged-in user, or the service user of the API token in use.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let principal = auth::principal(ctx)?;
        let state = state(ctx)?;
        // A user deleted under a live session is no longer anyone.
        let user = users::find_user(&state.db, principal.user_id)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(User(user))
    }

    /// The active users, by name: everyone for the roles that see the directory, narrowed by
    /// team and availability (e.g. who is out of office today).
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only members of this team.")] team_id: Option<ID>,
        #[graphql(desc = "Only users who are (true) or are not (false) out of office.")]
        out_of_office: Option<bool>,
    ) -> async_graphql::Result<Vec<User>> {
        auth::authorize(ctx, Permission::ViewDirectory)?;
        let team_id = team_id
            .map(|id| parse_id(&id, "teamId"))
            .transpose()
            .map_err(ApiError::from)?;
        let rows = users::list_users(&state(ctx)?.db, team_id, out_of_office).await?;
        Ok(rows.into_iter().map(User).collect())
    }

    /// The API tokens, oldest first, revoked ones included; never their secrets (admins only).
    async fn api_tokens(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiTokenSummary>> {
        auth::authorize(ctx, Permission::ManageApiTokens)?;
        let rows = auth::service::list_api_tokens(&state(ctx)?.db).await?;
        Ok(rows.into_iter().map(ApiTokenSummary).collect())
    }
}
