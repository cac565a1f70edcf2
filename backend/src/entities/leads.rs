//! `leads`: a lead and its lifecycle stamps.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The source system's id.
    #[sea_orm(column_type = "Text", unique)]
    pub external_id: String,
    #[sea_orm(column_type = "Text")]
    pub email: String,
    #[sea_orm(column_type = "Text")]
    pub email_domain: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub first_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub title: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub phone: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub company: Option<String>,
    #[sea_orm(nullable)]
    pub company_size: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub industry: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub country: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub region: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub campaign: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub lead_type: String,
    pub score: i32,
    /// JSON array.
    #[sea_orm(column_type = "Text")]
    pub score_breakdown: String,
    /// `handoff_shared::domain::LeadStatus`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    #[sea_orm(nullable)]
    pub owner_id: Option<i64>,
    #[sea_orm(nullable)]
    pub team_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(nullable)]
    pub mql_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub assigned_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub sal_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub sql_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub opportunity_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub recycled_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub disqualified_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub first_response_at: Option<DateTimeUtc>,
    #[sea_orm(nullable)]
    pub last_activity_at: Option<DateTimeUtc>,
    /// The latest `rejected` event: rejected in the current round when at or after `mql_at`.
    #[sea_orm(nullable)]
    pub rejected_at: Option<DateTimeUtc>,
    /// The first assignment at or after `mql_at`: when the lead was routed in this round.
    #[sea_orm(nullable)]
    pub routed_at: Option<DateTimeUtc>,
    /// The required fields missing from the profile, a bit set over
    /// `handoff_shared::lead::REQUIRED_FIELDS` (0: complete).
    pub missing_fields: i32,
    /// A `rejection_reasons.code`.
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_note: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub disqualify_reason: Option<String>,
    /// JSON object.
    #[sea_orm(column_type = "Text", nullable)]
    pub bant: Option<String>,
    #[sea_orm(nullable)]
    pub amount: Option<f64>,
    pub touches: i32,
    /// Optimistic concurrency: bumped by every update.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::OwnerId",
        to = "super::users::Column::Id"
    )]
    Owner,
    #[sea_orm(
        belongs_to = "super::teams::Entity",
        from = "Column::TeamId",
        to = "super::teams::Column::Id"
    )]
    Team,
    #[sea_orm(has_many = "super::lead_events::Entity")]
    Events,
    #[sea_orm(has_many = "super::sla_clocks::Entity")]
    SlaClocks,
}

/// Through `owner_id`.
impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl Related<super::teams::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl Related<super::lead_events::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Events.def()
    }
}

impl Related<super::sla_clocks::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SlaClocks.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
