//! A lead as an append-only log of events, and the projection that folds the log into the
//! lead's current state.
//!
//! The server stores each [`LeadEvent`] as a `lead_events` row (kind, payload, occurred_at) and
//! the [`LeadState`] as the `leads` row. `handoff rebuild` folds the log again with [`LeadState::apply`]
//! and must arrive at the same rows, so nothing about a lead exists that the log cannot explain.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{LeadStatus, SlaEventKind, SlaKind, TouchChannel};

/// Who the lead is: contact and firmographic facts, as marketing sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadProfile {
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_size: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    pub lead_type: String,
}

/// The lead fields marketing must fill for every MQL (the marketing scorecard), as named in
/// the API. Bit `i` of [`LeadProfile::missing_required`] is `REQUIRED_FIELDS[i]`.
pub const REQUIRED_FIELDS: [&str; 6] = [
    "email",
    "firstName",
    "lastName",
    "company",
    "phone",
    "source",
];

impl LeadProfile {
    /// The part of the address after the @.
    pub fn email_domain(&self) -> &str {
        self.email.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    /// The value of a required field (one of [`REQUIRED_FIELDS`]).
    fn required(&self, field: &str) -> Option<&str> {
        match field {
            "email" => Some(self.email.as_str()),
            "firstName" => self.first_name.as_deref(),
            "lastName" => self.last_name.as_deref(),
            "company" => self.company.as_deref(),
            "phone" => self.phone.as_deref(),
            "source" => self.source.as_deref(),
            _ => None,
        }
    }

    /// Whether a required field is filled: present and not blank (`str::trim`).
    pub fn has(&self, field: &str) -> bool {
        self.required(field).is_some_and(|v| !v.trim().is_empty())
    }

    /// The required fields missing, as a bit set over [`REQUIRED_FIELDS`]; 0 when complete.
    pub fn missing_required(&self) -> i32 {
        REQUIRED_FIELDS
            .iter()
            .enumerate()
            .filter(|(_, field)| !self.has(field))
            .fold(0, |bits, (i, _)| bits | (1 << i))
    }
}

/// Budget, Authority, Need, Timeline: what makes an accepted lead sales-qualified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bant {
    pub budget: bool,
    pub authority: bool,
    pub need: bool,
    pub timeline: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// One scoring rule's contribution to a lead's score: why it is (or is not) an MQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    pub rule_id: i64,
    pub rule: String,
    pub points: i32,
    /// How often a behavioural rule counted (up to its cap); 1 for firmographic rules.
    #[serde(default = "one")]
    pub times: i32,
}

fn one() -> i32 {
    1
}

/// Why a lead became an MQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MqlReason {
    /// Its score reached the threshold.
    Threshold,
    /// Its lead type qualifies at once (a demo request).
    InstantType,
    /// Marketing's history said so (backfill).
    History,
}

/// How a lead got its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// None when the lead waits in a team queue for a rep to claim it.
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    /// `account_owner`, `round_robin`, `load_balanced`, `queue`, `claim`, `manual`, `history`, `fallback`.
    pub method: String,
    /// The routing rule that decided, by name; none for manual moves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The previous owner, for reassignments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_owner_id: Option<i64>,
    /// Why: e.g. which reps were skipped as out of office or at capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Everything that can happen to a lead. Stored as `kind` + JSON payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeadEvent {
    /// The lead arrived.
    Created { profile: LeadProfile },
    /// Marketing re-sent the lead with changed facts.
    Updated { profile: LeadProfile },
    /// Behaviour: a demo request, a pricing-page visit, a download, a webinar attended.
    Engagement { engagement: String },
    /// The score changed.
    Scored {
        score: i32,
        breakdown: Vec<ScoreLine>,
    },
    /// A data-quality red flag (free-mail or disposable domain, competitor).
    RedFlag { flag: String, detail: String },
    /// The lead became marketing-qualified.
    Mql { reason: MqlReason, score: i32 },
    /// The lead got an owner (or a team queue), first or again.
    Assigned(Assignment),
    /// Sales accepted the lead (SAL).
    Accepted,
    /// Sales rejected the lead back to marketing nurture, with a reason.
    Rejected {
        reason_code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recycle_play: Option<String>,
    },
    /// A rep reached out.
    Touch {
        channel: TouchChannel,
        outcome: String,
        connected: bool,
    },
    /// The lead replied.
    Responded,
    /// BANT-qualified (SQL).
    Qualified { bant: Bant },
    /// Became an opportunity.
    Converted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<f64>,
    },
    /// Closed as not a fit, with a reason.
    Disqualified {
        reason_code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Returned to marketing nurture without a rep's rejection (e.g. the cadence ran out).
    Recycled {
        reason_code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        automatic: bool,
    },
    /// An SLA clock moved (started, at risk, breached, met, paused, …).
    Sla(SlaTransition),
}

