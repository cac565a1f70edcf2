//! Reading the integrations: inbound integrations, outbound webhooks, the delivery log.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::state;
use crate::graphql::types::integrations::{
    InboundIntegration, Notification, NotificationConnectionFields, NotificationFilter,
    OutboundWebhook,
};
use crate::integrations::{inbound, outbound};
use crate::notify::log::{self, LogFilter};

/// Page size of `notifications` when `first` is not given, and its maximum.
const DEFAULT_PAGE: i32 = 50;
const MAX_PAGE: i32 = 500;

#[derive(Default)]
pub struct IntegrationsQuery;

#[Object]
impl IntegrationsQuery {
    /// The inbound integrations, by name, without their secrets (admins only).
    async fn inbound_integrations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<InboundIntegration>> {
        auth::authorize(ctx, Permission::ManageIntegrations)?;
        let rows = inbound::list(&state(ctx)?.db).await?;
        Ok(rows
            .into_iter()
            .map(|record| InboundIntegration {
                record,
                secret: None,
            })
            .collect())
    }

    /// The outbound webhooks, oldest first (admins only).
    async fn outbound_webhooks(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<OutboundWebhook>> {
        auth::authorize(ctx, Permission::ManageIntegrations)?;
        let rows = outbound::list(&state(ctx)?.db).await?;
        Ok(rows.into_iter().map(OutboundWebhook).collect())
    }

    /// The delivery log: notifications newest first, with their status, attempts and last
    /// error (admins only).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which notifications; all when omitted.")] filter: Option<
            NotificationFilter,
        >,
        #[graphql(desc = "Page size, 1 to 500; default 50.")] first: Option<i32>,
        #[graphql(desc = "The `cursor` of the last edge of the previous page.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<
        Connection<String, Notification, NotificationConnectionFields, EmptyFields>,
    > {
        auth::authorize(ctx, Permission::ManageIntegrations)?;
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(ApiError::bad_input("first", format!("must be 1 to {MAX_PAGE}")).into());
        }
        let after = match after.as_deref() {
            None => None,
            Some(cursor) => Some(
                cursor
                    .parse::<i64>()
                    .map_err(|_| ApiError::bad_input("after", "is not a cursor of this list"))?,
            ),
        };
        let filter = LogFilter::try_from(filter.unwrap_or_default()).map_err(ApiError::from)?;
        let page = log::page(
            &state(ctx)?.db,
            &filter,
            u64::try_from(first).unwrap_or(1),
            after,
        )
        .await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            page.has_next,
            NotificationConnectionFields {
                total_count: i64::try_from(page.total).unwrap_or(i64::MAX),
            },
        );
        connection.edges.extend(
            page.rows
                .into_iter()
                .map(|row| Edge::new(row.id.to_string(), Notification(row))),
        );
        Ok(connection)
    }
}
