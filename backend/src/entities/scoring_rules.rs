//! `scoring_rules`: a scoring rule: firmographic (`field`/`operator`/`value`) or behavioural (`engagement`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "scoring_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub points: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub field: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub operator: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub value: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub engagement: Option<String>,
    /// Counted up to this many times; none for no limit.
    #[sea_orm(nullable)]
    pub max_times: Option<i32>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
