//! The what-if types of `simulateSlaPolicy`, converted from `crate::reports::simulation`.

use std::collections::BTreeMap;

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use handoff_shared::sla::BusinessCalendar as Calendar;

use super::config::BusinessCalendarInput;
use super::enums::SlaKind;
use super::reports::{SlaComplianceGroup, SlaComplianceReport};
use crate::error::ApiError;
use crate::graphql::parse_id;
use crate::reports::compliance::Outcome;
use crate::reports::simulation::{CalendarChange, PolicyChange, Simulation};
use crate::reports::{self};

/// The promise to try: an existing policy (lead type and kind) with another target and/or
/// another calendar. Give at most one of `calendarId` and `calendar`; neither keeps the
/// calendars the clocks counted in.
#[derive(Debug, Clone, InputObject)]
pub struct SlaPolicyChangeInput {
    /// The lead type key of the policy, e.g. `demo_request`.
    pub lead_type: String,
    pub kind: SlaKind,
    /// The target to try, in business seconds (at least 1).
    pub target_seconds: i32,
    /// A stored calendar every clock of the policy would count in.
    pub calendar_id: Option<ID>,
    /// A calendar given inline that every clock of the policy would count in.
    pub calendar: Option<BusinessCalendarInput>,
}

impl SlaPolicyChangeInput {
    /// The domain change; errors name the field (`policy.calendar.weekly[0].close`).
    pub fn resolve(self) -> Result<PolicyChange, ApiError> {
        let calendar = match (self.calendar_id, self.calendar) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_input(
                    "policy.calendar",
                    "give either calendarId or calendar, not both",
                ));
            }
            (Some(id), None) => CalendarChange::Stored(parse_id(&id, "policy.calendarId")?),
            (None, Some(input)) => CalendarChange::Given(Box::new(
                Calendar::try_from(input).map_err(|e| e.within("policy.calendar"))?,
            )),
            (None, None) => CalendarChange::Unchanged,
        };
        Ok(PolicyChange {
            lead_type: self.lead_type,
            kind: self.kind.into(),
            target_seconds: i64::from(self.target_seconds),
            calendar,
        })
    }
}

/// Where one clock stands in a compliance report.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockOutcome {
    Met,
    Breached,
    /// Running, under 80 % of the target.
    Running,
    /// Running, at 80 % of the target or more.
    Approaching,
    Cancelled,
}

impl From<Outcome> for ClockOutcome {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Met => Self::Met,
            Outcome::Breached => Self::Breached,
            Outcome::Running { approaching: false } => Self::Running,
            Outcome::Running { approaching: true } => Self::Approaching,
            Outcome::Cancelled => Self::Cancelled,
        }
    }
}

/// A clock whose outcome the change flips.
#[derive(Debug, Clone, SimpleObject)]
pub struct SimulatedClockChange {
    pub lead_id: ID,
    pub clock_id: ID,
    pub actual: ClockOutcome,
    pub simulated: ClockOutcome,
}

/// Simulated minus actual, for the whole period or one owner or team.
#[derive(Debug, Clone, SimpleObject)]
pub struct SlaComplianceDifference {
    /// The owner's or team's id (null: none, or the whole period).
    pub key: Option<String>,
    /// The owner's or team's name.
    pub label: Option<String>,
    pub met: i32,
    pub breached: i32,
    pub running: i32,
    pub approaching: i32,
    pub cancelled: i32,
    /// Simulated rate minus actual rate; null when either is null.
    pub compliance_rate: Option<f64>,
}

impl SlaComplianceDifference {
    fn between(
        actual: Option<&SlaComplianceGroup>,
        simulated: Option<&SlaComplianceGroup>,
    ) -> Self {
        let n = |g: Option<&SlaComplianceGroup>, f: fn(&SlaComplianceGroup) -> i32| g.map_or(0, f);
        let any = simulated.or(actual);
        Self {
            key: any.and_then(|g| g.key.clone()),
            label: any.and_then(|g| g.label.clone()),
            met: n(simulated, |g| g.met) - n(actual, |g| g.met),
            breached: n(simulated, |g| g.breached) - n(actual, |g| g.breached),
            running: n(simulated, |g| g.running) - n(actual, |g| g.running),
            approaching: n(simulated, |g| g.approaching) - n(actual, |g| g.approaching),
            cancelled: n(simulated, |g| g.cancelled) - n(actual, |g| g.cancelled),
            compliance_rate: simulated
                .and_then(|g| g.compliance_rate)
                .zip(actual.and_then(|g| g.compliance_rate))
                .map(|(s, a)| s - a),
        }
    }

