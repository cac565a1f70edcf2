//! The governance report types: red flags, the baseline comparison, marketing's scorecard, the
//! report settings and the SLA compliance drill-down, converted from `crate::reports`.

use async_graphql::connection::PageInfo;
use async_graphql::{Enum, InputObject, MaybeUndefined, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use super::enums::SlaKind;
use super::lead::{Lead, SlaClock};
use crate::error::ApiError;
use crate::reports::compliance::{AttributedClock, Outcome};
use crate::reports::governance::{self, FlagCode, OffenderKind};
use crate::reports::settings::{ReportSettings as Settings, SettingsChange};
use crate::reports::{self, baseline, scorecard};

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Which maintenance red flag.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedFlagCode {
    /// A team's SLA compliance (FIRST_RESPONSE) below 80 %.
    TeamCompliance,
    /// A lead type's average business time to first response above twice its target.
    ResponseTime,
    /// One rejection reason above 40 % of the month's rejections.
    RejectionReason,
    /// Leaked leads above 10 % of the open MQLs.
    Leakage,
    /// Rejected above 50 % of the month's cohort decided by sales (accepted or rejected).
    RejectionRate,
}

impl From<FlagCode> for RedFlagCode {
    fn from(code: FlagCode) -> Self {
        match code {
            FlagCode::TeamCompliance => Self::TeamCompliance,
            FlagCode::ResponseTime => Self::ResponseTime,
            FlagCode::RejectionReason => Self::RejectionReason,
            FlagCode::Leakage => Self::Leakage,
            FlagCode::RejectionRate => Self::RejectionRate,
        }
    }
}

/// What an offender is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedFlagOffenderKind {
    Team,
    LeadType,
    RejectionReason,
    Source,
}

/// A team, lead type, rejection reason or source crossing a red flag's threshold.
#[derive(Debug, Clone, SimpleObject)]
pub struct RedFlagOffender {
    pub kind: RedFlagOffenderKind,
    /// The team's id, the lead type key, the reason code or the source (null: leads without a
    /// source).
    pub key: Option<String>,
    /// The team's name or the reason's label.
    pub label: Option<String>,
    /// Its figure: a rate or share (0-1); for RESPONSE_TIME its average seconds.
    pub figure: f64,
    /// The threshold it crosses: for RESPONSE_TIME twice its average target, in seconds.
    pub threshold: f64,
}

/// One maintenance red flag of a month.
#[derive(Debug, Clone, SimpleObject)]
pub struct RedFlag {
    pub code: RedFlagCode,
    /// What is checked.
    pub name: String,
    /// The organisation's (or the caller's teams') figure: the lowest team compliance rate,
    /// the highest average / target ratio of a lead type, the top reason's share, the leakage
    /// share, the rejection rate. Null: no data.
    pub figure: Option<f64>,
    /// 0.8, 2 (times the target), 0.4, 0.1, 0.5.
    pub threshold: f64,
    pub red: bool,
    /// Who crosses the threshold.
    pub offenders: Vec<RedFlagOffender>,
}

/// The maintenance red flags of one month (UTC).
#[derive(Debug, Clone, SimpleObject)]
pub struct GovernanceReport {
    /// `YYYY-MM`.
    pub month: String,
    /// The month's first instant (00:00 UTC on the 1st).
    pub from: DateTime<Utc>,
    /// The next month's first instant (exclusive).
    pub to: DateTime<Utc>,
    pub flags: Vec<RedFlag>,
    /// Whether any flag is red.
    pub any_red: bool,
}

impl GovernanceReport {
    pub fn new(review: governance::Review) -> Self {
        let flags: Vec<RedFlag> = review
            .flags
            .iter()
            .map(|f| RedFlag {
                code: f.code.into(),
                name: f.code.name().to_owned(),
                figure: f.figure,
                threshold: f.threshold,
                red: f.red,
                offenders: f
                    .offenders
                    .iter()
                    .map(|o| RedFlagOffender {
                        kind: match o.kind {
                            OffenderKind::Team => RedFlagOffenderKind::Team,
                            OffenderKind::LeadType => RedFlagOffenderKind::LeadType,
                            OffenderKind::Reason => RedFlagOffenderKind::RejectionReason,
                            OffenderKind::Source => RedFlagOffenderKind::Source,
                        },
                        key: o.key.clone(),
                        label: o.label.clone(),
                        figure: o.figure,
                        threshold: o.threshold,
                    })
                    .collect(),
            })
            .collect();
        Self {
            month: review.month.to_string(),
            from: review.period.from,
            to: review.period.to,
            any_red: flags.iter().any(|f| f.red),
            flags,
        }
    }
}

