//! `Lead`, `SlaClock` and `SlaEvent`: the fields read straight from their rows.
//!
//! Computed fields of the contract (`slaClocks`, `history`, `slaBreached`, clock progress,
//! `policy`) belong with the lead and SLA services and are added next to these.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use handoff_shared::domain;

use super::enums::{self, stored};
pub use super::sla::SlaClock;
use super::user::{Team, User};
use crate::entities::leads;
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

    /// First name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    /// Last name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// Job title.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }

    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// Employees of the company.
    async fn company_size(&self) -> Option<i32> {
        self.0.company_size
    }

    /// Industry.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }

    /// Country.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    /// Sales region.
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }

    /// When anything last happened to the lead.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The latest rep or lead activity (assignment, touch, reply, engagement).
    async fn last_activity_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_activity_at
    }

    /// Why the score is what it is: each rule that gave (or took) points.
    async fn score_breakdown(&self) -> async_graphql::Result<Vec<super::intake::ScoreLine>> {
        super::lead_history::score_breakdown(&self.0)
    }

    /// The reason sales gave when it last handed the lead back (or the recycling reason).
    async fn rejection_reason(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::config::RejectionReason>> {
        super::lead_history::rejection_reason(ctx, &self.0).await
    }

    /// The audit trail, oldest first: who did what, when, from which stage to which.
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::lead_history::LeadEventEntry>> {
        super::lead_history::history(ctx, self.0.id).await
    }

    /// The follow-up cadence (touches done against the lead type's plan); null until assigned.
    async fn cadence(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::stages::Cadence>> {
        super::stages::lead_cadence(ctx, &self.0).await
    }

    /// Whether any SLA clock of the lead is breached: stopped late, or running past its due.
    async fn sla_breached(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        super::sla::lead_sla_breached(ctx, self.0.id).await
    }

    /// The lead's SLA clocks, oldest first.
    async fn sla_clocks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SlaClock>> {
        super::sla::lead_sla_clocks(ctx, self.0.id).await
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
