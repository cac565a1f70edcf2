//! `digestSchedule`: when the weekly digest goes to marketing ops.

use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::graphql::state;
use crate::graphql::types::digest::DigestSchedule;
use crate::notify::digest;

#[derive(Default)]
pub struct DigestQuery;

#[Object]
impl DigestQuery {
    /// The weekly digest's schedule and the last week sent (those who see reports).
    async fn digest_schedule(&self, ctx: &Context<'_>) -> async_graphql::Result<DigestSchedule> {
        auth::authorize(ctx, Permission::ViewReports)?;
        let state = state(ctx)?;
        let schedule = digest::schedule(&state.db).await?;
        let last = digest::last_sent(&state.db).await?.map(|row| row.week);
        Ok(DigestSchedule::new(&schedule, state.clock.now(), last))
    }
}
