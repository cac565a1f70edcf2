//! The report types (CONTRACT.md sections 5 and 6), converted from `crate::reports`.

use async_graphql::{ComplexObject, Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use super::enums::{LeadStatus, SlaKind};
use super::intake::LeadConnection;
use crate::error::ApiError;
use crate::graphql::parse_id;
use crate::handoff::leads as lead_queries;
use crate::reports::{self, compliance, feedback, funnel, leakage};

/// What every report is narrowed by. A given list matches only its members (an empty list
/// matches nothing); an omitted one everything.
#[derive(Debug, Clone, Default, InputObject)]
#[graphql(name = "ReportFilter")]
pub struct ReportFilterInput {
    /// Start of the period, inclusive; default `to` minus 30 days.
    pub from: Option<DateTime<Utc>>,
    /// End of the period, exclusive; default now. Must not be before `from`.
    pub to: Option<DateTime<Utc>>,
    /// Teams: for SLA compliance the team of the owner a clock is attributed to, otherwise the
    /// lead's current team.
    pub team_ids: Option<Vec<ID>>,
    /// Owners: for SLA compliance the owner a clock is attributed to, otherwise the lead's
    /// current owner.
    pub owner_ids: Option<Vec<ID>>,
    pub sources: Option<Vec<String>>,
    pub campaigns: Option<Vec<String>>,
    /// Lead type keys.
    pub lead_types: Option<Vec<String>>,
}

fn ids(list: Option<Vec<ID>>, field: &str) -> Result<Option<Vec<i64>>, ApiError> {
    list.map(|ids| {
        ids.iter()
            .enumerate()
            .map(|(i, id)| parse_id(id, &format!("{field}[{i}]")).map_err(ApiError::from))
            .collect()
    })
    .transpose()
}

impl ReportFilterInput {
    /// The domain filter, with the contract's default period.
    pub fn resolve(self, now: DateTime<Utc>) -> Result<reports::ReportFilter, ApiError> {
        Ok(reports::ReportFilter {
            period: reports::Period::resolve(self.from, self.to, now)?,
            team_ids: ids(self.team_ids, "filter.teamIds")?,
            owner_ids: ids(self.owner_ids, "filter.ownerIds")?,
            sources: self.sources,
            campaigns: self.campaigns,
            lead_types: self.lead_types,
        })
    }
}

/// Where a clock's business time to first response falls against its target.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseTimeBucket {
    /// Under 80 % of the target.
    UnderTarget,
    /// At 80 % of the target or more, not breached.
    Approaching,
    /// Breached.
    Breached,
}

