//! `Lead`, `SlaClock` and `SlaEvent`: the fields read straight from their rows.
//!
//! Computed fields of the contract (`slaClocks`, `history`, `slaBreached`, clock progress,
//! `policy`) belong with the lead and SLA services and are added next to these.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use handoff_shared::domain;

use super::enums::{self, stored};
use super::user::{Team, User};
use crate::entities::{leads, sla_clocks};
use crate::graphql::loaders::{load_team, load_user};
use crate::graphql::to_id;

/// A person marketing hands to sales.
#[derive(Debug, Clone)]
pub struct Lead(pub leads::Model);

#[Object]
impl Lead {
    /// The lead's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The source system's id; re-ingesting it updates this lead.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }

    /// Lower-case e-mail address.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Company name.
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }

    /// Key of the lead type, e.g. `demo_request`.
    async fn lead_type(&self) -> &str {
        &self.0.lead_type
    }

    /// Where the lead came from, e.g. `webinar`, `paid_search`.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    /// The marketing campaign.
    async fn campaign(&self) -> Option<&str> {
        self.0.campaign.as_deref()
    }

    /// Lead score (firmographic plus behavioural points).
    async fn score(&self) -> i32 {
        self.0.score
    }

    /// The lead's stage.
    async fn status(&self) -> async_graphql::Result<enums::LeadStatus> {
        Ok(stored(&self.0.status, domain::LeadStatus::parse, "lead status")?.into())
    }

    /// The rep who owns the lead.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(match self.0.owner_id {
            Some(id) => load_user(ctx, id).await?.map(User),
            None => None,
        })
    }

    /// The team the lead was routed to.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Team>> {
        Ok(match self.0.team_id {
            Some(id) => load_team(ctx, id).await?.map(Team),
            None => None,
        })
    }

    /// When the lead was first recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the lead became an MQL.
    async fn mql_at(&self) -> Option<DateTime<Utc>> {
        self.0.mql_at
    }

    /// When the lead was assigned to its current owner.
    async fn assigned_at(&self) -> Option<DateTime<Utc>> {
        self.0.assigned_at
    }

    /// When sales accepted the lead.
    async fn sal_at(&self) -> Option<DateTime<Utc>> {
        self.0.sal_at
    }

    /// When sales qualified the lead.
    async fn sql_at(&self) -> Option<DateTime<Utc>> {
        self.0.sql_at
    }

    /// When the lead became an opportunity.
    async fn opportunity_at(&self) -> Option<DateTime<Utc>> {
        self.0.opportunity_at
    }

    /// When the lead was last recycled to marketing.
    async fn recycled_at(&self) -> Option<DateTime<Utc>> {
        self.0.recycled_at
    }

    /// When the lead was disqualified.
    async fn disqualified_at(&self) -> Option<DateTime<Utc>> {
        self.0.disqualified_at
    }

    /// The first rep response (touch, acceptance, rejection or disqualification).
    async fn first_response_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_response_at
    }
}

/// One SLA clock of a lead.
#[derive(Debug, Clone)]
pub struct SlaClock(pub sla_clocks::Model);

#[Object]
impl SlaClock {
    /// Which promise the clock measures.
    async fn kind(&self) -> async_graphql::Result<enums::SlaKind> {
        Ok(stored(&self.0.kind, domain::SlaKind::parse, "SLA kind")?.into())
    }

    /// Where the clock is in its lifecycle.
    async fn state(&self) -> async_graphql::Result<enums::SlaState> {
        Ok(stored(&self.0.state, domain::SlaState::parse, "SLA state")?.into())
    }

    /// When the clock started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }

    /// When the target is reached in business time (moves later while paused).
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }

    /// When the clock stopped (met, breached-and-stopped or cancelled).
    async fn stopped_at(&self) -> Option<DateTime<Utc>> {
        self.0.stopped_at
    }

    /// The target, in business seconds.
    async fn target_seconds(&self) -> i64 {
        self.0.target_seconds
    }
}

/// A transition of an SLA clock, pushed to `slaEvents` subscribers.
#[derive(Debug, Clone, SimpleObject)]
pub struct SlaEvent {
    /// What happened.
    pub kind: enums::SlaEventKind,
    /// The clock, as it is after the event.
    pub clock: SlaClock,
    /// The lead the clock belongs to.
    pub lead: Lead,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}
