//! Organisation configuration an admin (or, for scoring, marketing ops) edits: teams, business
//! calendars, SLA policies, scoring and routing rules, rejection reasons and lead types.
//!
//! Plain async functions over a database handle that take already-validated changes; the
//! GraphQL layer converts its inputs into them (`graphql/types/config.rs`). Every upsert either
//! updates an existing row in place or inserts one: rows are never deleted and re-created, so
//! ids that leads and clocks hold stay valid.

pub mod calendars;
pub mod lead_types;
pub mod rejection_reasons;
pub mod routing_rules;
pub mod scoring_rules;
pub mod sla_policies;
pub mod teams;
pub mod values;

pub use calendars::{CalendarChange, list_calendars, preview_due, upsert_calendar};
pub use lead_types::{LeadTypeChange, list_lead_types, upsert_lead_type};
pub use rejection_reasons::{
    RejectionReasonChange, list_rejection_reasons, upsert_rejection_reason,
};
pub use routing_rules::{RoutingRuleChange, list_routing_rules, upsert_routing_rule};
pub use scoring_rules::{
    CriterionFields, ScoringCriterion, ScoringField, ScoringOperator, ScoringRuleChange,
    list_scoring_rules, upsert_scoring_rule,
};
pub use sla_policies::{
    NotifyPercents, SlaPolicyChange, default_start_on, list_sla_policies, upsert_sla_policy,
};
pub use teams::{TeamChange, list_teams, upsert_team};
pub use values::{Name, Slug};
