//! Governance reports: `governance` (the monthly red flags), `baseline` (the 30-day review),
//! `marketingScorecard`, `slaComplianceLeads` (the leads behind an SLA compliance figure) and
//! `reportSettings`. Same permissions as the other reports (`filter_for`): admins and
//! marketing ops see the organisation, managers their teams, reps and integrations nothing.

use std::collections::HashMap;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};

use super::reports::filter_for;
use crate::entities::leads;
use crate::error::ApiError;
use crate::graphql::parse_id;
use crate::graphql::types::enums::SlaKind;
use crate::graphql::types::governance::{
    BaselineComparison, DrillDown, GovernanceReport, MarketingScorecard, PeriodInput,
    ReportSettings, SlaComplianceLeadConnection, SlaComplianceLeadEdge, SlaComplianceStatus,
    decode_clock_cursor, encode_clock_cursor, kind_or_default,
};
use crate::graphql::types::reports::ReportFilterInput;
use crate::graphql::types::{Lead, SlaClock};
use crate::handoff::leads as lead_queries;
use crate::reports::governance::{self, Month};
use crate::reports::{ReportFilter, baseline, compliance, scorecard, settings};

#[derive(Default)]
pub struct GovernanceQuery;

fn page_size(first: Option<i32>) -> Result<usize, ApiError> {
    match first {
        None => Ok(usize::try_from(lead_queries::DEFAULT_PAGE).unwrap_or(50)),
        Some(n) if n < 0 => Err(ApiError::bad_input("first", "must not be negative")),
        Some(n) => Ok(usize::try_from(n)
            .unwrap_or(0)
            .min(usize::try_from(lead_queries::MAX_PAGE).unwrap_or(200))),
    }
}

fn optional_id(id: Option<&ID>, field: &str) -> Result<Option<i64>, ApiError> {
    id.map(|id| parse_id(id, field).map_err(ApiError::from))
        .transpose()
}

