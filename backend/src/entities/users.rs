//! `users`: a person (or, for API tokens, a service identity) who signs in.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-case.
    #[sea_orm(column_type = "Text", unique)]
    pub email: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Argon2id PHC string; none for users who cannot log in with a password.
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    /// `handoff_shared::domain::Role`.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    #[sea_orm(nullable)]
    pub team_id: Option<i64>,
    #[sea_orm(nullable)]
    pub manager_id: Option<i64>,
    /// IANA time zone.
    #[sea_orm(column_type = "Text", nullable)]
    pub timezone: Option<String>,
    #[sea_orm(nullable)]
    pub calendar_id: Option<i64>,
    /// Maximum open leads; none for no limit.
    #[sea_orm(nullable)]
    pub capacity: Option<i32>,
    /// Round-robin weight.
    pub weight: i32,
    pub out_of_office: bool,
    #[sea_orm(nullable)]
    pub out_of_office_since: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub slack_webhook_url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub teams_webhook_url: Option<String>,
    pub notify_email: bool,
    pub notify_chat: bool,
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
    #[sea_orm(belongs_to = "Entity", from = "Column::ManagerId", to = "Column::Id")]
    Manager,
    #[sea_orm(
        belongs_to = "super::business_calendars::Entity",
        from = "Column::CalendarId",
        to = "super::business_calendars::Column::Id"
    )]
    Calendar,
    #[sea_orm(has_many = "super::sessions::Entity")]
    Sessions,
    /// Tokens acting as this user (`api_tokens.user_id`).
    #[sea_orm(has_many = "super::api_tokens::Entity")]
    ApiTokens,
    /// Leads this user owns.
    #[sea_orm(has_many = "super::leads::Entity")]
    OwnedLeads,
}

impl Related<super::teams::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl Related<super::business_calendars::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Calendar.def()
    }
}

impl Related<super::sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::api_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiTokens.def()
    }
}

/// The leads the user owns.
impl Related<super::leads::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnedLeads.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
