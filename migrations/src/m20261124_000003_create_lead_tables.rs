//! Leads, their append-only event log and their SLA clocks.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{
    create_indexes, drop_tables, foreign_key, index, instant, instant_null, int_default, pk_id,
    text_default,
};
use crate::m20261124_000001_create_org_tables::{Teams, Users};
use crate::m20261124_000002_create_config_tables::SlaPolicies;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Leads {
    Table,
    Id,
    ExternalId,
    Email,
    EmailDomain,
    FirstName,
    LastName,
    Title,
    Phone,
    Company,
    CompanySize,
    Industry,
    Country,
    Region,
    Source,
    Campaign,
    LeadType,
    Score,
    ScoreBreakdown,
    Status,
    OwnerId,
    TeamId,
    CreatedAt,
    UpdatedAt,
    MqlAt,
    AssignedAt,
    SalAt,
    SqlAt,
    OpportunityAt,
    RecycledAt,
    DisqualifiedAt,
    FirstResponseAt,
    LastActivityAt,
    RejectionReason,
    RejectionNote,
    DisqualifyReason,
    Bant,
    Amount,
    Touches,
    Version,
}

#[derive(DeriveIden)]
pub(crate) enum LeadEvents {
    Table,
    Id,
    LeadId,
    Kind,
    ActorId,
    FromStatus,
    ToStatus,
    Payload,
    OccurredAt,
    RecordedAt,
}

