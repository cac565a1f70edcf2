//! The weekly digest's schedule (`notify::digest`).

use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::notify::digest::Schedule;

/// When the weekly digest goes to marketing ops.
#[derive(Debug, Clone, SimpleObject)]
pub struct DigestSchedule {
    /// `mon` .. `sun`.
    pub weekday: String,
    /// Local time `HH:MM` in `timezone`.
    pub time: String,
    /// The organisation's IANA time zone.
    pub timezone: String,
    /// The next instant the digest goes out.
    pub next_at: DateTime<Utc>,
    /// The local date of the last digest sent; null before the first.
    pub last_sent_week: Option<String>,
}

impl DigestSchedule {
    pub fn new(schedule: &Schedule, now: DateTime<Utc>, last_sent_week: Option<String>) -> Self {
        Self {
            weekday: schedule.weekday_name().to_owned(),
            time: schedule.time.format("%H:%M").to_string(),
            timezone: schedule.zone.name().to_owned(),
            next_at: schedule.next(now),
            last_sent_week,
        }
    }
}

/// A new digest schedule.
#[derive(Debug, Clone, InputObject)]
pub struct DigestScheduleInput {
    /// `mon` .. `sun`.
    pub weekday: String,
    /// Local time `HH:MM`.
    pub time: String,
    /// The organisation's IANA time zone, which the time is read in; omitted: unchanged. (It
    /// is the organisation's zone: notification texts use it too.)
    pub timezone: Option<String>,
}
