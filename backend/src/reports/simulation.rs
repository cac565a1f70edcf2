//! What-if: the SLA compliance report of a period as it would have been had one policy
//! (a lead type and a kind) promised another target and/or counted in another calendar.
//!
//! The report counts the same clocks as the real one (the `kind` clocks started in the period:
//! a start does not depend on the target or the calendar). The clocks of the changed policy are
//! replayed from their leads' logs under the change ([`sla::simulate_clocks`]), the others are
//! taken as they are, and both sets are folded by [`compliance::fold`]. Everything happens in
//! memory over rows read once: nothing is written.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaKind;
use handoff_shared::lead::LeadEvent;
use handoff_shared::sla::BusinessCalendar;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};

use super::ReportFilter;
use super::compliance::{self, ComplianceReport, Outcome};
use crate::entities::{business_calendars, lead_events, lead_types, sla_clocks, sla_policies};
use crate::error::ApiError;
use crate::handoff::store::MAX_BIND_VALUES;
use crate::sla::{self, Logged, PolicyOverride, ReplaySources, SlaContext};

/// The calendar a simulated policy counts in.
#[derive(Debug, Clone)]
pub enum CalendarChange {
    /// As the clocks counted (the policy's calendar, else the owner's, team's, org default).
    Unchanged,
    /// A stored calendar, by id.
    Stored(i64),
    /// A calendar given inline.
    Given(Box<BusinessCalendar>),
}

/// The change to simulate. Field names in errors are those of the GraphQL input (`policy.*`).
#[derive(Debug, Clone)]
pub struct PolicyChange {
    pub lead_type: String,
    pub kind: SlaKind,
    pub target_seconds: i64,
    pub calendar: CalendarChange,
}

/// A clock whose outcome the change flips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockChange {
    pub clock_id: i64,
    pub lead_id: i64,
    pub actual: Outcome,
    pub simulated: Outcome,
}

/// The real report beside the simulated one.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The policy as stored.
    pub policy: sla_policies::Model,
    pub actual: ComplianceReport,
    pub simulated: ComplianceReport,
    /// The counted clocks whose outcome differs, by clock id.
    pub changes: Vec<ClockChange>,
}

/// Checks `change` and finds the stored policy it changes and the calendar it names.
async fn resolve(
    db: &impl ConnectionTrait,
    change: &PolicyChange,
) -> Result<(sla_policies::Model, Option<(Option<i64>, BusinessCalendar)>), ApiError> {
    if change.target_seconds < 1 {
        return Err(ApiError::bad_input(
            "policy.targetSeconds",
            "must be at least 1 second",
        ));
    }
    if lead_types::Entity::find_by_id(change.lead_type.as_str())
        .one(db)
        .await?
        .is_none()
    {
        return Err(ApiError::bad_input(
            "policy.leadType",
            format!("there is no lead type {:?}", change.lead_type),
        ));
    }
    let policy = sla_policies::Entity::find()
        .filter(sla_policies::Column::LeadType.eq(change.lead_type.as_str()))
        .filter(sla_policies::Column::Kind.eq(change.kind.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input(
                "policy.kind",
                format!(
                    "lead type {:?} has no {} policy whose clocks could be replayed",
                    change.lead_type, change.kind
                ),
            )
        })?;
    let calendar = match &change.calendar {
        CalendarChange::Unchanged => None,
        CalendarChange::Given(calendar) => Some((None, BusinessCalendar::clone(calendar))),
        CalendarChange::Stored(id) => {
            let row = business_calendars::Entity::find_by_id(*id)
                .one(db)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_input(
                        "policy.calendarId",
                        format!("there is no calendar with id {id}"),
                    )
                })?;
            Some((Some(*id), sla::calendar_from_row(&row)?))
        }
    };
    Ok((policy, calendar))
}

/// The compliance of the filter's period as it is and as it would be under `change`, at `now`.
pub async fn simulate(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    change: &PolicyChange,
    now: DateTime<Utc>,
) -> Result<Simulation, ApiError> {
    let (policy, calendar) = resolve(db, change).await?;
    let clocks = compliance::clocks(db, filter, change.kind).await?;
    let actual = compliance::fold(db, filter, &clocks, now).await?;

    let overridden = PolicyOverride {
        policy_id: policy.id,
        target_seconds: change.target_seconds,
        calendar,
    };
    let leads: Vec<i64> = clocks
        .iter()
        .filter(|(row, _)| row.policy_id == policy.id)
        .map(|(row, _)| row.lead_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut replayed = replay(db, &leads, &overridden, now).await?;
    let mut changed = Vec::with_capacity(clocks.len());
    for (row, calendar) in &clocks {
        if row.policy_id != policy.id {
            changed.push((row.clone(), calendar.clone()));
            continue;
        }
        let simulated = replayed.remove(&row.id).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "the log of lead {} does not start SLA clock {}",
                row.lead_id,
                row.id
            ))
        })?;
        changed.push(simulated);
    }
    let simulated = compliance::fold(db, filter, &changed, now).await?;

    let before: HashMap<i64, Outcome> = actual.clocks.iter().map(|(c, _, o)| (*c, *o)).collect();
    let changes = simulated
        .clocks
        .iter()
        .filter_map(|(clock_id, lead_id, outcome)| {
            let was = before.get(clock_id)?;
            (was != outcome).then_some(ClockChange {
                clock_id: *clock_id,
                lead_id: *lead_id,
                actual: *was,
                simulated: *outcome,
            })
        })
        .collect();
    Ok(Simulation {
        policy,
        actual,
        simulated,
        changes,
    })
}

/// The changed policy's clocks of `leads`, replayed from their logs, by clock id.
async fn replay(
    db: &impl ConnectionTrait,
    leads: &[i64],
    change: &PolicyOverride,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, (sla_clocks::Model, BusinessCalendar)>, ApiError> {
    let mut context = SlaContext::new();
    let mut out = HashMap::new();
    for chunk in leads.chunks(MAX_BIND_VALUES.min(1000)) {
        let mut logs: BTreeMap<i64, Vec<lead_events::Model>> = BTreeMap::new();
        for row in lead_events::Entity::find()
            .filter(lead_events::Column::LeadId.is_in(chunk.iter().copied()))
            .order_by_asc(lead_events::Column::Id)
            .all(db)
            .await?
        {
            logs.entry(row.lead_id).or_default().push(row);
        }
        for (lead_id, rows) in logs {
            let events = rows
                .iter()
                .map(|row| {
                    LeadEvent::from_stored(&row.kind, &row.payload).map_err(|e| {
                        ApiError::internal(anyhow::anyhow!(
                            "event {} ({}) cannot be read: {e}",
                            row.id,
                            row.kind
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let logged: Vec<Logged<'_>> = rows
                .iter()
                .zip(&events)
                .map(|(row, event)| Logged {
                    id: row.id,
                    event,
                    occurred_at: row.occurred_at,
                    recorded_at: row.recorded_at,
                })
                .collect();
            let sources = ReplaySources::fetch(&mut context, db, &logged).await?;
            let clocks = sla::simulate_clocks(lead_id, &logged, &sources, change, now)
                .map_err(|why| ApiError::internal(anyhow::anyhow!("lead {lead_id}: {why}")))?;
            out.extend(clocks.into_iter().map(|(row, c)| (row.id, (row, c))));
        }
    }
    Ok(out)
}