/// A period `[from, to)`.
#[derive(Debug, Clone, InputObject)]
pub struct PeriodInput {
    pub from: DateTime<Utc>,
    /// Exclusive; not before `from`.
    pub to: DateTime<Utc>,
}

impl PeriodInput {
    /// The period; `to` before `from` is BAD_USER_INPUT on `<field>.to`.
    pub fn resolve(&self, field: &str) -> Result<reports::Period, ApiError> {
        if self.to < self.from {
            return Err(ApiError::bad_input(
                format!("{field}.to"),
                "must not be before from",
            ));
        }
        Ok(reports::Period {
            from: self.from,
            to: self.to,
        })
    }
}

/// A figure in both periods and its change.
#[derive(Debug, Clone, SimpleObject)]
pub struct BaselineFigure {
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// b - a; null when either is null.
    pub absolute_change: Option<f64>,
    /// (b - a) / a; null when either is null or a is 0.
    pub relative_change: Option<f64>,
}

impl BaselineFigure {
    fn new(a: Option<f64>, b: Option<f64>) -> Self {
        let change = baseline::Change::between(a, b);
        Self {
            a,
            b,
            absolute_change: change.absolute,
            relative_change: change.relative,
        }
    }
}

/// The counts behind one period's figures.
#[derive(Debug, Clone, SimpleObject)]
pub struct BaselinePeriod {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Leads whose `mqlAt` lies in the period.
    pub mqls: i32,
    /// Of those, the ones that reached SQL.
    pub sqls: i32,
    /// FIRST_RESPONSE clocks started in the period and stopped (met or breached).
    pub responded: i32,
    pub met: i32,
    pub breached: i32,
}

impl BaselinePeriod {
    fn new(period: reports::Period, k: &baseline::Kpis) -> Self {
        Self {
            from: period.from,
            to: period.to,
            mqls: count(k.mqls),
            sqls: count(k.sqls),
            responded: count(k.responded),
            met: count(k.met),
            breached: count(k.breached),
        }
    }
}

/// The 30-day review: the shared KPIs of period A (the baseline) and period B, with the change.
#[derive(Debug, Clone, SimpleObject)]
pub struct BaselineComparison {
    pub period_a: BaselinePeriod,
    pub period_b: BaselinePeriod,
    /// SQL / MQL of each period's funnel cohort.
    pub mql_to_sql_conversion: BaselineFigure,
    /// Mean business seconds to first response (stopped FIRST_RESPONSE clocks).
    pub average_first_response_seconds: BaselineFigure,
    /// Median of the same.
    pub median_first_response_seconds: BaselineFigure,
    /// FIRST_RESPONSE compliance: met / (met + breached).
    pub sla_compliance_rate: BaselineFigure,
}

impl BaselineComparison {
    pub fn new(
        (period_a, a): (reports::Period, baseline::Kpis),
        (period_b, b): (reports::Period, baseline::Kpis),
    ) -> Self {
        Self {
            period_a: BaselinePeriod::new(period_a, &a),
            period_b: BaselinePeriod::new(period_b, &b),
            mql_to_sql_conversion: BaselineFigure::new(a.mql_to_sql, b.mql_to_sql),
            average_first_response_seconds: BaselineFigure::new(
                a.average_response_seconds,
                b.average_response_seconds,
            ),
            median_first_response_seconds: BaselineFigure::new(
                a.median_response_seconds,
                b.median_response_seconds,
            ),
            sla_compliance_rate: BaselineFigure::new(a.compliance_rate, b.compliance_rate),
        }
    }
}

/// MQLs delivered in one month against the target.
#[derive(Debug, Clone, SimpleObject)]
pub struct MqlMonth {
    /// `YYYY-MM` (UTC) of `mqlAt`.
    pub month: String,
    pub mqls: i32,
    /// The monthly MQL target; null: none configured.
    pub target: Option<i32>,
    /// mqls / target; null without a target.
    pub attainment: Option<f64>,
}

/// How many MQLs have one required field.
#[derive(Debug, Clone, SimpleObject)]
pub struct FieldCompleteness {
    /// The field as `LeadInput` names it.
    pub field: String,
    pub count: i32,
    /// count / MQLs; null without MQLs.
    pub share: Option<f64>,
}

