//! Who may see which report figures: the caller's filter narrowed to the teams their role lets
//! them see ([`report_scope`]). The one place GraphQL and the CSV export check it.

use handoff_shared::domain::Role;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QuerySelect as _,
};

use super::ReportFilter;
use crate::auth::permissions::report_scope;
use crate::auth::{Permission, Principal};
use crate::entities::{teams, users};
use crate::error::ApiError;

/// `filter` narrowed to what `principal` may see: admins and marketing ops the organisation,
/// managers their teams (asking for another team is FORBIDDEN), everyone else FORBIDDEN.
pub async fn scoped(
    db: &impl ConnectionTrait,
    principal: &Principal,
    mut filter: ReportFilter,
) -> Result<ReportFilter, ApiError> {
    principal.require(Permission::ViewReports)?;
    let (team_id, managed) = if principal.role == Role::Manager {
        let me = users::Entity::find_by_id(principal.user_id).one(db).await?;
        let managed: Vec<i64> = teams::Entity::find()
            .select_only()
            .column(teams::Column::Id)
            .filter(teams::Column::ManagerId.eq(principal.user_id))
            .into_tuple()
            .all(db)
            .await?;
        (me.and_then(|u| u.team_id), managed)
    } else {
        (None, Vec::new())
    };
    let scope = report_scope(principal, team_id, managed).ok_or(ApiError::Forbidden)?;
    filter.team_ids = scope
        .narrow(filter.team_ids.take())
        .ok_or(ApiError::Forbidden)?;
    Ok(filter)
}
