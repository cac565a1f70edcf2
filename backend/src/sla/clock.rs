//! One SLA clock in memory: its `sla_clocks` row as a [`ClockState`] in its calendar, with the
//! operations the hook applies and the transitions they log.
//!
//! Business time is banked in whole seconds (the row's `elapsed_before_seconds`), so a clock
//! computed in memory and one read back from its row are the same clock.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::{SlaEventKind, SlaKind, SlaState};
use handoff_shared::sla::{BusinessCalendar, ClockPhase, ClockState};
use sea_orm::{NotSet, Set};

use super::context::Policy;
use crate::entities::sla_clocks;
use crate::error::ApiError;

const NANOS: i64 = 1_000_000_000;

/// A transition of one clock, to be logged as `LeadEvent::Sla`.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub kind: SlaEventKind,
    pub at: DateTime<Utc>,
    pub elapsed_seconds: i64,
    /// A threshold that had passed before anyone could be told: logged, never notified.
    pub backfill: bool,
    /// The calendar and due instant as they were at the transition.
    pub calendar_id: Option<i64>,
    pub due_at: DateTime<Utc>,
    /// The owner the clock is held against after the transition.
    pub owner_id: Option<i64>,
    /// The threshold (percent of the target) a threshold transition marks.
    pub percent: Option<u32>,
    /// Why the clock was re-planned (see `SlaTransition::cause`).
    pub cause: Option<String>,
}

/// The event kind that logs reaching `percent` of the target: the breach at 100, otherwise
/// the at-risk band (below 80 % is AT_RISK_50).
pub fn threshold_kind(percent: u32) -> SlaEventKind {
    match percent {
        100.. => SlaEventKind::Breached,
        80.. => SlaEventKind::AtRisk80,
        _ => SlaEventKind::AtRisk50,
    }
}

/// A clock being worked on.
#[derive(Debug, Clone)]
pub struct TrackedClock {
    /// `None` until inserted, or until an id is reserved for it (write-behind, see
    /// [`super::SlaContext::write_behind`]).
    pub id: Option<i64>,
    /// Whether the `sla_clocks` row exists (a change is then an UPDATE).
    pub stored: bool,
    pub lead_id: i64,
    pub policy: Arc<Policy>,
    /// The owner the clock is held against: the lead's owner, except that a clock already
    /// overdue stays with the owner who let it run over.
    pub owner_id: Option<i64>,
    pub calendar_id: Option<i64>,
    pub calendar: BusinessCalendar,
    pub clock: ClockState,
    /// The due instant of the last running segment.
    pub due_at: DateTime<Utc>,
    /// Thresholds already logged (percent; 100 is the breach).
    pub fired: Vec<u32>,
    pub next_fire: Option<(DateTime<Utc>, u32)>,
    pub created_at: DateTime<Utc>,
    /// When the row was last written: thresholds before it were already past when computed.
    pub updated_at: DateTime<Utc>,
    pub changed: bool,
}

fn internal(error: FieldError) -> ApiError {
    ApiError::internal(anyhow::anyhow!("SLA clock arithmetic: {error}"))
}

impl TrackedClock {
    /// Starts a clock of `policy` at `at` (known to the system at `now`).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        lead_id: i64,
        policy: Arc<Policy>,
        owner_id: Option<i64>,
        calendar_id: Option<i64>,
        calendar: BusinessCalendar,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(Self, Transition), ApiError> {
        let clock = ClockState::start(policy.target_seconds, at).map_err(internal)?;
        let due_at = clock.due_at(&calendar).map_err(internal)?.unwrap_or(at);
        let mut tracked = Self {
            id: None,
            stored: false,
            lead_id,
            policy,
            owner_id,
            calendar_id,
            calendar,
            clock,
            due_at,
            fired: Vec::new(),
            next_fire: None,
            created_at: now,
            updated_at: now,
            changed: true,
        };
        tracked.refresh()?;
        let started = tracked.transition(SlaEventKind::Started, at, 0, false);
        Ok((tracked, started))
    }

