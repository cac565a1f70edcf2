//! Managing people.

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::user::UserUpdateInput;
use crate::graphql::types::{User, UserInput};
use crate::graphql::{parse_id, state};
use crate::users::{self, NewUser, UserChange};

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates a user (admins only). A rep created without a team joins the `default` team.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new user.")] input: UserInput,
    ) -> async_graphql::Result<User> {
        auth::authorize(ctx, Permission::ManageUsers)?;
        let state = state(ctx)?;
        let new = NewUser::try_from(input).map_err(ApiError::from)?;
        let user = users::create_user(&state.db, state.clock.now(), new).await?;
        Ok(User(user))
    }

    /// Changes a user's name, role, team, manager, time zone, calendar, capacity or round-robin
    /// weight (admins only). Omitted fields stay; `null` clears a clearable one. A bad field is
    /// BAD_USER_INPUT naming it, and nothing of the change is written.
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user to change.")] id: ID,
        #[graphql(desc = "What changes.")] input: UserUpdateInput,
    ) -> async_graphql::Result<User> {
        let principal = auth::authorize(ctx, Permission::ManageUsers)?;
        let state = state(ctx)?;
        let user_id = parse_id(&id, "id").map_err(ApiError::from)?;
        let change = UserChange::try_from(input).map_err(ApiError::from)?;
        let user =
            users::update_user(&state.db, state.clock.now(), principal, user_id, change).await?;
        Ok(User(user))
    }

    /// Marks a user out of office (routing skips them) or back in. Allowed for admins, the
    /// user's manager, and the user themself.
    async fn set_out_of_office(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user whose availability changes.")] user_id: ID,
        #[graphql(desc = "True while away.")] out_of_office: bool,
    ) -> async_graphql::Result<User> {
        let principal = auth::authorize(ctx, Permission::SetAvailability)?;
        let state = state(ctx)?;
        let user_id = parse_id(&user_id, "userId").map_err(ApiError::from)?;
        let user = users::set_out_of_office(
            &state.db,
            state.clock.now(),
            principal,
            user_id,
            out_of_office,
        )
        .await?;
        Ok(User(user))
    }
}
