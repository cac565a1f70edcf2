//! Leakage (CONTRACT.md section 6): leads now in MQL, owned, neither accepted nor rejected,
//! whose latest activity (assignment, touch, reply, engagement) is more than `stale_days` old.
//! (A lead with no activity at all counts from its `mqlAt`.) The period of the filter does not
//! apply: leakage is the state now.
//!
//! The figures are counted in SQL over one index; the leaked leads are read a page at a time,
//! least recently active first.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use handoff_shared::domain::LeadStatus;
use sea_orm::sea_query::{Expr, Func, NullOrdering, Order, SimpleExpr};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _,
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
    /// Active before this instant: leaked.
    pub cutoff: DateTime<Utc>,
    /// Leads now in MQL (owned) passing the filter.
    pub open_mqls: usize,
    /// The leaked ones among them.
    pub leaked: usize,
}

impl LeakageReport {
    /// leaked / all leads now in MQL; none when there are none.
    pub fn share(&self) -> Option<f64> {
        ratio(self.leaked, self.open_mqls)
    }
}

/// The open MQLs passing the filter: in MQL, owned, not accepted.
fn open(filter: &ReportFilter) -> Condition {
    filter
        .lead_condition()
        .add(leads::Column::Status.eq(LeadStatus::Mql.as_str()))
        .add(leads::Column::SalAt.is_null())
        .add(leads::Column::OwnerId.is_not_null())
}

/// When the lead was last active: its latest activity, else its `mqlAt`.
fn last_active() -> SimpleExpr {
    Func::coalesce([
        Expr::col(leads::Column::LastActivityAt).into(),
        Expr::col(leads::Column::MqlAt).into(),
    ])
    .into()
}

/// Open and inactive since before `cutoff` (or never active).
fn leaked(filter: &ReportFilter, cutoff: DateTime<Utc>) -> Condition {
    open(filter).add(
        Condition::any()
            .add(Expr::expr(last_active()).is_null())
            .add(Expr::expr(last_active()).lt(cutoff)),
    )
}

/// The leakage as of `now`.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    stale_days: i64,
    now: DateTime<Utc>,
) -> Result<LeakageReport, ApiError> {
    let cutoff = now - Duration::days(stale_days);
    let open_mqls = leads::Entity::find().filter(open(filter)).count(db).await?;
    let leaked = leads::Entity::find()
        .filter(leaked(filter, cutoff))
        .count(db)
        .await?;
    Ok(LeakageReport {
        stale_days,
        cutoff,
        open_mqls: usize::try_from(open_mqls).unwrap_or(usize::MAX),
        leaked: usize::try_from(leaked).unwrap_or(usize::MAX),
    })
}

/// The leaked leads, least recently active first (then by id): after the lead `after` when
/// given, at most `limit` when given.
pub async fn leaked_leads(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    cutoff: DateTime<Utc>,
    after: Option<i64>,
    limit: Option<u64>,
) -> Result<Vec<leads::Model>, ApiError> {
    let mut condition = leaked(filter, cutoff);
    if let Some(after) = after {
        let at: Option<Option<DateTime<Utc>>> = leads::Entity::find_by_id(after)
            .select_only()
            .expr(last_active())
            .into_tuple()
            .one(db)
            .await?;
        let behind = match at.flatten() {
            // NULLs come first: behind them are the later NULLs and every dated lead.
            None => Condition::any()
                .add(
                    Condition::all()
                        .add(Expr::expr(last_active()).is_null())
                        .add(leads::Column::Id.gt(after)),
                )
                .add(Expr::expr(last_active()).is_not_null()),
            Some(at) => Condition::any().add(Expr::expr(last_active()).gt(at)).add(
                Condition::all()
                    .add(Expr::expr(last_active()).eq(at))
                    .add(leads::Column::Id.gt(after)),
            ),
        };
        condition = condition.add(behind);
    }
    let mut query = leads::Entity::find()
        .filter(condition)
        .order_by_with_nulls(last_active(), Order::Asc, NullOrdering::First)
        .order_by_asc(leads::Column::Id);
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    Ok(query.all(db).await?)
}

/// The teams (of the current owners) with leaked leads.
pub async fn leaking_teams(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    cutoff: DateTime<Utc>,
) -> Result<BTreeSet<i64>, ApiError> {
    let teams: Vec<Option<i64>> = leads::Entity::find()
        .select_only()
        .column(leads::Column::TeamId)
        .distinct()
        .filter(leaked(filter, cutoff))
        .into_tuple()
        .all(db)
        .await?;
    Ok(teams.into_iter().flatten().collect())
}
