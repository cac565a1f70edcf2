//! The command line: `handoff [serve]`, `handoff migrate`, `handoff sla add|elapsed`,
//! `handoff import`, `handoff rebuild`, `handoff schema`, `handoff demo-data`.

pub mod demo_data;
pub mod import;
pub mod rebuild;
pub mod sla;

use std::path::PathBuf;

use clap::builder::FalseyValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::configuration::{DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_STATIC_DIR};

/// Marketing-to-sales lead handoff with SLA clocks.
#[derive(Debug, Parser)]
#[command(name = "handoff", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, which runs when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    /// The subcommand to run; `serve` when none was given.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default): GraphQL API, WebSocket subscriptions, frontend.
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate(DatabaseArgs),
    /// Business-time arithmetic over JSON lines on stdin (one case a line, one answer a line).
    #[command(subcommand)]
    Sla(SlaCommand),
    /// Print the GraphQL schema (SDL) to stdout.
    Schema,
    /// Import a CRM export (CSV) through the intake: `--mapping hubspot|salesforce|FILE.toml`.
    Import(import::ImportArgs),
    /// Recompute every lead row from its event log (run with the server stopped).
    Rebuild(DatabaseArgs),
    /// Fill a database with the demo organisation and generated leads with a year of history.
    DemoData(demo_data::DemoDataArgs),
}

/// Why a subcommand failed: the caller's input (exit 2) or the world (exit 1).
#[derive(Debug)]
pub enum CliFailure {
    Usage(anyhow::Error),
    Runtime(anyhow::Error),
}

#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// `{"calendar": …, "start": …, "seconds": N}` -> `{"due": "<RFC 3339 UTC>"}`.
    Add,
    /// `{"calendar": …, "start": …, "end": …}` -> `{"seconds": N}`.
    Elapsed,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (`host:port`; port 0 picks a free one).
    #[arg(long, env = "HANDOFF_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// Seed a demo organisation into an empty database.
    #[arg(long, env = "HANDOFF_DEMO", action = ArgAction::SetTrue, value_parser = FalseyValueParser::new())]
    pub demo: bool,
    /// How many leads (with 90 days of history) the demo seeds.
    #[arg(long, env = "HANDOFF_DEMO_LEADS", default_value_t = crate::demo::DEMO_LEADS)]
    pub demo_leads: usize,
    /// Log JSON lines instead of human-readable text.
    #[arg(long, env = "HANDOFF_LOG_JSON", action = ArgAction::SetTrue, value_parser = FalseyValueParser::new())]
    pub log_json: bool,
    /// Run the SLA scheduler in this process (`false` for a process that only serves; on
    /// PostgreSQL any number of processes may run it).
    #[arg(long, env = "HANDOFF_SLA_SCHEDULER", default_value_t = true, action = ArgAction::Set)]
    pub sla_scheduler: bool,
    /// Send the weekly digest to marketing ops from this process (any number of processes may;
    /// each week goes out once).
    #[arg(long, env = "HANDOFF_WEEKLY_DIGEST", default_value_t = true, action = ArgAction::Set)]
    pub weekly_digest: bool,
    /// Attribute finished SLA clocks for the reports in this process (any number of processes
    /// may; the work is idempotent). Reports stay exact without it, only slower.
    #[arg(long, env = "HANDOFF_REPORT_FACTS", default_value_t = true, action = ArgAction::Set)]
    pub report_facts: bool,
    /// Directory of the built frontend, served at `/`.
    #[arg(long, env = "HANDOFF_STATIC_DIR", default_value = DEFAULT_STATIC_DIR)]
    pub static_dir: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_subcommand_means_serve() {
        let cli = Cli::try_parse_from(["handoff", "--bind", "127.0.0.1:0"]).unwrap();
        match cli.into_command() {
            Command::Serve(args) => assert_eq!(args.bind, "127.0.0.1:0"),
            other => panic!("expected serve, got {other:?}"),
        }
    }

    #[test]
    fn sla_subcommands_parse() {
        let cli = Cli::try_parse_from(["handoff", "sla", "elapsed"]).unwrap();
        assert!(matches!(
            cli.into_command(),
            Command::Sla(SlaCommand::Elapsed)
        ));
    }

    #[test]
    fn import_takes_a_file_and_a_mapping() {
        let cli = Cli::try_parse_from([
            "handoff",
            "import",
            "leads.csv",
            "--mapping",
            "hubspot",
            "--batch",
            "500",
        ])
        .unwrap();
        match cli.into_command() {
            Command::Import(args) => {
                assert_eq!(args.file, PathBuf::from("leads.csv"));
                assert_eq!(args.mapping, "hubspot");
                assert_eq!(args.batch, 500);
                assert!(args.rejects.is_none());
            }
            other => panic!("expected import, got {other:?}"),
        }
        assert!(Cli::try_parse_from(["handoff", "import", "leads.csv"]).is_err());
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
