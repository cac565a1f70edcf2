//! The feedback loop (CONTRACT.md section 6): why sales rejects marketing's leads, and how good
//! each source and campaign is.
//!
//! - Rejection reasons: the `rejected` events whose time lies in the period (of leads passing
//!   the filter), by reason code, with their share of all those rejections, overall and by week.
//! - By source and by campaign, over the funnel cohort (leads whose `mqlAt` lies in the
//!   period): accepted = cohort leads with `salAt`, rejected = cohort leads with a `rejected`
//!   event at or after their `mqlAt`; `acceptanceRate` = accepted / (accepted + rejected),
//!   `sqlRate` = SQL / MQL.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use handoff_shared::lead::LeadEvent;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};

use super::funnel::{cohort, group_by};
use super::{ReportFilter, ratio, week_start};
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

fn reason_counts(codes: &[String]) -> Vec<ReasonCount> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for code in codes {
        *counts.entry(code).or_default() += 1;
    }
    let total = codes.len();
    let mut out: Vec<ReasonCount> = counts
        .into_iter()
        .map(|(code, count)| ReasonCount {
            code: code.to_owned(),
            count,
            share: ratio(count, total).unwrap_or(0.0),
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
    let period = filter.period;
    let filtered_leads = Query::select()
        .column(leads::Column::Id)
        .from(leads::Entity)
        .cond_where(filter.lead_condition())
        .to_owned();
    let rows = lead_events::Entity::find()
        .filter(lead_events::Column::Kind.eq("rejected"))
        .filter(lead_events::Column::OccurredAt.gte(period.from))
        .filter(lead_events::Column::OccurredAt.lt(period.to))
        .filter(lead_events::Column::LeadId.in_subquery(filtered_leads))
        .all(db)
        .await?;
    let mut codes = Vec::new();
    let mut weeks: BTreeMap<DateTime<Utc>, Vec<String>> = BTreeMap::new();
    for row in &rows {
        if let Ok(LeadEvent::Rejected { reason_code, .. }) =
            LeadEvent::from_stored(&row.kind, &row.payload)
        {
            weeks
                .entry(week_start(row.occurred_at))
                .or_default()
                .push(reason_code.clone());
            codes.push(reason_code);
        }
    }

    let cohort = cohort(db, filter).await?;
    let mql_at: HashMap<i64, Option<DateTime<Utc>>> =
        cohort.iter().map(|l| (l.id, l.mql_at)).collect();
    let cohort_ids: Vec<i64> = cohort.iter().map(|l| l.id).collect();
    // Cohort leads rejected in this round (at or after their `mqlAt`).
    let mut rejected_leads = HashSet::new();
    for chunk in cohort_ids.chunks(500) {
        let rejections = lead_events::Entity::find()
            .filter(lead_events::Column::Kind.eq("rejected"))
            .filter(lead_events::Column::LeadId.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for r in rejections {
            if mql_at
                .get(&r.lead_id)
                .copied()
                .flatten()
                .is_some_and(|m| r.occurred_at >= m)
            {
                rejected_leads.insert(r.lead_id);
            }
        }
    }
    let quality = |key: Option<String>, group: Vec<&leads::Model>| Quality {
        key,
        mqls: group.len(),
        accepted: group.iter().filter(|l| l.sal_at.is_some()).count(),
        rejected: group
            .iter()
            .filter(|l| rejected_leads.contains(&l.id))
            .count(),
        sqls: group.iter().filter(|l| l.sql_at.is_some()).count(),
    };
    let by_source: Vec<Quality> = group_by(&cohort, |l| l.source.clone())
        .into_iter()
        .map(|(k, v)| quality(k, v))
        .collect();
    let by_campaign: Vec<Quality> = group_by(&cohort, |l| l.campaign.clone())
        .into_iter()
        .map(|(k, v)| quality(k, v))
        .collect();
    let mut campaign_ranking = by_campaign.clone();
    campaign_ranking.sort_by(|a, b| {
        let (ra, rb) = (a.sql_rate().unwrap_or(0.0), b.sql_rate().unwrap_or(0.0));
        rb.total_cmp(&ra)
            .then_with(|| b.mqls.cmp(&a.mqls))
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(FeedbackReport {
        rejections: codes.len(),
        reasons: reason_counts(&codes),
        weekly: weeks
            .into_iter()
            .map(|(week, codes)| (week, codes.len(), reason_counts(&codes)))
            .collect(),
        by_source,
        by_campaign,
        campaign_ranking,
    })
}