    pub fn kind(&self) -> SlaKind {
        self.policy.kind
    }

    pub fn is_open(&self) -> bool {
        matches!(
            self.clock.phase,
            ClockPhase::Running { .. } | ClockPhase::Paused { .. }
        )
    }

    pub fn is_running(&self) -> bool {
        matches!(self.clock.phase, ClockPhase::Running { .. })
    }

    fn transition(
        &self,
        kind: SlaEventKind,
        at: DateTime<Utc>,
        elapsed_seconds: i64,
        backfill: bool,
    ) -> Transition {
        Transition {
            kind,
            at,
            elapsed_seconds,
            backfill,
            calendar_id: self.calendar_id,
            due_at: self.due_at,
            owner_id: self.owner_id,
            percent: None,
            cause: None,
        }
    }

    fn elapsed_at(&self, at: DateTime<Utc>) -> Result<i64, ApiError> {
        self.clock
            .elapsed_seconds(&self.calendar, at)
            .map_err(internal)
    }

    /// Business time is banked in whole seconds, as the row stores it.
    fn floor_bank(&mut self) {
        self.clock.banked_nanos -= self.clock.banked_nanos.rem_euclid(NANOS);
    }

    /// The instant `percent` of the target is reached in the running segment; a point passed
    /// in an earlier segment (and somehow not logged) counts as reached when the segment began.
    fn threshold_instant(&self, percent: u32) -> Result<Option<DateTime<Utc>>, ApiError> {
        let ClockPhase::Running { since } = self.clock.phase else {
            return Ok(None);
        };
        Ok(Some(
            self.clock
                .instant_at_percent(&self.calendar, percent)
                .map_err(internal)?
                .unwrap_or(since),
        ))
    }

    /// Logs the thresholds not yet logged whose instants are at or before `until` (the breach
    /// only when `include_breach`), oldest first. A threshold that was already past when the
    /// row was last written (backfilled history) is marked `backfill`: nobody is notified.
    pub fn catch_up(
        &mut self,
        until: DateTime<Utc>,
        include_breach: bool,
    ) -> Result<Vec<Transition>, ApiError> {
        let mut logged = Vec::new();
        let pending: Vec<u32> = self
            .policy
            .thresholds
            .iter()
            .copied()
            .filter(|p| !self.fired.contains(p))
            .collect();
        for percent in pending {
            if percent >= 100 && !include_breach {
                break;
            }
            let Some(instant) = self.threshold_instant(percent)? else {
                break;
            };
            if instant > until {
                break;
            }
            let backfill = instant < self.updated_at;
            logged.push(self.reach_threshold(percent, instant, backfill));
        }
        if !logged.is_empty() {
            self.refresh()?;
        }
        Ok(logged)
    }

    /// Records that `percent` of the target was reached at `at`; the caller refreshes the plan
    /// ([`Self::refresh`]) once it has recorded all it catches up on.
    pub fn reach_threshold(
        &mut self,
        percent: u32,
        at: DateTime<Utc>,
        backfill: bool,
    ) -> Transition {
        let elapsed = self.clock.target_seconds * i64::from(percent) / 100;
        let mut logged = self.transition(threshold_kind(percent), at, elapsed, backfill);
        logged.percent = Some(percent);
        self.fired.push(percent);
        self.changed = true;
        logged
    }

    /// Stops the clock at `at`: MET at or before due, otherwise BREACHED.
    pub fn stop(&mut self, at: DateTime<Utc>) -> Result<Transition, ApiError> {
        let met = self.clock.stop(&self.calendar, at).map_err(internal)?;
        self.floor_bank();
        self.changed = true;
        self.refresh()?;
        let kind = if met {
            SlaEventKind::Met
        } else {
            SlaEventKind::Breached
        };
        Ok(self.transition(kind, at, self.clock.banked_nanos / NANOS, false))
    }

