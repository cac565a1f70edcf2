//! Scorecard facts: what marketing's scorecard reads of a lead, so that it counts a month of a
//! million-lead history in SQL over one index instead of loading the cohort's rows and logs.
//!
//! - `leads.routed_at`: the first `assigned` event at or after `mql_at` (when the lead was
//!   routed in its current round), filled from the log here.
//! - `leads.missing_fields`: the required profile fields that are absent or blank, a bit set
//!   over `handoff_shared::lead::REQUIRED_FIELDS` (email 1, first name 2, last name 4,
//!   company 8, phone 16, source 32), filled here from the columns with the same notion of
//!   blank as the application's (`str::trim`: Unicode white space).
//! - `idx_leads_scorecard`: the cohort by `mql_at` with the filter's columns and these.
//!
//! Every step can run again after an interruption.

use sea_orm::{ConnectionTrait as _, DatabaseBackend, Statement};
use sea_orm_migration::prelude::*;

use crate::columns::{add_column, create_indexes, drop_column, index, instant_null, int_default};
use crate::m20261124_000003_create_lead_tables::Leads;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScorecardFacts {
    RoutedAt,
    MissingFields,
}

/// Each MQL's first assignment at or after its `mql_at`, driven from the `assigned` events.
const BACKFILL_ROUTED_AT: &str = "UPDATE leads SET routed_at = r.at \
     FROM (SELECT e.lead_id, MIN(e.occurred_at) AS at FROM lead_events e \
           JOIN leads l ON l.id = e.lead_id \
           WHERE e.kind = 'assigned' AND l.mql_at IS NOT NULL AND e.occurred_at >= l.mql_at \
           GROUP BY e.lead_id) AS r \
     WHERE leads.id = r.lead_id";

/// The required columns, in bit order, and whether each may be NULL.
const REQUIRED_COLUMNS: [(&str, bool); 6] = [
    ("email", false),
    ("first_name", true),
    ("last_name", true),
    ("company", true),
    ("phone", true),
    ("source", true),
];

/// `UPDATE leads SET missing_fields = <bits>` for the rows missing any, with the backend's
/// trim of a set of characters bound as the first parameter.
fn backfill_missing_fields(backend: DatabaseBackend) -> String {
    let (trim, param) = match backend {
        DatabaseBackend::Postgres => ("BTRIM", "$1"),
        _ => ("TRIM", "?1"),
    };
    let bits: Vec<String> = REQUIRED_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (column, nullable))| {
            let blank = format!("{trim}({column}, {param}) = ''");
            let missing = if *nullable {
                format!("{column} IS NULL OR {blank}")
            } else {
                blank
            };
            format!("(CASE WHEN {missing} THEN {} ELSE 0 END)", 1 << i)
        })
        .collect();
    let bits = bits.join(" + ");
    format!("UPDATE leads SET missing_fields = {bits} WHERE {bits} <> missing_fields")
}

/// Every character `str::trim` removes.
fn white_space() -> String {
    (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| c.is_whitespace())
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            Leads::Table,
            instant_null(ScorecardFacts::RoutedAt),
        )
        .await?;
        add_column(
            manager,
            Leads::Table,
            int_default(ScorecardFacts::MissingFields, 0),
        )
        .await?;
        let db = manager.get_connection();
        db.execute_unprepared(BACKFILL_ROUTED_AT).await?;
        let backend = manager.get_database_backend();
        db.execute(Statement::from_sql_and_values(
            backend,
            backfill_missing_fields(backend),
            [white_space().into()],
        ))
        .await?;

        create_indexes(
            manager,
            vec![{
                let mut i = index(
                    "idx_leads_scorecard",
                    Leads::Table,
                    [
                        Leads::MqlAt,
                        Leads::Source,
                        Leads::Campaign,
                        Leads::LeadType,
                        Leads::OwnerId,
                        Leads::TeamId,
                        Leads::Score,
                    ],
                );
                i.col(ScorecardFacts::MissingFields);
                i.col(ScorecardFacts::RoutedAt);
                i
            }],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_leads_scorecard")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        drop_column(manager, Leads::Table, ScorecardFacts::MissingFields).await?;
        drop_column(manager, Leads::Table, ScorecardFacts::RoutedAt).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trimmed_set_is_what_str_trim_removes() {
        let ws = white_space();
        assert!(ws.contains(' ') && ws.contains('\t') && ws.contains('\u{a0}'));
        assert!(!ws.contains('a') && !ws.contains('\u{200b}'));
        let sql = backfill_missing_fields(DatabaseBackend::Sqlite);
        assert!(
            sql.contains("(CASE WHEN TRIM(email, ?1) = '' THEN 1 ELSE 0 END)"),
            "{sql}"
        );
        assert!(
            sql.contains("source IS NULL OR TRIM(source, ?1) = '' THEN 32"),
            "{sql}"
        );
    }
}
