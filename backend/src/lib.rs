//! The Handoff server: marketing-to-sales lead handoff with SLA clocks.
//!
//! `main.rs` only parses the command line; everything it runs lives here so that the
//! integration tests start exactly the production wiring through [`startup::Application`].

/// Who is calling and what their role allows: sessions, API tokens, passwords, permissions.
pub mod auth;
/// Command-line interface: subcommands and their arguments.
pub mod cli;
/// The injected source of "now"; only `main`/`startup` pick the system clock.
pub mod clock;
/// Settings from flags and environment variables.
pub mod configuration;
/// Organisation configuration: teams, calendars, SLA policies, scoring, routing, rejection reasons, lead types.
pub mod configuration_admin;
/// Database connection (SQLite or PostgreSQL) and migrations.
pub mod db;
/// `serve --demo`: the demo organisation seeded into an empty database.
pub mod demo;
/// sea-orm entities, one module per table.
pub mod entities;
/// `ApiError`, the one error type of the API, and its one mapping to GraphQL errors.
pub mod error;
/// In-process broadcast of live events (SLA transitions, lead changes) to subscriptions.
pub mod events;
/// The GraphQL schema: queries, mutations and subscriptions split by feature.
pub mod graphql;
/// The handoff engine: the lead event log and everything that appends to it.
pub mod handoff;
/// Connections to other systems: inbound integrations, CRM mappings, outbound webhooks.
pub mod integrations;
/// Prometheus metrics: HTTP requests and GraphQL operations.
pub mod metrics;
/// The notification outbox and its sender: signed webhooks with retries and a delivery log.
pub mod notify;
/// Reports: SLA compliance, funnel, feedback, leakage (CONTRACT.md section 6).
pub mod reports;
/// HTTP endpoints other than the GraphQL resolvers: health, metrics, GraphiQL, static files.
pub mod routes;
/// SLA clocks: started, paused, stopped and re-planned from lead events.
pub mod sla;
/// `Application::build`: the production wiring, reused by the tests.
pub mod startup;
/// Shared per-process state handed to every request.
pub mod state;
/// Tracing subscriber setup: human-readable or JSON logs.
pub mod telemetry;
/// The people of the organisation: users, teams, availability.
pub mod users;