/// The log entry of an SLA clock's transition, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaTransition {
    pub clock_id: i64,
    pub clock: SlaKind,
    pub transition: SlaEventKind,
    pub policy_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_id: Option<i64>,
    pub target_seconds: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    pub elapsed_seconds: i64,
    /// True for thresholds recorded from backfilled history: never notified.
    #[serde(default)]
    pub backfill: bool,
    /// The owner the clock is held against after this transition (none: a team queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    /// For a threshold (AT_RISK_*, or BREACHED reached while running): the percentage of the
    /// target it marks. None for the MET or BREACHED that stops a clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
    /// The policy's thresholds the clock was planned with at this transition (the at-risk
    /// percentages, then 100). Empty only in events logged before `owner_id`, `percent` and
    /// `thresholds` were: a replay then falls back to the lead's owner and the policy as stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<u32>,
    /// Why a REASSIGNED moved the clock when it was not a new owner: the policy or the
    /// calendar changed under a running clock (`policy changed`, `calendar changed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

impl LeadEvent {
    /// The `kind` column: the serde tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::Updated { .. } => "updated",
            Self::Engagement { .. } => "engagement",
            Self::Scored { .. } => "scored",
            Self::RedFlag { .. } => "red_flag",
            Self::Mql { .. } => "mql",
            Self::Assigned(_) => "assigned",
            Self::Accepted => "accepted",
            Self::Rejected { .. } => "rejected",
            Self::Touch { .. } => "touch",
            Self::Responded => "responded",
            Self::Qualified { .. } => "qualified",
            Self::Converted { .. } => "converted",
            Self::Disqualified { .. } => "disqualified",
            Self::Recycled { .. } => "recycled",
            Self::Sla(_) => "sla",
        }
    }

    /// The stage this event moves a lead to, if it moves it.
    pub fn target_status(&self) -> Option<LeadStatus> {
        match self {
            Self::Mql { .. } => Some(LeadStatus::Mql),
            Self::Accepted => Some(LeadStatus::Sal),
            Self::Rejected { .. } | Self::Recycled { .. } => Some(LeadStatus::Recycled),
            Self::Qualified { .. } => Some(LeadStatus::Sql),
            Self::Converted { .. } => Some(LeadStatus::Opportunity),
            Self::Disqualified { .. } => Some(LeadStatus::Disqualified),
            _ => None,
        }
    }

    /// Rebuilds an event from its stored `kind` and JSON payload.
    pub fn from_stored(kind: &str, payload: &str) -> Result<Self, serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_str(payload)?;
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "kind".to_owned(),
                serde_json::Value::String(kind.to_owned()),
            );
        }
        serde_json::from_value(value)
    }

    /// The JSON payload column: the event without its tag.
    pub fn payload_json(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let serde_json::Value::Object(map) = &mut value {
            map.remove("kind");
        }
        value.to_string()
    }

    /// Whether this counts as activity on the lead for leakage (assignment, touch, reply, engagement).
    pub fn is_activity(&self) -> bool {
        matches!(
            self,
            Self::Assigned(_) | Self::Touch { .. } | Self::Responded | Self::Engagement { .. }
        )
    }
}

/// A lead's current state: the fold of its events. Mirrors the `leads` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadState {
    pub profile: LeadProfile,
    pub status: LeadStatus,
    pub score: i32,
    pub score_breakdown: Vec<ScoreLine>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub mql_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub sal_at: Option<DateTime<Utc>>,
    pub sql_at: Option<DateTime<Utc>>,
    pub opportunity_at: Option<DateTime<Utc>>,
    pub recycled_at: Option<DateTime<Utc>>,
    pub disqualified_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The latest rejection (kept across rounds: rejected in this round when >= `mql_at`).
    pub rejected_at: Option<DateTime<Utc>>,
    /// The first assignment (to a rep or a queue) at or after `mql_at`: when the lead was
    /// routed in this round.
    #[serde(default)]
    pub routed_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    pub rejection_note: Option<String>,
    pub disqualify_reason: Option<String>,
    pub bant: Option<Bant>,
    pub amount: Option<f64>,
    pub touches: i32,
    /// Events applied; the optimistic-concurrency version of the row.
    pub version: i32,
}

