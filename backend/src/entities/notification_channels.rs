//! `notification_channels`: where notifications for a user, a team or the whole org go.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `user`, `team` or `org`.
    #[sea_orm(column_type = "Text")]
    pub scope: String,
    /// The user or team id; none for `org`.
    #[sea_orm(nullable)]
    pub scope_id: Option<i64>,
    /// `email`, `slack`, `teams` or `webhook`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// An address or a URL.
    #[sea_orm(column_type = "Text")]
    pub target: String,
    /// HMAC key for `webhook`.
    #[sea_orm(column_type = "Text", nullable)]
    pub secret: Option<String>,
    /// JSON array of event kinds; none for all.
    #[sea_orm(column_type = "Text", nullable)]
    pub events: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
