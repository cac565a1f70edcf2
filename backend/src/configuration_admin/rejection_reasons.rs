//! Rejection reasons: why a rep hands a lead back, and what marketing then does with it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QueryOrder as _, Set,
    TransactionTrait as _,
};

use super::values::{Name, Slug};
use crate::entities::rejection_reasons;
use crate::error::ApiError;

/// The whole of a rejection reason, validated at the API edge.
#[derive(Debug, Clone)]
pub struct RejectionReasonChange {
    pub code: Slug,
    pub label: Name,
    /// Inactive reasons stay on past rejections but cannot be chosen for new ones.
    pub active: bool,
    /// What marketing does with a lead rejected for this reason. Not in the contract's input:
    /// `None` keeps the current play, `Some(None)` clears it.
    pub recycle_play: Option<Option<String>>,
}

/// Creates the reason `code`, or updates it in place.
#[tracing::instrument(skip(db, change), fields(code = %change.code))]
pub async fn upsert_rejection_reason(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: RejectionReasonChange,
) -> Result<rejection_reasons::Model, ApiError> {
    let code = change.code.into_inner();
    let row = rejection_reasons::ActiveModel {
        code: Set(code.clone()),
        label: Set(change.label.into_inner()),
        recycle_play: Set(change.recycle_play.clone().flatten()),
        active: Set(change.active),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let mut updated = vec![
        rejection_reasons::Column::Label,
        rejection_reasons::Column::Active,
        rejection_reasons::Column::UpdatedAt,
    ];
    updated.extend(
        change
            .recycle_play
            .map(|_| rejection_reasons::Column::RecyclePlay),
    );
    let upsert = OnConflict::column(rejection_reasons::Column::Code)
        .update_columns(updated)
        .to_owned();
    let txn = db.begin().await?;
    rejection_reasons::Entity::insert(row)
        .on_conflict(upsert)
        .exec_without_returning(&txn)
        .await?;
    let saved = rejection_reasons::Entity::find_by_id(code.as_str())
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "the rejection reason {code} vanished after its upsert"
            ))
        })?;
    txn.commit().await?;
    tracing::info!("rejection reason saved");
    Ok(saved)
}

/// Rejection reasons by code: the active ones, or all with `include_inactive`.
pub async fn list_rejection_reasons(
    db: &DatabaseConnection,
    include_inactive: bool,
) -> Result<Vec<rejection_reasons::Model>, ApiError> {
    let mut query = rejection_reasons::Entity::find();
    if !include_inactive {
        query = query.filter(rejection_reasons::Column::Active.eq(true));
    }
    Ok(query
        .order_by_asc(rejection_reasons::Column::Code)
        .all(db)
        .await?)
}
