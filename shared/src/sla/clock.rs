//! The state of one SLA clock in business time: start, pause, resume, stop, change calendar.
//!
//! A clock banks the business time of finished segments and measures the running segment in
//! the calendar that applies now, so a reassignment to a rep in another time zone keeps what
//! has elapsed and recomputes only what is left.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::BusinessCalendar;
use crate::FieldError;
use crate::domain::SlaState;

const NANOS: i64 = 1_000_000_000;

/// Where a clock is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum ClockPhase {
    /// Counting since `since` (the start, the last resume or the last calendar change).
    Running { since: DateTime<Utc> },
    /// Held, e.g. while waiting on the lead's reply.
    Paused { since: DateTime<Utc> },
    /// Stopped by the event that fulfils (or finally ends) the promise.
    Stopped { at: DateTime<Utc>, met: bool },
    /// Called off: the promise no longer applies (e.g. the lead was disqualified by marketing).
    Cancelled { at: DateTime<Utc> },
}

/// One SLA clock: a target in business seconds and the business time spent so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockState {
    pub target_seconds: i64,
    pub started_at: DateTime<Utc>,
    /// Business time of the segments before the current one, in nanoseconds.
    pub banked_nanos: i64,
    pub phase: ClockPhase,
}

impl ClockState {
    /// A clock that starts running at `at`.
    pub fn start(target_seconds: i64, at: DateTime<Utc>) -> Result<Self, FieldError> {
        if target_seconds <= 0 {
            return Err(FieldError::new(
                "targetSeconds",
                "must be a positive number of seconds",
            ));
        }
        if target_seconds > i64::MAX / NANOS {
            return Err(FieldError::new("targetSeconds", "is too large"));
        }
        Ok(Self {
            target_seconds,
            started_at: at,
            banked_nanos: 0,
            phase: ClockPhase::Running { since: at },
        })
    }

    fn target_nanos(&self) -> i64 {
        self.target_seconds * NANOS
    }

