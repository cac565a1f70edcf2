//! `governance_notices`: a maintenance red flag admins were told about, once per month.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "governance_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `YYYY-MM` (UTC).
    #[sea_orm(column_type = "Text")]
    pub month: String,
    /// The red flag's code, e.g. `TEAM_COMPLIANCE`.
    #[sea_orm(column_type = "Text")]
    pub code: String,
    /// The figure that turned it red.
    #[sea_orm(column_type = "Double", nullable)]
    pub figure: Option<f64>,
    pub notified_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
