//! Report facts: what the reports read so that a 30-day window of a million-lead history answers
//! from narrow index scans and SQL aggregates instead of whole rows folded in memory.
//!
//! - `leads.rejected_at`: the latest `rejected` event of the lead (the feedback report's
//!   "rejected in this round" is `rejected_at >= mql_at`), filled from the log here.
//! - `sla_clocks.report_*`: a clock's final verdict attributed once, by the server, to the owner
//!   (or queue team) it belongs to and to the lead's source, campaign and lead type at that
//!   time. `report_at` NULL means not attributed (yet, or again after the lead or the clock
//!   changed); such clocks are folded from the log as before.
//! - Covering indexes for the compliance, funnel, feedback and leakage scans.

use sea_orm_migration::prelude::*;

use crate::columns::{add_column, create_indexes, drop_column, index, instant_null};
use crate::m20261124_000003_create_lead_tables::{LeadEvents, Leads, SlaClocks};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LeadFacts {
    RejectedAt,
}

/// The `report_*` columns of `sla_clocks`.
#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)]
enum ClockFacts {
    ReportAt,
    ReportOwnerId,
    ReportTeamId,
    ReportSource,
    ReportCampaign,
    ReportLeadType,
}

/// Each lead's latest rejection, driven from the `rejected` events (one pass over them), not
/// from the leads (a correlated lookup a lead). `UPDATE ... FROM`: SQLite 3.33+, PostgreSQL.
const BACKFILL_REJECTED_AT: &str = "UPDATE leads SET rejected_at = r.at \
     FROM (SELECT lead_id, MAX(occurred_at) AS at FROM lead_events \
           WHERE kind = 'rejected' GROUP BY lead_id) AS r \
     WHERE leads.id = r.lead_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        add_column(manager, Leads::Table, instant_null(LeadFacts::RejectedAt)).await?;
        add_column(
            manager,
            SlaClocks::Table,
            instant_null(ClockFacts::ReportAt),
        )
        .await?;
        for column in [ClockFacts::ReportOwnerId, ClockFacts::ReportTeamId] {
            add_column(
                manager,
                SlaClocks::Table,
                ColumnDef::new(column).big_integer().null().take(),
            )
            .await?;
        }
        for column in [
            ClockFacts::ReportSource,
            ClockFacts::ReportCampaign,
            ClockFacts::ReportLeadType,
        ] {
            add_column(
                manager,
                SlaClocks::Table,
                ColumnDef::new(column).text().null().take(),
            )
            .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(BACKFILL_REJECTED_AT)
            .await?;

        create_indexes(
            manager,
            vec![
                // The funnel and feedback cohort: leads by `mql_at`, with every column they read.
                {
                    let mut i = index(
                        "idx_leads_cohort",
                        Leads::Table,
                        [
                            Leads::MqlAt,
                            Leads::Source,
                            Leads::Campaign,
                            Leads::LeadType,
                            Leads::OwnerId,
                            Leads::TeamId,
                            Leads::SalAt,
                            Leads::SqlAt,
                            Leads::OpportunityAt,
                        ],
                    );
                    i.col(LeadFacts::RejectedAt);
                    i
                },
                // Leakage: the open MQLs, with what the filter and the staleness test read.
                index(
                    "idx_leads_open_mqls",
                    Leads::Table,
                    [
                        Leads::Status,
                        Leads::SalAt,
                        Leads::OwnerId,
                        Leads::LastActivityAt,
                        Leads::MqlAt,
                        Leads::TeamId,
                        Leads::Source,
                        Leads::Campaign,
                        Leads::LeadType,
                    ],
                ),
                // Compliance: the clocks of a kind by `started_at`, with their facts.
                {
                    let mut i = index(
                        "idx_sla_clocks_report",
                        SlaClocks::Table,
                        [
                            SlaClocks::Kind,
                            SlaClocks::StartedAt,
                            SlaClocks::State,
                            SlaClocks::StoppedAt,
                            SlaClocks::DueAt,
                            SlaClocks::ElapsedBeforeSeconds,
                            SlaClocks::TargetSeconds,
                        ],
                    );
                    for column in [
                        ClockFacts::ReportAt,
                        ClockFacts::ReportOwnerId,
                        ClockFacts::ReportTeamId,
                        ClockFacts::ReportSource,
                        ClockFacts::ReportCampaign,
                        ClockFacts::ReportLeadType,
                    ] {
                        i.col(column);
                    }
                    i
                },
                // The attribution backlog: clocks without facts, in id order.
                {
                    let mut i = index(
                        "idx_sla_clocks_report_at_id",
                        SlaClocks::Table,
                        [ClockFacts::ReportAt],
                    );
                    i.col(SlaClocks::Id);
                    i
                },
                // A batch of leads' events of one kind (their assignments): both equalities in
                // one index, so no planner walks every event of the kind instead.
                index(
                    "idx_lead_events_lead_id_kind",
                    LeadEvents::Table,
                    [LeadEvents::LeadId, LeadEvents::Kind, LeadEvents::OccurredAt],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_leads_cohort",
            "idx_leads_open_mqls",
            "idx_sla_clocks_report",
            "idx_sla_clocks_report_at_id",
            "idx_lead_events_lead_id_kind",
        ] {
            manager
                .drop_index(Index::drop().name(name).if_exists().to_owned())
                .await?;
        }
        for column in [
            ClockFacts::ReportAt,
            ClockFacts::ReportOwnerId,
            ClockFacts::ReportTeamId,
            ClockFacts::ReportSource,
            ClockFacts::ReportCampaign,
            ClockFacts::ReportLeadType,
        ] {
            drop_column(manager, SlaClocks::Table, column).await?;
        }
        drop_column(manager, Leads::Table, LeadFacts::RejectedAt).await
    }
}