/// How many clocks fall in a bucket.
#[derive(Debug, Clone, SimpleObject)]
pub struct ResponseTimeCount {
    pub bucket: ResponseTimeBucket,
    pub count: i32,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The compliance of one owner, team, source, lead type or week.
#[derive(Debug, Clone, SimpleObject)]
pub struct SlaComplianceGroup {
    /// The owner's or team's id, the source, or the lead type key; null: none (a lead without
    /// source, a clock of a lead waiting in a queue, an owner without team).
    pub key: Option<String>,
    /// The owner's or team's name; null for sources and lead types.
    pub label: Option<String>,
    /// For the weekly trend: the Monday 00:00 UTC the week starts.
    pub week_start: Option<DateTime<Utc>>,
    /// Stopped at or before due.
    pub met: i32,
    /// Stopped after due, or not stopped and past due.
    pub breached: i32,
    /// Not stopped, due in the future (paused ones included).
    pub running: i32,
    /// The running ones at 80 % of their target or more.
    pub approaching: i32,
    /// Cancelled with the lead (converted, recycled, disqualified): neither met nor breached.
    pub cancelled: i32,
    /// met / (met + breached); null when both are 0.
    pub compliance_rate: Option<f64>,
    /// Mean business seconds from start to stop over the stopped (met or breached) clocks.
    pub average_response_seconds: Option<f64>,
    /// Mean target in seconds of the same clocks, to compare the average response with.
    pub average_target_seconds: Option<f64>,
}

impl SlaComplianceGroup {
    fn new(key: Option<String>, label: Option<String>, f: &compliance::Figures) -> Self {
        Self {
            key,
            label,
            week_start: None,
            met: count(f.met),
            breached: count(f.breached),
            running: count(f.running),
            approaching: count(f.approaching),
            cancelled: count(f.cancelled),
            compliance_rate: f.compliance_rate(),
            average_response_seconds: f.average_response_seconds(),
            average_target_seconds: f.average_target_seconds(),
        }
    }
}

/// SLA compliance over a period: the clocks of one kind whose start lies in it.
#[derive(Debug, Clone, SimpleObject)]
pub struct SlaComplianceReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub kind: SlaKind,
    /// Stopped at or before due.
    pub met: i32,
    /// Stopped after due, or not stopped and past due.
    pub breached: i32,
    /// Not stopped, due in the future.
    pub running: i32,
    /// The running ones at 80 % of their target or more.
    pub approaching: i32,
    /// Cancelled with the lead: neither met nor breached.
    pub cancelled: i32,
    /// met / (met + breached); null when both are 0.
    pub compliance_rate: Option<f64>,
    /// Mean business seconds from start to stop of the stopped clocks.
    pub average_response_seconds: Option<f64>,
    /// Mean target of the same clocks.
    pub average_target_seconds: Option<f64>,
    /// By the owner each clock is attributed to (the lead's owner at min(stop, due, now)).
    pub by_owner: Vec<SlaComplianceGroup>,
    /// By that owner's team.
    pub by_team: Vec<SlaComplianceGroup>,
    pub by_source: Vec<SlaComplianceGroup>,
    /// By lead type, with the average response against the target.
    pub by_lead_type: Vec<SlaComplianceGroup>,
    /// By the week (Monday 00:00 UTC) the clocks started, oldest first.
    pub weekly: Vec<SlaComplianceGroup>,
    /// The met, breached and running clocks by business time elapsed against their target.
    pub response_times: Vec<ResponseTimeCount>,
}

impl SlaComplianceReport {
    pub fn new(period: reports::Period, kind: SlaKind, r: compliance::ComplianceReport) -> Self {
        let t = &r.total;
        Self {
            from: period.from,
            to: period.to,
            kind,
            met: count(t.met),
            breached: count(t.breached),
            running: count(t.running),
            approaching: count(t.approaching),
            cancelled: count(t.cancelled),
            compliance_rate: t.compliance_rate(),
            average_response_seconds: t.average_response_seconds(),
            average_target_seconds: t.average_target_seconds(),
            by_owner: r
                .by_owner
                .iter()
                .map(|(id, name, f)| {
                    SlaComplianceGroup::new(id.map(|i| i.to_string()), name.clone(), f)
                })
                .collect(),
            by_team: r
                .by_team
                .iter()
                .map(|(id, name, f)| {
                    SlaComplianceGroup::new(id.map(|i| i.to_string()), name.clone(), f)
                })
                .collect(),
            by_source: r
                .by_source
                .iter()
                .map(|(k, f)| SlaComplianceGroup::new(k.clone(), None, f))
                .collect(),
            by_lead_type: r
                .by_lead_type
                .iter()
                .map(|(k, f)| SlaComplianceGroup::new(Some(k.clone()), None, f))
                .collect(),
            weekly: r
                .weekly
                .iter()
                .map(|(week, f)| SlaComplianceGroup {
                    week_start: Some(*week),
                    ..SlaComplianceGroup::new(None, None, f)
                })
                .collect(),
            response_times: r
                .distribution
                .iter()
                .map(|(b, n)| ResponseTimeCount {
                    bucket: match b {
                        compliance::ResponseBucket::UnderTarget => ResponseTimeBucket::UnderTarget,
                        compliance::ResponseBucket::Approaching => ResponseTimeBucket::Approaching,
                        compliance::ResponseBucket::Breached => ResponseTimeBucket::Breached,
                    },
                    count: count(*n),
                })
                .collect(),
        }
    }
}

