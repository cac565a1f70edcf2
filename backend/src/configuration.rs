//! Settings, read once at start from command-line flags and environment variables.

use std::path::PathBuf;

use crate::cli::{DatabaseArgs, ServeArgs};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/handoff.db?mode=rwc";
pub const DEFAULT_STATIC_DIR: &str = "frontend/dist";
pub const DEFAULT_MAIL_FROM: &str = "Handoff <handoff@localhost>";

/// Everything the server needs to know about its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port` to listen on; port 0 picks a free port (see `Application::port`).
    pub bind: String,
    pub database: DatabaseSettings,
    /// The built frontend, served at `/`.
    pub static_dir: PathBuf,
    /// The first admin, created on a database without users.
    pub admin: AdminSettings,
    pub mail: MailSettings,
    /// `HANDOFF_PUBLIC_URL`: where people reach the app, without a trailing slash; links in
    /// notifications point there. Default `http://<bind>`. The server writes it to
    /// `org_settings.app_base_url` at start, which is where the SLA hook (running inside a
    /// transaction, without settings) reads it from.
    pub public_url: String,
    /// Seed the demo organisation into an empty database.
    pub demo: bool,
    /// How many demo leads `demo` seeds.
    pub demo_leads: usize,
    /// Log JSON lines instead of human-readable text.
    pub log_json: bool,
    /// Fire SLA thresholds from this process (`sla::scheduler`).
    pub sla_scheduler: bool,
    /// Send the weekly digest to marketing ops from this process (`notify::digest`).
    pub weekly_digest: bool,
    /// Attribute the final verdicts of SLA clocks for the reports from this process
    /// (`reports::facts`).
    pub report_facts: bool,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`.
    pub url: String,
    /// Pool size; `None` picks a default per database kind.
    pub max_connections: Option<u32>,
}

/// `HANDOFF_ADMIN_EMAIL` / `HANDOFF_ADMIN_PASSWORD`.
#[derive(Clone, Default)]
pub struct AdminSettings {
    pub email: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for AdminSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSettings")
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// `SMTP_URL` / `HANDOFF_MAIL_FROM`.
#[derive(Clone)]
pub struct MailSettings {
    /// e.g. `smtp://127.0.0.1:2525`; `None` disables e-mail.
    pub smtp_url: Option<String>,
    pub from: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An SMTP URL may carry a password.
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "[set]"))
            .field("from", &self.from)
            .finish()
    }
}

/// A setting that could not be read; shown as one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

impl Settings {
    /// Defaults for everything but the database: what tests and embedders start from.
    pub fn with_database_url(url: impl Into<String>) -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            database: DatabaseSettings {
                url: url.into(),
                max_connections: None,
            },
            static_dir: PathBuf::from(DEFAULT_STATIC_DIR),
            admin: AdminSettings::default(),
            mail: MailSettings {
                smtp_url: None,
                from: DEFAULT_MAIL_FROM.to_owned(),
            },
            public_url: format!("http://{DEFAULT_BIND}"),
            demo: false,
            demo_leads: crate::demo::DEMO_LEADS,
            log_json: false,
            sla_scheduler: true,
            weekly_digest: true,
            report_facts: true,
        }
    }

    /// The flags of `handoff serve`, completed from the environment variables that have no flag
    /// (secrets do not belong on a command line, where `ps` shows them).
    pub fn from_serve_args(args: &ServeArgs) -> Result<Self, ConfigError> {
        let mut settings = Self::with_database_url(args.database.database_url.clone());
        settings.bind = args.bind.clone();
        settings.database = DatabaseSettings::from_args(&args.database)?;
        settings.static_dir = args.static_dir.clone();
        settings.demo = args.demo;
        settings.demo_leads = args.demo_leads;
        settings.log_json = args.log_json;
        settings.sla_scheduler = args.sla_scheduler;
        settings.weekly_digest = args.weekly_digest;
        settings.report_facts = args.report_facts;
        settings.admin = AdminSettings {
            email: env_var("HANDOFF_ADMIN_EMAIL"),
            password: env_var("HANDOFF_ADMIN_PASSWORD"),
        };
        settings.mail = MailSettings {
            smtp_url: env_var("SMTP_URL"),
            from: env_var("HANDOFF_MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned()),
        };
        settings.public_url = env_var("HANDOFF_PUBLIC_URL")
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{}", args.bind));
        if !(settings.public_url.starts_with("http://")
            || settings.public_url.starts_with("https://"))
        {
            return Err(ConfigError {
                name: "HANDOFF_PUBLIC_URL",
                message: format!("expected an http(s) URL, got {:?}", settings.public_url),
            });
        }
        Ok(settings)
    }
}

impl DatabaseSettings {
    pub fn from_args(args: &DatabaseArgs) -> Result<Self, ConfigError> {
        let max_connections = match env_var("HANDOFF_DB_MAX_CONNECTIONS") {
            None => None,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    return Err(ConfigError {
                        name: "HANDOFF_DB_MAX_CONNECTIONS",
                        message: format!("expected a positive integer, got {raw:?}"),
                    });
                }
            },
        };
        Ok(Self {
            url: args.database_url.clone(),
            max_connections,
        })
    }
}

/// An environment variable, treating empty as unset.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}
