//! Admin-editable configuration: lead types, SLA policies, scoring and routing rules, rejection
//! reasons, domain lists and accounts.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{
    create_indexes, drop_tables, flag, foreign_key, index, instant, pk_id, pk_text, text_default,
    unique_index,
};
use crate::m20261124_000001_create_org_tables::{BusinessCalendars, Teams, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum LeadTypes {
    Table,
    Key,
    Label,
    InstantMql,
    CadenceTouches,
    CadenceDays,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum SlaPolicies {
    Table,
    Id,
    Name,
    LeadType,
    Kind,
    TargetSeconds,
    CalendarId,
    StartOn,
    NotifyAtPercent,
    EscalateToManager,
    ReassignOnBreach,
    PauseOnResponse,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum ScoringRules {
    Table,
    Id,
    Name,
    Points,
    Field,
    Operator,
    Value,
    Engagement,
    MaxTimes,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum RoutingRules {
    Table,
    Id,
    Name,
    Priority,
    LeadTypes,
    Countries,
    Regions,
    Industries,
    MinCompanySize,
    MaxCompanySize,
    Method,
    TeamId,
    QueueOnly,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum RoutingCursors {
    Table,
    TeamId,
    Assignments,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum RejectionReasons {
    Table,
    Code,
    Label,
    RecyclePlay,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum DomainLists {
    Table,
    Id,
    Domain,
    List,
}

#[derive(DeriveIden)]
pub(crate) enum Accounts {
    Table,
    Id,
    Domain,
    Name,
    OwnerId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LeadTypes::Table)
                    .if_not_exists()
                    .col(pk_text(LeadTypes::Key))
                    .col(text(LeadTypes::Label))
                    .col(flag(LeadTypes::InstantMql, false))
                    .col(integer_null(LeadTypes::CadenceTouches))
                    .col(integer_null(LeadTypes::CadenceDays))
                    .col(flag(LeadTypes::Active, true))
                    .col(instant(LeadTypes::CreatedAt))
                    .col(instant(LeadTypes::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SlaPolicies::Table)
                    .if_not_exists()
                    .col(pk_id(SlaPolicies::Id))
                    .col(text(SlaPolicies::Name))
                    .col(text(SlaPolicies::LeadType))
                    .col(text(SlaPolicies::Kind))
                    .col(big_integer(SlaPolicies::TargetSeconds))
                    .col(big_integer_null(SlaPolicies::CalendarId))
                    .col(text(SlaPolicies::StartOn))
                    .col(text_default(SlaPolicies::NotifyAtPercent, "[50,80]"))
                    .col(flag(SlaPolicies::EscalateToManager, true))
                    .col(flag(SlaPolicies::ReassignOnBreach, false))
                    .col(flag(SlaPolicies::PauseOnResponse, false))
                    .col(flag(SlaPolicies::Active, true))
                    .col(instant(SlaPolicies::CreatedAt))
                    .col(instant(SlaPolicies::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_sla_policies_lead_type",
                        SlaPolicies::Table,
                        SlaPolicies::LeadType,
                        LeadTypes::Table,
                        LeadTypes::Key,
                        ForeignKeyAction::NoAction,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_sla_policies_calendar_id",
                        SlaPolicies::Table,
                        SlaPolicies::CalendarId,
                        BusinessCalendars::Table,
                        BusinessCalendars::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ScoringRules::Table)
                    .if_not_exists()
                    .col(pk_id(ScoringRules::Id))
                    .col(text(ScoringRules::Name))
                    .col(integer(ScoringRules::Points))
                    .col(text_null(ScoringRules::Field))
                    .col(text_null(ScoringRules::Operator))
                    .col(text_null(ScoringRules::Value))
                    .col(text_null(ScoringRules::Engagement))
                    .col(integer_null(ScoringRules::MaxTimes))
                    .col(flag(ScoringRules::Active, true))
                    .col(instant(ScoringRules::CreatedAt))
                    .col(instant(ScoringRules::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoutingRules::Table)
                    .if_not_exists()
                    .col(pk_id(RoutingRules::Id))
                    .col(text(RoutingRules::Name))
                    .col(integer(RoutingRules::Priority))
                    .col(text_null(RoutingRules::LeadTypes))
                    .col(text_null(RoutingRules::Countries))
                    .col(text_null(RoutingRules::Regions))
                    .col(text_null(RoutingRules::Industries))
                    .col(integer_null(RoutingRules::MinCompanySize))
                    .col(integer_null(RoutingRules::MaxCompanySize))
                    .col(text_default(RoutingRules::Method, "ROUND_ROBIN"))
                    .col(big_integer_null(RoutingRules::TeamId))
                    .col(flag(RoutingRules::QueueOnly, false))
                    .col(flag(RoutingRules::Active, true))
                    .col(instant(RoutingRules::CreatedAt))
                    .col(instant(RoutingRules::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_routing_rules_team_id",
                        RoutingRules::Table,
                        RoutingRules::TeamId,
                        Teams::Table,
                        Teams::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoutingCursors::Table)
                    .if_not_exists()
                    .col(big_integer(RoutingCursors::TeamId).primary_key())
                    .col(text(RoutingCursors::Assignments))
                    .col(instant(RoutingCursors::UpdatedAt))
                    // Round-robin state belongs to its team and goes with it.
                    .foreign_key(&mut foreign_key(
                        "fk_routing_cursors_team_id",
                        RoutingCursors::Table,
                        RoutingCursors::TeamId,
                        Teams::Table,
                        Teams::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RejectionReasons::Table)
                    .if_not_exists()
                    .col(pk_text(RejectionReasons::Code))
                    .col(text(RejectionReasons::Label))
                    .col(text_null(RejectionReasons::RecyclePlay))
                    .col(flag(RejectionReasons::Active, true))
                    .col(instant(RejectionReasons::CreatedAt))
                    .col(instant(RejectionReasons::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DomainLists::Table)
                    .if_not_exists()
                    .col(pk_id(DomainLists::Id))
                    .col(text(DomainLists::Domain))
                    .col(text(DomainLists::List))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .if_not_exists()
                    .col(pk_id(Accounts::Id))
                    .col(text_uniq(Accounts::Domain))
                    .col(text_null(Accounts::Name))
                    .col(big_integer_null(Accounts::OwnerId))
                    .foreign_key(&mut foreign_key(
                        "fk_accounts_owner_id",
                        Accounts::Table,
                        Accounts::OwnerId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .take(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                unique_index(
                    "uq_sla_policies_lead_type_kind",
                    SlaPolicies::Table,
                    [SlaPolicies::LeadType, SlaPolicies::Kind],
                ),
                index(
                    "idx_routing_rules_priority",
                    RoutingRules::Table,
                    [RoutingRules::Priority],
                ),
                unique_index(
                    "uq_domain_lists_domain_list",
                    DomainLists::Table,
                    [DomainLists::Domain, DomainLists::List],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                Accounts::Table.into_iden(),
                DomainLists::Table.into_iden(),
                RejectionReasons::Table.into_iden(),
                RoutingCursors::Table.into_iden(),
                RoutingRules::Table.into_iden(),
                ScoringRules::Table.into_iden(),
                SlaPolicies::Table.into_iden(),
                LeadTypes::Table.into_iden(),
            ],
        )
        .await
    }
}