    /// Calls the clock off at `at`.
    pub fn cancel(&mut self, at: DateTime<Utc>) -> Result<Transition, ApiError> {
        self.clock.cancel(&self.calendar, at).map_err(internal)?;
        self.floor_bank();
        self.changed = true;
        self.refresh()?;
        Ok(self.transition(
            SlaEventKind::Cancelled,
            at,
            self.clock.banked_nanos / NANOS,
            false,
        ))
    }

    /// Holds a running clock at `at`; `None` when it is not running.
    pub fn pause(&mut self, at: DateTime<Utc>) -> Result<Option<Transition>, ApiError> {
        if !self.is_running() {
            return Ok(None);
        }
        self.clock.pause(&self.calendar, at).map_err(internal)?;
        self.floor_bank();
        self.changed = true;
        self.refresh()?;
        Ok(Some(self.transition(
            SlaEventKind::Paused,
            at,
            self.clock.banked_nanos / NANOS,
            false,
        )))
    }

    /// Counts a paused clock again from `at`; `None` when it is not paused.
    pub fn resume(&mut self, at: DateTime<Utc>) -> Result<Option<Transition>, ApiError> {
        if !matches!(self.clock.phase, ClockPhase::Paused { .. }) {
            return Ok(None);
        }
        self.clock.resume(at).map_err(internal)?;
        self.changed = true;
        self.refresh()?;
        Ok(Some(self.transition(
            SlaEventKind::Resumed,
            at,
            self.clock.banked_nanos / NANOS,
            false,
        )))
    }

    /// Moves the clock to a new owner and calendar at `at`, keeping the business time spent;
    /// `None` when neither changes. A clock already overdue stays held against its old owner.
    pub fn reassign(
        &mut self,
        owner_id: Option<i64>,
        calendar_id: Option<i64>,
        calendar: BusinessCalendar,
        at: DateTime<Utc>,
    ) -> Result<Option<Transition>, ApiError> {
        if owner_id == self.owner_id && calendar_id == self.calendar_id {
            return Ok(None);
        }
        let target = self.clock.target_seconds;
        self.move_to(owner_id, calendar_id, calendar, target, at)
            .map(Some)
    }

    /// [`Self::reassign`] without the check that something changed: what a logged REASSIGNED
    /// replays.
    pub fn move_to(
        &mut self,
        owner_id: Option<i64>,
        calendar_id: Option<i64>,
        calendar: BusinessCalendar,
        target_seconds: i64,
        at: DateTime<Utc>,
    ) -> Result<Transition, ApiError> {
        self.clock
            .change_calendar(&self.calendar, at)
            .map_err(internal)?;
        self.floor_bank();
        self.clock.target_seconds = target_seconds;
        if !self.fired.contains(&100) {
            self.owner_id = owner_id;
        }
        self.calendar_id = calendar_id;
        self.calendar = calendar;
        self.changed = true;
        self.refresh()?;
        let elapsed = self.elapsed_at(at)?;
        Ok(self.transition(SlaEventKind::Reassigned, at, elapsed, false))
    }

    /// Re-plans an open clock after its policy or calendar changed: it keeps the business time
    /// counted up to `at` (in the calendar it counted in), then counts toward `target_seconds`
    /// in `calendar`. Thresholds already logged stay logged.
    pub fn replan(
        &mut self,
        target_seconds: i64,
        calendar_id: Option<i64>,
        calendar: BusinessCalendar,
        at: DateTime<Utc>,
        cause: &str,
    ) -> Result<Transition, ApiError> {
        let owner_id = self.owner_id;
        let mut transition = self.move_to(owner_id, calendar_id, calendar, target_seconds, at)?;
        transition.cause = Some(cause.to_owned());
        Ok(transition)
    }