/// One stage of the funnel.
#[derive(Debug, Clone, SimpleObject)]
pub struct FunnelStage {
    pub stage: LeadStatus,
    /// Cohort leads that reached the stage (have its stamp).
    pub count: i32,
    /// count / the previous stage's count; null for MQL or when the previous count is 0.
    pub conversion_from_previous: Option<f64>,
    /// Median calendar hours from the previous stage's stamp, over leads having both.
    pub median_hours_from_previous: Option<f64>,
    /// Mean of the same.
    pub mean_hours_from_previous: Option<f64>,
}

fn stages(list: &[funnel::Stage]) -> Vec<FunnelStage> {
    list.iter()
        .map(|s| FunnelStage {
            stage: s.stage.into(),
            count: count(s.count),
            conversion_from_previous: s.conversion_from_previous,
            median_hours_from_previous: s.median_hours_from_previous,
            mean_hours_from_previous: s.mean_hours_from_previous,
        })
        .collect()
}

/// The funnel of the leads of one source or campaign.
#[derive(Debug, Clone, SimpleObject)]
pub struct FunnelGroup {
    /// The source or campaign; null: leads without one.
    pub key: Option<String>,
    pub stages: Vec<FunnelStage>,
}

/// The funnel of the cohort of leads whose `mqlAt` lies in the period.
#[derive(Debug, Clone, SimpleObject)]
pub struct FunnelReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// MQL, SAL, SQL, OPPORTUNITY.
    pub stages: Vec<FunnelStage>,
    pub by_source: Vec<FunnelGroup>,
    pub by_campaign: Vec<FunnelGroup>,
}

impl FunnelReport {
    pub fn new(period: reports::Period, r: &funnel::FunnelReport) -> Self {
        let groups = |list: &[(Option<String>, Vec<funnel::Stage>)]| {
            list.iter()
                .map(|(k, s)| FunnelGroup {
                    key: k.clone(),
                    stages: stages(s),
                })
                .collect()
        };
        Self {
            from: period.from,
            to: period.to,
            stages: stages(&r.stages),
            by_source: groups(&r.by_source),
            by_campaign: groups(&r.by_campaign),
        }
    }
}

/// Rejections with one reason code.
#[derive(Debug, Clone, SimpleObject)]
pub struct RejectionReasonCount {
    pub code: String,
    pub count: i32,
    /// count / all rejections of the period (or of the week, in the weekly trend).
    pub share: f64,
}

fn reasons(list: &[feedback::ReasonCount]) -> Vec<RejectionReasonCount> {
    list.iter()
        .map(|r| RejectionReasonCount {
            code: r.code.clone(),
            count: count(r.count),
            share: r.share,
        })
        .collect()
}

/// The rejections of one week.
#[derive(Debug, Clone, SimpleObject)]
pub struct RejectionWeek {
    /// The Monday 00:00 UTC the week starts.
    pub week_start: DateTime<Utc>,
    pub rejections: i32,
    pub reasons: Vec<RejectionReasonCount>,
}

/// Lead quality of one source or campaign, over the funnel cohort.
#[derive(Debug, Clone, SimpleObject)]
pub struct LeadQuality {
    /// The source (in `bySource`); null there: leads without one.
    pub source: Option<String>,
    /// The campaign (in `byCampaign` and `campaignRanking`); null there: leads without one.
    pub campaign: Option<String>,
    pub mqls: i32,
    /// Cohort leads sales accepted (with `salAt`).
    pub accepted: i32,
    /// Cohort leads sales rejected in this round.
    pub rejected: i32,
    /// Cohort leads that reached SQL.
    pub sqls: i32,
    /// accepted / (accepted + rejected): the lead quality score; null when both are 0.
    pub acceptance_rate: Option<f64>,
    /// SQL / MQL.
    pub sql_rate: Option<f64>,
}

fn quality(q: &feedback::Quality, by_campaign: bool) -> LeadQuality {
    LeadQuality {
        source: (!by_campaign).then(|| q.key.clone()).flatten(),
        campaign: by_campaign.then(|| q.key.clone()).flatten(),
        mqls: count(q.mqls),
        accepted: count(q.accepted),
        rejected: count(q.rejected),
        sqls: count(q.sqls),
        acceptance_rate: q.acceptance_rate(),
        sql_rate: q.sql_rate(),
    }
}

