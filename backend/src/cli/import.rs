//! `handoff import FILE.csv --mapping hubspot|salesforce|<file.toml>`: bulk import of a CRM
//! export through the intake of `ingestLeads`, in batches.
//!
//! The file is streamed (memory holds one batch), a progress bar on stderr follows the bytes
//! read, and every refused row is copied to the rejects file with a `reason` column
//! (`field: message`). Exit 2 for bad arguments, an unreadable file or a bad mapping; refused
//! rows are reported, not failures.

use std::fs::File;
use std::io::{BufReader, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use csv::{ByteRecord, ReaderBuilder, WriterBuilder};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{CliFailure, DatabaseArgs};
use crate::clock::SharedClock;
use crate::configuration::DatabaseSettings;
use crate::db;
use crate::integrations::inbound;
use crate::integrations::leads::ingest_json;
use crate::integrations::mapping::{BoundMapping, Mapping};

/// Largest batch: what one `ingestLeads` call takes.
pub const MAX_BATCH: usize = 1000;

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The CSV export (UTF-8, comma-separated, with a header row).
    pub file: PathBuf,
    /// `hubspot`, `salesforce`, or a TOML mapping file (see README).
    #[arg(long)]
    pub mapping: String,
    /// Leads per intake call (1 to 1000).
    #[arg(long, default_value_t = MAX_BATCH)]
    pub batch: usize,
    /// Where refused rows go; default `<FILE without .csv>.rejected.csv` next to the file.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// What an import came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub read: usize,
    pub created: usize,
    pub updated: usize,
    pub refused: usize,
    pub rejects_file: PathBuf,
}

/// Runs the import and prints the summary on stdout.
pub async fn run(args: ImportArgs, clock: SharedClock) -> Result<ImportSummary, CliFailure> {
    if !(1..=MAX_BATCH).contains(&args.batch) {
        return Err(CliFailure::Usage(anyhow::anyhow!(
            "--batch must be 1 to {MAX_BATCH}"
        )));
    }
    let mapping = load_mapping(&args.mapping).map_err(CliFailure::Usage)?;
    let file = File::open(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))
        .map_err(CliFailure::Usage)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 16, file));
    let header = reader
        .byte_headers()
        .with_context(|| format!("cannot read the header row of {}", args.file.display()))
        .map_err(CliFailure::Usage)?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|cell| String::from_utf8_lossy(cell).trim().to_owned())
        .collect();
    if names.iter().all(String::is_empty) {
        return Err(CliFailure::Usage(anyhow::anyhow!(
            "{} has no header row",
            args.file.display()
        )));
    }
    let (bound, notes) = mapping
        .bind(&names)
        .map_err(|e| CliFailure::Usage(e.into()))?;
    for note in notes {
        eprintln!("handoff import: {note}");
    }

    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(&args.file));
    let mut rejects = WriterBuilder::new()
        .flexible(true)
        .from_path(&rejects_path)
        .with_context(|| format!("cannot write {}", rejects_path.display()))
        .map_err(CliFailure::Usage)?;
    let mut rejects_header = header.clone();
    rejects_header.push_field(b"reason");
    rejects
        .write_byte_record(&rejects_header)
        .map_err(|e| CliFailure::Runtime(e.into()))?;

    let settings =
        DatabaseSettings::from_args(&args.database).map_err(|e| CliFailure::Usage(e.into()))?;
    let connection = db::connect(&settings).await.map_err(CliFailure::Runtime)?;
    db::migrate(&connection)
        .await
        .map_err(CliFailure::Runtime)?;
    let actor = inbound::cli_import_principal(&connection, clock.now())
        .await
        .map_err(|e| CliFailure::Runtime(anyhow::anyhow!(e.into_parts().message)))?;

    let progress = progress_bar(size);
    let mut summary = ImportSummary {
        rejects_file: rejects_path.clone(),
        ..ImportSummary::default()
    };
    let mut batch: Vec<ByteRecord> = Vec::with_capacity(args.batch);
    let mut record = ByteRecord::new();
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(error) if matches!(error.kind(), csv::ErrorKind::Io(_)) => {
                return Err(CliFailure::Runtime(
                    anyhow::Error::new(error)
                        .context(format!("cannot read {}", args.file.display())),
                ));
            }
            Err(error) => {
                // A malformed row: report it and go on.
                summary.read += 1;
                summary.refused += 1;
                let mut row = ByteRecord::new();
                row.push_field(format!("row: {error}").as_bytes());
                rejects
                    .write_byte_record(&row)
                    .map_err(|e| CliFailure::Runtime(e.into()))?;
                continue;
            }
        };
        if more {
            summary.read += 1;
            batch.push(record.clone());
        }
        if batch.len() == args.batch || (!more && !batch.is_empty()) {
            ingest_batch(
                &connection,
                &clock,
                &actor,
                &bound,
                std::mem::take(&mut batch),
                &mut rejects,
                &mut summary,
            )
            .await?;
            progress.set_position(reader.position().byte());
            progress.set_message(format!(
                "{} rows: {} created, {} updated, {} refused",
                summary.read, summary.created, summary.updated, summary.refused
            ));
        }
        if !more {
            break;
        }
    }
    progress.finish_and_clear();
    rejects.flush().map_err(|e| CliFailure::Runtime(e.into()))?;
    let _ = connection.close().await;

    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "read {} rows: {} created, {} updated, {} refused",
        summary.read, summary.created, summary.updated, summary.refused
    );
    if summary.refused > 0 {
        let _ = writeln!(
            stdout,
            "refused rows, with the reason of each: {}",
            rejects_path.display()
        );
    }
    Ok(summary)
}

