//! Marketing's scorecard: what marketing committed to, beside sales' SLA compliance.
//!
//! Over the funnel cohort of the filter (leads whose `mqlAt` lies in the period):
//! - MQLs delivered per UTC calendar month of `mqlAt`, every month the period touches, against
//!   the configured monthly MQL target (`attainment` = delivered / target);
//! - completeness of the required lead fields ([`REQUIRED_FIELDS`]: e-mail, first and last
//!   name, company, phone, source; a field counts when it is present and not blank): the share
//!   of MQLs having all of them, and the share having each;
//! - routing: the seconds from `mqlAt` (when marketing hands the lead over; for a lead that
//!   arrives qualified, its arrival) to its first assignment at or after it (to a rep or a team
//!   queue). Median and 90th percentile (nearest rank) over the routed MQLs; the share of all
//!   MQLs routed within the routing target (default 15 minutes); unrouted MQLs count against it;
//! - the share of MQLs whose score meets the MQL threshold of the scoring configuration (a
//!   lead made an MQL by its lead type or by backfilled history may be below it);
//! - beside it, sales' side: the SLA compliance rate (FIRST_RESPONSE) over the same filter.

use chrono::{DateTime, Duration, Utc};
use handoff_shared::domain::SlaKind;
pub use handoff_shared::lead::REQUIRED_FIELDS;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _, FromQueryResult, QueryFilter as _,
    QueryResult, QuerySelect as _,
};

use super::compliance;
use super::governance::Month;
use super::settings::ReportSettings;
use super::{ReportFilter, median, ratio};
use crate::entities::leads;
use crate::error::ApiError;

/// The longest period the scorecard lists month by month.
pub const MAX_MONTHS: usize = 120;

/// MQLs delivered in one month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthVolume {
    pub month: Month,
    pub mqls: usize,
    pub target: Option<i32>,
}

impl MonthVolume {
    /// mqls / target; none without a target.
    pub fn attainment(&self) -> Option<f64> {
        let target = usize::try_from(self.target?).ok()?;
        ratio(self.mqls, target)
    }
}

/// The scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub mqls: usize,
    pub monthly: Vec<MonthVolume>,
    /// MQLs with every required field.
    pub complete: usize,
    /// Per required field, the MQLs having it.
    pub fields: Vec<(&'static str, usize)>,
    pub routed: usize,
    pub routed_within_target: usize,
    pub routing_target_seconds: i64,
    pub median_routing_seconds: Option<f64>,
    pub p90_routing_seconds: Option<f64>,
    pub mql_threshold: i32,
    pub meeting_threshold: usize,
    /// Sales' FIRST_RESPONSE compliance over the same filter.
    pub sales: compliance::Figures,
}

/// The nearest-rank percentile `p` (0-100] of `values`; none when empty.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p / 100.0 * values.len() as f64).ceil().max(1.0) as usize;
    values.get(rank.min(values.len()) - 1).copied()
}

/// The months `period` touches, oldest first.
fn months(filter: &ReportFilter) -> Result<Vec<Month>, ApiError> {
    let period = filter.period;
    let mut out = Vec::new();
    if period.to <= period.from {
        return Ok(out);
    }
    let last = Month::of(period.to - Duration::microseconds(1));
    let mut month = Month::of(period.from);
    while month <= last {
        if out.len() == MAX_MONTHS {
            return Err(ApiError::bad_input(
                "filter.from",
                format!("the period may span at most {MAX_MONTHS} months"),
            ));
        }
        out.push(month);
        month = month.next();
    }
    Ok(out)
}

