//! `sla_policies`: an SLA policy; unique per `(lead_type, kind)`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_policies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub lead_type: String,
    /// `handoff_shared::domain::SlaKind`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    pub target_seconds: i64,
    #[sea_orm(nullable)]
    pub calendar_id: Option<i64>,
    /// `handoff_shared::domain::SlaStartOn`.
    #[sea_orm(column_type = "Text")]
    pub start_on: String,
    /// JSON array of percentages, e.g. `[50,80]`.
    #[sea_orm(column_type = "Text")]
    pub notify_at_percent: String,
    pub escalate_to_manager: bool,
    pub reassign_on_breach: bool,
    pub pause_on_response: bool,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::lead_types::Entity",
        from = "Column::LeadType",
        to = "super::lead_types::Column::Key"
    )]
    LeadType,
    #[sea_orm(
        belongs_to = "super::business_calendars::Entity",
        from = "Column::CalendarId",
        to = "super::business_calendars::Column::Id"
    )]
    Calendar,
    #[sea_orm(has_many = "super::sla_clocks::Entity")]
    SlaClocks,
}

impl Related<super::lead_types::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadType.def()
    }
}

impl Related<super::business_calendars::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Calendar.def()
    }
}

impl Related<super::sla_clocks::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SlaClocks.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
