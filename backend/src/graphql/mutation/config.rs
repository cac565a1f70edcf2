//! Editing organisation configuration. Admins edit everything; marketing ops edit what makes an
//! MQL (lead types, scoring rules) and rejection reasons.

use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::configuration_admin::{
    self as config, CalendarChange, LeadTypeChange, RejectionReasonChange, RoutingRuleChange,
    ScoringRuleChange, SlaPolicyChange, TeamChange,
};
use crate::error::ApiError;
use crate::graphql::state;
use crate::graphql::types::config::{
    LeadTypeInput, NamedCalendarInput, RejectionReasonInput, RoutingRuleInput, ScoringRuleInput,
    SlaPolicyInput, TeamInput,
};
use crate::graphql::types::{
    BusinessCalendar, LeadType, RejectionReason, RoutingRule, ScoringRule, SlaPolicy, Team,
};

#[derive(Default)]
pub struct ConfigMutation;

#[Object]
impl ConfigMutation {
    /// Creates a team (without `id`) or replaces one (admins only). Names are unique
    /// (CONFLICT); the manager must be a MANAGER or ADMIN and the calendar must exist.
    async fn upsert_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team.")] input: TeamInput,
    ) -> async_graphql::Result<Team> {
        auth::authorize(ctx, Permission::ManageConfiguration)?;
        let state = state(ctx)?;
        let change = TeamChange::try_from(input).map_err(ApiError::from)?;
        Ok(Team(
            config::upsert_team(&state.db, state.clock.now(), change).await?,
        ))
    }

    /// Creates a named business calendar (without `id`) or replaces one (admins only). Names
    /// are unique (CONFLICT); a bad calendar is BAD_USER_INPUT naming the field, e.g.
    /// `calendar.weekly[2].close`.
    async fn upsert_business_calendar(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar and its name.")] input: NamedCalendarInput,
    ) -> async_graphql::Result<BusinessCalendar> {
        auth::authorize(ctx, Permission::ManageConfiguration)?;
        let state = state(ctx)?;
        let change = CalendarChange::try_from(input).map_err(ApiError::from)?;
        Ok(BusinessCalendar(
            config::upsert_calendar(&state.db, state.clock.now(), change).await?,
        ))
    }

    /// Sets the SLA policy of `(leadType, kind)` (admins only): creates it, or updates the
    /// existing policy of that pair in place (same id).
    async fn upsert_sla_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The policy.")] input: SlaPolicyInput,
    ) -> async_graphql::Result<SlaPolicy> {
        auth::authorize(ctx, Permission::ManageConfiguration)?;
        let state = state(ctx)?;
        let change = SlaPolicyChange::try_from(input).map_err(ApiError::from)?;
        Ok(SlaPolicy(
            config::upsert_sla_policy(&state.db, state.clock.now(), change).await?,
        ))
    }

    /// Creates a scoring rule (without `id`) or replaces one (admins and marketing ops).
    async fn upsert_scoring_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule.")] input: ScoringRuleInput,
    ) -> async_graphql::Result<ScoringRule> {
        auth::authorize(ctx, Permission::ManageScoring)?;
        let state = state(ctx)?;
        let change = ScoringRuleChange::try_from(input).map_err(ApiError::from)?;
        Ok(ScoringRule(
            config::upsert_scoring_rule(&state.db, state.clock.now(), change).await?,
        ))
    }

    /// Creates a routing rule (without `id`) or replaces one (admins only).
    async fn upsert_routing_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule.")] input: RoutingRuleInput,
    ) -> async_graphql::Result<RoutingRule> {
        auth::authorize(ctx, Permission::ManageConfiguration)?;
        let state = state(ctx)?;
        let change = RoutingRuleChange::try_from(input).map_err(ApiError::from)?;
        Ok(RoutingRule(
            config::upsert_routing_rule(&state.db, state.clock.now(), change).await?,
        ))
    }

    /// Creates or updates the rejection reason `code` (admins and marketing ops).
    async fn upsert_rejection_reason(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reason.")] input: RejectionReasonInput,
    ) -> async_graphql::Result<RejectionReason> {
        auth::authorize(ctx, Permission::ManageScoring)?;
        let state = state(ctx)?;
        let change = RejectionReasonChange::try_from(input).map_err(ApiError::from)?;
        let reason = config::upsert_rejection_reason(&state.db, state.clock.now(), change).await?;
        Ok(reason.into())
    }

    /// Creates or updates the lead type `key` (admins and marketing ops).
    async fn upsert_lead_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead type.")] input: LeadTypeInput,
    ) -> async_graphql::Result<LeadType> {
        auth::authorize(ctx, Permission::ManageScoring)?;
        let state = state(ctx)?;
        let change = LeadTypeChange::try_from(input).map_err(ApiError::from)?;
        Ok(
            config::upsert_lead_type(&state.db, state.clock.now(), change)
                .await?
                .into(),
        )
    }
}
