//! The `sla_clocks` rows of a lead, rebuilt from its log.
//!
//! Every SLA transition in the log is applied again with the operation the hook applied
//! ([`TrackedClock`]: start, threshold, stop, cancel, pause, resume, reassign), in the order the
//! hook wrote them (the log's insertion order, not `occurred_at`: a backdated touch stops a
//! clock after the reassignment logged before it), and what each operation computes is checked
//! against what the log says it computed. A transition carries the owner, calendar and policy
//! thresholds its clock was planned with, so a policy edited later changes nothing here. A
//! calendar edited later does: the check then reports the lead instead of writing other rows.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaEventKind;
use handoff_shared::lead::{LeadEvent, LeadState, SlaTransition};
use handoff_shared::sla::BusinessCalendar;
use sea_orm::{ConnectionTrait, TryIntoModel as _};

use super::clock::{TrackedClock, Transition};
use super::context::{Policy, SlaContext};
use crate::entities::sla_clocks;
use crate::error::ApiError;

/// One `lead_events` row, parsed.
#[derive(Debug, Clone, Copy)]
pub struct Logged<'a> {
    /// The row id: the order the events were written in.
    pub id: i64,
    pub event: &'a LeadEvent,
    pub occurred_at: DateTime<Utc>,
    /// The `now` of the call that wrote the event: a clock row's `created_at`/`updated_at`.
    pub recorded_at: DateTime<Utc>,
}

/// The policies and calendars a lead's SLA transitions name, read beforehand so that the replay
/// itself reads nothing.
#[derive(Debug, Clone, Default)]
pub struct ReplaySources {
    policies: HashMap<i64, Arc<Policy>>,
    /// By calendar id; `None` is the built-in fallback.
    calendars: HashMap<Option<i64>, BusinessCalendar>,
}

