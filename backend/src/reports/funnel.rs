//! The funnel (CONTRACT.md section 6): the cohort of leads whose `mqlAt` lies in the period,
//! how many of them reached SAL, SQL and OPPORTUNITY, the conversion from each stage to the
//! next, and the calendar hours between the stamps; overall, by source and by campaign.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use handoff_shared::domain::LeadStatus;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, FromQueryResult, QueryFilter as _,
    QuerySelect as _,
};

use super::{ReportFilter, hours_between, mean, median, ratio};
use crate::entities::leads;
use crate::error::ApiError;

/// The stages of the funnel, in order.
pub const STAGES: [LeadStatus; 4] = [
    LeadStatus::Mql,
    LeadStatus::Sal,
    LeadStatus::Sql,
    LeadStatus::Opportunity,
];

/// One stage of a funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub stage: LeadStatus,
    pub count: usize,
    /// count / the previous stage's count; none for MQL and when the previous count is 0.
    pub conversion_from_previous: Option<f64>,
    /// Over the leads having both this stamp and the previous one.
    pub median_hours_from_previous: Option<f64>,
    pub mean_hours_from_previous: Option<f64>,
}

/// What the funnel and the feedback loop read of a cohort lead: one narrow index scan.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct CohortLead {
    pub id: i64,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub mql_at: Option<DateTime<Utc>>,
    pub sal_at: Option<DateTime<Utc>>,
    pub sql_at: Option<DateTime<Utc>>,
    pub opportunity_at: Option<DateTime<Utc>>,
    /// The latest rejection: in this round when at or after `mql_at`.
    pub rejected_at: Option<DateTime<Utc>>,
}

impl CohortLead {
    /// Rejected in the round that made it an MQL.
    pub fn rejected_this_round(&self) -> bool {
        self.rejected_at
            .zip(self.mql_at)
            .is_some_and(|(rejected, mql)| rejected >= mql)
    }
}

/// The four stages of a set of leads.
pub fn stages(cohort: &[&CohortLead]) -> Vec<Stage> {
    let stamp = |lead: &CohortLead, index: usize| -> Option<DateTime<Utc>> {
        match index {
            0 => lead.mql_at,
            1 => lead.sal_at,
            2 => lead.sql_at,
            _ => lead.opportunity_at,
        }
    };
    let mut out: Vec<Stage> = Vec::with_capacity(STAGES.len());
    for (index, stage) in STAGES.into_iter().enumerate() {
        let count = cohort.iter().filter(|l| stamp(l, index).is_some()).count();
        let (conversion, mut hours) = if index == 0 {
            (None, Vec::new())
        } else {
            let previous = out[index - 1].count;
            let hours: Vec<f64> = cohort
                .iter()
                .filter_map(|l| Some(hours_between(stamp(l, index - 1)?, stamp(l, index)?)))
                .collect();
            (ratio(count, previous), hours)
        };
        out.push(Stage {
            stage,
            count,
            conversion_from_previous: conversion,
            mean_hours_from_previous: mean(&hours),
            median_hours_from_previous: median(&mut hours),
        });
    }
    out
}

/// The funnel report.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelReport {
    pub stages: Vec<Stage>,
    /// By source (none: leads without one), sorted by source.
    pub by_source: Vec<(Option<String>, Vec<Stage>)>,
    pub by_campaign: Vec<(Option<String>, Vec<Stage>)>,
}

/// The cohort, narrow: leads passing the filter whose `mqlAt` lies in the period.
pub async fn cohort_stamps(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
) -> Result<Vec<CohortLead>, ApiError> {
    Ok(leads::Entity::find()
        .select_only()
        .columns([
            leads::Column::Id,
            leads::Column::Source,
            leads::Column::Campaign,
            leads::Column::MqlAt,
            leads::Column::SalAt,
            leads::Column::SqlAt,
            leads::Column::OpportunityAt,
            leads::Column::RejectedAt,
        ])
        .filter(filter.lead_condition())
        .filter(leads::Column::MqlAt.gte(filter.period.from))
        .filter(leads::Column::MqlAt.lt(filter.period.to))
        .into_model::<CohortLead>()
        .all(db)
        .await?)
}

/// How many leads of the cohort there are (MQLs) and how many of them reached SQL, counted in
/// SQL over the cohort index.
pub async fn mqls_and_sqls(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
) -> Result<(usize, usize), ApiError> {
    use sea_orm::sea_query::Expr;

    let (mqls, sqls): (i64, i64) = leads::Entity::find()
        .select_only()
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::cust("COUNT(sql_at)"))
        .filter(filter.lead_condition())
        .filter(leads::Column::MqlAt.gte(filter.period.from))
        .filter(leads::Column::MqlAt.lt(filter.period.to))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    Ok((count(mqls), count(sqls)))
}

/// Groups the cohort by a key, sorted by key.
pub fn group_by<T>(
    cohort: &[T],
    key: impl Fn(&T) -> Option<String>,
) -> BTreeMap<Option<String>, Vec<&T>> {
    let mut groups: BTreeMap<Option<String>, Vec<&T>> = BTreeMap::new();
    for lead in cohort {
        groups.entry(key(lead)).or_default().push(lead);
    }
    groups
}

/// The funnel of the filter's cohort.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
) -> Result<FunnelReport, ApiError> {
    let cohort = cohort_stamps(db, filter).await?;
    let all: Vec<&CohortLead> = cohort.iter().collect();
    Ok(FunnelReport {
        stages: stages(&all),
        by_source: group_by(&cohort, |l| l.source.clone())
            .into_iter()
            .map(|(k, v)| (k, stages(&v)))
            .collect(),
        by_campaign: group_by(&cohort, |l| l.campaign.clone())
            .into_iter()
            .map(|(k, v)| (k, stages(&v)))
            .collect(),
    })
}
