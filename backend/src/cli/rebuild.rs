//! `handoff rebuild`: recomputes every lead row and SLA clock from the event log and says what
//! changed.

use super::{CliFailure, DatabaseArgs};
use crate::configuration::DatabaseSettings;
use crate::db;
use crate::handoff::rebuild::rebuild_leads;

/// Runs the rebuild; exit 1 when some lead's log cannot explain its row.
pub async fn run(args: DatabaseArgs) -> Result<(), CliFailure> {
    let settings = DatabaseSettings::from_args(&args).map_err(|e| CliFailure::Usage(e.into()))?;
    let connection = db::connect(&settings).await.map_err(CliFailure::Runtime)?;
    db::migrate(&connection)
        .await
        .map_err(CliFailure::Runtime)?;
    let report = rebuild_leads(&connection)
        .await
        .map_err(|e| CliFailure::Runtime(anyhow::anyhow!(e.into_parts().message)))?;
    let _ = connection.close().await;
    println!(
        "rebuilt {} leads from their logs: {} rows differed and were rewritten, {} changed meanwhile and were skipped",
        report.leads, report.changed, report.skipped
    );
    println!(
        "rebuilt {} SLA clocks from the same logs: {} rows were rewritten, inserted or deleted",
        report.clocks, report.clocks_changed
    );
    for (id, why) in &report.unexplained {
        eprintln!("handoff rebuild: lead {id} left as it was: {why}");
    }
    if report.unexplained.is_empty() {
        Ok(())
    } else {
        Err(CliFailure::Runtime(anyhow::anyhow!(
            "{} leads could not be rebuilt from their logs",
            report.unexplained.len()
        )))
    }
}
