//! The weekly digest to marketing ops: what sales said about marketing's leads last week.
//!
//! - Schedule: a weekday and a local time in the organisation's zone (`org_settings`:
//!   `digest_weekday`, `digest_time`, `org_timezone`; default Monday 08:00), set by an admin
//!   ([`set_schedule`]).
//! - [`fire_due`] sends the digest of the latest scheduled instant at or before `now`, once:
//!   the week (the instant's local date) is inserted into `digest_sends` in the transaction
//!   that enqueues the mails (one per active MARKETING_OPS user, through the outbox), so a
//!   restart or a second process finds it taken and sends nothing. A server that was down at
//!   the instant sends the digest when it comes back within [`GRACE`].
//! - The digest covers the seven days before the scheduled instant: rejection reasons (count,
//!   share), lead quality by source and campaign (acceptance rate, SQL rate) over the MQLs of
//!   the week, leakage now (count, share), and the governance report's red flags
//!   measured over the week ([`governance::flags`]).
//! - The server calls [`fire_due`] every [`TICK`] ([`spawn`]).

use std::time::Duration as StdDuration;

use chrono::{
    DateTime, Datelike as _, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone as _, Utc,
    Weekday,
};
use chrono_tz::Tz;
use handoff_shared::domain::Role;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set, TransactionTrait as _,
};

use super::outbox::{self, NewNotification};
use crate::entities::{digest_sends, org_settings, users};
use crate::error::ApiError;
use crate::reports::{Period, ReportFilter, feedback, governance, leakage};
use crate::state::AppState;

/// The outbox event of the digest.
pub const EVENT: &str = "digest.weekly";
/// How late a digest may still go out after its instant (a server down at the instant sends
/// it when it is back within this); older instants are skipped, so a fresh installation does
/// not send last week's digest on its first start.
pub const GRACE: Duration = Duration::days(1);
/// How often the server looks whether a digest is due.
pub const TICK: StdDuration = StdDuration::from_secs(60);

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// When the digest goes out: a weekday and a local time in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub weekday: Weekday,
    pub time: NaiveTime,
    pub zone: Tz,
}

impl Schedule {
    /// Parses `mon`..`sun`, `HH:MM` and an IANA zone; errors name `weekday`, `time` or
    /// `timezone`.
    pub fn parse(weekday: &str, time: &str, zone: &str) -> Result<Self, ApiError> {
        let day = weekday.trim().to_ascii_lowercase();
        let weekday = DAYS
            .iter()
            .find(|(name, _)| *name == day)
            .map(|(_, d)| *d)
            .ok_or_else(|| {
                ApiError::bad_input(
                    "weekday",
                    "must be one of mon, tue, wed, thu, fri, sat, sun",
                )
            })?;
        let time = NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .map_err(|_| ApiError::bad_input("time", "must be a local time HH:MM, e.g. 08:00"))?;
        let zone = zone.trim().parse::<Tz>().map_err(|_| {
            ApiError::bad_input("timezone", "must be an IANA time zone, e.g. Europe/Berlin")
        })?;
        Ok(Self {
            weekday,
            time,
            zone,
        })
    }

    /// The schedule stored in `org_settings`.
    pub fn of(org: &org_settings::Model) -> Result<Self, ApiError> {
        Self::parse(&org.digest_weekday, &org.digest_time, &org.org_timezone).map_err(|error| {
            ApiError::internal(anyhow::anyhow!(
                "org_settings holds an unusable digest schedule: {}",
                error.into_parts().message
            ))
        })
    }

    /// `mon`..`sun`.
    pub fn weekday_name(&self) -> &'static str {
        DAYS.iter()
            .find(|(_, d)| *d == self.weekday)
            .map_or("mon", |(name, _)| name)
    }

    /// The instant of the schedule on local date `date`. A time inside a spring-forward gap is
    /// read with the offset before the gap; an ambiguous one is its first occurrence.
    fn on(&self, date: NaiveDate) -> DateTime<Utc> {
        let local = date.and_time(self.time);
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.to_utc(),
            LocalResult::None => {
                let offset = self
                    .zone
                    .offset_from_utc_datetime(&(local - Duration::days(1)));
                (local - chrono::Offset::fix(&offset)).and_utc()
            }
        }
    }

    /// The latest scheduled instant at or before `now`, and its local date (the week's key).
    pub fn latest(&self, now: DateTime<Utc>) -> (DateTime<Utc>, NaiveDate) {
        let today = now.with_timezone(&self.zone).date_naive();
        let back =
            (7 + today.weekday().num_days_from_monday() - self.weekday.num_days_from_monday()) % 7;
        let mut date = today - Duration::days(i64::from(back));
        if self.on(date) > now {
            date -= Duration::days(7);
        }
        (self.on(date), date)
    }

    /// The first scheduled instant after `now`.
    pub fn next(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let (_, date) = self.latest(now);
        self.on(date + Duration::days(7))
    }
}

