//! sea-orm entities, one module per table of `plan/schema.md`, written to match the
//! migrations in `handoff-migrations` column for column. Mechanical: no business logic;
//! services convert them to domain types at the edge.
//!
//! Enum-like columns hold the contract names of `handoff_shared::domain` (`as_str()` /
//! `parse()`); JSON columns hold serialised JSON text.

pub mod prelude;

pub mod accounts;
pub mod api_tokens;
pub mod business_calendars;
pub mod digest_sends;
pub mod domain_lists;
pub mod governance_notices;
pub mod inbound_integrations;
pub mod lead_events;
pub mod lead_types;
pub mod leads;
pub mod notification_attempts;
pub mod notification_channels;
pub mod notifications;
pub mod org_settings;
pub mod outbound_webhooks;
pub mod rejection_reasons;
pub mod routing_cursors;
pub mod routing_rules;
pub mod scheduler_leases;
pub mod scoring_rules;
pub mod sessions;
pub mod sla_clocks;
pub mod sla_policies;
pub mod teams;
pub mod users;