/// Marketing's commitments beside sales' SLA compliance, over the leads whose `mqlAt` lies in
/// the period.
#[derive(Debug, Clone, SimpleObject)]
pub struct MarketingScorecard {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub mqls: i32,
    /// Every UTC month the period touches, oldest first.
    pub monthly: Vec<MqlMonth>,
    /// The monthly MQL target; null: none configured.
    pub monthly_mql_target: Option<i32>,
    /// MQLs with every required field (email, firstName, lastName, company, phone, source).
    pub complete: i32,
    /// complete / MQLs; null without MQLs.
    pub completeness: Option<f64>,
    /// Per required field.
    pub fields: Vec<FieldCompleteness>,
    /// MQLs assigned (to a rep or a team queue) at or after their `mqlAt`.
    pub routed: i32,
    /// MQLs not (yet) routed.
    pub unrouted: i32,
    /// The routing target in seconds (default 900, 15 minutes).
    pub routing_target_seconds: i32,
    /// Routed within the target.
    pub routed_within_target: i32,
    /// routedWithinTarget / MQLs (unrouted MQLs count against it); null without MQLs.
    pub routed_within_target_share: Option<f64>,
    /// Median seconds from `mqlAt` to the first assignment, over the routed MQLs.
    pub median_routing_seconds: Option<f64>,
    /// 90th percentile (nearest rank) of the same.
    pub p90_routing_seconds: Option<f64>,
    /// The MQL score threshold of the scoring configuration.
    pub mql_threshold: i32,
    /// MQLs whose score is at or above it.
    pub meeting_min_score: i32,
    /// meetingMinScore / MQLs; null without MQLs.
    pub meeting_min_score_share: Option<f64>,
    /// Sales' side: FIRST_RESPONSE clocks started in the period, met.
    pub sales_met: i32,
    /// … and breached.
    pub sales_breached: i32,
    /// Sales' SLA compliance rate (FIRST_RESPONSE), as in `slaCompliance`.
    pub sales_compliance_rate: Option<f64>,
}

impl MarketingScorecard {
    pub fn new(period: reports::Period, s: &scorecard::Scorecard) -> Self {
        let share = |n: usize| reports::ratio(n, s.mqls);
        Self {
            from: period.from,
            to: period.to,
            mqls: count(s.mqls),
            monthly: s
                .monthly
                .iter()
                .map(|m| MqlMonth {
                    month: m.month.to_string(),
                    mqls: count(m.mqls),
                    target: m.target,
                    attainment: m.attainment(),
                })
                .collect(),
            monthly_mql_target: s.monthly.first().and_then(|m| m.target),
            complete: count(s.complete),
            completeness: share(s.complete),
            fields: s
                .fields
                .iter()
                .map(|(field, n)| FieldCompleteness {
                    field: (*field).to_owned(),
                    count: count(*n),
                    share: share(*n),
                })
                .collect(),
            routed: count(s.routed),
            unrouted: count(s.mqls - s.routed),
            routing_target_seconds: i32::try_from(s.routing_target_seconds).unwrap_or(i32::MAX),
            routed_within_target: count(s.routed_within_target),
            routed_within_target_share: share(s.routed_within_target),
            median_routing_seconds: s.median_routing_seconds,
            p90_routing_seconds: s.p90_routing_seconds,
            mql_threshold: s.mql_threshold,
            meeting_min_score: count(s.meeting_threshold),
            meeting_min_score_share: share(s.meeting_threshold),
            sales_met: count(s.sales.met),
            sales_breached: count(s.sales.breached),
            sales_compliance_rate: s.sales.compliance_rate(),
        }
    }
}

/// The organisation's report settings.
#[derive(Debug, Clone, SimpleObject)]
pub struct ReportSettings {
    /// The average deal size leaked leads are valued at; null: not configured.
    pub average_deal_size: Option<f64>,
    /// MQLs marketing commits to each month; null: no target.
    pub monthly_mql_target: Option<i32>,
    /// Seconds within which an MQL should be routed.
    pub routing_target_seconds: i32,
    /// The score at which a lead becomes an MQL (scoring configuration).
    pub mql_threshold: i32,
    /// Days without activity after which an MQL counts as leaked.
    pub leakage_days: i32,
}

impl From<Settings> for ReportSettings {
    fn from(s: Settings) -> Self {
        Self {
            average_deal_size: s.average_deal_size,
            monthly_mql_target: s.monthly_mql_target,
            routing_target_seconds: i32::try_from(s.routing_target_seconds).unwrap_or(i32::MAX),
            mql_threshold: s.mql_threshold,
            leakage_days: i32::try_from(s.leakage_days).unwrap_or(i32::MAX),
        }
    }
}

