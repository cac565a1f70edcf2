//! Monthly governance: the maintenance red flags of a calendar month, and the periodic check
//! that tells admins, once per flag and month, when one is red.
//!
//! Months are UTC calendar months (`YYYY-MM`, `[first day 00:00Z, next month's 00:00Z)`), like
//! the weekly trends (Monday 00:00 UTC): the same period for every viewer whatever their zone.
//!
//! Every figure comes from an existing report over the month:
//! - `TEAM_COMPLIANCE`: SLA compliance (FIRST_RESPONSE) by team; red when a team's compliance
//!   rate is below 80 %. The figure is the lowest team rate.
//! - `RESPONSE_TIME`: the same report by lead type; red when a lead type's average business
//!   time to first response is above twice its average target. The figure is the highest
//!   average / target ratio.
//! - `REJECTION_REASON`: the feedback report's rejection reasons; red when one reason is above
//!   40 % of the month's rejections. The figure is the top reason's share.
//! - `LEAKAGE`: the leakage report (with the organisation's leakage days); red above 10 % of
//!   the open MQLs. Leakage is a state, not a period: it is the state when the review is made
//!   (for the periodic check, just after the month ends). Offenders: teams above 10 %.
//! - `REJECTION_RATE`: over the feedback report's cohort (leads whose `mqlAt` lies in the
//!   month), rejected / (accepted + rejected), i.e. 1 - the acceptance rate; red above 50 %.
//!   Offenders: sources above 50 %.
//!
//! A flag without data (no clocks, no rejections, no open MQLs) has no figure and is not red.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use handoff_shared::domain::{Role, SlaKind};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, Set, TransactionTrait as _,
};

use super::settings::ReportSettings;
use super::{Period, ReportFilter, compliance, feedback, leakage, ratio};
use crate::entities::{governance_notices, leads, org_settings, rejection_reasons, teams, users};
use crate::error::ApiError;
use crate::notify::outbox::{self, NewNotification};
use crate::state::AppState;

/// Below this compliance rate a team is a red flag.
pub const TEAM_COMPLIANCE_MIN: f64 = 0.8;
/// Above this multiple of the target an average first response is a red flag.
pub const RESPONSE_TIME_MAX_RATIO: f64 = 2.0;
/// Above this share of the rejections one reason is a red flag.
pub const REJECTION_REASON_MAX_SHARE: f64 = 0.4;
/// Above this share of the open MQLs leakage is a red flag.
pub const LEAKAGE_MAX_SHARE: f64 = 0.1;
/// Above this share of the decided handoffs rejection is a red flag.
pub const REJECTION_RATE_MAX: f64 = 0.5;
/// How often the server checks the last complete month for red flags.
pub const CHECK_EVERY: StdDuration = StdDuration::from_secs(15 * 60);
/// The outbox event of a red-flag e-mail.
pub const RED_FLAG_EVENT: &str = "governance.red_flag";

/// A calendar month (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// `YYYY-MM`; anything else is BAD_USER_INPUT on `field`.
    pub fn parse(text: &str, field: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::bad_input(field, "must be a month like 2026-03");
        let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    /// The month `at` lies in.
    pub fn of(at: DateTime<Utc>) -> Self {
        Self {
            year: at.year(),
            month: at.month(),
        }
    }

    /// The last month that has ended by `now`.
    pub fn last_complete(now: DateTime<Utc>) -> Self {
        Self::of(now).previous()
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Its first instant (00:00 UTC on the 1st).
    pub fn start(self) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .unwrap_or_default()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
    }

    /// `[start, next month's start)`.
    pub fn period(self) -> Period {
        Period {
            from: self.start(),
            to: self.next().start(),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Which red flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlagCode {
    TeamCompliance,
    ResponseTime,
    RejectionReason,
    Leakage,
    RejectionRate,
}

impl FlagCode {
    pub const ALL: [Self; 5] = [
        Self::TeamCompliance,
        Self::ResponseTime,
        Self::RejectionReason,
        Self::Leakage,
        Self::RejectionRate,
    ];

    /// The stored code (`governance_notices.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TeamCompliance => "TEAM_COMPLIANCE",
            Self::ResponseTime => "RESPONSE_TIME",
            Self::RejectionReason => "REJECTION_REASON",
            Self::Leakage => "LEAKAGE",
            Self::RejectionRate => "REJECTION_RATE",
        }
    }

    /// What is checked, for people.
    pub fn name(self) -> &'static str {
        match self {
            Self::TeamCompliance => "A team's SLA compliance below 80 %",
            Self::ResponseTime => "Average first response above twice the SLA target",
            Self::RejectionReason => "One rejection reason above 40 % of rejections",
            Self::Leakage => "Leakage above 10 % of open MQLs",
            Self::RejectionRate => "Rejection rate above 50 %",
        }
    }
}