    /// Recomputes the due instant (while running) and the next threshold to fire.
    pub fn refresh(&mut self) -> Result<(), ApiError> {
        self.next_fire = None;
        if !self.is_running() {
            return Ok(());
        }
        if let Some(due) = self.clock.due_at(&self.calendar).map_err(internal)? {
            self.due_at = due;
        }
        let next = self
            .policy
            .thresholds
            .iter()
            .copied()
            .find(|p| !self.fired.contains(p));
        if let Some(percent) = next {
            self.next_fire = self.threshold_instant(percent)?.map(|at| (at, percent));
        }
        Ok(())
    }

    /// The `state` column: ended clocks by how they ended; an open clock whose breach has been
    /// logged is BREACHED (and keeps counting overdue time).
    pub fn stored_state(&self) -> SlaState {
        match self.clock.phase {
            ClockPhase::Stopped { met: true, .. } => SlaState::Met,
            ClockPhase::Stopped { met: false, .. } => SlaState::Breached,
            ClockPhase::Cancelled { .. } => SlaState::Cancelled,
            _ if self.fired.contains(&100) => SlaState::Breached,
            ClockPhase::Running { .. } => SlaState::Running,
            ClockPhase::Paused { .. } => SlaState::Paused,
        }
    }

    /// The clock a row holds.
    pub fn from_row(
        row: &sla_clocks::Model,
        policy: Arc<Policy>,
        calendar: BusinessCalendar,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            id: Some(row.id),
            stored: true,
            lead_id: row.lead_id,
            policy,
            owner_id: row.owner_id,
            calendar_id: row.calendar_id,
            calendar,
            clock: clock_state(row)?,
            due_at: row.due_at,
            fired: fired_percents(row)?,
            next_fire: row
                .next_fire_at
                .zip(row.next_fire_percent.and_then(|p| u32::try_from(p).ok())),
            created_at: row.created_at,
            updated_at: row.updated_at,
            changed: false,
        })
    }

    /// The row to write at `now`.
    pub fn active_model(&self, now: DateTime<Utc>) -> sla_clocks::ActiveModel {
        let (segment_started_at, paused_at, stopped_at) = match self.clock.phase {
            ClockPhase::Running { since } => (Some(since), None, None),
            ClockPhase::Paused { since } => (None, Some(since), None),
            ClockPhase::Stopped { at, .. } | ClockPhase::Cancelled { at } => (None, None, Some(at)),
        };
        let fired: Vec<String> = self.fired.iter().map(u32::to_string).collect();
        sla_clocks::ActiveModel {
            id: self.id.map_or(NotSet, Set),
            lead_id: Set(self.lead_id),
            policy_id: Set(self.policy.id),
            kind: Set(self.policy.kind.as_str().to_owned()),
            state: Set(self.stored_state().as_str().to_owned()),
            owner_id: Set(self.owner_id),
            calendar_id: Set(self.calendar_id),
            started_at: Set(self.clock.started_at),
            due_at: Set(self.due_at),
            stopped_at: Set(stopped_at),
            target_seconds: Set(self.clock.target_seconds),
            elapsed_before_seconds: Set(self.clock.banked_nanos / NANOS),
            segment_started_at: Set(segment_started_at),
            paused_at: Set(paused_at),
            next_fire_at: Set(self.next_fire.map(|(at, _)| at)),
            next_fire_percent: Set(self.next_fire.and_then(|(_, p)| i32::try_from(p).ok())),
            fired_percents: Set(format!("[{}]", fired.join(","))),
            created_at: Set(self.created_at),
            updated_at: Set(now),
            // A changed clock is attributed again (`reports::facts`).
            report_at: Set(None),
            report_owner_id: Set(None),
            report_team_id: Set(None),
            report_source: Set(None),
            report_campaign: Set(None),
            report_lead_type: Set(None),
        }
    }
}

