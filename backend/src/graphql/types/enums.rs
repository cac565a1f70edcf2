//! The contract's GraphQL enums, mirroring `handoff_shared::domain` one to one (the `remote`
//! derive generates the conversions both ways).

use async_graphql::Enum;

/// What a user may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "handoff_shared::domain::Role")]
pub enum Role {
    /// Configures the organisation, manages users and tokens.
    #[graphql(name = "ADMIN")]
    Admin,
    /// Owns lead sources, scoring and the MQL definition.
    #[graphql(name = "MARKETING_OPS")]
    MarketingOps,
    /// Leads a team of reps; receives escalations.
    #[graphql(name = "MANAGER")]
    Manager,
    /// Works leads: accepts, rejects, contacts, qualifies.
    #[graphql(name = "REP")]
    Rep,
    /// A system sending leads in through an API token.
    #[graphql(name = "INTEGRATION")]
    Integration,
}

/// The stage of a lead.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "handoff_shared::domain::LeadStatus")]
pub enum LeadStatus {
    /// Captured, not yet qualified by marketing.
    #[graphql(name = "NEW")]
    New,
    /// Marketing qualified: handed to sales.
    #[graphql(name = "MQL")]
    Mql,
    /// Sales accepted.
    #[graphql(name = "SAL")]
    Sal,
    /// Sales qualified.
    #[graphql(name = "SQL")]
    Sql,
    /// Converted to an opportunity.
    #[graphql(name = "OPPORTUNITY")]
    Opportunity,
    /// Returned to marketing nurture.
    #[graphql(name = "RECYCLED")]
    Recycled,
    /// Closed as not a fit.
    #[graphql(name = "DISQUALIFIED")]
    Disqualified,
}

/// Which promise an SLA clock measures.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "handoff_shared::domain::SlaKind")]
pub enum SlaKind {
    /// From assignment to the first touch (or acceptance, rejection, disqualification).
    #[graphql(name = "FIRST_RESPONSE")]
    FirstResponse,
    /// From assignment to acceptance or rejection.
    #[graphql(name = "ACCEPTANCE")]
    Acceptance,
    /// From acceptance to qualification, disqualification or recycling.
    #[graphql(name = "QUALIFICATION")]
    Qualification,
}

/// The lifecycle of one SLA clock.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "handoff_shared::domain::SlaState")]
pub enum SlaState {
    /// Counting business time.
    #[graphql(name = "RUNNING")]
    Running,
    /// Stopped temporarily (e.g. waiting on the lead's reply).
    #[graphql(name = "PAUSED")]
    Paused,
    /// Stopped at or before the due instant.
    #[graphql(name = "MET")]
    Met,
    /// Past due: stopped late, or still running after the due instant.
    #[graphql(name = "BREACHED")]
    Breached,
    /// No longer applies (e.g. the lead left the stage).
    #[graphql(name = "CANCELLED")]
    Cancelled,
}

/// A transition of an SLA clock.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "handoff_shared::domain::SlaEventKind")]
pub enum SlaEventKind {
    /// The clock started.
    #[graphql(name = "STARTED")]
    Started,
    /// Half of the target has elapsed.
    #[graphql(name = "AT_RISK_50")]
    AtRisk50,
    /// 80 % of the target has elapsed.
    #[graphql(name = "AT_RISK_80")]
    AtRisk80,
    /// The due instant passed with the clock running.
    #[graphql(name = "BREACHED")]
    Breached,
    /// The clock stopped in time.
    #[graphql(name = "MET")]
    Met,
    /// The clock paused.
    #[graphql(name = "PAUSED")]
    Paused,
    /// The clock resumed.
    #[graphql(name = "RESUMED")]
    Resumed,
    /// The clock was cancelled.
    #[graphql(name = "CANCELLED")]
    Cancelled,
    /// The lead moved to another owner.
    #[graphql(name = "REASSIGNED")]
    Reassigned,
}

/// How a rep touched a lead.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "handoff_shared::domain::TouchChannel")]
pub enum TouchChannel {
    /// A phone call.
    #[graphql(name = "CALL")]
    Call,
    /// An e-mail.
    #[graphql(name = "EMAIL")]
    Email,
    /// A meeting.
    #[graphql(name = "MEETING")]
    Meeting,
    /// A social network message.
    #[graphql(name = "SOCIAL")]
    Social,
    /// A text message.
    #[graphql(name = "SMS")]
    Sms,
}

/// How a routing rule picks the owner inside its team.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "handoff_shared::domain::RoutingMethod")]
pub enum RoutingMethod {
    /// Take turns, weighted by each rep's weight.
    #[graphql(name = "ROUND_ROBIN")]
    RoundRobin,
    /// The rep with the fewest open leads relative to capacity.
    #[graphql(name = "LOAD_BALANCED")]
    LoadBalanced,
    /// The owner of the lead's account (by e-mail domain), else round robin.
    #[graphql(name = "ACCOUNT_OWNER")]
    AccountOwner,
}

/// Parses an enum column; an unknown value is a bug in the data, not bad input.
pub fn stored<T>(
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, crate::error::ApiError> {
    parse(raw).ok_or_else(|| {
        crate::error::ApiError::internal(anyhow::anyhow!("unknown {what} {raw:?} in the database"))
    })
}
