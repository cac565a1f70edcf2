//! `teams`: a team of reps; reps claim leads from an `is_queue` team.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "teams")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text", unique)]
    pub name: String,
    #[sea_orm(nullable)]
    pub manager_id: Option<i64>,
    #[sea_orm(nullable)]
    pub calendar_id: Option<i64>,
    pub is_queue: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::ManagerId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    Manager,
    #[sea_orm(
        belongs_to = "super::business_calendars::Entity",
        from = "Column::CalendarId",
        to = "super::business_calendars::Column::Id"
    )]
    Calendar,
    /// The team's members (`users.team_id`).
    #[sea_orm(has_many = "super::users::Entity")]
    Members,
    #[sea_orm(has_many = "super::leads::Entity")]
    Leads,
}

/// Through `users.team_id`: the members, not the manager.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Members.def()
    }
}

impl Related<super::business_calendars::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Calendar.def()
    }
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Leads.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
