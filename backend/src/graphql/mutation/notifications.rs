//! How people are notified: personal preferences and notification channels.

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::User;
use crate::graphql::types::notifications::{NotificationChannel, NotificationChannelInput};
use crate::graphql::types::user::NotificationPreferencesInput;
use crate::graphql::{parse_id, state};
use crate::notify::channels::{self, ChannelChange};
use crate::users::{self, NotificationPreferences};

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Chooses how a user hears about SLA thresholds: e-mail, chat, and their own Slack/Teams
    /// incoming webhooks. Allowed for the user themself, admins, and the user's manager (or the
    /// manager of their team).
    async fn set_notification_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user whose preferences change.")] user_id: ID,
        #[graphql(desc = "What changes; omitted fields stay as they are.")]
        input: NotificationPreferencesInput,
    ) -> async_graphql::Result<User> {
        let principal = auth::authorize(ctx, Permission::SetNotificationPreferences)?;
        let state = state(ctx)?;
        let user_id = parse_id(&user_id, "userId").map_err(ApiError::from)?;
        let change = NotificationPreferences::try_from(input).map_err(ApiError::from)?;
        let user = users::set_notification_preferences(
            &state.db,
            state.clock.now(),
            principal,
            user_id,
            change,
        )
        .await?;
        Ok(User(user))
    }

    /// Creates (without `id`) or replaces a notification channel. Admins any channel; managers
    /// the TEAM channels of the teams they manage.
    async fn upsert_notification_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel.")] input: NotificationChannelInput,
    ) -> async_graphql::Result<NotificationChannel> {
        let principal = auth::authorize(ctx, Permission::ManageNotificationChannels)?;
        let state = state(ctx)?;
        let change = ChannelChange::try_from(input).map_err(ApiError::from)?;
        let row = channels::upsert(&state.db, state.clock.now(), principal, change).await?;
        Ok(NotificationChannel(row))
    }

    /// Deletes a notification channel (same rights as changing it); true when deleted.
    async fn delete_notification_channel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The channel.")] id: ID,
    ) -> async_graphql::Result<bool> {
        let principal = auth::authorize(ctx, Permission::ManageNotificationChannels)?;
        let id = parse_id(&id, "id").map_err(ApiError::from)?;
        channels::delete(&state(ctx)?.db, principal, id).await?;
        Ok(true)
    }
}