impl ReplaySources {
    /// Reads (through `context`'s cache) what the SLA transitions of `log` name.
    pub async fn fetch(
        context: &mut SlaContext,
        conn: &impl ConnectionTrait,
        log: &[Logged<'_>],
    ) -> Result<Self, ApiError> {
        let mut sources = Self::default();
        for transition in log.iter().filter_map(|e| sla_transition(e.event)) {
            if let Entry::Vacant(entry) = sources.policies.entry(transition.policy_id) {
                entry.insert(context.policy(conn, transition.policy_id).await?);
            }
            if let Entry::Vacant(entry) = sources.calendars.entry(transition.calendar_id) {
                entry.insert(context.calendar(conn, transition.calendar_id).await?);
            }
        }
        Ok(sources)
    }

    /// Sources from values at hand (tests).
    pub fn new(
        policies: impl IntoIterator<Item = Arc<Policy>>,
        calendars: impl IntoIterator<Item = (Option<i64>, BusinessCalendar)>,
    ) -> Self {
        Self {
            policies: policies.into_iter().map(|p| (p.id, p)).collect(),
            calendars: calendars.into_iter().collect(),
        }
    }

    /// A policy the log names.
    pub(super) fn policy(&self, id: i64) -> Result<Arc<Policy>, String> {
        self.policies
            .get(&id)
            .cloned()
            .ok_or_else(|| format!("SLA policy {id} was not read"))
    }

    pub(super) fn calendar(&self, id: Option<i64>) -> Result<BusinessCalendar, String> {
        self.calendars
            .get(&id)
            .cloned()
            .ok_or_else(|| format!("calendar {id:?} was not read"))
    }
}

pub(super) fn sla_transition(event: &LeadEvent) -> Option<&SlaTransition> {
    match event {
        LeadEvent::Sla(transition) => Some(transition),
        _ => None,
    }
}

/// The `sla_clocks` rows that lead `lead_id`'s log (in any order) explains, by id; or why it
/// does not explain them.
pub fn replay_clocks(
    lead_id: i64,
    log: &[Logged<'_>],
    sources: &ReplaySources,
) -> Result<Vec<sla_clocks::Model>, String> {
    let mut written: Vec<&Logged<'_>> = log.iter().collect();
    written.sort_by_key(|e| e.id);
    // The lead as the hook saw it, for transitions logged before they carried their owner.
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
        if let Some(transition) = sla_transition(entry.event) {
            let lead_owner = lead.as_ref().and_then(|l| l.owner_id);
            apply(&mut clocks, lead_id, entry, transition, lead_owner, sources).map_err(|why| {
                format!(
                    "event {} ({} of SLA clock {}): {why}",
                    entry.id, transition.transition, transition.clock_id
                )
            })?;
        }
    }
    clocks
        .into_values()
        .map(|clock| {
            clock
                .active_model(clock.updated_at)
                .try_into_model()
                .map_err(|e| format!("SLA clock {:?}: {e}", clock.id))
        })
        .collect()
}

/// Applies one logged transition to its clock and checks that it computes what was logged.
fn apply(
    clocks: &mut BTreeMap<i64, TrackedClock>,
    lead_id: i64,
    entry: &Logged<'_>,
    logged: &SlaTransition,
    lead_owner: Option<i64>,
    sources: &ReplaySources,
) -> Result<(), String> {
    use SlaEventKind::{AtRisk50, AtRisk80, Breached, Cancelled, Met, Paused, Reassigned, Resumed};
    let stored = sources
        .policies
        .get(&logged.policy_id)
        .ok_or_else(|| format!("SLA policy {} was not read", logged.policy_id))?;
    if stored.kind != logged.clock {
        return Err(format!(
            "SLA policy {} is a {} policy, the log says {}",
            stored.id, stored.kind, logged.clock
        ));
    }
    let legacy = logged.thresholds.is_empty();
    // The policy as it was at the transition: its thresholds and target may have changed since.
    let policy = if legacy
        || (logged.thresholds == stored.thresholds
            && logged.target_seconds == stored.target_seconds)
    {
        Arc::clone(stored)
    } else {
        Arc::new(Policy {
            thresholds: logged.thresholds.clone(),
            target_seconds: logged.target_seconds,
            ..Policy::clone(stored)
        })
    };
    let owner_id = if legacy { lead_owner } else { logged.owner_id };
    let (at, now) = (entry.occurred_at, entry.recorded_at);
    let arithmetic = |error: ApiError| match error {
        ApiError::Internal(error) => format!("{error:#}"),
        other => other.into_parts().message,
    };

    let computed = if logged.transition == SlaEventKind::Started {
        if clocks.contains_key(&logged.clock_id) {
            return Err("the clock was started before".to_owned());
        }
        let calendar = sources.calendar(logged.calendar_id)?;
        let (mut clock, started) = TrackedClock::start(
            lead_id,
            policy,
            owner_id,
            logged.calendar_id,
            calendar,
            at,
            now,
        )
        .map_err(arithmetic)?;
        clock.id = Some(logged.clock_id);
        clocks.insert(logged.clock_id, clock);
        started
    } else {
        let clock = clocks
            .get_mut(&logged.clock_id)
            .ok_or("no STARTED precedes it")?;
        clock.policy = policy;
        let threshold = logged
            .percent
            .or_else(|| legacy_threshold(clock, logged, at));
        match (logged.transition, threshold) {
            (AtRisk50 | AtRisk80 | Breached, Some(percent)) => {
                let reached = clock.reach_threshold(percent, at, logged.backfill);
                clock.refresh().map_err(arithmetic)?;
                reached
            }
            (Met | Breached, _) => clock.stop(at).map_err(arithmetic)?,
            (Cancelled, _) => clock.cancel(at).map_err(arithmetic)?,
            (Paused, _) => clock
                .pause(at)
                .map_err(arithmetic)?
                .ok_or("the clock was not running")?,
            (Resumed, _) => clock
                .resume(at)
                .map_err(arithmetic)?
                .ok_or("the clock was not paused")?,
            (Reassigned, _) => {
                let calendar = sources.calendar(logged.calendar_id)?;
                clock
                    .move_to(
                        owner_id,
                        logged.calendar_id,
                        calendar,
                        logged.target_seconds,
                        at,
                    )
                    .map_err(arithmetic)?
            }
            (kind, _) => return Err(format!("a {kind} without its threshold")),
        }
    };
    if let Some(clock) = clocks.get_mut(&logged.clock_id) {
        clock.updated_at = now;
        clock.changed = false;
    }
    check(logged, &computed, legacy)
}

/// The threshold a transition logged without its percent marks: the policy's next one (they
/// are reached in order), or the breach when it came at or before the due instant (a stop
/// after due is the other BREACHED).
fn legacy_threshold(
    clock: &TrackedClock,
    logged: &SlaTransition,
    at: DateTime<Utc>,
) -> Option<u32> {
    if !logged.thresholds.is_empty() {
        return None;
    }
    match logged.transition {
        SlaEventKind::AtRisk50 | SlaEventKind::AtRisk80 => clock
            .policy
            .thresholds
            .iter()
            .copied()
            .find(|p| *p < 100 && !clock.fired.contains(p)),
        SlaEventKind::Breached
            if !clock.fired.contains(&100) && logged.due_at.is_some_and(|due| at <= due) =>
        {
            Some(100)
        }
        _ => None,
    }
}

/// Whether the replayed transition is the logged one.
fn check(logged: &SlaTransition, computed: &Transition, legacy: bool) -> Result<(), String> {
    let same = computed.kind == logged.transition
        && computed.elapsed_seconds == logged.elapsed_seconds
        && computed.calendar_id == logged.calendar_id
        && logged.due_at.is_none_or(|due| due == computed.due_at)
        && (legacy || computed.owner_id == logged.owner_id);
    if same {
        return Ok(());
    }
    Err(format!(
        "the log says {} after {} s, due {:?}, calendar {:?}, owner {:?}; replayed, it is {} \
         after {} s, due {}, calendar {:?}, owner {:?} (was the calendar edited since?)",
        logged.transition,
        logged.elapsed_seconds,
        logged.due_at,
        logged.calendar_id,
        logged.owner_id,
        computed.kind,
        computed.elapsed_seconds,
        computed.due_at,
        computed.calendar_id,
        computed.owner_id,
    ))
}

#[cfg(test)]
mod tests {
    use handoff_shared::domain::{SlaKind, SlaStartOn};
    use handoff_shared::lead::LeadProfile;
    use handoff_shared::sla::CalendarSpec;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn weekdays(tz: &str) -> BusinessCalendar {
        BusinessCalendar::parse(&CalendarSpec::weekdays(tz, "09:00", "17:00")).unwrap()
    }

