//! Every entity, as `Entity as <TableName>`.

pub use super::accounts::Entity as Accounts;
pub use super::api_tokens::Entity as ApiTokens;
pub use super::business_calendars::Entity as BusinessCalendars;
pub use super::domain_lists::Entity as DomainLists;
pub use super::governance_notices::Entity as GovernanceNotices;
pub use super::inbound_integrations::Entity as InboundIntegrations;
pub use super::lead_events::Entity as LeadEvents;
pub use super::lead_types::Entity as LeadTypes;
pub use super::leads::Entity as Leads;
pub use super::notification_attempts::Entity as NotificationAttempts;
pub use super::notification_channels::Entity as NotificationChannels;
pub use super::notifications::Entity as Notifications;
pub use super::org_settings::Entity as OrgSettings;
pub use super::outbound_webhooks::Entity as OutboundWebhooks;
pub use super::rejection_reasons::Entity as RejectionReasons;
pub use super::routing_cursors::Entity as RoutingCursors;
pub use super::routing_rules::Entity as RoutingRules;
pub use super::scheduler_leases::Entity as SchedulerLeases;
pub use super::scoring_rules::Entity as ScoringRules;
pub use super::sessions::Entity as Sessions;
pub use super::sla_clocks::Entity as SlaClocks;
pub use super::sla_policies::Entity as SlaPolicies;
pub use super::teams::Entity as Teams;
pub use super::users::Entity as Users;
