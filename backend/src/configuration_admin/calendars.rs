//! Named business calendars, and previews of due instants on any calendar.

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use handoff_shared::sla::{BusinessCalendar, CalendarSpec};
use sea_orm::{
    ActiveModelTrait as _, DatabaseConnection, EntityTrait as _, QueryOrder as _, Set,
    TransactionTrait as _, TryIntoModel as _,
};

use super::values::Name;
use crate::entities::business_calendars;
use crate::error::ApiError;

/// A calendar to create (no `id`) or replace (with `id`), validated at the API edge.
#[derive(Debug, Clone)]
pub struct CalendarChange {
    pub id: Option<i64>,
    pub name: Name,
    pub calendar: BusinessCalendar,
}

/// Creates or replaces a named calendar; the definition is stored as the contract's JSON.
#[tracing::instrument(skip(db, change), fields(calendar_id = ?change.id, name = change.name.as_str()))]
pub async fn upsert_calendar(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: CalendarChange,
) -> Result<business_calendars::Model, ApiError> {
    let definition = serde_json::to_string(change.calendar.spec()).map_err(ApiError::internal)?;
    let txn = db.begin().await?;
    let (mut row, old) = match change.id {
        Some(id) => {
            let old = business_calendars::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("there is no calendar with id {id}")))?;
            (
                business_calendars::ActiveModel::from(old.clone()),
                Some(old),
            )
        }
        None => (
            business_calendars::ActiveModel {
                created_at: Set(now),
                ..Default::default()
            },
            None,
        ),
    };
    row.name = Set(change.name.into_inner());
    row.definition = Set(definition.clone());
    row.updated_at = Set(now);
    let saved = row.save(&txn).await?.try_into_model()?;
    // Clocks counting in the calendar keep the time counted in the old hours and count in the
    // new hours from now on.
    let mut replanned = 0;
    if let Some(old) = old.filter(|old| old.definition != definition) {
        let old_calendar = crate::sla::calendar_from_row(&old)?;
        replanned = crate::sla::replan_calendar(&txn, saved.id, old_calendar, now).await?;
    }
    txn.commit().await?;
    tracing::info!(calendar_id = saved.id, replanned, "calendar saved");
    Ok(saved)
}

/// All named calendars, by name.
pub async fn list_calendars(
    db: &DatabaseConnection,
) -> Result<Vec<business_calendars::Model>, ApiError> {
    Ok(business_calendars::Entity::find()
        .order_by_asc(business_calendars::Column::Name)
        .order_by_asc(business_calendars::Column::Id)
        .all(db)
        .await?)
}

/// The stored definition of a calendar; one that no longer parses is a bug in the data.
pub fn definition(calendar: &business_calendars::Model) -> Result<CalendarSpec, ApiError> {
    serde_json::from_str(&calendar.definition).map_err(|error| {
        ApiError::internal(anyhow::Error::new(error).context(format!(
            "business_calendars row {} holds an unreadable definition",
            calendar.id
        )))
    })
}

/// `BAD_USER_INPUT` on `field` unless calendar `id` exists.
pub async fn ensure_calendar_exists(
    db: &DatabaseConnection,
    id: i64,
    field: &str,
) -> Result<(), ApiError> {
    match business_calendars::Entity::find_by_id(id).one(db).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_input(
            field,
            format!("there is no calendar with id {id}"),
        )),
    }
}

/// When an SLA of `seconds` business seconds started at `start` falls due on `calendar`.
pub fn preview_due(
    calendar: &BusinessCalendar,
    start: DateTime<Utc>,
    seconds: i64,
) -> Result<DateTime<Utc>, FieldError> {
    calendar.add(start, seconds)
}