    fn policy(thresholds: Vec<u32>) -> Arc<Policy> {
        Arc::new(Policy {
            id: 5,
            lead_type: "demo_request".into(),
            kind: SlaKind::Acceptance,
            target_seconds: 4 * 3600,
            calendar_id: None,
            start_on: SlaStartOn::Assigned,
            thresholds,
            pause_on_response: true,
            escalate_to_manager: true,
            reassign_on_breach: false,
            active: true,
        })
    }

    /// Events with when they happened and when they were written.
    type Log = Vec<(LeadEvent, DateTime<Utc>, DateTime<Utc>)>;

    /// A lead's log (created, then one clock's transitions, each written at its own `now`) and
    /// the row the live operations left.
    fn live_clock() -> (Log, sla_clocks::Model) {
        let created = at("2026-03-02T14:00:00Z");
        let mut log = vec![(
            LeadEvent::Created {
                profile: LeadProfile {
                    email: "ada@example.com".into(),
                    lead_type: "demo_request".into(),
                    ..Default::default()
                },
            },
            created,
            created,
        )];
        let (mut clock, started) = TrackedClock::start(
            7,
            policy(vec![50, 80, 100]),
            Some(3),
            Some(1),
            weekdays("America/New_York"),
            created,
            created,
        )
        .unwrap();
        clock.id = Some(11);
        let mut write = |clock: &mut TrackedClock, now: &str, ts: Vec<Transition>| {
            let now = at(now);
            for t in ts {
                log.push((
                    LeadEvent::Sla(super::super::logged(11, clock, t.clone())),
                    t.at,
                    now,
                ));
            }
            clock.updated_at = now;
        };
        write(&mut clock, "2026-03-02T14:00:00Z", vec![started]);
        let paused = clock.pause(at("2026-03-02T14:20:00Z")).unwrap().unwrap();
        write(&mut clock, "2026-03-02T14:20:00Z", vec![paused]);
        let resumed = clock.resume(at("2026-03-02T15:00:00Z")).unwrap().unwrap();
        write(&mut clock, "2026-03-02T15:00:00Z", vec![resumed]);
        // The policy's thresholds change; the next write plans with the new ones.
        clock.policy = policy(vec![25, 90, 100]);
        let mut moved = clock.catch_up(at("2026-03-02T16:00:00Z"), true).unwrap();
        moved.extend(
            clock
                .reassign(
                    Some(4),
                    Some(2),
                    weekdays("Europe/Berlin"),
                    at("2026-03-02T16:00:00Z"),
                )
                .unwrap(),
        );
        write(&mut clock, "2026-03-02T16:00:01Z", moved);
        let row = clock
            .active_model(clock.updated_at)
            .try_into_model()
            .unwrap();
        (log, row)
    }

