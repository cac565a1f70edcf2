//! Connecting other systems (admins only): inbound integrations and outbound webhooks.

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::integrations::{
    InboundIntegration, OutboundWebhook, OutboundWebhookInput,
};
use crate::graphql::{parse_id, state};
use crate::integrations::inbound::{self, IntegrationName};
use crate::integrations::outbound::{self, WebhookChange};

#[derive(Default)]
pub struct IntegrationsMutation;

#[Object]
impl IntegrationsMutation {
    /// Creates an inbound integration for `POST /webhooks/leads` with a fresh secret, shown
    /// only in this answer (store it in the sending platform). Names are unique (CONFLICT).
    async fn create_inbound_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Unique name: letters, digits, '.', '_' and '-'; sent as `X-Handoff-Integration`."
        )]
        name: String,
    ) -> async_graphql::Result<InboundIntegration> {
        auth::authorize(ctx, Permission::ManageIntegrations)?;
        let state = state(ctx)?;
        let name = IntegrationName::parse(&name).map_err(ApiError::from)?;
        let issued = inbound::create(&state.db, state.clock.now(), name).await?;
        Ok(InboundIntegration {
            record: issued.record,
            secret: Some(issued.secret),
        })
    }

    /// Turns an inbound integration on or off (an inactive one gets 401).
    async fn set_inbound_integration_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration.")] id: ID,
        #[graphql(desc = "Whether it may post leads.")] active: bool,
    ) -> async_graphql::Result<InboundIntegration> {
        auth::authorize(ctx, Permission::ManageIntegrations)?;
        let id = parse_id(&id, "id").map_err(ApiError::from)?;
        let record = inbound::set_active(&state(ctx)?.db, id, active).await?;
        Ok(InboundIntegration {
            record,
            secret: None,
        })
    }

    /// Creates (without `id`) or replaces an outbound webhook.
    async fn upsert_outbound_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] input: OutboundWebhookInput,
    ) -> async_graphql::Result<OutboundWebhook> {
        auth::authorize(ctx, Permission::ManageIntegrations)?;
        let state = state(ctx)?;
        let change = WebhookChange::try_from(input).map_err(ApiError::from)?;
        Ok(OutboundWebhook(
            outbound::upsert(&state.db, state.clock.now(), change).await?,
        ))
    }
}
