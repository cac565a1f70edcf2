//! `org_settings`: organisation-wide settings: one row, id 1.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "org_settings")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    #[sea_orm(nullable)]
    pub default_calendar_id: Option<i64>,
    pub mql_threshold: i32,
    /// Days without activity after which an MQL counts as leaked.
    pub leakage_days: i32,
    /// Average deal size, for the estimated loss of leaked leads; 0: not configured.
    pub average_deal_size: f64,
    /// IANA time zone.
    #[sea_orm(column_type = "Text")]
    pub org_timezone: String,
    pub cadence_default_touches: i32,
    pub cadence_default_days: i32,
    /// `mon`..`sun`.
    #[sea_orm(column_type = "Text")]
    pub digest_weekday: String,
    /// `HH:MM`, in `org_timezone`.
    #[sea_orm(column_type = "Text")]
    pub digest_time: String,
    #[sea_orm(column_type = "Text")]
    pub app_base_url: String,
    pub updated_at: DateTimeUtc,
    /// MQLs marketing commits to deliver each month; none: no target.
    #[sea_orm(nullable)]
    pub monthly_mql_target: Option<i32>,
    /// Seconds within which an MQL should be routed (assigned).
    pub routing_target_seconds: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::business_calendars::Entity",
        from = "Column::DefaultCalendarId",
        to = "super::business_calendars::Column::Id"
    )]
    DefaultCalendar,
}

impl Related<super::business_calendars::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DefaultCalendar.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
