//! The follow-up cadence: how many touches a rep owes a lead, when each is due, and what
//! happens when the cadence runs out without a connect.
//!
//! A lead type plans `cadence_touches` touches over `cadence_days` days (unset: the
//! organisation's `cadence_default_touches` / `cadence_default_days`, 6 over 14 — the playbook's
//! "minimum 6 touch attempts over 14 days"), counted from the lead's assignment. Touch `i`
//! (0-based) of `n` is due at `start + i * window / n`: the first at once, the rest evenly
//! spread, leaving the last stretch of the window for the lead to answer.
//!
//! When the window is over and a lead is still MQL or SAL with no connected touch and no
//! reply, [`recycle_exhausted`] returns it to marketing with reason `no_response`
//! (`Recycled { automatic: true }`, no actor). The server runs it every minute
//! ([`spawn_sweeper`]).
//!
//! Whether a touch connected is derived from its free-text outcome ([`touch_connects`]).

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::{LeadStatus, TouchChannel};
use handoff_shared::lead::LeadEvent;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, TransactionTrait as _,
};

use crate::entities::{lead_events, lead_types, leads, org_settings};
use crate::error::ApiError;
use crate::events::LeadNotice;
use crate::handoff::stages;
use crate::handoff::store::{LeadRecord, Recorded};
use crate::state::AppState;

/// The reason code of automatic recycling (one of the default rejection reasons).
pub const NO_RESPONSE: &str = "no_response";
/// Used when `org_settings` is missing (it never is after migrations).
const DEFAULT_TOUCHES: i32 = 6;
const DEFAULT_DAYS: i32 = 14;
/// How often the server looks for exhausted cadences.
pub const SWEEP_EVERY: StdDuration = StdDuration::from_secs(60);
/// Longest touch outcome accepted.
pub const MAX_OUTCOME_CHARS: usize = 500;

/// Outcomes that mean the rep reached the person. Matched after lower-casing and turning
/// spaces and hyphens into `_`; anything else (e.g. `no_answer`, `left_voicemail`, `sent`,
/// `bounced`, or free text) does not connect, except a MEETING, which connects unless its
/// outcome is in [`MISSED_MEETING_OUTCOMES`].
pub const CONNECT_OUTCOMES: &[&str] = &[
    "connected",
    "conversation",
    "spoke",
    "talked",
    "answered",
    "replied",
    "reply",
    "meeting_booked",
    "meeting_held",
    "meeting_scheduled",
    "interested",
    "not_interested",
    "call_back_later",
    "callback_requested",
];

/// Outcomes of a MEETING touch that mean it did not take place.
pub const MISSED_MEETING_OUTCOMES: &[&str] = &[
    "no_show",
    "cancelled",
    "canceled",
    "rescheduled",
    "declined",
];

/// What came of a touch: free text, trimmed, 1 to [`MAX_OUTCOME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchOutcome(String);

impl TouchOutcome {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(FieldError::new(
                "",
                "must not be empty: say what came of the touch, e.g. connected, no_answer, left_voicemail, sent, meeting_booked",
            ));
        }
        if text.chars().count() > MAX_OUTCOME_CHARS {
            return Err(FieldError::new(
                "",
                format!("must be at most {MAX_OUTCOME_CHARS} characters"),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outcome as a vocabulary key: lower-case, spaces and hyphens as `_`.
    fn key(&self) -> String {
        self.0
            .to_lowercase()
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("_")
    }
}

/// Whether a touch on `channel` with `outcome` reached the person (see [`CONNECT_OUTCOMES`]).
pub fn touch_connects(channel: TouchChannel, outcome: &TouchOutcome) -> bool {
    let key = outcome.key();
    if channel == TouchChannel::Meeting {
        return !MISSED_MEETING_OUTCOMES.contains(&key.as_str());
    }
    CONNECT_OUTCOMES.contains(&key.as_str())
}

/// How many touches over how many days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CadencePlan {
    pub touches: i32,
    pub window_days: i32,
}

impl CadencePlan {
    fn window(self) -> Duration {
        Duration::days(i64::from(self.window_days))
    }

    /// When touch `index` (0-based) is due, for a cadence that started at `start`.
    pub fn due_at(self, start: DateTime<Utc>, index: i32) -> DateTime<Utc> {
        let window = self.window().num_seconds();
        start + Duration::seconds(window * i64::from(index) / i64::from(self.touches))
    }

    /// How many touches are due at `now` (those whose instant has come).
    pub fn due_by(self, start: DateTime<Utc>, now: DateTime<Utc>) -> i32 {
        (0..self.touches)
            .take_while(|&i| self.due_at(start, i) <= now)
            .count()
            .try_into()
            .unwrap_or(self.touches)
    }
}

/// The cadence plans of every lead type, and the organisation default.
#[derive(Debug, Clone)]
pub struct CadencePlans {
    by_type: HashMap<String, CadencePlan>,
    default: CadencePlan,
}

impl CadencePlans {
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, ApiError> {
        let default = org_settings::Entity::find_by_id(1).one(conn).await?.map_or(
            CadencePlan {
                touches: DEFAULT_TOUCHES,
                window_days: DEFAULT_DAYS,
            },
            |s| CadencePlan {
                touches: s.cadence_default_touches,
                window_days: s.cadence_default_days,
            },
        );
        let default = sane(default, None);
        let by_type = lead_types::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| {
                let plan = CadencePlan {
                    touches: t.cadence_touches.unwrap_or(default.touches),
                    window_days: t.cadence_days.unwrap_or(default.window_days),
                };
                (t.key, sane(plan, Some(default)))
            })
            .collect();
        Ok(Self { by_type, default })
    }

    pub fn for_type(&self, lead_type: &str) -> CadencePlan {
        self.by_type.get(lead_type).copied().unwrap_or(self.default)
    }

    /// The shortest window of any plan: no cadence ends sooner.
    fn shortest_window_days(&self) -> i32 {
        self.by_type
            .values()
            .map(|p| p.window_days)
            .chain([self.default.window_days])
            .min()
            .unwrap_or(self.default.window_days)
    }
}