/// The organisation's settings row.
async fn org(db: &impl ConnectionTrait) -> Result<org_settings::Model, ApiError> {
    org_settings::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("org_settings row 1 is missing")))
}

/// The schedule in force.
pub async fn schedule(db: &impl ConnectionTrait) -> Result<Schedule, ApiError> {
    Schedule::of(&org(db).await?)
}

/// Stores a new schedule (and, when given, the organisation's time zone, which the schedule
/// is read in).
pub async fn set_schedule(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    weekday: &str,
    time: &str,
    timezone: Option<&str>,
) -> Result<Schedule, ApiError> {
    let current = org(db).await?;
    let zone = timezone.unwrap_or(&current.org_timezone);
    let schedule = Schedule::parse(weekday, time, zone)?;
    let mut row: org_settings::ActiveModel = current.into();
    row.digest_weekday = Set(schedule.weekday_name().to_owned());
    row.digest_time = Set(schedule.time.format("%H:%M").to_string());
    row.org_timezone = Set(schedule.zone.name().to_owned());
    row.updated_at = Set(now);
    row.update(db).await?;
    Ok(schedule)
}

/// The week (local date of the scheduled instant) of the last digest sent.
pub async fn last_sent(db: &impl ConnectionTrait) -> Result<Option<digest_sends::Model>, ApiError> {
    Ok(digest_sends::Entity::find()
        .order_by_desc(digest_sends::Column::ScheduledAt)
        .one(db)
        .await?)
}

/// A digest that went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The local date of the scheduled instant.
    pub week: NaiveDate,
    pub scheduled_at: DateTime<Utc>,
    /// Mails enqueued.
    pub recipients: usize,
}

