//! `setDigestSchedule`: when the weekly digest goes to marketing ops (admins).

use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::graphql::state;
use crate::graphql::types::digest::{DigestSchedule, DigestScheduleInput};
use crate::notify::digest;

#[derive(Default)]
pub struct DigestMutation;

#[Object]
impl DigestMutation {
    /// Sets the weekday and local time of the weekly digest (and, optionally, the
    /// organisation's time zone it is read in). Errors name `input.weekday`, `input.time` or
    /// `input.timezone`.
    async fn set_digest_schedule(
        &self,
        ctx: &Context<'_>,
        input: DigestScheduleInput,
    ) -> async_graphql::Result<DigestSchedule> {
        auth::authorize(ctx, Permission::ManageConfiguration)?;
        let state = state(ctx)?;
        let now = state.clock.now();
        let schedule = digest::set_schedule(
            &state.db,
            now,
            &input.weekday,
            &input.time,
            input.timezone.as_deref(),
        )
        .await
        .map_err(|error| match error {
            crate::error::ApiError::BadUserInput { field, message } => {
                crate::error::ApiError::bad_input(format!("input.{field}"), message)
            }
            other => other,
        })?;
        let last = digest::last_sent(&state.db).await?.map(|row| row.week);
        Ok(DigestSchedule::new(&schedule, now, last))
    }
}