/// A plan needs at least one touch and one day; nonsense falls back to the default.
fn sane(plan: CadencePlan, default: Option<CadencePlan>) -> CadencePlan {
    let fallback = default.unwrap_or(CadencePlan {
        touches: DEFAULT_TOUCHES,
        window_days: DEFAULT_DAYS,
    });
    CadencePlan {
        touches: if plan.touches >= 1 {
            plan.touches
        } else {
            fallback.touches
        },
        window_days: if plan.window_days >= 1 {
            plan.window_days
        } else {
            fallback.window_days
        },
    }
}

/// What happened since the cadence started, read from the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub touches: i32,
    pub connected: bool,
}

/// Where a lead stands on its cadence at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadenceStatus {
    pub touches_done: i32,
    pub touches_planned: i32,
    pub window_days: i32,
    pub started_at: DateTime<Utc>,
    pub next_touch_due_at: Option<DateTime<Utc>>,
    pub on_track: bool,
    pub connected: bool,
    pub ended: bool,
}

/// Evaluates a cadence: pure, `now` is an argument.
pub fn evaluate(
    plan: CadencePlan,
    started_at: DateTime<Utc>,
    status: LeadStatus,
    activity: Activity,
    now: DateTime<Utc>,
) -> CadenceStatus {
    let window_over = now >= started_at + plan.window();
    let ended = window_over || !matches!(status, LeadStatus::Mql | LeadStatus::Sal);
    let next_touch_due_at = (!ended && !activity.connected && activity.touches < plan.touches)
        .then(|| plan.due_at(started_at, activity.touches.max(0)));
    CadenceStatus {
        touches_done: activity.touches,
        touches_planned: plan.touches,
        window_days: plan.window_days,
        started_at,
        next_touch_due_at,
        on_track: activity.connected || activity.touches >= plan.due_by(started_at, now),
        connected: activity.connected,
        ended,
    }
}

/// Touches and replies in a lead's log at or after `since`.
pub async fn activity_since(
    conn: &impl ConnectionTrait,
    lead_id: i64,
    since: DateTime<Utc>,
) -> Result<Activity, ApiError> {
    let rows = lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(lead_id))
        .filter(lead_events::Column::Kind.is_in(["touch", "responded"]))
        .filter(lead_events::Column::OccurredAt.gte(since))
        .order_by_asc(lead_events::Column::Id)
        .all(conn)
        .await?;
    let mut activity = Activity::default();
    for row in rows {
        let event = LeadEvent::from_stored(&row.kind, &row.payload).map_err(|e| {
            ApiError::internal(anyhow::anyhow!("lead event {} does not parse: {e}", row.id))
        })?;
        match event {
            LeadEvent::Touch { connected, .. } => {
                activity.touches += 1;
                activity.connected |= connected;
            }
            LeadEvent::Responded => activity.connected = true,
            _ => {}
        }
    }
    Ok(activity)
}