/// What an offender is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffenderKind {
    Team,
    LeadType,
    Reason,
    Source,
}

/// A team, lead type, reason or source that crosses a flag's threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Offender {
    pub kind: OffenderKind,
    /// The team id, lead type key, reason code or source (none: leads without a source).
    pub key: Option<String>,
    /// The team's name or the reason's label.
    pub label: Option<String>,
    /// Its figure (a rate or share; for RESPONSE_TIME the average seconds).
    pub figure: f64,
    /// The threshold it crosses (for RESPONSE_TIME twice its average target in seconds).
    pub threshold: f64,
}

/// One maintenance red flag of a month.
#[derive(Debug, Clone, PartialEq)]
pub struct RedFlag {
    pub code: FlagCode,
    /// None: no data.
    pub figure: Option<f64>,
    pub threshold: f64,
    pub red: bool,
    pub offenders: Vec<Offender>,
}

impl RedFlag {
    fn new(code: FlagCode, figure: Option<f64>, threshold: f64, offenders: Vec<Offender>) -> Self {
        Self {
            code,
            figure,
            threshold,
            red: !offenders.is_empty(),
            offenders,
        }
    }
}

/// The red flags of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub month: Month,
    pub period: Period,
    pub flags: Vec<RedFlag>,
}

/// The red flags of `month` for the teams, owners and leads of `filter` (its period is
/// replaced by the month's), as of `now`.
pub async fn review(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    month: Month,
    settings: &ReportSettings,
    now: DateTime<Utc>,
) -> Result<Review, ApiError> {
    let filter = ReportFilter {
        period: month.period(),
        ..filter.clone()
    };
    let flags = flags(db, &filter, settings, now).await?;
    Ok(Review {
        month,
        period: filter.period,
        flags,
    })
}

/// The five red flags over `filter`'s period, as of `now`: a month for the review, a week for
/// the weekly digest.
pub async fn flags(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    settings: &ReportSettings,
    now: DateTime<Utc>,
) -> Result<Vec<RedFlag>, ApiError> {
    let team_names: HashMap<i64, String> = teams::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let sla = compliance::report(db, filter, SlaKind::FirstResponse, now).await?;
    // Of the feedback loop, only what the flags read: the reasons and the quality by source.
    let reasons = feedback::reasons(db, filter).await?;
    let by_source = feedback::quality_by(db, filter, leads::Column::Source).await?;
    Ok(vec![
        team_compliance(&sla),
        response_time(&sla),
        rejection_reason(db, &reasons).await?,
        leakage_flag(db, filter, settings, now, &team_names).await?,
        rejection_rate(&by_source),
    ])
}

fn team_compliance(sla: &compliance::ComplianceReport) -> RedFlag {
    let rates: Vec<(i64, Option<String>, f64)> = sla
        .by_team
        .iter()
        .filter_map(|(id, name, f)| Some(((*id)?, name.clone(), f.compliance_rate()?)))
        .collect();
    let figure = rates.iter().map(|(_, _, r)| *r).reduce(f64::min);
    let offenders = rates
        .into_iter()
        .filter(|(_, _, rate)| *rate < TEAM_COMPLIANCE_MIN)
        .map(|(id, name, rate)| Offender {
            kind: OffenderKind::Team,
            key: Some(id.to_string()),
            label: name,
            figure: rate,
            threshold: TEAM_COMPLIANCE_MIN,
        })
        .collect();
    RedFlag::new(
        FlagCode::TeamCompliance,
        figure,
        TEAM_COMPLIANCE_MIN,
        offenders,
    )
}

fn response_time(sla: &compliance::ComplianceReport) -> RedFlag {
    let mut figure: Option<f64> = None;
    let mut offenders = Vec::new();
    for (lead_type, f) in &sla.by_lead_type {
        let (Some(average), Some(target)) =
            (f.average_response_seconds(), f.average_target_seconds())
        else {
            continue;
        };
        if target <= 0.0 {
            continue;
        }
        let times = average / target;
        figure = Some(figure.map_or(times, |m| m.max(times)));
        if times > RESPONSE_TIME_MAX_RATIO {
            offenders.push(Offender {
                kind: OffenderKind::LeadType,
                key: Some(lead_type.clone()),
                label: None,
                figure: average,
                threshold: RESPONSE_TIME_MAX_RATIO * target,
            });
        }
    }
    RedFlag::new(
        FlagCode::ResponseTime,
        figure,
        RESPONSE_TIME_MAX_RATIO,
        offenders,
    )
}

