//! Lead types: the admin-defined kinds of lead (`demo_request`, `webinar`, …), keyed by `key`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait as _, QueryOrder as _, Set, TransactionTrait as _};

use super::values::{Name, Slug};
use crate::entities::lead_types;
use crate::error::ApiError;

/// A lead type, validated at the API edge.
#[derive(Debug, Clone)]
pub struct LeadTypeChange {
    pub key: Slug,
    pub label: Name,
    /// Leads of this type are MQLs on arrival, whatever their score.
    pub instant_mql: bool,
    /// Whether the type is in use (inactive ones stay for history). Not in the contract's input:
    /// `None` keeps the current value (new types: active).
    pub active: Option<bool>,
}

/// Creates the lead type `key`, or updates it in place.
#[tracing::instrument(skip(db, change), fields(key = %change.key))]
pub async fn upsert_lead_type(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: LeadTypeChange,
) -> Result<lead_types::Model, ApiError> {
    let key = change.key.into_inner();
    let row = lead_types::ActiveModel {
        key: Set(key.clone()),
        label: Set(change.label.into_inner()),
        instant_mql: Set(change.instant_mql),
        cadence_touches: Set(None),
        cadence_days: Set(None),
        active: Set(change.active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let mut updated = vec![
        lead_types::Column::Label,
        lead_types::Column::InstantMql,
        lead_types::Column::UpdatedAt,
    ];
    updated.extend(change.active.map(|_| lead_types::Column::Active));
    let upsert = OnConflict::column(lead_types::Column::Key)
        .update_columns(updated)
        .to_owned();
    let txn = db.begin().await?;
    lead_types::Entity::insert(row)
        .on_conflict(upsert)
        .exec_without_returning(&txn)
        .await?;
    let saved = lead_types::Entity::find_by_id(key.as_str())
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "the lead type {key} vanished after its upsert"
            ))
        })?;
    txn.commit().await?;
    tracing::info!("lead type saved");
    Ok(saved)
}

/// All lead types, by key.
pub async fn list_lead_types(db: &DatabaseConnection) -> Result<Vec<lead_types::Model>, ApiError> {
    Ok(lead_types::Entity::find()
        .order_by_asc(lead_types::Column::Key)
        .all(db)
        .await?)
}

/// `BAD_USER_INPUT` on `field` unless lead type `key` exists.
pub async fn ensure_lead_type_exists(
    db: &DatabaseConnection,
    key: &Slug,
    field: &str,
) -> Result<(), ApiError> {
    match lead_types::Entity::find_by_id(key.as_str()).one(db).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_input(
            field,
            format!("there is no lead type {key:?}", key = key.as_str()),
        )),
    }
}