/// A change of the report settings: an omitted field stays as it is.
#[derive(Debug, Clone, Default, InputObject)]
pub struct ReportSettingsInput {
    /// Not negative; null or 0 clears it (no loss estimate).
    pub average_deal_size: MaybeUndefined<f64>,
    /// At least 1; null clears it.
    pub monthly_mql_target: MaybeUndefined<i32>,
    /// 1 second to a week; not null.
    pub routing_target_seconds: MaybeUndefined<i32>,
}

impl TryFrom<ReportSettingsInput> for SettingsChange {
    type Error = ApiError;

    fn try_from(input: ReportSettingsInput) -> Result<Self, ApiError> {
        let routing_target_seconds = match input.routing_target_seconds {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                return Err(ApiError::bad_input(
                    "input.routingTargetSeconds",
                    "must not be null",
                ));
            }
            MaybeUndefined::Value(v) => Some(v),
        };
        let change = Self {
            average_deal_size: input.average_deal_size.as_opt_ref().map(|v| v.copied()),
            monthly_mql_target: input.monthly_mql_target.as_opt_ref().map(|v| v.copied()),
            routing_target_seconds,
        };
        change.validate()?;
        Ok(change)
    }
}

/// Which clocks of a compliance figure to list.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaComplianceStatus {
    /// Stopped at or before due (`met`).
    Met,
    /// Stopped after due, or not stopped and past due (`breached`).
    Breached,
    /// Not stopped, due in the future (`running`, approaching ones included).
    Running,
    /// The running ones at 80 % of their target or more (`approaching`).
    Approaching,
    /// Cancelled with the lead (`cancelled`).
    Cancelled,
}

impl SlaComplianceStatus {
    /// Whether a clock counts in this figure.
    pub fn includes(self, outcome: Outcome) -> bool {
        match (self, outcome) {
            (Self::Met, Outcome::Met) | (Self::Breached, Outcome::Breached) => true,
            (Self::Running, Outcome::Running { .. }) => true,
            (Self::Approaching, Outcome::Running { approaching }) => approaching,
            (Self::Cancelled, Outcome::Cancelled) => true,
            _ => false,
        }
    }
}

/// A lead behind an SLA compliance figure, with the clock that counts.
#[derive(Debug, Clone, SimpleObject)]
pub struct SlaComplianceLeadEdge {
    /// Opaque; pass it as `after` to continue behind this clock.
    pub cursor: String,
    pub node: Lead,
    /// The clock counted (a lead has one per start, so a lead re-qualified in the period may
    /// appear once per clock).
    pub clock: SlaClock,
    /// The owner the clock is attributed to (the lead's owner at min(stop, due, now)).
    pub attributed_owner_id: Option<async_graphql::ID>,
    /// That owner's team.
    pub attributed_team_id: Option<async_graphql::ID>,
}

/// The clocks (and their leads) behind a `slaCompliance` figure, in clock order; `totalCount`
/// is the figure.
#[derive(SimpleObject)]
pub struct SlaComplianceLeadConnection {
    pub edges: Vec<SlaComplianceLeadEdge>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

/// The cursor of a clock in the drill-down.
pub fn encode_clock_cursor(clock_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("clock:{clock_id}"))
}

/// The clock id of a drill-down cursor.
pub fn decode_clock_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("clock:")?
        .parse()
        .ok()
}

/// What narrows the drill-down beyond the report filter: one group of the report.
#[derive(Debug, Clone, Default)]
pub struct DrillDown {
    pub status: Option<SlaComplianceStatus>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub source: Option<String>,
    pub lead_type: Option<String>,
    /// The Monday 00:00 UTC of a weekly group.
    pub week: Option<DateTime<Utc>>,
}

impl DrillDown {
    pub fn includes(&self, clock: &AttributedClock) -> bool {
        self.status.is_none_or(|s| s.includes(clock.outcome))
            && self.owner_id.is_none_or(|o| clock.owner_id == Some(o))
            && self.team_id.is_none_or(|t| clock.team_id == Some(t))
            && self
                .source
                .as_ref()
                .is_none_or(|s| clock.source.as_deref() == Some(s.as_str()))
            && self
                .lead_type
                .as_ref()
                .is_none_or(|t| &clock.lead_type == t)
            && self.week.is_none_or(|w| {
                reports::week_start(clock.clock.started_at) == reports::week_start(w)
            })
    }
}

/// The kind a drill-down lists: default FIRST_RESPONSE, as `slaCompliance`.
pub fn kind_or_default(kind: Option<SlaKind>) -> SlaKind {
    kind.unwrap_or(SlaKind::FirstResponse)
}
