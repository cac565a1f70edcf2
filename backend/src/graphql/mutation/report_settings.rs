//! Setting the organisation's report settings (admins only).

use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::graphql::state;
use crate::graphql::types::governance::{ReportSettings, ReportSettingsInput};
use crate::reports::settings::{self, SettingsChange};

#[derive(Default)]
pub struct ReportSettingsMutation;

#[Object]
impl ReportSettingsMutation {
    /// Sets the report settings (admins only); omitted fields stay as they are. A bad value
    /// is BAD_USER_INPUT naming it, e.g. `input.averageDealSize`.
    async fn set_report_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The settings to change.")] input: ReportSettingsInput,
    ) -> async_graphql::Result<ReportSettings> {
        auth::authorize(ctx, Permission::ManageConfiguration)?;
        let state = state(ctx)?;
        let change = SettingsChange::try_from(input)?;
        Ok(settings::update(&state.db, state.clock.now(), change)
            .await?
            .into())
    }
}