async fn rejection_reason(
    db: &impl ConnectionTrait,
    reasons: &[feedback::ReasonCount],
) -> Result<RedFlag, ApiError> {
    let labels: HashMap<String, String> = rejection_reasons::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.label))
        .collect();
    let figure = reasons.first().map(|r| r.share);
    let offenders = reasons
        .iter()
        .filter(|r| r.share > REJECTION_REASON_MAX_SHARE)
        .map(|r| Offender {
            kind: OffenderKind::Reason,
            key: Some(r.code.clone()),
            label: labels.get(&r.code).cloned(),
            figure: r.share,
            threshold: REJECTION_REASON_MAX_SHARE,
        })
        .collect();
    Ok(RedFlag::new(
        FlagCode::RejectionReason,
        figure,
        REJECTION_REASON_MAX_SHARE,
        offenders,
    ))
}

async fn leakage_flag(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    settings: &ReportSettings,
    now: DateTime<Utc>,
    team_names: &HashMap<i64, String>,
) -> Result<RedFlag, ApiError> {
    let report = leakage::report(db, filter, settings.leakage_days, now).await?;
    let figure = report.share();
    let mut offenders = Vec::new();
    if figure.is_some_and(|share| share > LEAKAGE_MAX_SHARE) {
        // The teams with leaked leads, each measured by the same report over that team alone.
        let leaking = leakage::leaking_teams(db, filter, report.cutoff).await?;
        for team in leaking {
            let alone = ReportFilter {
                team_ids: Some(vec![team]),
                ..filter.clone()
            };
            let team_report = leakage::report(db, &alone, settings.leakage_days, now).await?;
            if let Some(share) = team_report.share()
                && share > LEAKAGE_MAX_SHARE
            {
                offenders.push(Offender {
                    kind: OffenderKind::Team,
                    key: Some(team.to_string()),
                    label: team_names.get(&team).cloned(),
                    figure: share,
                    threshold: LEAKAGE_MAX_SHARE,
                });
            }
        }
    }
    // Red by the organisation's figure, even when no single team crosses it (leads of no team).
    let red = figure.is_some_and(|share| share > LEAKAGE_MAX_SHARE);
    Ok(RedFlag {
        code: FlagCode::Leakage,
        figure,
        threshold: LEAKAGE_MAX_SHARE,
        red,
        offenders,
    })
}

fn rejection_rate(by_source: &[feedback::Quality]) -> RedFlag {
    let rate = |q: &feedback::Quality| ratio(q.rejected, q.accepted + q.rejected);
    let (accepted, rejected) = by_source
        .iter()
        .fold((0, 0), |(a, r), q| (a + q.accepted, r + q.rejected));
    let figure = ratio(rejected, accepted + rejected);
    let offenders: Vec<Offender> = by_source
        .iter()
        .filter_map(|q| {
            let share = rate(q)?;
            (share > REJECTION_RATE_MAX).then(|| Offender {
                kind: OffenderKind::Source,
                key: q.key.clone(),
                label: None,
                figure: share,
                threshold: REJECTION_RATE_MAX,
            })
        })
        .collect();
    let red = figure.is_some_and(|r| r > REJECTION_RATE_MAX);
    RedFlag {
        code: FlagCode::RejectionRate,
        figure,
        threshold: REJECTION_RATE_MAX,
        red,
        offenders,
    }
}

