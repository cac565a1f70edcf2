//! What-if: the clocks of one policy in a lead's log, replayed under another target and/or
//! calendar, in memory.
//!
//! The log's SLA transitions are applied again with the operations the hook applies
//! ([`TrackedClock`]: start, pause, resume, reassign, stop, cancel), in the order they were
//! written, as [`super::replay_clocks`] does; but the clock counts toward the changed target (in
//! the changed calendar, when one is given), so nothing is checked against what the log says
//! was computed. Threshold transitions (at risk, breached at the due) are not taken from the log:
//! they are reached again where the changed clock reaches them, before each operation and
//! finally at `now`, as the hook and the scheduler would have reached them. Reassignments keep
//! the business time spent and follow the lead's owner (the log's calendar of the new owner,
//! unless the calendar is changed); a clock already breached stays with the owner who let it
//! run over, as live.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaEventKind;
use handoff_shared::lead::{LeadEvent, LeadState, SlaTransition};
use handoff_shared::sla::BusinessCalendar;
use sea_orm::TryIntoModel as _;

use super::clock::TrackedClock;
use super::context::Policy;
use super::replay::{Logged, ReplaySources, sla_transition};
use crate::entities::sla_clocks;
use crate::error::ApiError;

/// The changed promise of one policy.
#[derive(Debug, Clone)]
pub struct PolicyOverride {
    /// The policy whose clocks are replayed; other clocks of the log are left out.
    pub policy_id: i64,
    /// Business seconds, at least 1.
    pub target_seconds: i64,
    /// The calendar every clock counts in (its id, none for a calendar given inline); none:
    /// the calendars the log names.
    pub calendar: Option<(Option<i64>, BusinessCalendar)>,
}

