//! The reports: `slaCompliance`, `funnel`, `feedback`, `leakage` (CONTRACT.md section 6).
//!
//! Admins and marketing ops see the organisation; managers only their teams
//! (`auth::permissions::report_scope`); reps and integrations are refused.

use async_graphql::{Context, Object};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::state;
use crate::graphql::types::enums::SlaKind;
use crate::graphql::types::reports::{
    FeedbackReport, FunnelReport, LeakageReport, ReportFilterInput, SlaComplianceReport,
};
use crate::reports::{self, compliance, feedback, funnel, leakage};
use crate::state::AppState;

#[derive(Default)]
pub struct ReportsQuery;

/// The caller's filter, resolved and narrowed to the teams they may see.
pub(crate) async fn filter_for<'a>(
    ctx: &Context<'a>,
    filter: Option<ReportFilterInput>,
) -> Result<(&'a AppState, reports::ReportFilter), ApiError> {
    let principal = auth::authorize(ctx, Permission::ViewReports)?;
    let state = state(ctx)?;
    let filter = filter.unwrap_or_default().resolve(state.clock.now())?;
    let filter = reports::access::scoped(&state.db, principal, filter).await?;
    Ok((state, filter))
}

#[Object]
impl ReportsQuery {
    /// SLA compliance: the clocks of one kind (default FIRST_RESPONSE) whose start lies in the
    /// period, as met, breached, running and approaching, overall and by owner, team, source,
    /// lead type and week.
    async fn sla_compliance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Period (default the last 30 days) and who and what to count.")]
        filter: Option<ReportFilterInput>,
        #[graphql(desc = "Which clocks: default FIRST_RESPONSE.")] kind: Option<SlaKind>,
    ) -> async_graphql::Result<SlaComplianceReport> {
        let (state, filter) = filter_for(ctx, filter).await?;
        let kind = kind.unwrap_or(SlaKind::FirstResponse);
        let report = compliance::report(&state.db, &filter, kind.into(), state.clock.now()).await?;
        Ok(SlaComplianceReport::new(filter.period, kind, report))
    }

    /// The funnel of the leads whose `mqlAt` lies in the period: stage counts, conversions and
    /// cycle times, overall, by source and by campaign.
    async fn funnel(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Period (default the last 30 days) and which leads.")] filter: Option<
            ReportFilterInput,
        >,
    ) -> async_graphql::Result<FunnelReport> {
        let (state, filter) = filter_for(ctx, filter).await?;
        let report = funnel::report(&state.db, &filter).await?;
        Ok(FunnelReport::new(filter.period, &report))
    }

    /// The feedback loop: rejection reasons of the period, and acceptance and SQL rates by
    /// source and campaign over the funnel cohort.
    async fn feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Period (default the last 30 days) and which leads.")] filter: Option<
            ReportFilterInput,
        >,
    ) -> async_graphql::Result<FeedbackReport> {
        let (state, filter) = filter_for(ctx, filter).await?;
        let report = feedback::report(&state.db, &filter).await?;
        Ok(FeedbackReport::new(filter.period, &report))
    }

    /// Leads stuck in MQL without activity for more than `staleDays` days, as of now (the
    /// filter's period does not apply), and what they may cost at the average deal size.
    async fn leakage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which leads (the period is ignored).")] filter: Option<ReportFilterInput>,
        #[graphql(desc = "Days without activity that make a lead leaked: default 7.")]
        stale_days: Option<i32>,
    ) -> async_graphql::Result<LeakageReport> {
        let stale_days = match stale_days {
            None => leakage::DEFAULT_STALE_DAYS,
            Some(d) if d < 0 => {
                return Err(ApiError::bad_input("staleDays", "must not be negative").into());
            }
            Some(d) => i64::from(d),
        };
        let (state, filter) = filter_for(ctx, filter).await?;
        let report = leakage::report(&state.db, &filter, stale_days, state.clock.now()).await?;
        let deal_size = reports::settings::load(&state.db).await?.average_deal_size;
        Ok(LeakageReport::new(report, filter, deal_size))
    }
}
