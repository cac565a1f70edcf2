//! Report governance: the organisation's marketing targets (a monthly MQL target, the minutes
//! within which an MQL must be routed) and the red flags admins were already told about, so
//! that each maintenance red flag notifies once per month.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{create_indexes, instant, int_default, pk_id, unique_index};
use crate::m20261124_000001_create_org_tables::OrgSettings;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReportSettings {
    /// MQLs marketing commits to deliver each month; NULL: no target set.
    MonthlyMqlTarget,
    /// Seconds within which an MQL should be routed (assigned); default 15 minutes.
    RoutingTargetSeconds,
}

#[derive(DeriveIden)]
pub(crate) enum GovernanceNotices {
    Table,
    Id,
    /// `YYYY-MM` (UTC).
    Month,
    /// The red flag's code, e.g. `TEAM_COMPLIANCE`.
    Code,
    /// The figure that turned it red.
    Figure,
    NotifiedAt,
}

/// The default routing target: 15 minutes.
const ROUTING_TARGET_SECONDS: i32 = 15 * 60;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(OrgSettings::Table)
                    .add_column(integer_null(ReportSettings::MonthlyMqlTarget))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrgSettings::Table)
                    .add_column(int_default(
                        ReportSettings::RoutingTargetSeconds,
                        ROUTING_TARGET_SECONDS,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GovernanceNotices::Table)
                    .col(pk_id(GovernanceNotices::Id))
                    .col(text(GovernanceNotices::Month))
                    .col(text(GovernanceNotices::Code))
                    .col(double_null(GovernanceNotices::Figure))
                    .col(instant(GovernanceNotices::NotifiedAt))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![unique_index(
                "ux_governance_notices_month_code",
                GovernanceNotices::Table,
                [GovernanceNotices::Month, GovernanceNotices::Code],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GovernanceNotices::Table).to_owned())
            .await?;
        for column in [
            ReportSettings::RoutingTargetSeconds,
            ReportSettings::MonthlyMqlTarget,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OrgSettings::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
