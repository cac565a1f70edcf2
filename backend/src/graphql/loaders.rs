//! DataLoaders: batch the lookups that nested fields (`user.team`, `lead.owner`) would
//! otherwise make one by one.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::{ColumnTrait as _, DatabaseConnection, DbErr, EntityTrait as _, QueryFilter as _};

use crate::entities::{business_calendars, teams, users};
use crate::error::ApiError;

/// Key: a user id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// Key: a team id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TeamId(pub i64);

/// Key: a business calendar id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CalendarId(pub i64);

/// Loads rows by id, many at a time.
pub struct DbLoader {
    db: DatabaseConnection,
}

impl DbLoader {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl Loader<UserId> for DbLoader {
    type Value = users::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, users::Model>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        let rows = users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (UserId(row.id), row)).collect())
    }
}

impl Loader<TeamId> for DbLoader {
    type Value = teams::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TeamId]) -> Result<HashMap<TeamId, teams::Model>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        let rows = teams::Entity::find()
            .filter(teams::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (TeamId(row.id), row)).collect())
    }
}

impl Loader<CalendarId> for DbLoader {
    type Value = business_calendars::Model;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[CalendarId],
    ) -> Result<HashMap<CalendarId, business_calendars::Model>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        let rows = business_calendars::Entity::find()
            .filter(business_calendars::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (CalendarId(row.id), row))
            .collect())
    }
}

fn loader<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<DbLoader>, ApiError> {
    ctx.data::<DataLoader<DbLoader>>().map_err(|e| {
        ApiError::internal(anyhow::anyhow!(
            "DataLoader missing from schema data: {}",
            e.message
        ))
    })
}

pub async fn load_user(ctx: &Context<'_>, id: i64) -> Result<Option<users::Model>, ApiError> {
    loader(ctx)?
        .load_one(UserId(id))
        .await
        .map_err(ApiError::internal)
}

pub async fn load_team(ctx: &Context<'_>, id: i64) -> Result<Option<teams::Model>, ApiError> {
    loader(ctx)?
        .load_one(TeamId(id))
        .await
        .map_err(ApiError::internal)
}

pub async fn load_calendar(
    ctx: &Context<'_>,
    id: i64,
) -> Result<Option<business_calendars::Model>, ApiError> {
    loader(ctx)?
        .load_one(CalendarId(id))
        .await
        .map_err(ApiError::internal)
}
