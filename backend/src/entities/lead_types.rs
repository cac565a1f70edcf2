//! `lead_types`: an admin-defined kind of lead, keyed by `key` (e.g. `demo_request`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub key: String,
    #[sea_orm(column_type = "Text")]
    pub label: String,
    pub instant_mql: bool,
    #[sea_orm(nullable)]
    pub cadence_touches: Option<i32>,
    #[sea_orm(nullable)]
    pub cadence_days: Option<i32>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::sla_policies::Entity")]
    SlaPolicies,
}

impl Related<super::sla_policies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SlaPolicies.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
