//! Queries about people.

use async_graphql::{Context, Object};

use crate::auth;
use crate::error::ApiError;
use crate::graphql::state;
use crate::graphql::types::User;
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
}
