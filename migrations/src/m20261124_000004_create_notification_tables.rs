//! Outbound notifications (channels, the outbox and its delivery attempts), inbound and outbound
//! webhooks, and the leases of single-runner scheduler jobs.

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{
    create_indexes, drop_tables, flag, foreign_key, index, instant, instant_null, int_default,
    pk_id, pk_text, text_default,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum NotificationChannels {
    Table,
    Id,
    Scope,
    ScopeId,
    Kind,
    Target,
    Secret,
    Events,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Notifications {
    Table,
    Id,
    IdempotencyKey,
    LeadId,
    ClockId,
    Event,
    RecipientUserId,
    Channel,
    Target,
    Subject,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
pub(crate) enum NotificationAttempts {
    Table,
    Id,
    NotificationId,
    AttemptedAt,
    Success,
    StatusCode,
    Error,
}

#[derive(DeriveIden)]
pub(crate) enum InboundIntegrations {
    Table,
    Id,
    Name,
    Secret,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum OutboundWebhooks {
    Table,
    Id,
    Name,
    Url,
    Secret,
    Events,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum SchedulerLeases {
    Table,
    Name,
    Holder,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationChannels::Table)
                    .if_not_exists()
                    .col(pk_id(NotificationChannels::Id))
                    .col(text(NotificationChannels::Scope))
                    // Polymorphic (a user or a team, by `scope`): no foreign key.
                    .col(big_integer_null(NotificationChannels::ScopeId))
                    .col(text(NotificationChannels::Kind))
                    .col(text(NotificationChannels::Target))
                    .col(text_null(NotificationChannels::Secret))
                    .col(text_null(NotificationChannels::Events))
                    .col(flag(NotificationChannels::Active, true))
                    .col(instant(NotificationChannels::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .if_not_exists()
                    .col(pk_id(Notifications::Id))
                    .col(text_uniq(Notifications::IdempotencyKey))
                    // The outbox is a log: it names leads, clocks and users without foreign keys
                    // so that it never blocks their deletion.
                    .col(big_integer_null(Notifications::LeadId))
                    .col(big_integer_null(Notifications::ClockId))
                    .col(text(Notifications::Event))
                    .col(big_integer_null(Notifications::RecipientUserId))
                    .col(text(Notifications::Channel))
                    .col(text(Notifications::Target))
                    .col(text(Notifications::Subject))
                    .col(text(Notifications::Body))
                    .col(text_default(Notifications::Status, "pending"))
                    .col(int_default(Notifications::Attempts, 0))
                    .col(instant(Notifications::NextAttemptAt))
                    .col(text_null(Notifications::LastError))
                    .col(instant(Notifications::CreatedAt))
                    .col(instant_null(Notifications::SentAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationAttempts::Table)
                    .if_not_exists()
                    .col(pk_id(NotificationAttempts::Id))
                    .col(big_integer(NotificationAttempts::NotificationId))
                    .col(instant(NotificationAttempts::AttemptedAt))
                    .col(boolean(NotificationAttempts::Success))
                    .col(integer_null(NotificationAttempts::StatusCode))
                    .col(text_null(NotificationAttempts::Error))
                    .foreign_key(&mut foreign_key(
                        "fk_notification_attempts_notification_id",
                        NotificationAttempts::Table,
                        NotificationAttempts::NotificationId,
                        Notifications::Table,
                        Notifications::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InboundIntegrations::Table)
                    .if_not_exists()
                    .col(pk_id(InboundIntegrations::Id))
                    .col(text_uniq(InboundIntegrations::Name))
                    .col(text(InboundIntegrations::Secret))
                    .col(flag(InboundIntegrations::Active, true))
                    .col(instant(InboundIntegrations::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboundWebhooks::Table)
                    .if_not_exists()
                    .col(pk_id(OutboundWebhooks::Id))
                    .col(text(OutboundWebhooks::Name))
                    .col(text(OutboundWebhooks::Url))
                    .col(text(OutboundWebhooks::Secret))
                    .col(text(OutboundWebhooks::Events))
                    .col(flag(OutboundWebhooks::Active, true))
                    .col(instant(OutboundWebhooks::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SchedulerLeases::Table)
                    .if_not_exists()
                    .col(pk_text(SchedulerLeases::Name))
                    .col(text(SchedulerLeases::Holder))
                    .col(instant(SchedulerLeases::ExpiresAt))
                    .take(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                index(
                    "idx_notifications_status_next_attempt_at",
                    Notifications::Table,
                    [Notifications::Status, Notifications::NextAttemptAt],
                ),
                index(
                    "idx_notifications_recipient_user_id",
                    Notifications::Table,
                    [Notifications::RecipientUserId],
                ),
                index(
                    "idx_notification_attempts_notification_id",
                    NotificationAttempts::Table,
                    [NotificationAttempts::NotificationId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                SchedulerLeases::Table.into_iden(),
                OutboundWebhooks::Table.into_iden(),
                InboundIntegrations::Table.into_iden(),
                NotificationAttempts::Table.into_iden(),
                Notifications::Table.into_iden(),
                NotificationChannels::Table.into_iden(),
            ],
        )
        .await
    }
}
