//! `digest_sends`: the weeks whose digest to marketing ops has been sent, one row a week.
//!
//! The primary key is the scheduled instant's local date (`YYYY-MM-DD` in the organisation's
//! zone): the sender inserts the row in the transaction that enqueues the mails, so a second
//! process, or the same one after a restart, finds the week taken and sends nothing (on
//! PostgreSQL a concurrent insert of the same key waits for the first and then conflicts).

use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::{drop_tables, instant, pk_text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum DigestSends {
    Table,
    Week,
    ScheduledAt,
    SentAt,
    Recipients,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DigestSends::Table)
                    .if_not_exists()
                    .col(pk_text(DigestSends::Week))
                    .col(instant(DigestSends::ScheduledAt))
                    .col(instant(DigestSends::SentAt))
                    .col(integer(DigestSends::Recipients))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [DigestSends::Table.into_iden()]).await
    }
}