#[derive(DeriveIden)]
pub(crate) enum SlaClocks {
    Table,
    Id,
    LeadId,
    PolicyId,
    Kind,
    State,
    OwnerId,
    CalendarId,
    StartedAt,
    DueAt,
    StoppedAt,
    TargetSeconds,
    ElapsedBeforeSeconds,
    SegmentStartedAt,
    PausedAt,
    NextFireAt,
    NextFirePercent,
    FiredPercents,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Leads::Table)
                    .if_not_exists()
                    .col(pk_id(Leads::Id))
                    .col(text_uniq(Leads::ExternalId))
                    .col(text(Leads::Email))
                    .col(text(Leads::EmailDomain))
                    .col(text_null(Leads::FirstName))
                    .col(text_null(Leads::LastName))
                    .col(text_null(Leads::Title))
                    .col(text_null(Leads::Phone))
                    .col(text_null(Leads::Company))
                    .col(integer_null(Leads::CompanySize))
                    .col(text_null(Leads::Industry))
                    .col(text_null(Leads::Country))
                    .col(text_null(Leads::Region))
                    .col(text_null(Leads::Source))
                    .col(text_null(Leads::Campaign))
                    .col(text(Leads::LeadType))
                    .col(int_default(Leads::Score, 0))
                    .col(text_default(Leads::ScoreBreakdown, "[]"))
                    .col(text_default(Leads::Status, "NEW"))
                    .col(big_integer_null(Leads::OwnerId))
                    .col(big_integer_null(Leads::TeamId))
                    .col(instant(Leads::CreatedAt))
                    .col(instant(Leads::UpdatedAt))
                    .col(instant_null(Leads::MqlAt))
                    .col(instant_null(Leads::AssignedAt))
                    .col(instant_null(Leads::SalAt))
                    .col(instant_null(Leads::SqlAt))
                    .col(instant_null(Leads::OpportunityAt))
                    .col(instant_null(Leads::RecycledAt))
                    .col(instant_null(Leads::DisqualifiedAt))
                    .col(instant_null(Leads::FirstResponseAt))
                    .col(instant_null(Leads::LastActivityAt))
                    .col(text_null(Leads::RejectionReason))
                    .col(text_null(Leads::RejectionNote))
                    .col(text_null(Leads::DisqualifyReason))
                    .col(text_null(Leads::Bant))
                    .col(double_null(Leads::Amount))
                    .col(int_default(Leads::Touches, 0))
                    .col(int_default(Leads::Version, 0))
                    .foreign_key(&mut foreign_key(
                        "fk_leads_owner_id",
                        Leads::Table,
                        Leads::OwnerId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_leads_team_id",
                        Leads::Table,
                        Leads::TeamId,
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
                    .table(LeadEvents::Table)
                    .if_not_exists()
                    .col(pk_id(LeadEvents::Id))
                    .col(big_integer(LeadEvents::LeadId))
                    .col(text(LeadEvents::Kind))
                    .col(big_integer_null(LeadEvents::ActorId))
                    .col(text_null(LeadEvents::FromStatus))
                    .col(text_null(LeadEvents::ToStatus))
                    .col(text_default(LeadEvents::Payload, "{}"))
                    .col(instant(LeadEvents::OccurredAt))
                    .col(instant(LeadEvents::RecordedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_lead_events_lead_id",
                        LeadEvents::Table,
                        LeadEvents::LeadId,
                        Leads::Table,
                        Leads::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_lead_events_actor_id",
                        LeadEvents::Table,
                        LeadEvents::ActorId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SlaClocks::Table)
                    .if_not_exists()
                    .col(pk_id(SlaClocks::Id))
                    .col(big_integer(SlaClocks::LeadId))
                    .col(big_integer(SlaClocks::PolicyId))
                    .col(text(SlaClocks::Kind))
                    .col(text(SlaClocks::State))
                    // Snapshots taken when the clock starts: no foreign keys, so that history
                    // outlives the user or calendar it names.
                    .col(big_integer_null(SlaClocks::OwnerId))
                    .col(big_integer_null(SlaClocks::CalendarId))
                    .col(instant(SlaClocks::StartedAt))
                    .col(instant(SlaClocks::DueAt))
                    .col(instant_null(SlaClocks::StoppedAt))
                    .col(big_integer(SlaClocks::TargetSeconds))
                    .col(big_integer(SlaClocks::ElapsedBeforeSeconds).default(0))
                    .col(instant_null(SlaClocks::SegmentStartedAt))
                    .col(instant_null(SlaClocks::PausedAt))
                    .col(instant_null(SlaClocks::NextFireAt))
                    .col(integer_null(SlaClocks::NextFirePercent))
                    .col(text_default(SlaClocks::FiredPercents, "[]"))
                    .col(instant(SlaClocks::CreatedAt))
                    .col(instant(SlaClocks::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_sla_clocks_lead_id",
                        SlaClocks::Table,
                        SlaClocks::LeadId,
                        Leads::Table,
                        Leads::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_sla_clocks_policy_id",
                        SlaClocks::Table,
                        SlaClocks::PolicyId,
                        SlaPolicies::Table,
                        SlaPolicies::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .take(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                index(
                    "idx_leads_owner_id_status",
                    Leads::Table,
                    [Leads::OwnerId, Leads::Status],
                ),
                index(
                    "idx_leads_team_id_status",
                    Leads::Table,
                    [Leads::TeamId, Leads::Status],
                ),
                index("idx_leads_status", Leads::Table, [Leads::Status]),
                index("idx_leads_mql_at", Leads::Table, [Leads::MqlAt]),
                index("idx_leads_source", Leads::Table, [Leads::Source]),
                index("idx_leads_campaign", Leads::Table, [Leads::Campaign]),
                index("idx_leads_email", Leads::Table, [Leads::Email]),
                index("idx_leads_email_domain", Leads::Table, [Leads::EmailDomain]),
                index("idx_leads_lead_type", Leads::Table, [Leads::LeadType]),
                index(
                    "idx_leads_last_activity_at",
                    Leads::Table,
                    [Leads::LastActivityAt],
                ),
                index(
                    "idx_lead_events_lead_id_occurred_at",
                    LeadEvents::Table,
                    [LeadEvents::LeadId, LeadEvents::OccurredAt],
                ),
                index(
                    "idx_lead_events_kind_occurred_at",
                    LeadEvents::Table,
                    [LeadEvents::Kind, LeadEvents::OccurredAt],
                ),
                index(
                    "idx_lead_events_occurred_at",
                    LeadEvents::Table,
                    [LeadEvents::OccurredAt],
                ),
                index(
                    "idx_sla_clocks_next_fire_at",
                    SlaClocks::Table,
                    [SlaClocks::NextFireAt],
                ),
                index(
                    "idx_sla_clocks_lead_id",
                    SlaClocks::Table,
                    [SlaClocks::LeadId],
                ),
                index(
                    "idx_sla_clocks_state_due_at",
                    SlaClocks::Table,
                    [SlaClocks::State, SlaClocks::DueAt],
                ),
                index(
                    "idx_sla_clocks_started_at",
                    SlaClocks::Table,
                    [SlaClocks::StartedAt],
                ),
                index(
                    "idx_sla_clocks_owner_id_state",
                    SlaClocks::Table,
                    [SlaClocks::OwnerId, SlaClocks::State],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                SlaClocks::Table.into_iden(),
                LeadEvents::Table.into_iden(),
                Leads::Table.into_iden(),
            ],
        )
        .await
    }
}