    /// Business time spent up to `now` (or up to the stop), in nanoseconds.
    pub fn elapsed_nanos(
        &self,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> Result<i64, FieldError> {
        match self.phase {
            ClockPhase::Running { since } => {
                Ok(self.banked_nanos + calendar.elapsed_nanos(since, now.max(since))?)
            }
            ClockPhase::Paused { .. }
            | ClockPhase::Stopped { .. }
            | ClockPhase::Cancelled { .. } => Ok(self.banked_nanos),
        }
    }

    /// Whole business seconds spent up to `now`.
    pub fn elapsed_seconds(
        &self,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> Result<i64, FieldError> {
        Ok(self.elapsed_nanos(calendar, now)? / NANOS)
    }

    /// Business seconds left before the target (negative once overdue).
    pub fn remaining_seconds(
        &self,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> Result<i64, FieldError> {
        Ok((self.target_nanos() - self.elapsed_nanos(calendar, now)?).div_euclid(NANOS))
    }

    /// Share of the target spent, in percent (may exceed 100).
    pub fn percent_elapsed(
        &self,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> Result<f64, FieldError> {
        let elapsed = self.elapsed_nanos(calendar, now)? as f64;
        Ok(elapsed * 100.0 / self.target_nanos() as f64)
    }

    /// The instant at which `percent` of the target is reached while running, or `None` when
    /// the clock is not running. For a point already passed, the instant it was passed at is
    /// only known while the same segment runs; earlier segments give `None`.
    pub fn instant_at_percent(
        &self,
        calendar: &BusinessCalendar,
        percent: u32,
    ) -> Result<Option<DateTime<Utc>>, FieldError> {
        let ClockPhase::Running { since } = self.phase else {
            return Ok(None);
        };
        let point = i64::try_from(i128::from(self.target_nanos()) * i128::from(percent) / 100)
            .map_err(|_| FieldError::new("percent", "is too large"))?;
        if point < self.banked_nanos {
            return Ok(None);
        }
        calendar
            .add_nanos(since, point - self.banked_nanos)
            .map(Some)
    }

    /// The instant the target is reached while running: the due instant.
    pub fn due_at(&self, calendar: &BusinessCalendar) -> Result<Option<DateTime<Utc>>, FieldError> {
        self.instant_at_percent(calendar, 100)
    }

    /// Holds the clock at `at`, banking the business time of the running segment.
    pub fn pause(
        &mut self,
        calendar: &BusinessCalendar,
        at: DateTime<Utc>,
    ) -> Result<(), FieldError> {
        let ClockPhase::Running { since } = self.phase else {
            return Err(FieldError::new(
                "clock",
                "only a running clock can be paused",
            ));
        };
        self.banked_nanos += calendar.elapsed_nanos(since, at.max(since))?;
        self.phase = ClockPhase::Paused {
            since: at.max(since),
        };
        Ok(())
    }

    /// Starts a paused clock counting again at `at`.
    pub fn resume(&mut self, at: DateTime<Utc>) -> Result<(), FieldError> {
        let ClockPhase::Paused { since } = self.phase else {
            return Err(FieldError::new(
                "clock",
                "only a paused clock can be resumed",
            ));
        };
        self.phase = ClockPhase::Running {
            since: at.max(since),
        };
        Ok(())
    }

    /// Ends the segment measured in `old` at `at`; from then on the caller measures the clock in
    /// the new calendar. Elapsed business time is kept.
    pub fn change_calendar(
        &mut self,
        old: &BusinessCalendar,
        at: DateTime<Utc>,
    ) -> Result<(), FieldError> {
        if let ClockPhase::Running { since } = self.phase {
            let at = at.max(since);
            self.banked_nanos += old.elapsed_nanos(since, at)?;
            self.phase = ClockPhase::Running { since: at };
        }
        Ok(())
    }

    /// Stops the clock at `at`: met when it stops at or before the due instant.
    pub fn stop(
        &mut self,
        calendar: &BusinessCalendar,
        at: DateTime<Utc>,
    ) -> Result<bool, FieldError> {
        let met = match self.phase {
            ClockPhase::Running { since } => {
                let at = at.max(since);
                let due = self.due_at(calendar)?;
                self.banked_nanos += calendar.elapsed_nanos(since, at)?;
                match due {
                    Some(due) => at <= due,
                    None => self.banked_nanos <= self.target_nanos(),
                }
            }
            ClockPhase::Paused { .. } => self.banked_nanos <= self.target_nanos(),
            ClockPhase::Stopped { .. } | ClockPhase::Cancelled { .. } => {
                return Err(FieldError::new("clock", "the clock has already ended"));
            }
        };
        self.phase = ClockPhase::Stopped { at, met };
        Ok(met)
    }

    /// Calls the clock off at `at`.
    pub fn cancel(
        &mut self,
        calendar: &BusinessCalendar,
        at: DateTime<Utc>,
    ) -> Result<(), FieldError> {
        if let ClockPhase::Running { since } = self.phase {
            self.banked_nanos += calendar.elapsed_nanos(since, at.max(since))?;
        }
        if matches!(
            self.phase,
            ClockPhase::Stopped { .. } | ClockPhase::Cancelled { .. }
        ) {
            return Err(FieldError::new("clock", "the clock has already ended"));
        }
        self.phase = ClockPhase::Cancelled { at };
        Ok(())
    }

    /// The contract's state at `now`: a running clock past its due instant is BREACHED.
    pub fn state(
        &self,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> Result<SlaState, FieldError> {
        Ok(match self.phase {
            ClockPhase::Running { .. } => {
                if self.elapsed_nanos(calendar, now)? > self.target_nanos()
                    || self.due_at(calendar)?.is_some_and(|due| now > due)
                {
                    SlaState::Breached
                } else {
                    SlaState::Running
                }
            }
            ClockPhase::Paused { .. } if self.banked_nanos > self.target_nanos() => {
                SlaState::Breached
            }
            ClockPhase::Paused { .. } => SlaState::Paused,
            ClockPhase::Stopped { met: true, .. } => SlaState::Met,
            ClockPhase::Stopped { met: false, .. } => SlaState::Breached,
            ClockPhase::Cancelled { .. } => SlaState::Cancelled,
        })
    }
}
