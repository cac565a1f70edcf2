//! PostgreSQL only: `lead_events` inserts notify the live feed of every `handoff serve` process.
//!
//! One `pg_notify('handoff_live', '<min id>,<max id>')` per insert statement (a statement-level
//! trigger over the transition table), not per row: bulk intake inserts thousands of events in
//! one statement, and each notification is queued until commit. PostgreSQL delivers them only
//! when the transaction commits, so listeners never see uncommitted events. SQLite has one
//! process and the feed polls it: nothing to do there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE OR REPLACE FUNCTION handoff_notify_lead_events() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    first_id bigint;
    last_id bigint;
BEGIN
    SELECT min(id), max(id) INTO first_id, last_id FROM inserted_lead_events;
    IF first_id IS NOT NULL THEN
        PERFORM pg_notify('handoff_live', first_id::text || ',' || last_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER lead_events_notify_live
    AFTER INSERT ON lead_events
    REFERENCING NEW TABLE AS inserted_lead_events
    FOR EACH STATEMENT
    EXECUTE FUNCTION handoff_notify_lead_events();
"#;

const DOWN: &str = r#"
DROP TRIGGER IF EXISTS lead_events_notify_live ON lead_events;
DROP FUNCTION IF EXISTS handoff_notify_lead_events();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(UP).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(DOWN).await?;
        Ok(())
    }
}