/// Converts the rows of a batch, ingests the good ones, and writes the refused ones out.
async fn ingest_batch(
    connection: &sea_orm::DatabaseConnection,
    clock: &SharedClock,
    actor: &crate::auth::Principal,
    bound: &BoundMapping,
    rows: Vec<ByteRecord>,
    rejects: &mut csv::Writer<File>,
    summary: &mut ImportSummary,
) -> Result<(), CliFailure> {
    let mut items = Vec::with_capacity(rows.len());
    let mut item_rows = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let converted = match row_text(row) {
            Ok(cells) => bound.lead(&cells),
            Err(error) => Err(error),
        };
        match converted {
            Ok(lead) => {
                items.push(lead);
                item_rows.push(i);
            }
            Err(error) => {
                summary.refused += 1;
                write_reject(rejects, row, &format!("{}: {}", error.field, error.message))?;
            }
        }
    }
    if items.is_empty() {
        return Ok(());
    }
    let outcome = ingest_json(connection, clock.now(), actor, items)
        .await
        .map_err(|e| CliFailure::Runtime(anyhow::anyhow!(e.into_parts().message)))?;
    summary.created += outcome.created;
    summary.updated += outcome.updated;
    for error in outcome.errors {
        summary.refused += 1;
        let reason = match &error.field {
            Some(field) => format!("{field}: {}", error.message),
            None => error.message.clone(),
        };
        match item_rows.get(error.index).and_then(|&i| rows.get(i)) {
            Some(row) => write_reject(rejects, row, &reason)?,
            None => write_reject(rejects, &ByteRecord::new(), &reason)?,
        }
    }
    Ok(())
}

fn row_text(row: &ByteRecord) -> Result<Vec<&str>, handoff_shared::FieldError> {
    row.iter()
        .enumerate()
        .map(|(i, cell)| {
            std::str::from_utf8(cell).map_err(|_| {
                handoff_shared::FieldError::new(
                    "row",
                    format!(
                        "column {} is not valid UTF-8 (export the file as UTF-8)",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

fn write_reject(
    rejects: &mut csv::Writer<File>,
    row: &ByteRecord,
    reason: &str,
) -> Result<(), CliFailure> {
    let mut out = row.clone();
    out.push_field(reason.as_bytes());
    rejects
        .write_byte_record(&out)
        .map_err(|e| CliFailure::Runtime(e.into()))
}

/// `hubspot`, `salesforce`, or a TOML file.
fn load_mapping(name: &str) -> anyhow::Result<Mapping> {
    if let Some(builtin) = Mapping::builtin(name) {
        return Ok(builtin?);
    }
    let path = Path::new(name);
    if !path.exists() {
        anyhow::bail!(
            "--mapping: {name:?} is neither a built-in mapping (hubspot, salesforce) nor a file"
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the mapping {}", path.display()))?;
    Mapping::parse(&text).with_context(|| format!("in {}", path.display()))
}

/// `contacts.csv` -> `contacts.rejected.csv`, next to it.
pub fn default_rejects_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".to_owned());
    file.with_file_name(format!("{stem}.rejected.csv"))
}

fn progress_bar(size: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_go_next_to_the_file() {
        assert_eq!(
            default_rejects_path(Path::new("/tmp/x/contacts.csv")),
            PathBuf::from("/tmp/x/contacts.rejected.csv")
        );
        assert_eq!(
            default_rejects_path(Path::new("export")),
            PathBuf::from("export.rejected.csv")
        );
    }
}
