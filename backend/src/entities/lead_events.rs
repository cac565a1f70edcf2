//! `lead_events`: one entry of a lead's append-only audit trail.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lead_id: i64,
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    #[sea_orm(nullable)]
    pub actor_id: Option<i64>,
    /// `handoff_shared::domain::LeadStatus`.
    #[sea_orm(column_type = "Text", nullable)]
    pub from_status: Option<String>,
    /// `handoff_shared::domain::LeadStatus`.
    #[sea_orm(column_type = "Text", nullable)]
    pub to_status: Option<String>,
    /// JSON object.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub occurred_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::leads::Entity",
        from = "Column::LeadId",
        to = "super::leads::Column::Id",
        on_delete = "Cascade"
    )]
    Lead,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ActorId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    Actor,
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

/// Through `actor_id`.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Actor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