/// Sends the digest of the latest scheduled instant at or before `now` unless it was sent.
pub async fn fire_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<Sent>, ApiError> {
    let org = org(db).await?;
    let schedule = Schedule::of(&org)?;
    let (scheduled_at, week) = schedule.latest(now);
    if now >= scheduled_at + GRACE {
        return Ok(None);
    }
    let key = week.format("%Y-%m-%d").to_string();
    if digest_sends::Entity::find_by_id(key.clone())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let period = Period {
        from: scheduled_at - Duration::days(7),
        to: scheduled_at,
    };
    let stale_days = i64::from(org.leakage_days);
    let text = compose(db, period, schedule.zone, stale_days, now).await?;
    let recipients = users::Entity::find()
        .filter(users::Column::Role.eq(Role::MarketingOps.as_str()))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?;

    let txn = db.begin().await?;
    let taken = digest_sends::Entity::insert(digest_sends::ActiveModel {
        week: Set(key.clone()),
        scheduled_at: Set(scheduled_at),
        sent_at: Set(now),
        recipients: Set(i32::try_from(recipients.len()).unwrap_or(i32::MAX)),
    })
    .on_conflict(
        OnConflict::column(digest_sends::Column::Week)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if taken == 0 {
        txn.rollback().await?;
        return Ok(None);
    }
    let subject = format!(
        "Handoff weekly digest: week to {}",
        week.format("%a %d %b %Y")
    );
    for user in &recipients {
        outbox::enqueue(
            &txn,
            now,
            NewNotification {
                idempotency_key: format!("digest:{key}:user:{}", user.id),
                lead_id: None,
                clock_id: None,
                event: EVENT.to_owned(),
                recipient_user_id: Some(user.id),
                channel: outbox::EMAIL.to_owned(),
                target: user.email.clone(),
                subject: subject.clone(),
                body: format!("Hello {},\n\n{text}", user.name),
            },
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(week = %key, recipients = recipients.len(), "weekly digest enqueued");
    Ok(Some(Sent {
        week,
        scheduled_at,
        recipients: recipients.len(),
    }))
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".to_owned(), |s| format!("{:.1}%", s * 100.0))
}

/// The digest's text for `period`.
pub async fn compose(
    db: &impl ConnectionTrait,
    period: Period,
    zone: Tz,
    stale_days: i64,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let filter = ReportFilter::over(period);
    let feedback = feedback::report(db, &filter).await?;
    let leakage = leakage::report(db, &filter, stale_days, now).await?;
    let local = |t: DateTime<Utc>| t.with_timezone(&zone).format("%a %d %b %Y %H:%M");
    let mut out = format!(
        "the handoff in the week from {} to {} ({}):\n\n",
        local(period.from),
        local(period.to),
        zone.name()
    );

    out.push_str(&format!("Rejections: {}\n", feedback.rejections));
    for reason in &feedback.reasons {
        out.push_str(&format!(
            "- {}: {} ({})\n",
            reason.code,
            reason.count,
            percent(Some(reason.share))
        ));
    }
    let quality = |title: &str, list: &[feedback::Quality], out: &mut String| {
        out.push_str(&format!("\nLead quality by {title} (MQLs of the week)\n"));
        if list.is_empty() {
            out.push_str("- no MQLs\n");
        }
        for q in list {
            out.push_str(&format!(
                "- {}: {} MQLs, acceptance rate {} ({} accepted, {} rejected), SQL rate {} ({} SQLs)\n",
                q.key.as_deref().unwrap_or("(none)"),
                q.mqls,
                percent(q.acceptance_rate()),
                q.accepted,
                q.rejected,
                percent(q.sql_rate()),
                q.sqls,
            ));
        }
    };
    quality("source", &feedback.by_source, &mut out);
    quality("campaign", &feedback.by_campaign, &mut out);
    out.push_str(&format!(
        "\nLeakage: {} of {} open MQLs ({}) without activity for more than {} days\n",
        leakage.leaked,
        leakage.open_mqls,
        percent(leakage.share()),
        stale_days
    ));

    // The governance report's red flags, measured over the week.
    let settings = crate::reports::settings::load(db).await?;
    let flags = governance::flags(db, &filter, &settings, now).await?;
    let red: Vec<&governance::RedFlag> = flags.iter().filter(|f| f.red).collect();
    out.push_str("\nRed flags\n");
    if red.is_empty() {
        out.push_str("- none\n");
    }
    for flag in red {
        out.push_str(&format!("- {}\n", flag.describe()));
    }
    Ok(out)
}

/// Starts the weekly digest on the current Tokio runtime: [`fire_due`] every [`TICK`].
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        loop {
            ticks.tick().await;
            if let Err(error) = fire_due(&state.db, state.clock.now()).await {
                let parts = error.into_parts();
                tracing::warn!(error = %parts.message, "the weekly digest failed; retrying");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_latest_instant_is_in_the_schedules_zone() {
        let berlin = Schedule::parse("mon", "08:00", "Europe/Berlin").unwrap();
        // Monday 16 March 2026 08:00 CET = 07:00Z.
        assert_eq!(
            berlin.latest(at("2026-03-16T07:00:00Z")),
            (
                at("2026-03-16T07:00:00Z"),
                NaiveDate::from_ymd_opt(2026, 3, 16).unwrap()
            )
        );
        assert_eq!(
            berlin.latest(at("2026-03-16T06:59:59Z")).0,
            at("2026-03-09T07:00:00Z")
        );
        assert_eq!(
            berlin.next(at("2026-03-16T07:00:00Z")),
            at("2026-03-23T07:00:00Z")
        );
        // After the change to summer time (29 March): 08:00 CEST = 06:00Z.
        assert_eq!(
            berlin.latest(at("2026-04-01T00:00:00Z")).0,
            at("2026-03-30T06:00:00Z")
        );
        // Sunday 02:30 in New York on the spring-forward day is read with the offset before.
        let gap = Schedule::parse("sun", "02:30", "America/New_York").unwrap();
        assert_eq!(
            gap.latest(at("2026-03-09T00:00:00Z")).0,
            at("2026-03-08T07:30:00Z")
        );
    }

    #[test]
    fn bad_schedules_name_the_field() {
        let field = |r: Result<Schedule, ApiError>| r.unwrap_err().into_parts().field;
        assert_eq!(
            field(Schedule::parse("monday", "08:00", "UTC")).as_deref(),
            Some("weekday")
        );
        assert_eq!(
            field(Schedule::parse("mon", "8", "UTC")).as_deref(),
            Some("time")
        );
        assert_eq!(
            field(Schedule::parse("mon", "08:00", "Mars/Base")).as_deref(),
            Some("timezone")
        );
    }
}
