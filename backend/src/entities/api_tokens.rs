//! `api_tokens`: a named API token for integrations; only its hash is stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Hex SHA-256 of the token.
    #[sea_orm(column_type = "Text", unique)]
    pub token_hash: String,
    /// `handoff_shared::domain::Role`.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    #[sea_orm(nullable)]
    pub created_by: Option<i64>,
    /// The service user the token acts as.
    pub user_id: i64,
    pub created_at: DateTimeUtc,
    #[sea_orm(nullable)]
    pub last_used_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The service user the token acts as.
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CreatedBy",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    Creator,
}

/// Through `user_id`: the user the token acts as.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