/// The [`ClockState`] a row holds.
pub fn clock_state(row: &sla_clocks::Model) -> Result<ClockState, ApiError> {
    let phase = if let Some(at) = row.stopped_at {
        match SlaState::parse(&row.state) {
            Some(SlaState::Cancelled) => ClockPhase::Cancelled { at },
            Some(SlaState::Met) => ClockPhase::Stopped { at, met: true },
            Some(_) => ClockPhase::Stopped { at, met: false },
            None => {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "sla_clocks row {} has an unknown state {:?}",
                    row.id,
                    row.state
                )));
            }
        }
    } else if let Some(since) = row.paused_at {
        ClockPhase::Paused { since }
    } else {
        ClockPhase::Running {
            since: row.segment_started_at.unwrap_or(row.started_at),
        }
    };
    Ok(ClockState {
        target_seconds: row.target_seconds,
        started_at: row.started_at,
        banked_nanos: row.elapsed_before_seconds.saturating_mul(NANOS),
        phase,
    })
}

fn fired_percents(row: &sla_clocks::Model) -> Result<Vec<u32>, ApiError> {
    serde_json::from_str(&row.fired_percents).map_err(|error| {
        ApiError::internal(anyhow::Error::new(error).context(format!(
            "sla_clocks row {} holds unreadable fired_percents",
            row.id
        )))
    })
}

/// What a client sees of a clock at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockView {
    /// A running clock past its due instant is BREACHED.
    pub state: SlaState,
    /// For a paused clock: the due instant were it to resume now.
    pub due_at: DateTime<Utc>,
    pub elapsed_seconds: i64,
    pub remaining_seconds: i64,
    pub percent_elapsed: f64,
}

