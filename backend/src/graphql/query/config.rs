//! Reading organisation configuration, and previewing SLA due times.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use handoff_shared::sla::BusinessCalendar as Calendar;

use crate::auth::{self, Permission};
use crate::configuration_admin as config;
use crate::error::ApiError;
use crate::graphql::state;
use crate::graphql::types::{
    BusinessCalendar, BusinessCalendarInput, LeadType, RejectionReason, RoutingRule, ScoringRule,
    SlaPolicy, Team,
};

#[derive(Default)]
pub struct ConfigQuery;

#[Object]
impl ConfigQuery {
    /// All teams, by name.
    async fn teams(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Team>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let teams = config::list_teams(&state(ctx)?.db).await?;
        Ok(teams.into_iter().map(Team).collect())
    }

    /// All named business calendars, by name.
    async fn business_calendars(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<BusinessCalendar>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let calendars = config::list_calendars(&state(ctx)?.db).await?;
        Ok(calendars.into_iter().map(BusinessCalendar).collect())
    }

    /// All SLA policies, by lead type and kind.
    async fn sla_policies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SlaPolicy>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let policies = config::list_sla_policies(&state(ctx)?.db).await?;
        Ok(policies.into_iter().map(SlaPolicy).collect())
    }

    /// All scoring rules, oldest first.
    async fn scoring_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ScoringRule>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let rules = config::list_scoring_rules(&state(ctx)?.db).await?;
        Ok(rules.into_iter().map(ScoringRule).collect())
    }

    /// All routing rules in the order they are tried (by priority).
    async fn routing_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RoutingRule>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let rules = config::list_routing_rules(&state(ctx)?.db).await?;
        Ok(rules.into_iter().map(RoutingRule).collect())
    }

    /// Rejection reasons by code: the active ones, or all of them with `includeInactive`.
    async fn rejection_reasons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also list reasons no longer offered. Default false.")]
        include_inactive: Option<bool>,
    ) -> async_graphql::Result<Vec<RejectionReason>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let reasons =
            config::list_rejection_reasons(&state(ctx)?.db, include_inactive.unwrap_or(false))
                .await?;
        Ok(reasons.into_iter().map(RejectionReason::from).collect())
    }

    /// All lead types, by key.
    async fn lead_types(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LeadType>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let types = config::list_lead_types(&state(ctx)?.db).await?;
        Ok(types.into_iter().map(LeadType::from).collect())
    }

    /// When an SLA of `seconds` business seconds that starts at `start` falls due on
    /// `calendar` (business time as CONTRACT.md section 2 defines it). A bad calendar is
    /// BAD_USER_INPUT naming the field, e.g. `calendar.weekly[0].close`.
    async fn sla_preview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar to count in.")] calendar: BusinessCalendarInput,
        #[graphql(desc = "When the clock starts (RFC 3339).")] start: DateTime<Utc>,
        #[graphql(desc = "Business seconds to add; 0 or more.")] seconds: i32,
    ) -> async_graphql::Result<DateTime<Utc>> {
        auth::authorize(ctx, Permission::ViewConfiguration)?;
        let calendar =
            Calendar::try_from(calendar).map_err(|e| ApiError::from(e.within("calendar")))?;
        if seconds < 0 {
            return Err(ApiError::bad_input("seconds", "must not be negative").into());
        }
        Ok(config::preview_due(&calendar, start, i64::from(seconds)).map_err(ApiError::from)?)
    }
}