    /// The differences of two group lists, matched by key, in key order.
    fn groups(actual: &[SlaComplianceGroup], simulated: &[SlaComplianceGroup]) -> Vec<Self> {
        let mut pairs: BTreeMap<Option<&str>, (Option<usize>, Option<usize>)> = BTreeMap::new();
        for (i, g) in actual.iter().enumerate() {
            pairs.entry(g.key.as_deref()).or_default().0 = Some(i);
        }
        for (i, g) in simulated.iter().enumerate() {
            pairs.entry(g.key.as_deref()).or_default().1 = Some(i);
        }
        pairs
            .into_values()
            .map(|(a, s)| Self::between(a.map(|i| &actual[i]), s.map(|i| &simulated[i])))
            .collect()
    }
}

/// The differences of a simulation.
#[derive(Debug, Clone, SimpleObject)]
pub struct SlaSimulationDifference {
    /// Over the whole period.
    pub total: SlaComplianceDifference,
    /// By the owner each clock is attributed to.
    pub by_owner: Vec<SlaComplianceDifference>,
    /// By that owner's team.
    pub by_team: Vec<SlaComplianceDifference>,
}

/// SLA compliance as it is and as it would have been under a changed policy.
#[derive(Debug, Clone, SimpleObject)]
pub struct SlaPolicySimulation {
    pub lead_type: String,
    pub kind: SlaKind,
    /// The policy's target as stored.
    pub current_target_seconds: i32,
    /// The target simulated.
    pub simulated_target_seconds: i32,
    /// The real report (as `slaCompliance` with the same filter and kind).
    pub actual: SlaComplianceReport,
    /// The report had the policy promised the simulated target (and calendar).
    pub simulated: SlaComplianceReport,
    /// Simulated minus actual.
    pub difference: SlaSimulationDifference,
    /// The clocks whose outcome differs.
    pub changes: Vec<SimulatedClockChange>,
}

impl SlaPolicySimulation {
    pub fn new(period: reports::Period, kind: SlaKind, target: i32, s: Simulation) -> Self {
        let changes = s
            .changes
            .iter()
            .map(|c| SimulatedClockChange {
                lead_id: ID(c.lead_id.to_string()),
                clock_id: ID(c.clock_id.to_string()),
                actual: c.actual.into(),
                simulated: c.simulated.into(),
            })
            .collect();
        let actual = SlaComplianceReport::new(period, kind, s.actual);
        let simulated = SlaComplianceReport::new(period, kind, s.simulated);
        let total = |r: &SlaComplianceReport| SlaComplianceGroup {
            key: None,
            label: None,
            week_start: None,
            met: r.met,
            breached: r.breached,
            running: r.running,
            approaching: r.approaching,
            cancelled: r.cancelled,
            compliance_rate: r.compliance_rate,
            average_response_seconds: r.average_response_seconds,
            average_target_seconds: r.average_target_seconds,
        };
        let difference = SlaSimulationDifference {
            total: SlaComplianceDifference::between(
                Some(&total(&actual)),
                Some(&total(&simulated)),
            ),
            by_owner: SlaComplianceDifference::groups(&actual.by_owner, &simulated.by_owner),
            by_team: SlaComplianceDifference::groups(&actual.by_team, &simulated.by_team),
        };
        Self {
            lead_type: s.policy.lead_type.clone(),
            kind,
            current_target_seconds: i32::try_from(s.policy.target_seconds).unwrap_or(i32::MAX),
            simulated_target_seconds: target,
            actual,
            simulated,
            difference,
            changes,
        }
    }
}