#[Object]
impl GovernanceQuery {
    /// The maintenance red flags of a UTC calendar month: each with its figure, threshold,
    /// whether it is red, and the teams, lead types, reasons or sources crossing it.
    async fn governance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`YYYY-MM` (UTC); default the last complete month.")] month: Option<
            String,
        >,
        #[graphql(desc = "Which teams, owners and leads (its period is replaced by the month).")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<GovernanceReport> {
        let (state, filter) = filter_for(ctx, filter).await?;
        let now = state.clock.now();
        let month = match month {
            Some(text) => Month::parse(&text, "month")?,
            None => Month::last_complete(now),
        };
        let settings = settings::load(&state.db).await?;
        let review = governance::review(&state.db, &filter, month, &settings, now).await?;
        Ok(GovernanceReport::new(review))
    }

    /// The 30-day review: MQL to SQL conversion, first response times and SLA compliance of
    /// period A (the baseline) and period B, with the change from A to B.
    async fn baseline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The baseline period.")] period_a: PeriodInput,
        #[graphql(desc = "The period compared with it.")] period_b: PeriodInput,
        #[graphql(desc = "Which teams, owners and leads (its from/to are not used).")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<BaselineComparison> {
        let a = period_a.resolve("periodA")?;
        let b = period_b.resolve("periodB")?;
        let (state, filter) = filter_for(ctx, filter).await?;
        let now = state.clock.now();
        let over = |period| ReportFilter {
            period,
            ..filter.clone()
        };
        let kpis_a = baseline::kpis(&state.db, &over(a), now).await?;
        let kpis_b = baseline::kpis(&state.db, &over(b), now).await?;
        Ok(BaselineComparison::new((a, kpis_a), (b, kpis_b)))
    }

    /// Marketing's scorecard over the leads whose `mqlAt` lies in the period: MQLs per month
    /// against the target, required-field completeness, routing time, minimum score, and
    /// sales' SLA compliance beside it.
    async fn marketing_scorecard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Period (default the last 30 days) and which leads.")] filter: Option<
            ReportFilterInput,
        >,
    ) -> async_graphql::Result<MarketingScorecard> {
        let (state, filter) = filter_for(ctx, filter).await?;
        let settings = settings::load(&state.db).await?;
        let card = scorecard::report(&state.db, &filter, &settings, state.clock.now()).await?;
        Ok(MarketingScorecard::new(filter.period, &card))
    }

    /// The clocks and leads behind a `slaCompliance` figure (same filter and kind), narrowed to
    /// one status and one group (owner, team, source, lead type, week). `totalCount` equals the
    /// figure: e.g. `status: BREACHED, teamId: X` counts the `breached` of X in `byTeam`.
    #[allow(clippy::too_many_arguments)]
    async fn sla_compliance_leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "As for slaCompliance.")] filter: Option<ReportFilterInput>,
        #[graphql(desc = "Which clocks: default FIRST_RESPONSE.")] kind: Option<SlaKind>,
        #[graphql(desc = "Which figure; omitted: every clock counted.")] status: Option<
            SlaComplianceStatus,
        >,
        #[graphql(desc = "The owner a clock is attributed to (a `byOwner` key).")] owner_id: Option<
            ID,
        >,
        #[graphql(desc = "That owner's team (a `byTeam` key).")] team_id: Option<ID>,
        #[graphql(desc = "The lead's source (a `bySource` key).")] source: Option<String>,
        #[graphql(desc = "The lead type (a `byLeadType` key).")] lead_type: Option<String>,
        #[graphql(desc = "Any instant of the week (Monday 00:00 UTC start) of a `weekly` row.")]
        week: Option<DateTime<Utc>>,
        #[graphql(desc = "Page size: default 50, at most 200.")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page: continue behind it.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<SlaComplianceLeadConnection> {
        let drill = DrillDown {
            status,
            owner_id: optional_id(owner_id.as_ref(), "ownerId")?,
            team_id: optional_id(team_id.as_ref(), "teamId")?,
            source,
            lead_type,
            week,
        };
        let first = page_size(first)?;
        let after = match after.as_deref() {
            None => None,
            Some(cursor) => Some(decode_clock_cursor(cursor).ok_or_else(|| {
                ApiError::bad_input("after", "is not a cursor from slaComplianceLeads")
            })?),
        };
        let (state, filter) = filter_for(ctx, filter).await?;
        let kind = kind_or_default(kind);
        let clocks: Vec<compliance::AttributedClock> =
            compliance::attributed(&state.db, &filter, kind.into(), state.clock.now())
                .await?
                .into_iter()
                .filter(|c| drill.includes(c))
                .collect();
        let total = clocks.len();
        let rest: Vec<&compliance::AttributedClock> = clocks
            .iter()
            .filter(|c| after.is_none_or(|id| c.clock.id > id))
            .collect();
        let page = &rest[..first.min(rest.len())];
        let lead_ids: Vec<i64> = page.iter().map(|c| c.clock.lead_id).collect();
        let by_id: HashMap<i64, leads::Model> = leads::Entity::find()
            .filter(leads::Column::Id.is_in(lead_ids))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
        let edges: Vec<SlaComplianceLeadEdge> = page
            .iter()
            .filter_map(|c| {
                let lead = by_id.get(&c.clock.lead_id)?.clone();
                Some(SlaComplianceLeadEdge {
                    cursor: encode_clock_cursor(c.clock.id),
                    node: Lead(lead),
                    clock: SlaClock(c.clock.clone()),
                    attributed_owner_id: c.owner_id.map(|i| ID(i.to_string())),
                    attributed_team_id: c.team_id.map(|i| ID(i.to_string())),
                })
            })
            .collect();
        Ok(SlaComplianceLeadConnection {
            page_info: PageInfo {
                has_previous_page: after.is_some(),
                has_next_page: page.len() < rest.len(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
            total_count: i32::try_from(total).unwrap_or(i32::MAX),
        })
    }

    /// The organisation's report settings (average deal size, monthly MQL target, routing
    /// target, MQL threshold, leakage days).
    async fn report_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<ReportSettings> {
        let (state, _) = filter_for(ctx, None).await?;
        Ok(settings::load(&state.db).await?.into())
    }
}
