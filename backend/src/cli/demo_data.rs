//! `handoff demo-data --leads N`: fills a database with the demo organisation and `N` generated
//! leads with their history (arrival, engagement, MQL, routing, touches, acceptance or rejection,
//! qualification, conversion) spread over a year, through the real intake as backfill: the data
//! the reports are benchmarked on. Run it again to add more (numbering goes on).
//!
//! Memory holds one batch; a progress bar on stderr follows the leads stored.

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};

use super::{CliFailure, DatabaseArgs};
use crate::configuration::{DatabaseSettings, Settings};
use crate::db;
use crate::demo::{self, Generation};
use crate::entities::leads;

#[derive(Debug, Clone, clap::Args)]
pub struct DemoDataArgs {
    /// How many leads to add.
    #[arg(long)]
    pub leads: usize,
    /// Days of history before `--until` the leads arrive over.
    #[arg(long, default_value_t = 365)]
    pub days: i64,
    /// The end of the history (RFC 3339); default now.
    #[arg(long)]
    pub until: Option<String>,
    /// Generator seed: the same seed, count and `--until` give the same leads.
    #[arg(long, default_value_t = demo::DEMO_SEED)]
    pub seed: u64,
    /// Leads per intake transaction (1 to 1000).
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// What a run added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoDataSummary {
    pub stored: usize,
    pub first: usize,
}

/// Seeds the organisation (when missing) and the leads; prints a one-line summary on stdout.
pub async fn run(args: DemoDataArgs, now: DateTime<Utc>) -> Result<DemoDataSummary, CliFailure> {
    let usage = |message: String| CliFailure::Usage(anyhow::anyhow!(message));
    if args.leads == 0 {
        return Err(usage("--leads must be at least 1".to_owned()));
    }
    if !(1..=1000).contains(&args.batch) {
        return Err(usage("--batch must be 1 to 1000".to_owned()));
    }
    if !(1..=3650).contains(&args.days) {
        return Err(usage("--days must be 1 to 3650".to_owned()));
    }
    let until = match &args.until {
        None => now,
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|instant| instant.with_timezone(&Utc))
            .map_err(|error| usage(format!("--until {raw:?}: {error}")))?,
    };

    let database =
        DatabaseSettings::from_args(&args.database).map_err(|e| CliFailure::Usage(e.into()))?;
    let conn = db::connect(&database).await.map_err(CliFailure::Runtime)?;
    db::migrate(&conn).await.map_err(CliFailure::Runtime)?;
    let mut settings = Settings::with_database_url(database.url.clone());
    settings.demo = true;
    crate::auth::bootstrap::ensure_first_admin(&conn, now, &settings)
        .await
        .map_err(CliFailure::Runtime)?;
    demo::seed_organisation(&conn, now)
        .await
        .map_err(CliFailure::Runtime)?;

    // Numbering goes on after the generated leads already there.
    let first = leads::Entity::find()
        .filter(leads::Column::ExternalId.starts_with("demo-"))
        .count(&conn)
        .await
        .map_err(|e| CliFailure::Runtime(e.into()))?;
    let first = usize::try_from(first).unwrap_or(usize::MAX);
    let spec = Generation {
        count: args.leads,
        first,
        days: args.days,
        seed: args.seed,
        until,
        batch: args.batch,
    };

    let bar = ProgressBar::with_draw_target(
        Some(args.leads as u64),
        ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} leads, {per_sec}, eta {eta}")
    {
        bar.set_style(style);
    }
    let started = std::time::Instant::now();
    let stored = demo::generate_leads(&conn, spec, |n| bar.inc(n as u64))
        .await
        .map_err(CliFailure::Runtime)?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{stored} leads added (demo-{first:05} to demo-{:05}) over the {} days before {} in {seconds:.1} s ({:.0} leads/s) to {}",
        first + args.leads - 1,
        args.days,
        until.to_rfc3339(),
        stored as f64 / seconds.max(1e-9),
        db::redact(&database.url),
    );
    // The finished clocks attributed for the reports, as a server would do in the background.
    let started = std::time::Instant::now();
    let attributed = crate::reports::facts::settle_all(&conn, now)
        .await
        .map_err(|e| match e {
            crate::error::ApiError::Internal(error) => CliFailure::Runtime(error),
            other => CliFailure::Runtime(anyhow::anyhow!("{other:?}")),
        })?;
    println!(
        "{attributed} finished SLA clocks attributed for the reports in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(DemoDataSummary { stored, first })
}