/// Why sales rejects marketing's leads, and the quality of each source and campaign.
#[derive(Debug, Clone, SimpleObject)]
pub struct FeedbackReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Rejections in the period.
    pub rejections: i32,
    /// By reason code, most frequent first.
    pub rejection_reasons: Vec<RejectionReasonCount>,
    /// By week, oldest first.
    pub weekly: Vec<RejectionWeek>,
    pub by_source: Vec<LeadQuality>,
    pub by_campaign: Vec<LeadQuality>,
    /// Campaigns by SQL rate, best first (ties: more MQLs first, then by name).
    pub campaign_ranking: Vec<LeadQuality>,
}

impl FeedbackReport {
    pub fn new(period: reports::Period, r: &feedback::FeedbackReport) -> Self {
        Self {
            from: period.from,
            to: period.to,
            rejections: count(r.rejections),
            rejection_reasons: reasons(&r.reasons),
            weekly: r
                .weekly
                .iter()
                .map(|(week, n, list)| RejectionWeek {
                    week_start: *week,
                    rejections: count(*n),
                    reasons: reasons(list),
                })
                .collect(),
            by_source: r.by_source.iter().map(|q| quality(q, false)).collect(),
            by_campaign: r.by_campaign.iter().map(|q| quality(q, true)).collect(),
            campaign_ranking: r
                .campaign_ranking
                .iter()
                .map(|q| quality(q, true))
                .collect(),
        }
    }
}

/// Leads stuck in MQL: owned, neither accepted nor rejected, no activity for `staleDays`.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct LeakageReport {
    pub stale_days: i32,
    /// Leaked leads.
    pub count: i32,
    /// Leads now in MQL (owned) passing the filter.
    pub open_mqls: i32,
    /// count / openMqls; null when there are none.
    pub share: Option<f64>,
    /// The organisation's average deal size (`reportSettings`); null: not configured.
    pub average_deal_size: Option<f64>,
    /// count × averageDealSize: what the leaked leads may cost; null without a deal size.
    pub estimated_loss: Option<f64>,
    #[graphql(skip)]
    pub report: leakage::LeakageReport,
    #[graphql(skip)]
    pub filter: reports::ReportFilter,
}

impl LeakageReport {
    /// The report, valuing the leaked leads at `average_deal_size` when there is one.
    pub fn new(
        r: leakage::LeakageReport,
        filter: reports::ReportFilter,
        average_deal_size: Option<f64>,
    ) -> Self {
        Self {
            average_deal_size,
            estimated_loss: average_deal_size.map(|size| r.leaked as f64 * size),
            stale_days: i32::try_from(r.stale_days).unwrap_or(i32::MAX),
            count: count(r.leaked),
            open_mqls: count(r.open_mqls),
            share: r.share(),
            report: r,
            filter,
        }
    }
}

#[ComplexObject]
impl LeakageReport {
    /// The leaked leads, least recently active first (Relay connection).
    async fn leads(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(desc = "Page size: default 50, at most 200.")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page: continue behind it.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<LeadConnection> {
        let first = match first {
            None => lead_queries::DEFAULT_PAGE,
            Some(n) if n < 0 => {
                return Err(ApiError::bad_input("first", "must not be negative").into());
            }
            Some(n) => u64::try_from(n).unwrap_or(0).min(lead_queries::MAX_PAGE),
        };
        let after_id = match after.as_deref() {
            None => None,
            Some(cursor) => Some(
                lead_queries::decode_cursor(cursor)
                    .ok_or_else(|| ApiError::bad_input("after", "is not a cursor from leads"))?,
            ),
        };
        let state = crate::graphql::state(ctx)?;
        let mut leads = leakage::leaked_leads(
            &state.db,
            &self.filter,
            self.report.cutoff,
            after_id,
            Some(first + 1),
        )
        .await?;
        let has_next_page = leads.len() as u64 > first;
        leads.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        let page = lead_queries::LeadPage {
            leads,
            total_count: u64::try_from(self.report.leaked).unwrap_or(u64::MAX),
            has_next_page,
        };
        Ok(LeadConnection::from_page(page, after.is_some()))
    }
}
