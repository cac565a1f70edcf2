//! `SlaClock` and the SLA fields of `Lead`: each clock measured in its calendar at the server's
//! "now", so a running clock past its due instant reads BREACHED without waiting for anything.

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use handoff_shared::domain;
use handoff_shared::sla::BusinessCalendar;
use sea_orm::EntityTrait as _;

use super::config::{CalendarDefinition, SlaPolicy};
use super::enums::{self, stored};
use crate::entities::{sla_clocks, sla_policies};
use crate::error::ApiError;
use crate::graphql::loaders::load_calendar;
use crate::graphql::state;
use crate::sla::{self, ClockView};

/// One SLA clock of a lead.
#[derive(Debug, Clone)]
pub struct SlaClock(pub sla_clocks::Model);

impl SlaClock {
    async fn business_calendar(&self, ctx: &Context<'_>) -> Result<BusinessCalendar, ApiError> {
        match self.0.calendar_id {
            Some(id) => match load_calendar(ctx, id).await? {
                Some(row) => sla::calendar_from_row(&row),
                None => Err(ApiError::internal(anyhow::anyhow!(
                    "calendar {id} of SLA clock {} does not exist",
                    self.0.id
                ))),
            },
            None => sla::fallback_calendar(),
        }
    }

    /// The clock as it stands now.
    async fn view(&self, ctx: &Context<'_>) -> Result<ClockView, ApiError> {
        let now = state(ctx)?.clock.now();
        sla::view(&self.0, &self.business_calendar(ctx).await?, now)
    }
}

#[Object]
impl SlaClock {
    /// Which promise the clock measures.
    async fn kind(&self) -> async_graphql::Result<enums::SlaKind> {
        Ok(stored(&self.0.kind, domain::SlaKind::parse, "SLA kind")?.into())
    }

    /// Where the clock is now: a running clock past its due instant is BREACHED (and keeps
    /// counting overdue time).
    async fn state(&self, ctx: &Context<'_>) -> async_graphql::Result<enums::SlaState> {
        Ok(self.view(ctx).await?.state.into())
    }

    /// The policy that set the clock.
    async fn policy(&self, ctx: &Context<'_>) -> async_graphql::Result<SlaPolicy> {
        let policy = sla_policies::Entity::find_by_id(self.0.policy_id)
            .one(&state(ctx)?.db)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!(
                    "SLA policy {} of clock {} does not exist",
                    self.0.policy_id,
                    self.0.id
                ))
            })?;
        Ok(SlaPolicy(policy))
    }

    /// When the clock started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }

    /// When the target is reached in business time, in the calendar of the current owner. A
    /// paused clock's due instant moves later while it is paused.
    async fn due_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<Utc>> {
        Ok(self.view(ctx).await?.due_at)
    }

    /// The business calendar the clock counts in (the policy's, else the owner's, else the
    /// team's, else the organisation default), so a client can tick the countdown itself:
    /// remaining business time = business time from now to `dueAt` in this calendar.
    async fn calendar(&self, ctx: &Context<'_>) -> async_graphql::Result<CalendarDefinition> {
        Ok(self.business_calendar(ctx).await?.spec().clone().into())
    }

    /// When the clock stopped (met, breached-and-stopped or cancelled).
    async fn stopped_at(&self) -> Option<DateTime<Utc>> {
        self.0.stopped_at
    }

    /// The target, in business seconds.
    async fn target_seconds(&self) -> i64 {
        self.0.target_seconds
    }

    /// Business seconds spent so far (up to the stop, for a stopped clock).
    async fn elapsed_business_seconds(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(self.view(ctx).await?.elapsed_seconds)
    }

    /// Business seconds left before the target; negative once overdue.
    async fn remaining_business_seconds(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(self.view(ctx).await?.remaining_seconds)
    }

    /// Share of the target spent, in percent (above 100 once overdue).
    async fn percent_elapsed(&self, ctx: &Context<'_>) -> async_graphql::Result<f64> {
        Ok(self.view(ctx).await?.percent_elapsed)
    }
}

/// `Lead.slaClocks`: the lead's clocks, oldest first.
pub async fn lead_sla_clocks(
    ctx: &Context<'_>,
    lead_id: i64,
) -> async_graphql::Result<Vec<SlaClock>> {
    let rows = sla::lead_clocks(&state(ctx)?.db, lead_id).await?;
    Ok(rows.into_iter().map(SlaClock).collect())
}

/// `Lead.slaBreached`: whether any clock of the lead is breached now (stopped late, or still
/// running past its due instant).
pub async fn lead_sla_breached(ctx: &Context<'_>, lead_id: i64) -> async_graphql::Result<bool> {
    for clock in lead_sla_clocks(ctx, lead_id).await? {
        if clock.view(ctx).await?.state == domain::SlaState::Breached {
            return Ok(true);
        }
    }
    Ok(false)
}
