//! An SLA countdown that ticks in the browser: remaining business time is the business time
//! between now and the clock's due instant, counted by the shared crate's calendar (the same
//! arithmetic as the server's), so evenings, weekends and holidays do not count down.

use chrono::{DateTime, Utc};
use handoff_shared::domain::{SlaKind, SlaState};
use handoff_shared::sla::BusinessCalendar;
use leptos::prelude::*;

use crate::api::types::SlaClock;
use crate::contexts::now::use_now;

/// How urgent a clock is: the colour of its countdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    /// Under half of the target spent.
    Calm,
    /// 50 % or more.
    Half,
    /// 80 % or more.
    Risk,
    Breached,
    Met,
    /// Cancelled with the lead, or paused waiting on the lead.
    Idle,
}

impl Band {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Calm => "calm",
            Self::Half => "half",
            Self::Risk => "risk",
            Self::Breached => "breached",
            Self::Met => "met",
            Self::Idle => "idle",
        }
    }

    fn by_percent(percent: f64) -> Self {
        if percent >= 100.0 {
            Self::Breached
        } else if percent >= 80.0 {
            Self::Risk
        } else if percent >= 50.0 {
            Self::Half
        } else {
            Self::Calm
        }
    }
}

/// A clock as it reads at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Business seconds left; negative once overdue.
    pub remaining: i64,
    pub percent: f64,
    pub band: Band,
    pub paused: bool,
}

/// Reads `clock` at `now`. Stopped and paused clocks stand still at the server's figures; a
/// running one counts down in `calendar` (the server's figures when the calendar is unusable).
pub fn read(clock: &SlaClock, calendar: Option<&BusinessCalendar>, now: DateTime<Utc>) -> Reading {
    let percent_of = |remaining: i64| {
        if clock.target_seconds > 0 {
            (clock.target_seconds - remaining) as f64 * 100.0 / clock.target_seconds as f64
        } else {
            100.0
        }
    };
    let frozen = clock.stopped_at.is_some()
        || matches!(
            clock.state,
            SlaState::Met | SlaState::Cancelled | SlaState::Paused
        );
    if frozen {
        let band = match clock.state {
            SlaState::Met => Band::Met,
            SlaState::Breached => Band::Breached,
            SlaState::Cancelled | SlaState::Paused => Band::Idle,
            SlaState::Running => Band::by_percent(clock.percent_elapsed),
        };
        return Reading {
            remaining: clock.remaining_business_seconds,
            percent: clock.percent_elapsed,
            band,
            paused: clock.state == SlaState::Paused,
        };
    }
    let counted = calendar.and_then(|calendar| {
        if now < clock.due_at {
            calendar.elapsed(now, clock.due_at).ok()
        } else {
            calendar.elapsed(clock.due_at, now).ok().map(|s| -s)
        }
    });
    let remaining = counted.unwrap_or(clock.remaining_business_seconds);
    let percent = percent_of(remaining);
    let band = if now >= clock.due_at {
        Band::Breached
    } else {
        Band::by_percent(percent)
    };
    Reading {
        remaining,
        percent,
        band,
        paused: false,
    }
}

/// `1:02:03` (hours may pass 24: business hours, not days).
pub fn format_duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

pub fn kind_label(kind: SlaKind) -> &'static str {
    match kind {
        SlaKind::FirstResponse => "First response",
        SlaKind::Acceptance => "Acceptance",
        SlaKind::Qualification => "Qualification",
    }
}

/// The clock's name as a short label.
#[component]
pub fn ClockLabel(kind: SlaKind) -> impl IntoView {
    view! { <span class="clock-kind">{kind_label(kind)}</span> }
}

/// A live countdown for `clock`, re-read every second.
#[component]
pub fn Countdown(clock: SlaClock) -> impl IntoView {
    let now = use_now();
    let calendar = crate::zones::calendar(&clock.calendar).ok();
    let due = clock.due_at.to_rfc3339();
    move || {
        let reading = read(&clock, calendar.as_ref(), now.get());
        let text = match reading.band {
            Band::Met => "met".to_owned(),
            Band::Idle if !reading.paused => "stopped".to_owned(),
            _ if reading.remaining < 0 || reading.band == Band::Breached => {
                format!("{} overdue", format_duration(reading.remaining))
            }
            _ if reading.paused => format!("{} left (paused)", format_duration(reading.remaining)),
            _ => format!("{} left", format_duration(reading.remaining)),
        };
        let label = format!(
            "{} SLA: {text}, {:.0} % of the target spent",
            kind_label(clock.kind),
            reading.percent.max(0.0)
        );
        view! {
            <span
                class=format!("countdown band-{}", reading.band.as_str())
                data-testid="countdown"
                data-band=reading.band.as_str()
                title=format!("Due {due}")
                aria-label=label
            >
                {text}
            </span>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handoff_shared::sla::CalendarSpec;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn running(due: &str) -> SlaClock {
        SlaClock {
            kind: SlaKind::FirstResponse,
            state: SlaState::Running,
            started_at: at("2026-03-06T16:30:00Z"),
            due_at: at(due),
            stopped_at: None,
            target_seconds: 3600,
            elapsed_business_seconds: 0,
            remaining_business_seconds: 3600,
            percent_elapsed: 0.0,
            calendar: CalendarSpec::weekdays("UTC", "09:00", "17:00"),
            policy: crate::api::types::PolicyName { name: "p".into() },
        }
    }

    #[test]
    fn the_countdown_stands_still_outside_business_hours() {
        // Due Monday 09:30; from Friday 16:30 to Monday 09:30 only 1 business hour passes.
        let clock = running("2026-03-09T09:30:00Z");
        let calendar = crate::zones::calendar(&clock.calendar).unwrap();
        let friday_evening = read(&clock, Some(&calendar), at("2026-03-06T20:00:00Z"));
        let sunday = read(&clock, Some(&calendar), at("2026-03-08T12:00:00Z"));
        assert_eq!(friday_evening.remaining, 1800);
        assert_eq!(sunday.remaining, 1800, "the weekend does not count");
        assert_eq!(sunday.band, Band::Half);
        let late = read(&clock, Some(&calendar), at("2026-03-09T09:24:00Z"));
        assert_eq!((late.remaining, late.band), (360, Band::Risk));
        let over = read(&clock, Some(&calendar), at("2026-03-09T09:31:00Z"));
        assert_eq!((over.remaining, over.band), (-60, Band::Breached));
        assert_eq!(format_duration(over.remaining), "0:01:00");
    }

    #[test]
    fn stopped_clocks_keep_the_servers_figures() {
        let mut clock = running("2026-03-09T09:30:00Z");
        clock.state = SlaState::Met;
        clock.stopped_at = Some(at("2026-03-06T16:40:00Z"));
        clock.remaining_business_seconds = 3000;
        let reading = read(&clock, None, at("2026-03-10T00:00:00Z"));
        assert_eq!((reading.remaining, reading.band), (3000, Band::Met));
    }
}