/// The cadence of a lead at `now`; `None` until the lead is assigned.
pub async fn cadence_of(
    conn: &impl ConnectionTrait,
    lead: &leads::Model,
    now: DateTime<Utc>,
) -> Result<Option<CadenceStatus>, ApiError> {
    let Some(started_at) = lead.assigned_at else {
        return Ok(None);
    };
    let status = LeadStatus::parse(&lead.status).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "lead {} has an unknown status {:?}",
            lead.id,
            lead.status
        ))
    })?;
    let plan = plan_for(conn, &lead.lead_type).await?;
    let activity = activity_since(conn, lead.id, started_at).await?;
    Ok(Some(evaluate(plan, started_at, status, activity, now)))
}

/// The plan of one lead type (or the default).
pub async fn plan_for(
    conn: &impl ConnectionTrait,
    lead_type: &str,
) -> Result<CadencePlan, ApiError> {
    Ok(CadencePlans::load(conn).await?.for_type(lead_type))
}

/// Recycles (reason `no_response`, automatic) every MQL/SAL lead whose cadence window ended at
/// or before `now` with no connected touch and no reply. Returns how many it recycled.
pub async fn recycle_exhausted(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    Ok(recycle_exhausted_leads(db, now).await?.len())
}

/// [`recycle_exhausted`], returning who to tell (one notice per recycled lead).
#[tracing::instrument(skip(db))]
pub async fn recycle_exhausted_leads(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<LeadNotice>, ApiError> {
    let plans = CadencePlans::load(db).await?;
    let earliest_end = now - Duration::days(i64::from(plans.shortest_window_days()));
    let candidates = leads::Entity::find()
        .filter(leads::Column::Status.is_in([LeadStatus::Mql.as_str(), LeadStatus::Sal.as_str()]))
        .filter(leads::Column::AssignedAt.lte(earliest_end))
        .order_by_asc(leads::Column::Id)
        .all(db)
        .await?;
    let mut recycled = Vec::new();
    for lead in candidates {
        let Some(started_at) = lead.assigned_at else {
            continue;
        };
        let plan = plans.for_type(&lead.lead_type);
        if now < started_at + plan.window() {
            continue;
        }
        match recycle_one(db, lead.id, plan, now).await {
            Ok(Some(notice)) => recycled.push(notice),
            Ok(None) => {}
            // Someone worked the lead meanwhile: the next sweep looks again.
            Err(ApiError::Conflict(_)) => {
                tracing::info!(lead_id = lead.id, "lead changed during the cadence sweep");
            }
            Err(error) => return Err(error),
        }
    }
    if !recycled.is_empty() {
        tracing::info!(
            count = recycled.len(),
            "recycled leads whose cadence ended without a connect"
        );
    }
    Ok(recycled)
}

/// Recycles one lead if, re-checked inside the transaction, its cadence is exhausted.
async fn recycle_one(
    db: &DatabaseConnection,
    lead_id: i64,
    plan: CadencePlan,
    now: DateTime<Utc>,
) -> Result<Option<LeadNotice>, ApiError> {
    let txn = db.begin().await?;
    let Some(mut record) = LeadRecord::load(&txn, lead_id).await? else {
        return Ok(None);
    };
    record.lock(&txn).await?;
    let Some(started_at) = record.state.assigned_at else {
        return Ok(None);
    };
    if !matches!(record.state.status, LeadStatus::Mql | LeadStatus::Sal)
        || now < started_at + plan.window()
    {
        return Ok(None);
    }
    let activity = activity_since(&txn, lead_id, started_at).await?;
    if activity.connected {
        return Ok(None);
    }
    let note = format!(
        "cadence ended: {} of {} touches over {} days, no connect and no reply",
        activity.touches, plan.touches, plan.window_days
    );
    let event_id = stages::append_with_clocks(
        &txn,
        &mut record,
        Recorded {
            event: LeadEvent::Recycled {
                reason_code: NO_RESPONSE.to_owned(),
                note: Some(note),
                automatic: true,
            },
            actor_id: None,
            occurred_at: now,
        },
        now,
    )
    .await?;
    crate::handoff::recycle::on_recycled(&txn, &record, event_id, now).await?;
    record.save(&txn).await?;
    txn.commit().await?;
    Ok(Some(LeadNotice {
        lead_id,
        owner_id: record.state.owner_id,
        team_id: record.state.team_id,
    }))
}

/// Runs [`recycle_exhausted`] every [`SWEEP_EVERY`] with the application's clock, publishing
/// a `LeadChanged` for each recycled lead.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + SWEEP_EVERY;
        let mut interval = tokio::time::interval_at(start, SWEEP_EVERY);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match recycle_exhausted_leads(&state.db, state.clock.now()).await {
                // Subscribers hear of the recycled leads from the live feed (their new events).
                Ok(notices) => {
                    if !notices.is_empty() {
                        tracing::info!(
                            recycled = notices.len(),
                            "cadences ran out: leads recycled"
                        );
                    }
                }
                Err(error) => {
                    let parts = error.into_parts();
                    tracing::warn!(error = %parts.message, "the cadence sweep failed; retrying next minute");
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    const PLAN: CadencePlan = CadencePlan {
        touches: 6,
        window_days: 14,
    };

    #[test]
    fn touches_are_spread_evenly_over_the_window_starting_at_once() {
        let start = at("2026-03-02T10:00:00Z");
        assert_eq!(PLAN.due_at(start, 0), start);
        // 14 days / 6 = 2 days 8 hours.
        assert_eq!(PLAN.due_at(start, 1), at("2026-03-04T18:00:00Z"));
        assert_eq!(PLAN.due_at(start, 5), at("2026-03-14T02:00:00Z"));
    }

    #[test]
    fn a_fresh_lead_owes_its_first_touch_at_once() {
        let start = at("2026-03-02T10:00:00Z");
        let status = evaluate(PLAN, start, LeadStatus::Mql, Activity::default(), start);
        assert_eq!(status.next_touch_due_at, Some(start));
        assert!(!status.on_track, "the first touch is due");
        assert!(!status.ended);
    }

    #[test]
    fn one_touch_is_on_track_until_the_second_is_due() {
        let start = at("2026-03-02T10:00:00Z");
        let one = Activity {
            touches: 1,
            connected: false,
        };
        let day_two = evaluate(
            PLAN,
            start,
            LeadStatus::Sal,
            one,
            at("2026-03-04T10:00:00Z"),
        );
        assert!(day_two.on_track);
        assert_eq!(day_two.next_touch_due_at, Some(at("2026-03-04T18:00:00Z")));
        let day_three = evaluate(
            PLAN,
            start,
            LeadStatus::Sal,
            one,
            at("2026-03-05T10:00:00Z"),
        );
        assert!(!day_three.on_track);
    }

    #[test]
    fn a_connect_ends_the_plan_but_not_the_window() {
        let start = at("2026-03-02T10:00:00Z");
        let connected = Activity {
            touches: 1,
            connected: true,
        };
        let status = evaluate(
            PLAN,
            start,
            LeadStatus::Sal,
            connected,
            at("2026-03-10T10:00:00Z"),
        );
        assert!(status.on_track && status.connected && !status.ended);
        assert_eq!(status.next_touch_due_at, None);
    }

    #[test]
    fn the_cadence_ends_with_its_window_or_when_the_lead_moves_on() {
        let start = at("2026-03-02T10:00:00Z");
        let over = evaluate(
            PLAN,
            start,
            LeadStatus::Mql,
            Activity::default(),
            at("2026-03-16T10:00:00Z"),
        );
        assert!(over.ended);
        assert_eq!(over.next_touch_due_at, None);
        let qualified = evaluate(PLAN, start, LeadStatus::Sql, Activity::default(), start);
        assert!(qualified.ended);
    }

    #[test]
    fn outcomes_connect_by_vocabulary_and_meetings_by_default() {
        let outcome = |s: &str| TouchOutcome::parse(s).unwrap();
        assert!(touch_connects(TouchChannel::Call, &outcome("Connected")));
        assert!(touch_connects(
            TouchChannel::Call,
            &outcome("meeting booked")
        ));
        assert!(touch_connects(TouchChannel::Email, &outcome("replied")));
        assert!(!touch_connects(
            TouchChannel::Call,
            &outcome("left voicemail")
        ));
        assert!(!touch_connects(TouchChannel::Email, &outcome("sent")));
        assert!(!touch_connects(
            TouchChannel::Call,
            &outcome("talked to the receptionist")
        ));
        assert!(touch_connects(
            TouchChannel::Meeting,
            &outcome("demo went well")
        ));
        assert!(!touch_connects(TouchChannel::Meeting, &outcome("no-show")));
    }

    #[test]
    fn blank_outcomes_are_refused() {
        assert!(TouchOutcome::parse("  ").is_err());
        assert!(TouchOutcome::parse(&"x".repeat(MAX_OUTCOME_CHARS + 1)).is_err());
    }
}
