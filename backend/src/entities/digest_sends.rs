//! `digest_sends`: one row per week whose digest to marketing ops was sent.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_sends")]
pub struct Model {
    /// The local date (`YYYY-MM-DD`, organisation zone) of the scheduled instant.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub week: String,
    pub scheduled_at: DateTimeUtc,
    pub sent_at: DateTimeUtc,
    /// Mails enqueued.
    pub recipients: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
