//! Teams: their manager, calendar and whether reps claim from them as a queue.

use chrono::{DateTime, Utc};
use handoff_shared::domain::Role;
use sea_orm::{
    ActiveModelTrait as _, DatabaseConnection, EntityTrait as _, QueryOrder as _, Set,
    TryIntoModel as _,
};

use super::calendars::ensure_calendar_exists;
use super::values::Name;
use crate::entities::{teams, users};
use crate::error::ApiError;

/// A team to create (no `id`) or replace (with `id`), validated at the API edge.
#[derive(Debug, Clone)]
pub struct TeamChange {
    pub id: Option<i64>,
    pub name: Name,
    /// Must be an active MANAGER or ADMIN.
    pub manager_id: Option<i64>,
    pub calendar_id: Option<i64>,
    /// Reps claim the team's leads instead of having them routed to them. Not in the contract's
    /// `TeamInput`, so `None` keeps the current value (new teams: `false`).
    pub is_queue: Option<bool>,
}

/// Creates or replaces a team.
#[tracing::instrument(skip(db, change), fields(team_id = ?change.id, name = change.name.as_str()))]
pub async fn upsert_team(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: TeamChange,
) -> Result<teams::Model, ApiError> {
    if let Some(manager_id) = change.manager_id {
        ensure_can_manage(db, manager_id).await?;
    }
    if let Some(calendar_id) = change.calendar_id {
        ensure_calendar_exists(db, calendar_id, "calendarId").await?;
    }
    let mut row = match change.id {
        Some(id) => teams::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(teams::ActiveModel::from)
            .ok_or_else(|| ApiError::not_found(format!("there is no team with id {id}")))?,
        None => teams::ActiveModel {
            created_at: Set(now),
            is_queue: Set(false),
            ..Default::default()
        },
    };
    row.name = Set(change.name.into_inner());
    row.manager_id = Set(change.manager_id);
    row.calendar_id = Set(change.calendar_id);
    if let Some(is_queue) = change.is_queue {
        row.is_queue = Set(is_queue);
    }
    row.updated_at = Set(now);
    let saved = row.save(db).await?.try_into_model()?;
    tracing::info!(team_id = saved.id, "team saved");
    Ok(saved)
}

/// All teams, by name.
pub async fn list_teams(db: &DatabaseConnection) -> Result<Vec<teams::Model>, ApiError> {
    Ok(teams::Entity::find()
        .order_by_asc(teams::Column::Name)
        .order_by_asc(teams::Column::Id)
        .all(db)
        .await?)
}

/// A team manager receives escalations, so it must be an active MANAGER or ADMIN.
async fn ensure_can_manage(db: &DatabaseConnection, user_id: i64) -> Result<(), ApiError> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|user| user.active)
        .ok_or_else(|| {
            ApiError::bad_input(
                "managerId",
                format!("there is no active user with id {user_id}"),
            )
        })?;
    match Role::parse(&user.role) {
        Some(Role::Manager | Role::Admin) => Ok(()),
        _ => Err(ApiError::bad_input(
            "managerId",
            format!(
                "user {user_id} is a {}; a team manager must be a MANAGER or ADMIN",
                user.role
            ),
        )),
    }
}