    fn replay(log: &Log, stored: Arc<Policy>) -> Result<Vec<sla_clocks::Model>, String> {
        let logged: Vec<Logged<'_>> = log
            .iter()
            .enumerate()
            .map(|(i, (event, occurred_at, recorded_at))| Logged {
                id: i64::try_from(i).unwrap() + 1,
                event,
                occurred_at: *occurred_at,
                recorded_at: *recorded_at,
            })
            .collect();
        let sources = ReplaySources::new(
            [stored],
            [
                (Some(1), weekdays("America/New_York")),
                (Some(2), weekdays("Europe/Berlin")),
            ],
        );
        replay_clocks(7, &logged, &sources)
    }

    #[test]
    fn the_log_replays_to_the_row_the_live_operations_wrote() {
        let (log, row) = live_clock();
        assert_eq!(row.fired_percents, "[25]", "{row:?}");
        assert_eq!(row.next_fire_percent, Some(90));
        assert_eq!((row.owner_id, row.calendar_id), (Some(4), Some(2)));
        // The policy as stored now says something else again: the log's thresholds count.
        assert_eq!(replay(&log, policy(vec![60, 100])), Ok(vec![row]));
    }

    #[test]
    fn a_log_that_does_not_compute_what_it_says_is_reported() {
        let (mut log, _) = live_clock();
        let Some((LeadEvent::Sla(paused), _, _)) = log.get_mut(2) else {
            panic!("the third entry is the pause");
        };
        paused.elapsed_seconds += 60;
        let why = replay(&log, policy(vec![50, 80, 100])).unwrap_err();
        assert!(why.contains("event 3 (PAUSED of SLA clock 11)"), "{why}");
    }

    #[test]
    fn transitions_logged_before_they_carried_their_plan_replay_from_the_lead_and_policy() {
        let (mut log, row) = live_clock();
        // Owner from the lead's assignments, thresholds from the policy as stored.
        log.insert(
            1,
            (
                LeadEvent::Assigned(handoff_shared::lead::Assignment {
                    owner_id: Some(3),
                    team_id: None,
                    method: "manual".into(),
                    rule: None,
                    previous_owner_id: None,
                    detail: None,
                }),
                log[0].1,
                log[0].2,
            ),
        );
        let reassign = log
            .iter()
            .position(|(e, _, _)| {
                matches!(e, LeadEvent::Sla(t) if t.transition == SlaEventKind::Reassigned)
            })
            .unwrap();
        let (_, moved_at, now) = log[reassign];
        log.insert(
            reassign,
            (
                LeadEvent::Assigned(handoff_shared::lead::Assignment {
                    owner_id: Some(4),
                    team_id: None,
                    method: "manual".into(),
                    rule: None,
                    previous_owner_id: Some(3),
                    detail: None,
                }),
                moved_at,
                now,
            ),
        );
        for (event, _, _) in &mut log {
            if let LeadEvent::Sla(t) = event {
                t.owner_id = None;
                t.thresholds.clear();
                t.percent = None;
            }
        }
        assert_eq!(replay(&log, policy(vec![25, 90, 100])), Ok(vec![row]));
    }
}
