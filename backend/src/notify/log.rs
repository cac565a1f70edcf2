//! The delivery log: notifications and their attempts, newest first, for the admin API.

use sea_orm::{
    ColumnTrait as _, Condition, DatabaseConnection, EntityTrait as _, PaginatorTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use crate::entities::{notification_attempts, notifications};
use crate::error::ApiError;

/// Which notifications to list; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub status: Option<String>,
    pub channel: Option<String>,
    pub event: Option<String>,
    pub lead_id: Option<i64>,
}

/// One page of the log.
#[derive(Debug)]
pub struct LogPage {
    pub rows: Vec<notifications::Model>,
    pub has_next: bool,
    pub total: u64,
}

/// Up to `first` notifications older than the one with id `after`, newest first.
pub async fn page(
    db: &DatabaseConnection,
    filter: &LogFilter,
    first: u64,
    after: Option<i64>,
) -> Result<LogPage, ApiError> {
    let mut condition = Condition::all();
    if let Some(status) = &filter.status {
        condition = condition.add(notifications::Column::Status.eq(status.as_str()));
    }
    if let Some(channel) = &filter.channel {
        condition = condition.add(notifications::Column::Channel.eq(channel.as_str()));
    }
    if let Some(event) = &filter.event {
        condition = condition.add(notifications::Column::Event.eq(event.as_str()));
    }
    if let Some(lead_id) = filter.lead_id {
        condition = condition.add(notifications::Column::LeadId.eq(lead_id));
    }
    let total = notifications::Entity::find()
        .filter(condition.clone())
        .count(db)
        .await?;
    let mut query = notifications::Entity::find().filter(condition);
    if let Some(after) = after {
        query = query.filter(notifications::Column::Id.lt(after));
    }
    let mut rows = query
        .order_by_desc(notifications::Column::Id)
        .limit(first + 1)
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > first;
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok(LogPage {
        rows,
        has_next,
        total,
    })
}

/// The attempts of one notification, oldest first.
pub async fn attempts(
    db: &DatabaseConnection,
    notification_id: i64,
) -> Result<Vec<notification_attempts::Model>, ApiError> {
    Ok(notification_attempts::Entity::find()
        .filter(notification_attempts::Column::NotificationId.eq(notification_id))
        .order_by_asc(notification_attempts::Column::Id)
        .all(db)
        .await?)
}