/// The clocks of `change.policy_id` that lead `lead_id`'s log (in any order) starts, as they
/// would stand at `now` under the change: by clock id, each with the calendar it counts in.
pub fn simulate_clocks(
    lead_id: i64,
    log: &[Logged<'_>],
    sources: &ReplaySources,
    change: &PolicyOverride,
    now: DateTime<Utc>,
) -> Result<Vec<(sla_clocks::Model, BusinessCalendar)>, String> {
    let mut written: Vec<&Logged<'_>> = log.iter().collect();
    written.sort_by_key(|e| e.id);
    let mut lead: Option<LeadState> = None;
    let mut clocks: BTreeMap<i64, TrackedClock> = BTreeMap::new();
    for entry in written {
        match (&mut lead, entry.event) {
            (None, LeadEvent::Created { profile }) => {
                lead = Some(LeadState::new(profile.clone(), entry.occurred_at));
            }
            (Some(state), event) => state.apply(event, entry.occurred_at),
            (None, _) => {}
        }
        let Some(transition) = sla_transition(entry.event) else {
            continue;
        };
        if transition.policy_id != change.policy_id {
            continue;
        }
        let lead_owner = lead.as_ref().map(|l| l.owner_id);
        step(
            &mut clocks,
            lead_id,
            entry,
            transition,
            lead_owner,
            sources,
            change,
            now,
        )
        .map_err(|why| {
            format!(
                "event {} ({} of SLA clock {}): {why}",
                entry.id, transition.transition, transition.clock_id
            )
        })?;
    }
    clocks
        .into_values()
        .map(|mut clock| {
            if clock.is_running() {
                clock.catch_up(now, true).map_err(arithmetic)?;
            }
            let row = clock
                .active_model(clock.updated_at)
                .try_into_model()
                .map_err(|e| format!("SLA clock {:?}: {e}", clock.id))?;
            Ok((row, clock.calendar))
        })
        .collect()
}

fn arithmetic(error: ApiError) -> String {
    match error {
        ApiError::Internal(error) => format!("{error:#}"),
        other => other.into_parts().message,
    }
}

/// Whether a logged transition marks a threshold (recomputed here) rather than an operation:
/// it carries its percent, or (logged before transitions carried it) it is an at-risk point or
/// a breach at or before the due instant (a stop after due is the other BREACHED).
fn is_threshold(logged: &SlaTransition, at: DateTime<Utc>) -> bool {
    logged.percent.is_some()
        || matches!(
            logged.transition,
            SlaEventKind::AtRisk50 | SlaEventKind::AtRisk80
        )
        || (logged.transition == SlaEventKind::Breached
            && logged.thresholds.is_empty()
            && logged.due_at.is_some_and(|due| at <= due))
}

/// Applies one logged operation to the changed clock.
#[allow(clippy::too_many_arguments)]
fn step(
    clocks: &mut BTreeMap<i64, TrackedClock>,
    lead_id: i64,
    entry: &Logged<'_>,
    logged: &SlaTransition,
    lead_owner: Option<Option<i64>>,
    sources: &ReplaySources,
    change: &PolicyOverride,
    now: DateTime<Utc>,
) -> Result<(), String> {
    use SlaEventKind::{Breached, Cancelled, Met, Paused, Reassigned, Resumed, Started};
    let at = entry.occurred_at;
    let calendar_for = |logged_id: Option<i64>| match &change.calendar {
        Some((id, calendar)) => Ok((*id, calendar.clone())),
        None => sources.calendar(logged_id).map(|c| (logged_id, c)),
    };
    if logged.transition == Started {
        if clocks.contains_key(&logged.clock_id) {
            return Err("the clock was started before".to_owned());
        }
        let stored = sources.policy(logged.policy_id)?;
        let policy = Arc::new(Policy {
            target_seconds: change.target_seconds,
            ..Policy::clone(&stored)
        });
        // Transitions logged before they carried their owner: the lead's.
        let owner_id = if logged.thresholds.is_empty() {
            lead_owner.flatten()
        } else {
            logged.owner_id
        };
        let (calendar_id, calendar) = calendar_for(logged.calendar_id)?;
        let (mut clock, _) = TrackedClock::start(
            lead_id,
            policy,
            owner_id,
            calendar_id,
            calendar,
            at,
            entry.recorded_at,
        )
        .map_err(arithmetic)?;
        clock.id = Some(logged.clock_id);
        clocks.insert(logged.clock_id, clock);
        return Ok(());
    }
    let clock = clocks
        .get_mut(&logged.clock_id)
        .ok_or("no STARTED precedes it")?;
    if is_threshold(logged, at) {
        return Ok(());
    }
    let stops = matches!(logged.transition, Met | Breached);
    // A stop logs the breach itself (as its outcome): only at-risk points are caught up first.
    clock.catch_up(at.min(now), !stops).map_err(arithmetic)?;
    match logged.transition {
        Met | Breached => {
            clock.stop(at).map_err(arithmetic)?;
        }
        Cancelled => {
            clock.cancel(at).map_err(arithmetic)?;
        }
        Paused => {
            clock.pause(at).map_err(arithmetic)?;
        }
        Resumed => {
            clock.resume(at).map_err(arithmetic)?;
        }
        Reassigned => {
            // A re-plan (policy or calendar edited) keeps the owner; a reassignment follows
            // the lead.
            let owner_id = if logged.cause.is_some() {
                clock.owner_id
            } else {
                lead_owner.unwrap_or(logged.owner_id)
            };
            let (calendar_id, calendar) = calendar_for(logged.calendar_id)?;
            clock
                .move_to(owner_id, calendar_id, calendar, change.target_seconds, at)
                .map_err(arithmetic)?;
        }
        kind => {
            return Err(format!(
                "a {kind} that is neither a threshold nor an operation"
            ));
        }
    }
    clock.updated_at = entry.recorded_at;
    Ok(())
}

#[cfg(test)]
mod tests {
    use handoff_shared::domain::{SlaKind, SlaStartOn, SlaState};
    use handoff_shared::lead::LeadProfile;
    use handoff_shared::sla::CalendarSpec;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn weekdays(tz: &str) -> BusinessCalendar {
        BusinessCalendar::parse(&CalendarSpec::weekdays(tz, "09:00", "17:00")).unwrap()
    }

    fn policy(target_seconds: i64) -> Arc<Policy> {
        Arc::new(Policy {
            id: 5,
            lead_type: "demo_request".into(),
            kind: SlaKind::FirstResponse,
            target_seconds,
            calendar_id: None,
            start_on: SlaStartOn::Assigned,
            thresholds: vec![50, 80, 100],
            pause_on_response: true,
            escalate_to_manager: true,
            reassign_on_breach: false,
            active: true,
        })
    }

    /// A lead whose 1 h clock (UTC office hours) starts Monday 10:00 and stops at a touch at
    /// 10:40, logged as the hook logs it.
    fn log() -> Vec<(LeadEvent, DateTime<Utc>)> {
        let start = at("2026-03-02T10:00:00Z");
        let (mut clock, started) = TrackedClock::start(
            7,
            policy(3600),
            Some(3),
            Some(1),
            weekdays("UTC"),
            start,
            start,
        )
        .unwrap();
        clock.id = Some(11);
        let mut out = vec![(
            LeadEvent::Created {
                profile: LeadProfile {
                    email: "ada@example.com".into(),
                    lead_type: "demo_request".into(),
                    ..Default::default()
                },
            },
            start,
        )];
        out.push((
            LeadEvent::Sla(super::super::logged(11, &clock, started)),
            start,
        ));
        let touch = at("2026-03-02T10:40:00Z");
        for t in clock.catch_up(touch, false).unwrap() {
            out.push((
                LeadEvent::Sla(super::super::logged(11, &clock, t.clone())),
                t.at,
            ));
        }
        let stop = clock.stop(touch).unwrap();
        out.push((
            LeadEvent::Sla(super::super::logged(11, &clock, stop)),
            touch,
        ));
        out
    }

    fn simulate(
        target: i64,
        calendar: Option<BusinessCalendar>,
    ) -> Vec<(sla_clocks::Model, BusinessCalendar)> {
        let log = log();
        let logged: Vec<Logged<'_>> = log
            .iter()
            .enumerate()
            .map(|(i, (event, t))| Logged {
                id: i64::try_from(i).unwrap() + 1,
                event,
                occurred_at: *t,
                recorded_at: *t,
            })
            .collect();
        let sources = ReplaySources::new([policy(3600)], [(Some(1), weekdays("UTC"))]);
        let change = PolicyOverride {
            policy_id: 5,
            target_seconds: target,
            calendar: calendar.map(|c| (None, c)),
        };
        simulate_clocks(7, &logged, &sources, &change, at("2026-03-03T12:00:00Z")).unwrap()
    }

    #[test]
    fn a_tighter_target_breaches_a_clock_the_real_one_met() {
        let actual = simulate(3600, None);
        assert_eq!(actual.len(), 1);
        assert_eq!(actual[0].0.state, SlaState::Met.as_str());
        assert_eq!(actual[0].0.due_at, at("2026-03-02T11:00:00Z"));
        let tighter = simulate(1800, None);
        assert_eq!(tighter[0].0.state, SlaState::Breached.as_str());
        assert_eq!(tighter[0].0.due_at, at("2026-03-02T10:30:00Z"));
        assert_eq!(tighter[0].0.target_seconds, 1800);
        assert_eq!(tighter[0].0.stopped_at, Some(at("2026-03-02T10:40:00Z")));
    }

    #[test]
    fn another_calendar_moves_the_due_instant() {
        // New York opens at 09:00 EST = 14:00Z: the touch at 10:40Z is before any business
        // time has passed.
        let rows = simulate(1800, Some(weekdays("America/New_York")));
        assert_eq!(rows[0].0.state, SlaState::Met.as_str());
        assert_eq!(rows[0].0.calendar_id, None);
        assert_eq!(rows[0].0.elapsed_before_seconds, 0);
    }
}
