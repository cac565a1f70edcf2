//! Reading leads: `lead`, `leads`, `myQueue`, and the red-flag `domainLists`.
//!
//! Who sees which lead: `auth::permissions::lead_scope` (reps their own and their team's
//! queue, managers their teams and reps, marketing ops, admins and integrations all).

use async_graphql::{Context, ID, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::Lead;
use crate::graphql::types::intake::{DomainList, LeadConnection, LeadFilter};
use crate::graphql::{parse_id, state};
use crate::handoff::{dedupe, leads};

#[derive(Default)]
pub struct LeadsQuery;

fn page_size(first: Option<i32>, field: &str) -> Result<u64, ApiError> {
    match first {
        None => Ok(leads::DEFAULT_PAGE),
        Some(n) if n < 0 => Err(ApiError::bad_input(field, "must not be negative")),
        Some(n) => Ok(u64::try_from(n).unwrap_or(0).min(leads::MAX_PAGE)),
    }
}

#[Object]
impl LeadsQuery {
    /// A lead; null when there is none with this id or the caller may not see it.
    async fn lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
    ) -> async_graphql::Result<Option<Lead>> {
        let principal = auth::authorize(ctx, Permission::ViewLeads)?;
        let db = &state(ctx)?.db;
        let Ok(id) = parse_id(&id, "id") else {
            return Ok(None);
        };
        let scope = leads::scope_of(db, principal).await?;
        Ok(leads::find(db, &scope, id).await?.map(Lead))
    }

    /// The leads the caller may see, newest first (Relay connection).
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; every given field must match.")] filter: Option<
            LeadFilter,
        >,
        #[graphql(desc = "Page size: default 50, at most 200.")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page: continue behind it.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<LeadConnection> {
        let principal = auth::authorize(ctx, Permission::ViewLeads)?;
        let db = &state(ctx)?.db;
        let first = page_size(first, "first")?;
        let after = match after.as_deref() {
            Some(cursor) => Some(
                leads::decode_cursor(cursor)
                    .ok_or_else(|| ApiError::bad_input("after", "is not a cursor from leads"))?,
            ),
            None => None,
        };
        let filter = leads::LeadFilter::try_from(filter.unwrap_or_default())?;
        let scope = leads::scope_of(db, principal).await?;
        let page = leads::page(db, &scope, &filter, first, after).await?;
        Ok(LeadConnection::from_page(page, after.is_some()))
    }

    /// The caller's open leads (MQL, SAL, SQL), most urgent SLA first (earliest due clock,
    /// then the oldest MQL).
    async fn my_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many: default 50, at most 200.")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<Lead>> {
        let principal = auth::authorize(ctx, Permission::ViewLeads)?;
        let first = page_size(first, "first")?;
        let rows = leads::my_queue(&state(ctx)?.db, principal.user_id, first).await?;
        Ok(rows.into_iter().map(Lead).collect())
    }

    /// The red-flag domain lists (`competitor`, `disposable`, `free_mail`).
    async fn domain_lists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DomainList>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let lists = dedupe::list_domain_lists(&state(ctx)?.db).await?;
        Ok(lists
            .into_iter()
            .map(|(list, domains)| DomainList { list, domains })
            .collect())
    }
}
