//! Intake: `ingestLeads`, `recordEngagement`, and the red-flag domain lists.
//!
//! Roles: ADMIN, MARKETING_OPS and INTEGRATION send leads and engagement; ADMIN and
//! MARKETING_OPS edit the domain lists. Changed leads reach `leadChanged` through the live
//! feed, which reads the committed event log (`crate::events::feed`).

use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::graphql::state;
use crate::graphql::types::Lead;
use crate::graphql::types::intake::{
    DomainList, DomainListInput, EngagementInput, IngestResult, LeadInput,
};
use crate::handoff::{dedupe, intake};

#[derive(Default)]
pub struct IntakeMutation;

#[Object]
impl IntakeMutation {
    /// Sends up to 1,000 leads (more: BAD_USER_INPUT on `leads`). Idempotent by `externalId`:
    /// a re-sent lead is updated (an `updated` event only when a fact changed), never
    /// duplicated; a new `externalId` whose e-mail belongs to an open lead is merged into it
    /// as an engagement. Each lead is scored, qualified (instant-MQL lead types, or the score
    /// reaching the threshold) and routed to an owner or a team queue. An item that fails is
    /// reported in `errors` (its `index`, `externalId`, and the `field` inside the item, such
    /// as `email` or `events[1].ownerEmail`) and written not at all; the others are stored.
    async fn ingest_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The leads, at most 1,000.")] leads: Vec<LeadInput>,
    ) -> async_graphql::Result<IngestResult> {
        let actor = auth::authorize(ctx, Permission::IngestLeads)?;
        let state = state(ctx)?;
        let items = leads.into_iter().map(Into::into).collect();
        let outcome = intake::ingest(&state.db, state.clock.now(), actor, items).await?;
        Ok(outcome.into())
    }

    /// Records behaviour of a lead, by `leadId` or by `email` (the open lead with it; none:
    /// NOT_FOUND): rescored, an MQL when it reaches the threshold, and routed when it became one.
    async fn record_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which lead, and what it did.")] input: EngagementInput,
    ) -> async_graphql::Result<Lead> {
        let actor = auth::authorize(ctx, Permission::IngestLeads)?;
        let state = state(ctx)?;
        let input = intake::NewEngagement::try_from(input)?;
        let lead = intake::record_engagement(&state.db, state.clock.now(), actor, input).await?;
        Ok(Lead(lead))
    }

    /// Replaces one red-flag list (`free_mail`, `disposable`, `competitor`) with `domains`
    /// (ADMIN, MARKETING_OPS). Applies to leads ingested from now on.
    async fn upsert_domain_list(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The list and all its domains.")] input: DomainListInput,
    ) -> async_graphql::Result<DomainList> {
        auth::authorize(ctx, Permission::ManageScoring)?;
        let change = dedupe::DomainListChange::try_from(input)?;
        let list = change.list.as_str().to_owned();
        let domains = dedupe::replace_domain_list(&state(ctx)?.db, change).await?;
        Ok(DomainList { list, domains })
    }
}
