//! `handoff`: the server and its command-line tools. Parses the command line and hands over to
//! the library; see `handoff --help`.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;
use handoff::cli::{self, Cli, CliFailure, Command, DatabaseArgs, ServeArgs, SlaCommand};
use handoff::clock::{Clock as _, SharedClock, SystemClock};
use handoff::configuration::{DatabaseSettings, Settings};
use handoff::startup::Application;
use handoff::{db, telemetry};

/// Exit code for bad input on the command line or in the environment.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_failure(&error),
    };
    match cli.into_command() {
        Command::Serve(args) => block_on(serve(args)),
        Command::Migrate(args) => block_on(migrate(args)),
        Command::Sla(command) => {
            let stdin = std::io::stdin();
            let stdout = std::io::stdout().lock();
            let result = match command {
                SlaCommand::Add => cli::sla::run_add(stdin, stdout),
                SlaCommand::Elapsed => cli::sla::run_elapsed(stdin, stdout),
            };
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(USAGE, &error),
            }
        }
        Command::Import(args) => block_on(async move {
            telemetry::init(false).map_err(Failure::Runtime)?;
            let clock: SharedClock = Arc::new(SystemClock);
            cli::import::run(args, clock)
                .await
                .map(|_| ())
                .map_err(Failure::from)
        }),
        Command::DemoData(args) => block_on(async move {
            telemetry::init(false).map_err(Failure::Runtime)?;
            let now = SystemClock.now();
            cli::demo_data::run(args, now)
                .await
                .map(|_| ())
                .map_err(Failure::from)
        }),
        Command::Rebuild(args) => block_on(async move {
            telemetry::init(false).map_err(Failure::Runtime)?;
            cli::rebuild::run(args).await.map_err(Failure::from)
        }),
        Command::Schema => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(handoff::startup::schema_sdl().as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(1, &error.into()),
            }
        }
    }
}

/// Why a subcommand failed: the caller's input (exit 2) or the world (exit 1).
enum Failure {
    Usage(anyhow::Error),
    Runtime(anyhow::Error),
}

impl From<CliFailure> for Failure {
    fn from(failure: CliFailure) -> Self {
        match failure {
            CliFailure::Usage(error) => Self::Usage(error),
            CliFailure::Runtime(error) => Self::Runtime(error),
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    telemetry::init(args.log_json).map_err(Failure::Runtime)?;
    let settings = Settings::from_serve_args(&args).map_err(|e| Failure::Usage(e.into()))?;
    let app = Application::build(settings)
        .await
        .map_err(Failure::Runtime)?;
    app.run_until_stopped()
        .await
        .map_err(|e| Failure::Runtime(e.into()))
}

async fn migrate(args: DatabaseArgs) -> Result<(), Failure> {
    telemetry::init(false).map_err(Failure::Runtime)?;
    let settings = DatabaseSettings::from_args(&args).map_err(|e| Failure::Usage(e.into()))?;
    let connection = db::connect(&settings).await.map_err(Failure::Runtime)?;
    db::migrate(&connection).await.map_err(Failure::Runtime)?;
    println!("migrations applied to {}", db::redact(&settings.url));
    Ok(())
}

fn block_on(task: impl Future<Output = Result<(), Failure>>) -> ExitCode {
    match actix_web::rt::System::new().block_on(task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(error)) => fail(USAGE, &error),
        Err(Failure::Runtime(error)) => fail(1, &error),
    }
}

/// One line on stderr: the message and its causes.
fn fail(code: u8, error: &anyhow::Error) -> ExitCode {
    let message = format!("{error:#}").replace('\n', " ");
    eprintln!("handoff: {message}");
    ExitCode::from(code)
}

/// Help and version go to stdout in full; a usage error is reduced to its first line.
fn clap_failure(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!("handoff: a subcommand is missing (see `handoff --help`)");
            ExitCode::from(USAGE)
        }
        _ => {
            let rendered = error.render().to_string();
            let mut lines = rendered.lines();
            let first = lines.next().unwrap_or("invalid arguments");
            let first = first.trim_start_matches("error: ");
            // Missing arguments are listed on the lines below, indented: name them.
            let named: Vec<&str> = lines
                .take_while(|line| line.starts_with("  "))
                .map(str::trim)
                .collect();
            if named.is_empty() {
                eprintln!("handoff: {first} (see `handoff --help`)");
            } else {
                eprintln!(
                    "handoff: {first} {} (see `handoff --help`)",
                    named.join(", ")
                );
            }
            ExitCode::from(USAGE)
        }
    }
}
