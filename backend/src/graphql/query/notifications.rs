//! Reading notification channels.

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::notifications::{ChannelScope, NotificationChannel};
use crate::graphql::{parse_id, state};
use crate::notify::channels;

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The notification channels the caller may manage, oldest first: all of them for admins,
    /// the TEAM channels of the teams they manage for managers.
    async fn notification_channels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this scope.")] scope: Option<ChannelScope>,
        #[graphql(desc = "Only the channels of this team or user.")] scope_id: Option<ID>,
    ) -> async_graphql::Result<Vec<NotificationChannel>> {
        let principal = auth::authorize(ctx, Permission::ManageNotificationChannels)?;
        let scope_id = scope_id
            .as_ref()
            .map(|id| parse_id(id, "scopeId"))
            .transpose()
            .map_err(ApiError::from)?;
        let rows =
            channels::list(&state(ctx)?.db, principal, scope.map(Into::into), scope_id).await?;
        Ok(rows.into_iter().map(NotificationChannel).collect())
    }
}
