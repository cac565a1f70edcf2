//! `sla_clocks`: one SLA clock of a lead.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_clocks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lead_id: i64,
    pub policy_id: i64,
    /// `handoff_shared::domain::SlaKind`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// `handoff_shared::domain::SlaState`.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// The owner when the clock started.
    #[sea_orm(nullable)]
    pub owner_id: Option<i64>,
    /// The calendar the clock counts in.
    #[sea_orm(nullable)]
    pub calendar_id: Option<i64>,
    pub started_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    #[sea_orm(nullable)]
    pub stopped_at: Option<DateTimeUtc>,
    pub target_seconds: i64,
    /// Business seconds banked before the current running segment.
    pub elapsed_before_seconds: i64,
    /// Set while running.
    #[sea_orm(nullable)]
    pub segment_started_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub paused_at: Option<DateTimeUtc>,
    /// The next instant the scheduler must act: a threshold or the due.
    #[sea_orm(nullable)]
    pub next_fire_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub next_fire_percent: Option<i32>,
    /// JSON array of the thresholds already notified.
    #[sea_orm(column_type = "Text")]
    pub fired_percents: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When the final verdict was attributed (`reports::facts`); NULL: not attributed.
    #[sea_orm(nullable)]
    pub report_at: Option<DateTimeUtc>,
    /// The owner the verdict belongs to (none: a queue).
    #[sea_orm(nullable)]
    pub report_owner_id: Option<i64>,
    /// The team of the assignment the verdict belongs to (the queue's, without an owner).
    #[sea_orm(nullable)]
    pub report_team_id: Option<i64>,
    /// The lead's source, campaign and lead type when attributed.
    #[sea_orm(column_type = "Text", nullable)]
    pub report_source: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub report_campaign: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub report_lead_type: Option<String>,
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
        belongs_to = "super::sla_policies::Entity",
        from = "Column::PolicyId",
        to = "super::sla_policies::Column::Id"
    )]
    Policy,
}

impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lead.def()
    }
}

impl Related<super::sla_policies::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Policy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
