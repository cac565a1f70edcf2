//! The Handoff database schema: one [`Migrator`] for SQLite and PostgreSQL.
//!
//! The tables and their columns follow `plan/schema.md`; the last migration seeds the defaults
//! a fresh database starts with (CONTRACT.md section 3).

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261124_000001_create_org_tables;
mod m20261124_000002_create_config_tables;
mod m20261124_000003_create_lead_tables;
mod m20261124_000004_create_notification_tables;
mod m20261124_000005_seed_defaults;
mod m20261130_000001_live_feed_notify;
mod m20261201_000001_report_governance;
mod m20261201_000002_create_digest_sends;
mod m20261202_000001_report_facts;
mod m20261203_000001_scorecard_facts;

/// Runs the Handoff migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_org_tables::Migration),
            Box::new(m20261124_000002_create_config_tables::Migration),
            Box::new(m20261124_000003_create_lead_tables::Migration),
            Box::new(m20261124_000004_create_notification_tables::Migration),
            Box::new(m20261124_000005_seed_defaults::Migration),
            Box::new(m20261130_000001_live_feed_notify::Migration),
            Box::new(m20261201_000001_report_governance::Migration),
            Box::new(m20261201_000002_create_digest_sends::Migration),
            Box::new(m20261202_000001_report_facts::Migration),
            Box::new(m20261203_000001_scorecard_facts::Migration),
        ]
    }
}
