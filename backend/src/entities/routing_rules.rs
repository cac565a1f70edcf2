//! `routing_rules`: a routing rule; lower `priority` runs first and the first match wins.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub priority: i32,
    /// JSON array of lead type keys; none matches all.
    #[sea_orm(column_type = "Text", nullable)]
    pub lead_types: Option<String>,
    /// JSON array; none matches all.
    #[sea_orm(column_type = "Text", nullable)]
    pub countries: Option<String>,
    /// JSON array; none matches all.
    #[sea_orm(column_type = "Text", nullable)]
    pub regions: Option<String>,
    /// JSON array; none matches all.
    #[sea_orm(column_type = "Text", nullable)]
    pub industries: Option<String>,
    #[sea_orm(nullable)]
    pub min_company_size: Option<i32>,
    #[sea_orm(nullable)]
    pub max_company_size: Option<i32>,
    /// `handoff_shared::domain::RoutingMethod`.
    #[sea_orm(column_type = "Text")]
    pub method: String,
    #[sea_orm(nullable)]
    pub team_id: Option<i64>,
    pub queue_only: bool,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::teams::Entity",
        from = "Column::TeamId",
        to = "super::teams::Column::Id"
    )]
    Team,
}

impl Related<super::teams::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
