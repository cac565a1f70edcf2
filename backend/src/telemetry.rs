//! Logging: a `tracing` subscriber writing human-readable text (default) or JSON lines.
//! Each HTTP call gets one request span (see `startup`), so every line names its request.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

/// What is logged when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";

/// Installs the global subscriber, logging to stderr (stdout stays free for CLI output).
pub fn init(log_json: bool) -> anyhow::Result<()> {
    init_with_writer(log_json, DEFAULT_FILTER, std::io::stderr)
}

/// Installs the global subscriber writing to `writer`; tests pass a sink or stdout.
pub fn init_with_writer<W>(log_json: bool, default_filter: &str, writer: W) -> anyhow::Result<()>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let registry = tracing_subscriber::registry().with(filter);
    if log_json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_writer(writer),
            )
            .try_init()?;
    } else {
        // Colours only for a person at a terminal, not for a log file or collector.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        registry
            .with(fmt::layer().with_ansi(ansi).with_writer(writer))
            .try_init()?;
    }
    Ok(())
}