impl LeadState {
    /// The state right after a `Created` event.
    pub fn new(profile: LeadProfile, at: DateTime<Utc>) -> Self {
        Self {
            profile,
            status: LeadStatus::New,
            score: 0,
            score_breakdown: Vec::new(),
            owner_id: None,
            team_id: None,
            created_at: at,
            updated_at: at,
            mql_at: None,
            assigned_at: None,
            sal_at: None,
            sql_at: None,
            opportunity_at: None,
            recycled_at: None,
            disqualified_at: None,
            first_response_at: None,
            last_activity_at: None,
            rejected_at: None,
            routed_at: None,
            rejection_reason: None,
            rejection_note: None,
            disqualify_reason: None,
            bant: None,
            amount: None,
            touches: 0,
            version: 1,
        }
    }

    /// Folds a whole log (in the order stored: occurred_at, then id). None when it does not
    /// start with `Created`.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = (&'a LeadEvent, DateTime<Utc>)>,
    ) -> Option<Self> {
        let mut events = events.into_iter();
        let (first, at) = events.next()?;
        let LeadEvent::Created { profile } = first else {
            return None;
        };
        let mut state = Self::new(profile.clone(), at);
        for (event, at) in events {
            state.apply(event, at);
        }
        Some(state)
    }

    /// Applies one event that happened at `at`. Stage checks happen before an event is written;
    /// the fold itself trusts the log.
    pub fn apply(&mut self, event: &LeadEvent, at: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = self.updated_at.max(at);
        if event.is_activity() {
            self.last_activity_at = Some(self.last_activity_at.map_or(at, |t| t.max(at)));
        }
        if let Some(status) = event.target_status() {
            self.status = status;
        }
        match event {
            LeadEvent::Created { profile } | LeadEvent::Updated { profile } => {
                self.profile = profile.clone()
            }
            LeadEvent::Engagement { .. } | LeadEvent::RedFlag { .. } | LeadEvent::Sla(_) => {}
            LeadEvent::Scored { score, breakdown } => {
                self.score = *score;
                self.score_breakdown = breakdown.clone();
            }
            LeadEvent::Mql { .. } => {
                self.mql_at = Some(at);
                // A recycled lead that qualifies again starts a new round of the funnel.
                self.sal_at = None;
                self.sql_at = None;
                self.routed_at = None;
                self.rejection_reason = None;
                self.rejection_note = None;
            }
            LeadEvent::Assigned(assignment) => {
                self.owner_id = assignment.owner_id;
                self.team_id = assignment.team_id.or(self.team_id);
                if self.assigned_at.is_none() || assignment.previous_owner_id.is_none() {
                    self.assigned_at = Some(at);
                }
                if self.mql_at.is_some_and(|mql| at >= mql) {
                    self.routed_at = Some(self.routed_at.map_or(at, |t| t.min(at)));
                }
            }
            LeadEvent::Accepted => self.sal_at = Some(at),
            LeadEvent::Rejected {
                reason_code, note, ..
            } => {
                self.recycled_at = Some(at);
                self.rejected_at = Some(self.rejected_at.map_or(at, |t| t.max(at)));
                self.rejection_reason = Some(reason_code.clone());
                self.rejection_note = note.clone();
            }
            LeadEvent::Touch { .. } => {
                self.touches += 1;
                // The earliest touch, whatever order touches are logged in (backdated ones).
                self.first_response_at = Some(self.first_response_at.map_or(at, |t| t.min(at)));
            }
            LeadEvent::Responded => {}
            LeadEvent::Qualified { bant } => {
                self.sql_at = Some(at);
                self.bant = Some(bant.clone());
            }
            LeadEvent::Converted { amount } => {
                self.opportunity_at = Some(at);
                self.amount = *amount;
            }
            LeadEvent::Disqualified { reason_code, .. } => {
                self.disqualified_at = Some(at);
                self.disqualify_reason = Some(reason_code.clone());
            }
            LeadEvent::Recycled {
                reason_code, note, ..
            } => {
                self.recycled_at = Some(at);
                self.rejection_reason = Some(reason_code.clone());
                self.rejection_note = note.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn profile() -> LeadProfile {
        LeadProfile {
            email: "ada@example.com".into(),
            lead_type: "demo_request".into(),
            ..Default::default()
        }
    }

    #[test]
    fn events_round_trip_through_kind_and_payload() {
        let events = [
            LeadEvent::Created { profile: profile() },
            LeadEvent::Accepted,
            LeadEvent::Touch {
                channel: TouchChannel::Call,
                outcome: "left voicemail".into(),
                connected: false,
            },
            LeadEvent::Assigned(Assignment {
                owner_id: Some(7),
                team_id: Some(2),
                method: "round_robin".into(),
                rule: Some("EMEA".into()),
                previous_owner_id: None,
                detail: None,
            }),
        ];
        for event in events {
            let again = LeadEvent::from_stored(event.kind(), &event.payload_json()).unwrap();
            assert_eq!(again, event);
        }
    }

    #[test]
    fn an_sla_transition_logged_before_it_carried_its_plan_still_reads() {
        let payload = r#"{"clock_id":3,"clock":"FIRST_RESPONSE","transition":"STARTED","policy_id":1,"target_seconds":300,"elapsed_seconds":0}"#;
        let LeadEvent::Sla(transition) = LeadEvent::from_stored("sla", payload).unwrap() else {
            panic!("not an SLA transition");
        };
        assert_eq!(transition.owner_id, None);
        assert_eq!(transition.percent, None);
        assert!(transition.thresholds.is_empty());
    }

    #[test]
    fn the_fold_stamps_each_stage_and_counts_touches() {
        let log = [
            (
                LeadEvent::Created { profile: profile() },
                at("2026-03-02T10:00:00Z"),
            ),
            (
                LeadEvent::Mql {
                    reason: MqlReason::InstantType,
                    score: 0,
                },
                at("2026-03-02T10:00:00Z"),
            ),
            (
                LeadEvent::Assigned(Assignment {
                    owner_id: Some(7),
                    team_id: Some(2),
                    method: "round_robin".into(),
                    rule: None,
                    previous_owner_id: None,
                    detail: None,
                }),
                at("2026-03-02T10:00:01Z"),
            ),
            (
                LeadEvent::Touch {
                    channel: TouchChannel::Email,
                    outcome: "sent".into(),
                    connected: false,
                },
                at("2026-03-02T10:03:00Z"),
            ),
            (LeadEvent::Accepted, at("2026-03-02T11:00:00Z")),
        ];
        let state = LeadState::replay(log.iter().map(|(e, t)| (e, *t))).unwrap();
        assert_eq!(state.status, LeadStatus::Sal);
        assert_eq!(state.owner_id, Some(7));
        assert_eq!(state.first_response_at, Some(at("2026-03-02T10:03:00Z")));
        assert_eq!(state.sal_at, Some(at("2026-03-02T11:00:00Z")));
        assert_eq!(state.touches, 1);
        assert_eq!(state.last_activity_at, Some(at("2026-03-02T10:03:00Z")));
        assert_eq!(state.version, 5);
        assert_eq!(state.routed_at, Some(at("2026-03-02T10:00:01Z")));
    }

    fn assigned(owner: i64) -> LeadEvent {
        LeadEvent::Assigned(Assignment {
            owner_id: Some(owner),
            team_id: Some(2),
            method: "manual".into(),
            rule: None,
            previous_owner_id: None,
            detail: None,
        })
    }

    #[test]
    fn routed_is_the_first_assignment_of_the_round() {
        let mql = LeadEvent::Mql {
            reason: MqlReason::Threshold,
            score: 80,
        };
        let mut state = LeadState::new(profile(), at("2026-03-02T09:00:00Z"));
        // Assigned before it qualified: not routed as an MQL.
        state.apply(&assigned(1), at("2026-03-02T09:30:00Z"));
        assert_eq!(state.routed_at, None);
        state.apply(&mql, at("2026-03-02T10:00:00Z"));
        state.apply(&assigned(2), at("2026-03-02T10:20:00Z"));
        // A reassignment later, and one logged late but earlier: the earliest counts.
        state.apply(&assigned(3), at("2026-03-02T11:00:00Z"));
        state.apply(&assigned(4), at("2026-03-02T10:05:00Z"));
        assert_eq!(state.routed_at, Some(at("2026-03-02T10:05:00Z")));
        // A new round starts unrouted.
        state.apply(&mql, at("2026-04-01T10:00:00Z"));
        assert_eq!(state.routed_at, None);
        state.apply(&assigned(1), at("2026-04-01T10:00:00Z"));
        assert_eq!(state.routed_at, Some(at("2026-04-01T10:00:00Z")));
    }

    #[test]
    fn missing_required_fields_are_bits_and_blank_is_missing() {
        let mut p = LeadProfile {
            email: "ada@example.com".into(),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            company: Some("Engines".into()),
            phone: Some("+44 1".into()),
            source: Some("ads".into()),
            lead_type: "content".into(),
            ..Default::default()
        };
        assert_eq!(p.missing_required(), 0);
        p.last_name = Some(" \u{a0}\t".into());
        p.phone = None;
        assert_eq!(p.missing_required(), 0b10100);
        assert!(!p.has("lastName") && p.has("firstName"));
        p.email = String::new();
        assert_eq!(p.missing_required(), 0b10101);
    }
}
