//! `notifications`: the notification outbox: one message to one target, retried until sent or dead.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text", unique)]
    pub idempotency_key: String,
    #[sea_orm(nullable)]
    pub lead_id: Option<i64>,
    #[sea_orm(nullable)]
    pub clock_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub event: String,
    #[sea_orm(nullable)]
    pub recipient_user_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub channel: String,
    #[sea_orm(column_type = "Text")]
    pub target: String,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `pending`, `sent` or `dead`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    #[sea_orm(nullable)]
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::notification_attempts::Entity")]
    Attempts,
}

impl Related<super::notification_attempts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Attempts.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