/// A stored clock as it stands at `now`, measured in its calendar.
pub fn view(
    row: &sla_clocks::Model,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<ClockView, ApiError> {
    let clock = clock_state(row)?;
    let mut state = clock.state(calendar, now).map_err(internal)?;
    // An open clock whose breach is logged stays BREACHED, e.g. after a pause.
    if matches!(state, SlaState::Running | SlaState::Paused)
        && row.state == SlaState::Breached.as_str()
    {
        state = SlaState::Breached;
    }
    let remaining_nanos = (clock.target_seconds * NANOS
        - clock.elapsed_nanos(calendar, now).map_err(internal)?)
    .max(0);
    let due_at = match clock.phase {
        ClockPhase::Paused { since } if remaining_nanos > 0 => calendar
            .add_nanos(now.max(since), remaining_nanos)
            .map_err(internal)?,
        _ => row.due_at,
    };
    Ok(ClockView {
        state,
        due_at,
        elapsed_seconds: clock.elapsed_seconds(calendar, now).map_err(internal)?,
        remaining_seconds: clock.remaining_seconds(calendar, now).map_err(internal)?,
        percent_elapsed: clock.percent_elapsed(calendar, now).map_err(internal)?,
    })
}

#[cfg(test)]
mod tests {
    use handoff_shared::domain::SlaStartOn;
    use handoff_shared::sla::CalendarSpec;
    use sea_orm::TryIntoModel as _;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn weekdays(tz: &str) -> BusinessCalendar {
        BusinessCalendar::parse(&CalendarSpec::weekdays(tz, "09:00", "17:00")).unwrap()
    }

    fn policy(kind: SlaKind, target_seconds: i64) -> Arc<Policy> {
        Arc::new(Policy {
            id: 1,
            lead_type: "demo_request".into(),
            kind,
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

    fn started(target: i64, tz: &str, start: &str, now: &str) -> TrackedClock {
        TrackedClock::start(
            7,
            policy(SlaKind::FirstResponse, target),
            Some(3),
            Some(1),
            weekdays(tz),
            at(start),
            at(now),
        )
        .unwrap()
        .0
    }

    fn kinds(transitions: &[Transition]) -> Vec<SlaEventKind> {
        transitions.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn the_due_instant_is_counted_in_office_hours_across_a_weekend_and_dst() {
        // Friday 16:30 in New York with an hour to go: 30 minutes on Friday, 30 on Monday,
        // which is already daylight-saving time (UTC-4).
        let clock = started(
            3600,
            "America/New_York",
            "2026-03-06T21:30:00Z",
            "2026-03-06T21:30:00Z",
        );
        assert_eq!(clock.due_at, at("2026-03-09T13:30:00Z"));
        assert_eq!(clock.next_fire, Some((at("2026-03-06T22:00:00Z"), 50)));
        assert_eq!(clock.stored_state(), SlaState::Running);
    }

    #[test]
    fn thresholds_already_past_in_backfilled_history_are_logged_as_backfill() {
        let mut clock = started(3600, "UTC", "2026-03-02T09:00:00Z", "2026-03-05T12:00:00Z");
        let logged = clock.catch_up(at("2026-03-05T12:00:00Z"), true).unwrap();
        assert_eq!(
            kinds(&logged),
            [
                SlaEventKind::AtRisk50,
                SlaEventKind::AtRisk80,
                SlaEventKind::Breached
            ]
        );
        assert!(logged.iter().all(|t| t.backfill), "{logged:?}");
        assert_eq!(logged[0].at, at("2026-03-02T09:30:00Z"));
        assert_eq!(logged[2].at, at("2026-03-02T10:00:00Z"));
        assert_eq!(clock.stored_state(), SlaState::Breached);
        assert_eq!(clock.next_fire, None, "nothing left to notify");
        assert!(
            clock
                .catch_up(at("2026-03-06T12:00:00Z"), true)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn thresholds_of_a_live_clock_are_not_backfill() {
        let mut clock = started(3600, "UTC", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z");
        let logged = clock.catch_up(at("2026-03-02T09:50:00Z"), true).unwrap();
        assert_eq!(
            kinds(&logged),
            [SlaEventKind::AtRisk50, SlaEventKind::AtRisk80]
        );
        assert!(logged.iter().all(|t| !t.backfill));
        assert_eq!(clock.next_fire, Some((at("2026-03-02T10:00:00Z"), 100)));
    }

    #[test]
    fn a_stop_at_the_due_instant_is_met_and_after_it_breached() {
        let mut clock = started(3600, "UTC", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z");
        let mut late = clock.clone();
        let met = clock.stop(at("2026-03-02T10:00:00Z")).unwrap();
        assert_eq!((met.kind, met.elapsed_seconds), (SlaEventKind::Met, 3600));
        assert_eq!(clock.stored_state(), SlaState::Met);
        let breached = late.stop(at("2026-03-02T10:00:01Z")).unwrap();
        assert_eq!(breached.kind, SlaEventKind::Breached);
        assert_eq!(late.stored_state(), SlaState::Breached);
        assert!(!late.is_open());
    }

    #[test]
    fn reassignment_keeps_elapsed_time_and_recomputes_due_in_the_new_calendar() {
        // Four hours from 09:00 New York (14:00Z); at 10:00 New York (16:00 Berlin) the lead
        // moves to Berlin: 3 hours left, one today until 17:00 Berlin, two on Tuesday morning.
        let mut clock = started(
            4 * 3600,
            "America/New_York",
            "2026-03-02T14:00:00Z",
            "2026-03-02T14:00:00Z",
        );
        assert_eq!(clock.due_at, at("2026-03-02T18:00:00Z"));
        let moved = clock
            .reassign(
                Some(4),
                Some(2),
                weekdays("Europe/Berlin"),
                at("2026-03-02T15:00:00Z"),
            )
            .unwrap()
            .unwrap();
        assert_eq!(moved.kind, SlaEventKind::Reassigned);
        assert_eq!(moved.elapsed_seconds, 3600);
        assert_eq!(clock.due_at, at("2026-03-03T10:00:00Z"));
        assert_eq!(moved.due_at, clock.due_at);
        assert_eq!((clock.owner_id, clock.calendar_id), (Some(4), Some(2)));
        assert!(
            clock
                .reassign(
                    Some(4),
                    Some(2),
                    weekdays("Europe/Berlin"),
                    at("2026-03-02T15:30:00Z")
                )
                .unwrap()
                .is_none(),
            "same owner, same calendar: nothing to log"
        );
    }

    #[test]
    fn an_overdue_clock_stays_held_against_the_owner_who_let_it_run_over() {
        let mut clock = started(3600, "UTC", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z");
        clock.catch_up(at("2026-03-02T11:00:00Z"), true).unwrap();
        clock
            .reassign(
                Some(4),
                Some(2),
                weekdays("Europe/Berlin"),
                at("2026-03-02T11:00:00Z"),
            )
            .unwrap();
        assert_eq!(clock.owner_id, Some(3));
        assert_eq!(
            clock.due_at,
            at("2026-03-02T10:00:00Z"),
            "the due instant stays where it was"
        );
    }

    #[test]
    fn a_pause_banks_whole_seconds_and_a_resume_moves_the_due_later() {
        let mut clock = started(3600, "UTC", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z");
        let paused = clock
            .pause(at("2026-03-02T09:20:00.600Z"))
            .unwrap()
            .unwrap();
        assert_eq!(paused.elapsed_seconds, 1200);
        assert_eq!(clock.clock.banked_nanos, 1200 * NANOS);
        assert_eq!(clock.stored_state(), SlaState::Paused);
        assert_eq!(clock.next_fire, None);
        assert!(clock.pause(at("2026-03-02T09:30:00Z")).unwrap().is_none());
        clock.resume(at("2026-03-02T11:00:00Z")).unwrap().unwrap();
        assert_eq!(clock.due_at, at("2026-03-02T11:40:00Z"));
        assert_eq!(clock.next_fire, Some((at("2026-03-02T11:10:00Z"), 50)));
    }

    #[test]
    fn a_clock_reads_back_from_its_row_unchanged() {
        let mut clock = started(3600, "UTC", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z");
        clock.catch_up(at("2026-03-02T09:40:00Z"), true).unwrap();
        clock.pause(at("2026-03-02T09:45:00Z")).unwrap();
        let mut row = clock.active_model(at("2026-03-02T09:45:00Z"));
        row.id = Set(11);
        let row = row.try_into_model().unwrap();
        assert_eq!(row.state, "PAUSED");
        assert_eq!(row.fired_percents, "[50]");
        let again =
            TrackedClock::from_row(&row, clock.policy.clone(), clock.calendar.clone()).unwrap();
        assert_eq!(again.clock, clock.clock);
        assert_eq!(again.fired, clock.fired);
        assert_eq!(again.due_at, clock.due_at);
    }

    #[test]
    fn the_view_of_a_running_clock_past_due_is_breached() {
        let clock = started(3600, "UTC", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z");
        let mut row = clock.active_model(at("2026-03-02T09:00:00Z"));
        row.id = Set(11);
        let row = row.try_into_model().unwrap();
        let calendar = weekdays("UTC");
        let early = view(&row, &calendar, at("2026-03-02T09:15:00Z")).unwrap();
        assert_eq!(early.state, SlaState::Running);
        assert_eq!(
            (early.elapsed_seconds, early.remaining_seconds),
            (900, 2700)
        );
        assert!((early.percent_elapsed - 25.0).abs() < 1e-9);
        let late = view(&row, &calendar, at("2026-03-02T10:30:00Z")).unwrap();
        assert_eq!(late.state, SlaState::Breached);
        assert_eq!(late.remaining_seconds, -1800);
    }

    #[test]
    fn custom_thresholds_log_as_the_nearest_band_below() {
        assert_eq!(threshold_kind(30), SlaEventKind::AtRisk50);
        assert_eq!(threshold_kind(50), SlaEventKind::AtRisk50);
        assert_eq!(threshold_kind(90), SlaEventKind::AtRisk80);
        assert_eq!(threshold_kind(100), SlaEventKind::Breached);
    }
}