/// Checks the last complete month (as of `now`) for the whole organisation and tells every
/// active admin, by e-mail through the outbox, about each red flag not yet notified for that
/// month. Each flag is recorded in `governance_notices` in the transaction that enqueues its
/// e-mails, so it notifies exactly once per month however often (and on however many
/// processes) the check runs. Returns the flags notified now.
pub async fn notify_red_flags(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<FlagCode>, ApiError> {
    let month = Month::last_complete(now);
    let settings = super::settings::load(db).await?;
    let review = review(
        db,
        &ReportFilter::over(month.period()),
        month,
        &settings,
        now,
    )
    .await?;
    let red: Vec<&RedFlag> = review.flags.iter().filter(|f| f.red).collect();
    if red.is_empty() {
        return Ok(Vec::new());
    }
    let admins = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.as_str()))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?;
    let base = org_settings::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(|o| o.app_base_url)
        .unwrap_or_default();
    let mut notified = Vec::new();
    for flag in red {
        let txn = db.begin().await?;
        let recorded = governance_notices::Entity::insert(governance_notices::ActiveModel {
            month: Set(month.to_string()),
            code: Set(flag.code.as_str().to_owned()),
            figure: Set(flag.figure),
            notified_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                governance_notices::Column::Month,
                governance_notices::Column::Code,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if recorded == 0 {
            txn.rollback().await?;
            continue;
        }
        let (subject, body) = message(month, flag, &base);
        for admin in &admins {
            outbox::enqueue(
                &txn,
                now,
                NewNotification {
                    idempotency_key: format!(
                        "governance:{month}:{}:user:{}:{}",
                        flag.code.as_str(),
                        admin.id,
                        outbox::EMAIL
                    ),
                    lead_id: None,
                    clock_id: None,
                    event: RED_FLAG_EVENT.to_owned(),
                    recipient_user_id: Some(admin.id),
                    channel: outbox::EMAIL.to_owned(),
                    target: admin.email.clone(),
                    subject: subject.clone(),
                    body: body.clone(),
                },
            )
            .await?;
        }
        txn.commit().await?;
        notified.push(flag.code);
    }
    Ok(notified)
}

fn percent(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// A figure as people read it: rates and shares as percentages, the response ratio as "×".
fn show(code: FlagCode, x: f64) -> String {
    match code {
        FlagCode::ResponseTime => format!("{x:.2}× the target"),
        _ => percent(x),
    }
}

impl RedFlag {
    /// One line: the flag, its figure against its threshold, and who crosses it.
    pub fn describe(&self) -> String {
        let figure = self
            .figure
            .map_or_else(|| "no data".to_owned(), |x| show(self.code, x));
        let mut line = format!(
            "{}: {figure} (threshold {})",
            self.code.name(),
            show(self.code, self.threshold)
        );
        if !self.offenders.is_empty() {
            let who: Vec<String> = self
                .offenders
                .iter()
                .map(|o| offender(self.code, o))
                .collect();
            line.push_str(&format!("; {}", who.join(", ")));
        }
        line
    }
}

/// An offender and its figure, as people read it.
fn offender(code: FlagCode, o: &Offender) -> String {
    let who = o
        .label
        .clone()
        .or_else(|| o.key.clone())
        .unwrap_or_else(|| "(none)".to_owned());
    let figure = match code {
        FlagCode::ResponseTime => format!(
            "average {:.0} s against a limit of {:.0} s",
            o.figure, o.threshold
        ),
        _ => percent(o.figure),
    };
    format!("{who}: {figure}")
}

/// The subject and plain-text body of a red flag's e-mail.
fn message(month: Month, flag: &RedFlag, base: &str) -> (String, String) {
    let subject = format!("Red flag for {month}: {}", flag.code.name());
    let mut body = format!(
        "The {month} review shows a red flag: {}.\n\nFigure: {}\nThreshold: {}\n",
        flag.code.name(),
        flag.figure
            .map_or_else(|| "none".to_owned(), |x| show(flag.code, x)),
        show(flag.code, flag.threshold),
    );
    if !flag.offenders.is_empty() {
        body.push_str("\nOffenders:\n");
        for o in &flag.offenders {
            body.push_str(&format!("- {}\n", offender(flag.code, o)));
        }
    }
    if !base.is_empty() {
        body.push_str(&format!(
            "\nReview: {}/reports\n",
            base.trim_end_matches('/')
        ));
    }
    (subject, body)
}

/// Runs [`notify_red_flags`] every [`CHECK_EVERY`] with the application's clock.
pub fn spawn_checker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + CHECK_EVERY;
        let mut interval = tokio::time::interval_at(start, CHECK_EVERY);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match notify_red_flags(&state.db, state.clock.now()).await {
                Ok(flags) => {
                    if !flags.is_empty() {
                        tracing::info!(?flags, "red flags: admins notified");
                    }
                }
                Err(error) => {
                    let parts = error.into_parts();
                    tracing::warn!(error = %parts.message, "the red-flag check failed; retrying later");
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap_or_default().to_utc()
    }

    #[test]
    fn months_parse_and_bound_their_period() {
        let march = Month::parse("2026-03", "month").ok();
        assert_eq!(march.map(|m| m.to_string()), Some("2026-03".to_owned()));
        let period = march.map(Month::period);
        assert_eq!(period.map(|p| p.from), Some(at("2026-03-01T00:00:00Z")));
        assert_eq!(period.map(|p| p.to), Some(at("2026-04-01T00:00:00Z")));
        for bad in ["2026-13", "2026-3", "26-03", "march", "2026-00", ""] {
            assert!(Month::parse(bad, "month").is_err(), "{bad}");
        }
        assert_eq!(
            Month::last_complete(at("2026-01-15T00:00:00Z")).to_string(),
            "2025-12"
        );
        assert_eq!(
            Month::last_complete(at("2026-03-01T00:00:00Z")).to_string(),
            "2026-02"
        );
    }
}
