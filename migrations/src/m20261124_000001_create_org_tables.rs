//! The organisation: calendars, settings, teams, users and their credentials.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{
    create_indexes, drop_tables, flag, foreign_key, index, instant, instant_null, int_default,
    pk_id, text_default,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum BusinessCalendars {
    Table,
    Id,
    Name,
    Definition,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum OrgSettings {
    Table,
    Id,
    DefaultCalendarId,
    MqlThreshold,
    LeakageDays,
    AverageDealSize,
    OrgTimezone,
    CadenceDefaultTouches,
    CadenceDefaultDays,
    DigestWeekday,
    DigestTime,
    AppBaseUrl,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Teams {
    Table,
    Id,
    Name,
    ManagerId,
    CalendarId,
    IsQueue,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    Name,
    PasswordHash,
    Role,
    TeamId,
    ManagerId,
    Timezone,
    CalendarId,
    Capacity,
    Weight,
    OutOfOffice,
    OutOfOfficeSince,
    SlackWebhookUrl,
    TeamsWebhookUrl,
    NotifyEmail,
    NotifyChat,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
    RevokedAt,
}

#[derive(DeriveIden)]
pub(crate) enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    Role,
    CreatedBy,
    UserId,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

/// `teams.manager_id` and `users.team_id` reference each other, so on PostgreSQL this key is
/// added once `users` exists (SQLite accepts the forward reference inline and cannot add a
/// foreign key to an existing table).
const FK_TEAMS_MANAGER: &str = "fk_teams_manager_id";

fn teams_manager_fk() -> ForeignKeyCreateStatement {
    foreign_key(
        FK_TEAMS_MANAGER,
        Teams::Table,
        Teams::ManagerId,
        Users::Table,
        Users::Id,
        ForeignKeyAction::SetNull,
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = manager.get_database_backend() == DbBackend::Sqlite;

        manager
            .create_table(
                Table::create()
                    .table(BusinessCalendars::Table)
                    .if_not_exists()
                    .col(pk_id(BusinessCalendars::Id))
                    .col(text_uniq(BusinessCalendars::Name))
                    .col(text(BusinessCalendars::Definition))
                    .col(instant(BusinessCalendars::CreatedAt))
                    .col(instant(BusinessCalendars::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrgSettings::Table)
                    .if_not_exists()
                    // A single row: the check keeps it that way.
                    .col(
                        big_integer(OrgSettings::Id)
                            .primary_key()
                            .check(Expr::col(OrgSettings::Id).eq(1)),
                    )
                    .col(big_integer_null(OrgSettings::DefaultCalendarId))
                    .col(int_default(OrgSettings::MqlThreshold, 75))
                    .col(int_default(OrgSettings::LeakageDays, 7))
                    .col(double(OrgSettings::AverageDealSize).default(0.0))
                    .col(text_default(OrgSettings::OrgTimezone, "UTC"))
                    .col(int_default(OrgSettings::CadenceDefaultTouches, 6))
                    .col(int_default(OrgSettings::CadenceDefaultDays, 14))
                    .col(text_default(OrgSettings::DigestWeekday, "mon"))
                    .col(text_default(OrgSettings::DigestTime, "08:00"))
                    .col(text_default(
                        OrgSettings::AppBaseUrl,
                        "http://127.0.0.1:8080",
                    ))
                    .col(instant(OrgSettings::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_org_settings_default_calendar_id",
                        OrgSettings::Table,
                        OrgSettings::DefaultCalendarId,
                        BusinessCalendars::Table,
                        BusinessCalendars::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .take(),
            )
            .await?;

        let mut teams = Table::create();
        teams
            .table(Teams::Table)
            .if_not_exists()
            .col(pk_id(Teams::Id))
            .col(text_uniq(Teams::Name))
            .col(big_integer_null(Teams::ManagerId))
            .col(big_integer_null(Teams::CalendarId))
            .col(flag(Teams::IsQueue, false))
            .col(instant(Teams::CreatedAt))
            .col(instant(Teams::UpdatedAt))
            .foreign_key(&mut foreign_key(
                "fk_teams_calendar_id",
                Teams::Table,
                Teams::CalendarId,
                BusinessCalendars::Table,
                BusinessCalendars::Id,
                ForeignKeyAction::NoAction,
            ));
        if sqlite {
            teams.foreign_key(&mut teams_manager_fk());
        }
        manager.create_table(teams.take()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_id(Users::Id))
                    // Stored lower-case so that the unique key is case-insensitive.
                    .col(
                        text_uniq(Users::Email).check(
                            Expr::col(Users::Email).eq(Func::lower(Expr::col(Users::Email))),
                        ),
                    )
                    .col(text(Users::Name))
                    .col(text_null(Users::PasswordHash))
                    .col(text(Users::Role))
                    .col(big_integer_null(Users::TeamId))
                    .col(big_integer_null(Users::ManagerId))
                    .col(text_null(Users::Timezone))
                    .col(big_integer_null(Users::CalendarId))
                    .col(integer_null(Users::Capacity))
                    .col(int_default(Users::Weight, 1))
                    .col(flag(Users::OutOfOffice, false))
                    .col(instant_null(Users::OutOfOfficeSince))
                    .col(text_null(Users::SlackWebhookUrl))
                    .col(text_null(Users::TeamsWebhookUrl))
                    .col(flag(Users::NotifyEmail, true))
                    .col(flag(Users::NotifyChat, true))
                    .col(flag(Users::Active, true))
                    .col(instant(Users::CreatedAt))
                    .col(instant(Users::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_users_team_id",
                        Users::Table,
                        Users::TeamId,
                        Teams::Table,
                        Teams::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_users_manager_id",
                        Users::Table,
                        Users::ManagerId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_users_calendar_id",
                        Users::Table,
                        Users::CalendarId,
                        BusinessCalendars::Table,
                        BusinessCalendars::Id,
                        ForeignKeyAction::NoAction,
                    ))
                    .take(),
            )
            .await?;

        if !sqlite {
            manager.create_foreign_key(teams_manager_fk()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(pk_id(Sessions::Id))
                    .col(big_integer(Sessions::UserId))
                    .col(text_uniq(Sessions::TokenHash))
                    .col(instant(Sessions::CreatedAt))
                    .col(instant(Sessions::ExpiresAt))
                    .col(instant_null(Sessions::LastSeenAt))
                    .col(instant_null(Sessions::RevokedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_sessions_user_id",
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(pk_id(ApiTokens::Id))
                    .col(text(ApiTokens::Name))
                    .col(text_uniq(ApiTokens::TokenHash))
                    .col(text(ApiTokens::Role))
                    .col(big_integer_null(ApiTokens::CreatedBy))
                    .col(big_integer(ApiTokens::UserId))
                    .col(instant(ApiTokens::CreatedAt))
                    .col(instant_null(ApiTokens::LastUsedAt))
                    .col(instant_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_api_tokens_created_by",
                        ApiTokens::Table,
                        ApiTokens::CreatedBy,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_api_tokens_user_id",
                        ApiTokens::Table,
                        ApiTokens::UserId,
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
                index("idx_users_team_id", Users::Table, [Users::TeamId]),
                index("idx_users_manager_id", Users::Table, [Users::ManagerId]),
                index("idx_sessions_user_id", Sessions::Table, [Sessions::UserId]),
                index(
                    "idx_api_tokens_user_id",
                    ApiTokens::Table,
                    [ApiTokens::UserId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name(FK_TEAMS_MANAGER)
                        .table(Teams::Table)
                        .to_owned(),
                )
                .await?;
        }
        drop_tables(
            manager,
            [
                ApiTokens::Table.into_iden(),
                Sessions::Table.into_iden(),
                Users::Table.into_iden(),
                Teams::Table.into_iden(),
                OrgSettings::Table.into_iden(),
                BusinessCalendars::Table.into_iden(),
            ],
        )
        .await
    }
}
