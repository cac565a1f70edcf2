//! The shapes the app reads from the GraphQL API, decoded with serde. Enums are the shared
//! crate's, so the frontend and the backend agree on every name.

use chrono::{DateTime, Utc};
use handoff_shared::domain::{LeadStatus, Role, SlaEventKind, SlaKind, SlaState};
use handoff_shared::sla::CalendarSpec;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

/// A person as the directory (`users`) lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub out_of_office: bool,
    #[serde(default)]
    pub team: Option<TeamRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PolicyName {
    pub name: String,
}

/// One SLA clock, with the calendar it counts in so the browser can tick it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaClock {
    pub kind: SlaKind,
    pub state: SlaState,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    #[serde(default)]
    pub stopped_at: Option<DateTime<Utc>>,
    pub target_seconds: i64,
    pub elapsed_business_seconds: i64,
    pub remaining_business_seconds: i64,
    pub percent_elapsed: f64,
    pub calendar: CalendarSpec,
    pub policy: PolicyName,
}

/// A lead as lists show it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadSummary {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    pub lead_type: String,
    pub status: LeadStatus,
    pub score: i64,
    #[serde(default)]
    pub owner: Option<UserRef>,
    #[serde(default)]
    pub team: Option<TeamRef>,
    pub sla_breached: bool,
    pub sla_clocks: Vec<SlaClock>,
}

impl LeadSummary {
    /// "Ada Lovelace, Acme" or the e-mail when the lead has no name.
    pub fn display_name(&self) -> String {
        display_name(
            self.first_name.as_deref(),
            self.last_name.as_deref(),
            &self.email,
        )
    }

    /// The clock to watch: the open one that falls due first.
    pub fn urgent_clock(&self) -> Option<&SlaClock> {
        self.sla_clocks
            .iter()
            .filter(|c| c.stopped_at.is_none() && c.state != SlaState::Cancelled)
            .min_by_key(|c| c.due_at)
    }
}

pub fn display_name(first: Option<&str>, last: Option<&str>, email: &str) -> String {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        email.to_owned()
    } else {
        name
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScoreLine {
    pub rule: String,
    pub points: i64,
    pub times: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReasonRef {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    pub id: String,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    pub actor: Option<UserRef>,
    #[serde(default)]
    pub from_status: Option<LeadStatus>,
    #[serde(default)]
    pub to_status: Option<LeadStatus>,
    #[serde(default)]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cadence {
    pub touches_done: i64,
    pub touches_planned: i64,
    pub window_days: i64,
    #[serde(default)]
    pub next_touch_due_at: Option<DateTime<Utc>>,
    pub on_track: bool,
    pub connected: bool,
    pub ended: bool,
}

/// A lead with everything its page shows.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadDetail {
    #[serde(flatten)]
    pub summary: LeadSummary,
    pub external_id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company_size: Option<i64>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub assigned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
    pub score_breakdown: Vec<ScoreLine>,
    #[serde(default)]
    pub rejection_reason: Option<ReasonRef>,
    pub history: Vec<HistoryEvent>,
    #[serde(default)]
    pub cadence: Option<Cadence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RejectionReason {
    pub code: String,
    pub label: String,
}

/// An SLA transition pushed by the `slaEvents` subscription.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaEvent {
    pub kind: SlaEventKind,
    pub occurred_at: DateTime<Utc>,
    pub clock: SlaEventClock,
    pub lead: SlaEventLead,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaEventClock {
    pub kind: SlaKind,
    pub due_at: DateTime<Utc>,
    pub percent_elapsed: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaEventLead {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub owner: Option<UserRef>,
    #[serde(default)]
    pub team: Option<TeamRef>,
}

/// One row of the compliance report (a team).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceGroup {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    pub met: i64,
    pub breached: i64,
    pub running: i64,
    pub approaching: i64,
    #[serde(default)]
    pub compliance_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceReport {
    pub met: i64,
    pub breached: i64,
    pub running: i64,
    pub approaching: i64,
    #[serde(default)]
    pub compliance_rate: Option<f64>,
    pub by_team: Vec<ComplianceGroup>,
}
