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

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use handoff_shared::domain::SlaKind;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait as _, Condition};

use super::compliance::{self, assignments_of};
use super::governance::Month;
use super::settings::ReportSettings;
use super::{ReportFilter, funnel, median, ratio};
use crate::entities::leads;
use crate::error::ApiError;

/// The longest period the scorecard lists month by month.
pub const MAX_MONTHS: usize = 120;

/// The lead fields marketing must fill for every MQL, as named in the API.
pub const REQUIRED_FIELDS: [&str; 6] = [
    "email",
    "firstName",
    "lastName",
    "company",
    "phone",
    "source",
];

fn field_value<'a>(lead: &'a leads::Model, field: &str) -> Option<&'a str> {
    match field {
        "email" => Some(lead.email.as_str()),
        "firstName" => lead.first_name.as_deref(),
        "lastName" => lead.last_name.as_deref(),
        "company" => lead.company.as_deref(),
        "phone" => lead.phone.as_deref(),
        "source" => lead.source.as_deref(),
        _ => None,
    }
}

fn has(lead: &leads::Model, field: &str) -> bool {
    field_value(lead, field).is_some_and(|v| !v.trim().is_empty())
}

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

/// The scorecard of the filter, as of `now`.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    settings: &ReportSettings,
    now: DateTime<Utc>,
) -> Result<Scorecard, ApiError> {
    let months = months(filter)?;
    let cohort = funnel::cohort(db, filter).await?;

    let mut per_month: BTreeMap<Month, usize> = BTreeMap::new();
    for lead in &cohort {
        if let Some(at) = lead.mql_at {
            *per_month.entry(Month::of(at)).or_default() += 1;
        }
    }
    let monthly = months
        .into_iter()
        .map(|month| MonthVolume {
            month,
            mqls: per_month.get(&month).copied().unwrap_or(0),
            target: settings.monthly_mql_target,
        })
        .collect();

    let complete = cohort
        .iter()
        .filter(|l| REQUIRED_FIELDS.iter().all(|f| has(l, f)))
        .count();
    let fields = REQUIRED_FIELDS
        .iter()
        .map(|f| (*f, cohort.iter().filter(|l| has(l, f)).count()))
        .collect();

    // The cohort's assignments: the same rows the compliance report attributes clocks with.
    let cohort_ids = Query::select()
        .column(leads::Column::Id)
        .from(leads::Entity)
        .cond_where(
            Condition::all()
                .add(filter.lead_condition())
                .add(leads::Column::MqlAt.gte(filter.period.from))
                .add(leads::Column::MqlAt.lt(filter.period.to)),
        )
        .to_owned();
    let assignments = assignments_of(db, cohort_ids).await?;
    let mut routing: Vec<f64> = cohort
        .iter()
        .filter_map(|lead| {
            let mql = lead.mql_at?;
            let routed = assignments
                .get(&lead.id)?
                .iter()
                .map(|(at, _, _)| *at)
                .find(|at| *at >= mql)?;
            Some((routed - mql).num_milliseconds() as f64 / 1000.0)
        })
        .collect();
    let target = settings.routing_target_seconds as f64;
    let routed_within_target = routing.iter().filter(|s| **s <= target).count();

    let sales = compliance::report(db, filter, SlaKind::FirstResponse, now)
        .await?
        .total;
    Ok(Scorecard {
        mqls: cohort.len(),
        monthly,
        complete,
        fields,
        routed: routing.len(),
        routed_within_target,
        routing_target_seconds: settings.routing_target_seconds,
        median_routing_seconds: median(&mut routing),
        p90_routing_seconds: percentile(&mut routing, 90.0),
        mql_threshold: settings.mql_threshold,
        meeting_threshold: cohort
            .iter()
            .filter(|l| l.score >= settings.mql_threshold)
            .count(),
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