/// The cohort of the filter (leads whose `mqlAt` lies in `[from, to)`), as a query to narrow.
fn cohort(
    filter: &ReportFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> sea_orm::Select<leads::Entity> {
    leads::Entity::find()
        .select_only()
        .filter(filter.lead_condition())
        .filter(leads::Column::MqlAt.gte(from))
        .filter(leads::Column::MqlAt.lt(to))
}

/// `CAST(SUM(CASE WHEN <condition> THEN 1 ELSE 0 END) AS BIGINT)`, 0 over no rows.
fn count_where(condition: &str) -> SimpleExpr {
    Expr::cust(format!(
        "CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)"
    ))
}

/// The cohort's counts, in one row.
#[derive(Debug, Default)]
struct CohortCounts {
    mqls: i64,
    complete: i64,
    meeting: i64,
    /// Per required field (`field0`..), the MQLs having it.
    fields: [i64; REQUIRED_FIELDS.len()],
}

impl FromQueryResult for CohortCounts {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        let mut fields = [0; REQUIRED_FIELDS.len()];
        for (bit, field) in fields.iter_mut().enumerate() {
            *field = row.try_get(pre, &format!("field{bit}"))?;
        }
        Ok(Self {
            mqls: row.try_get(pre, "mqls")?,
            complete: row.try_get(pre, "complete")?,
            meeting: row.try_get(pre, "meeting")?,
            fields,
        })
    }
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// The scorecard of the filter, as of `now`: counted in SQL over the scorecard index (the
/// lead's stored `missing_fields` and `routed_at`), with the routing times read narrow for
/// their median and 90th percentile.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    settings: &ReportSettings,
    now: DateTime<Utc>,
) -> Result<Scorecard, ApiError> {
    let months = months(filter)?;
    let period = filter.period;

    // One pass: MQLs, complete, each field, meeting the threshold (an i32, written
    // into the SQL as a number).
    let mut query = cohort(filter, period.from, period.to)
        .expr_as(Expr::cust("COUNT(*)"), "mqls")
        .expr_as(count_where("missing_fields = 0"), "complete")
        .expr_as(
            count_where(&format!("score >= {}", settings.mql_threshold)),
            "meeting",
        );
    for bit in 0..REQUIRED_FIELDS.len() {
        query = query.expr_as(
            count_where(&format!("(missing_fields & {}) = 0", 1 << bit)),
            format!("field{bit}"),
        );
    }
    let counts = query
        .into_model::<CohortCounts>()
        .one(db)
        .await?
        .unwrap_or_default();
    let fields = REQUIRED_FIELDS
        .iter()
        .zip(counts.fields)
        .map(|(field, n)| (*field, count(n)))
        .collect();

    let mut monthly = Vec::with_capacity(months.len());
    for month in months {
        let span = month.period();
        let (n,): (i64,) = cohort(filter, span.from.max(period.from), span.to.min(period.to))
            .expr(Expr::cust("COUNT(*)"))
            .into_tuple()
            .one(db)
            .await?
            .unwrap_or_default();
        monthly.push(MonthVolume {
            month,
            mqls: count(n),
            target: settings.monthly_mql_target,
        });
    }

    let stamps: Vec<(DateTime<Utc>, DateTime<Utc>)> = cohort(filter, period.from, period.to)
        .column(leads::Column::MqlAt)
        .column(leads::Column::RoutedAt)
        .filter(leads::Column::RoutedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut routing: Vec<f64> = stamps
        .iter()
        .map(|(mql, routed)| (*routed - *mql).num_milliseconds() as f64 / 1000.0)
        .collect();
    let target = settings.routing_target_seconds as f64;
    let routed_within_target = routing.iter().filter(|s| **s <= target).count();

    let (sales, _) = compliance::totals(db, filter, SlaKind::FirstResponse, now).await?;
    Ok(Scorecard {
        mqls: count(counts.mqls),
        monthly,
        complete: count(counts.complete),
        fields,
        routed: routing.len(),
        routed_within_target,
        routing_target_seconds: settings.routing_target_seconds,
        median_routing_seconds: median(&mut routing),
        p90_routing_seconds: percentile(&mut routing, 90.0),
        mql_threshold: settings.mql_threshold,
        meeting_threshold: count(counts.meeting),
        sales,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&mut ten, 90.0), Some(9.0));
        assert_eq!(percentile(&mut [5.0], 90.0), Some(5.0));
        assert_eq!(percentile(&mut [3.0, 1.0, 2.0], 90.0), Some(3.0));
        assert_eq!(percentile(&mut [], 90.0), None);
    }
}
