//! Leakage (CONTRACT.md section 6): leads now in MQL, owned, neither accepted nor rejected,
//! whose latest activity (assignment, touch, reply, engagement) is more than `stale_days` old.
//! (A lead with no activity at all counts from its `mqlAt`.) The period of the filter does not
//! apply: leakage is the state now.

use chrono::{DateTime, Duration, Utc};
use handoff_shared::domain::LeadStatus;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};

use super::{ReportFilter, ratio};
use crate::entities::leads;
use crate::error::ApiError;

/// Days without activity after which an MQL counts as leaked, unless asked otherwise.
pub const DEFAULT_STALE_DAYS: i64 = 7;

/// The leakage report.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakageReport {
    pub stale_days: i64,
    /// Leads now in MQL (owned) passing the filter.
    pub open_mqls: usize,
    /// The leaked ones, least recently active first.
    pub leads: Vec<leads::Model>,
}

impl LeakageReport {
    /// leaked / all leads now in MQL; none when there are none.
    pub fn share(&self) -> Option<f64> {
        ratio(self.leads.len(), self.open_mqls)
    }
}

/// The leakage as of `now`.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    stale_days: i64,
    now: DateTime<Utc>,
) -> Result<LeakageReport, ApiError> {
    let open = leads::Entity::find()
        .filter(filter.lead_condition())
        .filter(leads::Column::Status.eq(LeadStatus::Mql.as_str()))
        .filter(leads::Column::OwnerId.is_not_null())
        .filter(leads::Column::SalAt.is_null())
        .order_by_asc(leads::Column::LastActivityAt)
        .order_by_asc(leads::Column::Id)
        .all(db)
        .await?;
    let cutoff = now - Duration::days(stale_days);
    let open_mqls = open.len();
    let leads = open
        .into_iter()
        .filter(|l| l.last_activity_at.or(l.mql_at).is_none_or(|at| at < cutoff))
        .collect();
    Ok(LeakageReport {
        stale_days,
        open_mqls,
        leads,
    })
}
