//! The HTTP API, exercised through the real `Application` on port 0 with a fresh database per
//! test: SQLite by default, PostgreSQL with `HANDOFF_TEST_DB=postgres`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod cadence;
mod cli;
mod configuration;
mod csv_export;
mod demo;
mod demo_data;
mod digest;
mod errors;
mod health;
mod helpers;
mod import;
mod intake;
mod live;
mod notification_channels;
mod notifications_sla;
mod outbound;
mod permissions;
mod previews;
mod rebuild;
mod reports;
mod routing;
mod schema;
mod scoring;
mod simulation;
mod sla_clocks;
mod sla_scheduler;
mod stages;
mod users;
mod webhooks;
mod websocket;
