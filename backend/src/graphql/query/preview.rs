//! Previews for admins: what intake would do with a sample lead, through the same scoring,
//! MQL and routing code as `ingestLeads`, with nothing written and no round-robin turn used.

use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::graphql::state;
use crate::graphql::types::intake::LeadInput;
use crate::graphql::types::preview::{RoutePreview, ScorePreview};
use crate::handoff::{intake, routing};

#[derive(Default)]
pub struct PreviewQuery;

#[Object]
impl PreviewQuery {
    /// The score a lead would get on arrival as a new lead, rule by rule (its `events`'
    /// engagement counted), and whether it would become an MQL (threshold or instant-MQL lead
    /// type). Checked like `ingestLeads` (a bad field is BAD_USER_INPUT naming it; `externalId`
    /// may be blank). Admins and marketing ops; nothing is written.
    async fn score_preview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sample lead, as `ingestLeads` would receive it.")] lead: LeadInput,
    ) -> async_graphql::Result<ScorePreview> {
        auth::authorize(ctx, Permission::ManageScoring)?;
        let state = state(ctx)?;
        let (catalog, lead) =
            intake::check_sample(&state.db, state.clock.now(), lead.into()).await?;
        Ok(intake::preview_score(&catalog, &lead).into())
    }

    /// Where a lead would be routed now if it became an MQL: the owner or team queue, the rule
    /// and step that decided (account owner, territory rule, weighted round robin or least
    /// loaded, skipping reps out of office or at capacity, then the fallback). Admins only;
    /// nothing is written and the round robin does not advance.
    async fn route_preview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The sample lead, as `ingestLeads` would receive it.")] lead: LeadInput,
    ) -> async_graphql::Result<RoutePreview> {
        auth::authorize(ctx, Permission::ManageConfiguration)?;
        let state = state(ctx)?;
        let (_, lead) = intake::check_sample(&state.db, state.clock.now(), lead.into()).await?;
        Ok(RoutePreview(
            routing::preview(&state.db, &lead.profile).await?,
        ))
    }
}
