//! Reading leads: one lead, a filtered Relay page, and a rep's queue ordered by SLA urgency.
//! Who sees which lead is decided by `auth::permissions::lead_scope`; here it becomes a query
//! condition.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use handoff_shared::domain::{LeadStatus, SlaState};
use sea_orm::sea_query::{Condition, Expr, Func, LikeExpr};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, Select,
};

use crate::auth::Principal;
use crate::auth::permissions::{LeadScope, lead_scope};
use crate::entities::{leads, sla_clocks, teams, users};
use crate::error::ApiError;

/// Largest page of `leads` and `myQueue`.
pub const MAX_PAGE: u64 = 200;
/// Page size when `first` is left out.
pub const DEFAULT_PAGE: u64 = 50;

/// What `leads(filter:)` narrows by; every given field must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadFilter {
    pub statuses: Option<Vec<LeadStatus>>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Only leads without owner (waiting in a queue).
    pub unassigned: Option<bool>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub lead_type: Option<String>,
    /// Part of the e-mail address or company name, any case.
    pub search: Option<String>,
}

/// One page of leads.
#[derive(Debug, Clone)]
pub struct LeadPage {
    pub leads: Vec<leads::Model>,
    pub total_count: u64,
    pub has_next_page: bool,
}

/// The caller's lead scope, with the relationships it depends on read from the database.
pub async fn scope_of(
    conn: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<LeadScope, ApiError> {
    let me = users::Entity::find_by_id(principal.user_id)
        .one(conn)
        .await?;
    let team_id = me.as_ref().and_then(|u| u.team_id);
    let (managed, reports) = if principal.role == handoff_shared::domain::Role::Manager {
        let managed: Vec<i64> = teams::Entity::find()
            .select_only()
            .column(teams::Column::Id)
            .filter(teams::Column::ManagerId.eq(principal.user_id))
            .into_tuple()
            .all(conn)
            .await?;
        let reports: Vec<i64> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::ManagerId.eq(principal.user_id))
            .into_tuple()
            .all(conn)
            .await?;
        (managed, reports)
    } else {
        (Vec::new(), Vec::new())
    };
    lead_scope(principal, team_id, managed, reports).ok_or(ApiError::Forbidden)
}

fn scope_condition(scope: &LeadScope) -> Condition {
    match scope {
        LeadScope::All => Condition::all(),
        LeadScope::Some {
            user_id,
            teams,
            queues,
            reports,
        } => {
            let mut any = Condition::any().add(leads::Column::OwnerId.eq(*user_id));
            if !reports.is_empty() {
                any = any.add(leads::Column::OwnerId.is_in(reports.iter().copied()));
            }
            if !teams.is_empty() {
                any = any.add(leads::Column::TeamId.is_in(teams.iter().copied()));
            }
            if !queues.is_empty() {
                any = any.add(
                    Condition::all()
                        .add(leads::Column::OwnerId.is_null())
                        .add(leads::Column::TeamId.is_in(queues.iter().copied())),
                );
            }
            any
        }
    }
}

/// The cursor of a lead in `leads`: opaque to clients.
pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("lead:{id}"))
}

pub fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("lead:")?
        .parse()
        .ok()
}

/// A lead, if it exists and is in the scope.
pub async fn find(
    conn: &impl ConnectionTrait,
    scope: &LeadScope,
    id: i64,
) -> Result<Option<leads::Model>, ApiError> {
    Ok(leads::Entity::find_by_id(id)
        .filter(scope_condition(scope))
        .one(conn)
        .await?)
}

fn filtered(scope: &LeadScope, filter: &LeadFilter) -> Select<leads::Entity> {
    let mut query = leads::Entity::find().filter(scope_condition(scope));
    if let Some(statuses) = &filter.statuses {
        query = query.filter(leads::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(owner) = filter.owner_id {
        query = query.filter(leads::Column::OwnerId.eq(owner));
    }
    if let Some(team) = filter.team_id {
        query = query.filter(leads::Column::TeamId.eq(team));
    }
    match filter.unassigned {
        Some(true) => query = query.filter(leads::Column::OwnerId.is_null()),
        Some(false) => query = query.filter(leads::Column::OwnerId.is_not_null()),
        None => {}
    }
    if let Some(source) = &filter.source {
        query = query.filter(leads::Column::Source.eq(source.as_str()));
    }
    if let Some(campaign) = &filter.campaign {
        query = query.filter(leads::Column::Campaign.eq(campaign.as_str()));
    }
    if let Some(lead_type) = &filter.lead_type {
        query = query.filter(leads::Column::LeadType.eq(lead_type.as_str()));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = format!(
            "%{}%",
            search
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        query = query.filter(
            Condition::any()
                .add(
                    Expr::col(leads::Column::Email)
                        .like(LikeExpr::new(pattern.as_str()).escape('\\')),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(leads::Column::Company)))
                        .like(LikeExpr::new(pattern.as_str()).escape('\\')),
                ),
        );
    }
    query
}

/// A page of leads, newest first.
pub async fn page(
    conn: &impl ConnectionTrait,
    scope: &LeadScope,
    filter: &LeadFilter,
    first: u64,
    after: Option<i64>,
) -> Result<LeadPage, ApiError> {
    let total_count = filtered(scope, filter).count(conn).await?;
    let mut query = filtered(scope, filter);
    if let Some(after) = after {
        query = query.filter(leads::Column::Id.lt(after));
    }
    let mut rows = query
        .order_by_desc(leads::Column::Id)
        .limit(first + 1)
        .all(conn)
        .await?;
    let has_next_page = rows.len() as u64 > first;
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok(LeadPage {
        leads: rows,
        total_count,
        has_next_page,
    })
}

/// The caller's open leads (MQL, SAL, SQL), most urgent first: by the earliest due time of a
/// running (or paused) SLA clock, leads without one after those, then by `mqlAt`.
pub async fn my_queue(
    conn: &impl ConnectionTrait,
    user_id: i64,
    first: u64,
) -> Result<Vec<leads::Model>, ApiError> {
    let rows = leads::Entity::find()
        .filter(leads::Column::OwnerId.eq(user_id))
        .filter(leads::Column::Status.is_in(crate::handoff::routing::open_statuses()))
        .all(conn)
        .await?;
    let mut due: HashMap<i64, chrono::DateTime<chrono::Utc>> = HashMap::new();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    for chunk in ids.chunks(500) {
        let clocks: Vec<(i64, chrono::DateTime<chrono::Utc>)> = sla_clocks::Entity::find()
            .select_only()
            .column(sla_clocks::Column::LeadId)
            .column(sla_clocks::Column::DueAt)
            .filter(sla_clocks::Column::LeadId.is_in(chunk.iter().copied()))
            .filter(
                sla_clocks::Column::State
                    .is_in([SlaState::Running.as_str(), SlaState::Paused.as_str()]),
            )
            .into_tuple()
            .all(conn)
            .await?;
        for (lead, at) in clocks {
            due.entry(lead)
                .and_modify(|d| *d = (*d).min(at))
                .or_insert(at);
        }
    }
    let mut rows = rows;
    rows.sort_by_key(|r| {
        (
            !due.contains_key(&r.id),
            due.get(&r.id).copied(),
            r.mql_at.is_none(),
            r.mql_at,
            r.id,
        )
    });
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("user:1")), None);
    }
}
