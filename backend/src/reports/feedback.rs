//! The feedback loop (CONTRACT.md section 6): why sales rejects marketing's leads, and how good
//! each source and campaign is.
//!
//! - Rejection reasons: the `rejected` events whose time lies in the period (of leads passing
//!   the filter), by reason code, with their share of all those rejections, overall and by week.
//! - By source and by campaign, over the funnel cohort (leads whose `mqlAt` lies in the
//!   period): accepted = cohort leads with `salAt`, rejected = cohort leads with a `rejected`
//!   event at or after their `mqlAt` (their latest rejection, `rejected_at`, is); `acceptanceRate` = accepted / (accepted + rejected),
//!   `sqlRate` = SQL / MQL.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseBackend, EntityTrait as _, QueryFilter as _,
    QuerySelect as _,
};

use super::{ReportFilter, ratio, weeks};
use crate::entities::{lead_events, leads};
use crate::error::ApiError;

/// Rejections with one reason code.
#[derive(Debug, Clone, PartialEq)]
pub struct ReasonCount {
    pub code: String,
    pub count: usize,
    /// count / all rejections of the same set.
    pub share: f64,
}

/// The quality of a group of the cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    pub key: Option<String>,
    pub mqls: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub sqls: usize,
}

impl Quality {
    pub fn acceptance_rate(&self) -> Option<f64> {
        ratio(self.accepted, self.accepted + self.rejected)
    }

    pub fn sql_rate(&self) -> Option<f64> {
        ratio(self.sqls, self.mqls)
    }
}

/// The feedback report.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackReport {
    pub rejections: usize,
    /// Most frequent first, then by code.
    pub reasons: Vec<ReasonCount>,
    /// By the week (Monday 00:00 UTC) of the rejection, oldest first.
    pub weekly: Vec<(DateTime<Utc>, usize, Vec<ReasonCount>)>,
    pub by_source: Vec<Quality>,
    pub by_campaign: Vec<Quality>,
    /// The campaigns by SQL rate, best first (then more MQLs first, then by name).
    pub campaign_ranking: Vec<Quality>,
}

fn reason_counts(counts: &BTreeMap<String, usize>) -> Vec<ReasonCount> {
    let total: usize = counts.values().sum();
    let mut out: Vec<ReasonCount> = counts
        .iter()
        .map(|(code, count)| ReasonCount {
            code: code.clone(),
            count: *count,
            share: ratio(*count, total).unwrap_or(0.0),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    out
}

/// The feedback over the filter.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
) -> Result<FeedbackReport, ApiError> {
    let mut all: BTreeMap<String, usize> = BTreeMap::new();
    let mut weekly = Vec::new();
    for (week, from, to) in weeks(filter.period) {
        let counts = rejections_between(db, filter, from, to).await?;
        if counts.is_empty() {
            continue;
        }
        for (code, count) in &counts {
            *all.entry(code.clone()).or_default() += count;
        }
        weekly.push((week, counts.values().sum(), reason_counts(&counts)));
    }

    let by_source = quality_by(db, filter, leads::Column::Source).await?;
    let by_campaign = quality_by(db, filter, leads::Column::Campaign).await?;
    let mut campaign_ranking = by_campaign.clone();
    campaign_ranking.sort_by(|a, b| {
        let (ra, rb) = (a.sql_rate().unwrap_or(0.0), b.sql_rate().unwrap_or(0.0));
        rb.total_cmp(&ra)
            .then_with(|| b.mqls.cmp(&a.mqls))
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(FeedbackReport {
        rejections: all.values().sum(),
        reasons: reason_counts(&all),
        weekly,
        by_source,
        by_campaign,
        campaign_ranking,
    })
}

/// The rejection reasons of the filter: its `rejected` events whose time lies in the period,
/// most frequent first.
pub async fn reasons(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
) -> Result<Vec<ReasonCount>, ApiError> {
    let counts = rejections_between(db, filter, filter.period.from, filter.period.to).await?;
    Ok(reason_counts(&counts))
}

/// The `rejected` events whose time lies in `[from, to)`, of leads passing the filter, counted
/// by reason code in SQL (the code read from the payload by the backend's JSON functions).
async fn rejections_between(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<BTreeMap<String, usize>, ApiError> {
    use sea_orm::sea_query::Expr;

    let code = match db.get_database_backend() {
        DatabaseBackend::Postgres => "(payload::json ->> 'reason_code')",
        _ => "json_extract(payload, '$.reason_code')",
    };
    let mut query = lead_events::Entity::find()
        .select_only()
        .expr(Expr::cust(code))
        .expr(Expr::cust("COUNT(*)"))
        .filter(lead_events::Column::Kind.eq("rejected"))
        .filter(lead_events::Column::OccurredAt.gte(from))
        .filter(lead_events::Column::OccurredAt.lt(to))
        .group_by(Expr::cust(code));
    if filter.names_lead() {
        let filtered_leads = Query::select()
            .column(leads::Column::Id)
            .from(leads::Entity)
            .cond_where(filter.lead_condition())
            .to_owned();
        query = query.filter(lead_events::Column::LeadId.in_subquery(filtered_leads));
    }
    let rows: Vec<(Option<String>, i64)> = query.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(code, n)| Some((code?, usize::try_from(n).ok()?)))
        .collect())
}

/// The cohort's quality by one lead column, counted in SQL over the cohort index.
pub async fn quality_by(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    key: leads::Column,
) -> Result<Vec<Quality>, ApiError> {
    use sea_orm::sea_query::Expr;

    let rows: Vec<(Option<String>, i64, i64, i64, i64)> = leads::Entity::find()
        .select_only()
        .column(key)
        .expr_as(Expr::cust("COUNT(*)"), "mqls")
        .expr_as(Expr::cust("COUNT(sal_at)"), "accepted")
        .expr_as(
            Expr::cust("CAST(SUM(CASE WHEN rejected_at >= mql_at THEN 1 ELSE 0 END) AS BIGINT)"),
            "rejected",
        )
        .expr_as(Expr::cust("COUNT(sql_at)"), "sqls")
        .filter(filter.lead_condition())
        .filter(leads::Column::MqlAt.gte(filter.period.from))
        .filter(leads::Column::MqlAt.lt(filter.period.to))
        .group_by(key)
        .into_tuple()
        .all(db)
        .await?;
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    let mut out: Vec<Quality> = rows
        .into_iter()
        .map(|(key, mqls, accepted, rejected, sqls)| Quality {
            key,
            mqls: count(mqls),
            accepted: count(accepted),
            rejected: count(rejected),
            sqls: count(sqls),
        })
        .collect();
    // By key, none first (as the groups of the funnel).
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}
