//! GraphQL object and input types, converted from entities and into domain types here, at the
//! edge.

pub mod auth;
pub mod config;
pub mod digest;
pub mod enums;
pub mod governance;
pub mod intake;
pub mod integrations;
pub mod lead;
pub mod lead_history;
pub mod notifications;
pub mod preview;
pub mod reports;
pub mod simulation;
pub mod sla;
pub mod stages;
pub mod user;

pub use auth::{ApiToken, Session};
pub use config::{
    BusinessCalendar, BusinessCalendarInput, LeadType, RejectionReason, RoutingRule, ScoringRule,
    SlaPolicy,
};
pub use lead::{Lead, SlaClock, SlaEvent};
pub use user::{Team, User, UserInput};
