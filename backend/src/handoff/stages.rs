//! Sales working a lead: the stage moves (accept, reject, qualify, convert, disqualify), touches
//! and replies, reassignment and claiming from a queue.
//!
//! Every operation is one transaction: load the lead, [`LeadRecord::lock`] it (PostgreSQL takes
//! the row lock; a writer that loaded an older version gets CONFLICT), check who may do it and
//! whether the stage machine ([`LeadStatus::transition`]) allows it, append the event and the
//! SLA transitions it causes ([`append_with_clocks`]), save the projection, commit. An action
//! whose result the lead already has (accepting an SAL lead) is CONFLICT: it is what the loser
//! of a race sees; any other invalid move is BAD_USER_INPUT on `status` listing the allowed
//! moves.

use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use handoff_shared::domain::{LeadStatus, Role, TouchChannel};
use handoff_shared::lead::{Assignment, Bant, LeadEvent};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, TransactionTrait as _,
};

use crate::auth::Principal;
use crate::auth::permissions::{self, LeadParties};
use crate::configuration_admin::Slug;
use crate::entities::{leads, rejection_reasons, teams, users};
use crate::error::ApiError;
use crate::handoff::cadence::{self, TouchOutcome};
use crate::handoff::store::{LeadRecord, Recorded};

/// How far in the future a client's `occurredAt` may lie (clock skew); it is then read as now.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
/// Longest note accepted on a rejection or disqualification.
pub const MAX_NOTE_CHARS: usize = 2000;

/// A stage move sales makes.
#[derive(Debug, Clone, PartialEq)]
pub enum StageMove {
    /// MQL -> SAL.
    Accept,
    /// -> RECYCLED, back to marketing nurture, with an active rejection reason.
    Reject { reason: Slug, note: Option<String> },
    /// SAL -> SQL with BANT.
    Qualify { bant: Bant },
    /// SQL -> OPPORTUNITY, optionally with the deal amount.
    Convert { amount: Option<Amount> },
    /// -> DISQUALIFIED, with an active reason.
    Disqualify { reason: Slug, note: Option<String> },
}

impl StageMove {
    fn target(&self) -> LeadStatus {
        match self {
            Self::Accept => LeadStatus::Sal,
            Self::Reject { .. } => LeadStatus::Recycled,
            Self::Qualify { .. } => LeadStatus::Sql,
            Self::Convert { .. } => LeadStatus::Opportunity,
            Self::Disqualify { .. } => LeadStatus::Disqualified,
        }
    }

    /// What the lead already is, for the CONFLICT of a repeated move.
    fn already(&self) -> &'static str {
        match self {
            Self::Accept => "already accepted",
            Self::Reject { .. } => "already recycled",
            Self::Qualify { .. } => "already qualified",
            Self::Convert { .. } => "already an opportunity",
            Self::Disqualify { .. } => "already disqualified",
        }
    }
}

/// A deal amount: finite and not negative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Amount(f64);

impl Amount {
    pub fn parse(value: f64) -> Result<Self, handoff_shared::FieldError> {
        if !value.is_finite() || value < 0.0 {
            return Err(handoff_shared::FieldError::new(
                "",
                format!("must be a number of at least 0, not {value}"),
            ));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

/// A rejection or disqualification reason as typed: required, then a known code.
pub fn parse_reason(raw: Option<&str>, field: &str) -> Result<Slug, ApiError> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::bad_input(
            field,
            "a reason code is required, e.g. bad_fit, no_budget, wrong_contact",
        ));
    }
    Slug::parse(raw).map_err(|e| ApiError::from(e.within(field)))
}

/// A free-text note: trimmed, empty means none, at most [`MAX_NOTE_CHARS`].
pub fn parse_note(raw: Option<&str>, field: &str) -> Result<Option<String>, ApiError> {
    let Some(note) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::bad_input(
            field,
            format!("must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(Some(note.to_owned()))
}

/// A touch as logged by a rep.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    pub channel: TouchChannel,
    pub outcome: TouchOutcome,
    /// None: now.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// The lead after a change (subscribers hear of it from the live feed).
#[derive(Debug, Clone)]
pub struct Changed {
    pub lead: leads::Model,
}

/// Moves a lead to the next stage.
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn move_stage(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    lead_id: i64,
    stage_move: StageMove,
) -> Result<Changed, ApiError> {
    let txn = db.begin().await?;
    let mut record = open(&txn, lead_id).await?;
    let parties = parties(&txn, &record).await?;
    if !permissions::may_work_lead(actor, &parties) {
        return Err(ApiError::Forbidden);
    }
    let current = record.state.status;
    let target = stage_move.target();
    if current == target {
        return Err(ApiError::Conflict(format!(
            "the lead is {} ({target})",
            stage_move.already()
        )));
    }
    current.transition(target)?;
    let event = match stage_move {
        StageMove::Accept => {
            if record.state.owner_id.is_none() {
                return Err(ApiError::bad_input(
                    "id",
                    "the lead waits in a team queue: claim it (claimLead) or assign it (reassignLead) before accepting it",
                ));
            }
            LeadEvent::Accepted
        }
        StageMove::Reject { reason, note } => {
            let reason = active_reason(&txn, &reason, "reasonCode").await?;
            LeadEvent::Rejected {
                reason_code: reason.code,
                note,
                recycle_play: reason.recycle_play,
            }
        }
        StageMove::Qualify { bant } => LeadEvent::Qualified { bant },
        StageMove::Convert { amount } => LeadEvent::Converted {
            amount: amount.map(Amount::value),
        },
        StageMove::Disqualify { reason, note } => {
            let reason = active_reason(&txn, &reason, "reasonCode").await?;
            LeadEvent::Disqualified {
                reason_code: reason.code,
                note,
            }
        }
    };
    let recycled = matches!(event, LeadEvent::Rejected { .. });
    let event_id = append_with_clocks(
        &txn,
        &mut record,
        Recorded {
            event,
            actor_id: Some(actor.user_id),
            occurred_at: now,
        },
        now,
    )
    .await?;
    if recycled {
        crate::handoff::recycle::on_recycled(&txn, &record, event_id, now).await?;
    }
    finish(txn, record).await
}

/// Logs a touch: stamps `firstResponseAt` on the first, and counts for the cadence.
#[tracing::instrument(skip(db, actor, touch), fields(actor = actor.user_id))]
pub async fn log_touch(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    lead_id: i64,
    touch: Touch,
) -> Result<Changed, ApiError> {
    let txn = db.begin().await?;
    let mut record = open(&txn, lead_id).await?;
    ensure_may_work(&txn, actor, &record).await?;
    ensure_open(&record, "log a touch on")?;
    let at = occurred_at(touch.occurred_at, now, &record)?;
    let connected = cadence::touch_connects(touch.channel, &touch.outcome);
    append_with_clocks(
        &txn,
        &mut record,
        Recorded {
            event: LeadEvent::Touch {
                channel: touch.channel,
                outcome: touch.outcome.as_str().to_owned(),
                connected,
            },
            actor_id: Some(actor.user_id),
            occurred_at: at,
        },
        now,
    )
    .await?;
    finish(txn, record).await
}

/// Records an inbound reply from the lead (pauses clocks whose policy says so).
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn lead_responded(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    lead_id: i64,
    occurred: Option<DateTime<Utc>>,
) -> Result<Changed, ApiError> {
    let txn = db.begin().await?;
    let mut record = open(&txn, lead_id).await?;
    ensure_may_work(&txn, actor, &record).await?;
    ensure_open(&record, "record a reply on")?;
    let at = occurred_at(occurred, now, &record)?;
    append_with_clocks(
        &txn,
        &mut record,
        Recorded {
            event: LeadEvent::Responded,
            actor_id: Some(actor.user_id),
            occurred_at: at,
        },
        now,
    )
    .await?;
    finish(txn, record).await
}

/// Moves an open lead to another owner (an active rep or manager), who brings their team.
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn reassign(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    lead_id: i64,
    owner_id: i64,
) -> Result<Changed, ApiError> {
    let txn = db.begin().await?;
    let mut record = open(&txn, lead_id).await?;
    let parties = parties(&txn, &record).await?;
    if !permissions::may_reassign_lead(actor, &parties) {
        return Err(ApiError::Forbidden);
    }
    ensure_open(&record, "reassign")?;
    let target = users::Entity::find_by_id(owner_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input("ownerId", format!("there is no user with id {owner_id}"))
        })?;
    let role = Role::parse(&target.role);
    if !target.active || !matches!(role, Some(Role::Rep | Role::Manager)) {
        return Err(ApiError::bad_input(
            "ownerId",
            format!(
                "{} cannot own leads: the owner must be an active REP or MANAGER",
                target.email
            ),
        ));
    }
    if record.state.owner_id == Some(owner_id) {
        return Err(ApiError::Conflict(format!(
            "the lead is already owned by {}",
            target.email
        )));
    }
    let assignment = Assignment {
        owner_id: Some(owner_id),
        team_id: target.team_id.or(record.state.team_id),
        method: "manual".to_owned(),
        rule: None,
        previous_owner_id: record.state.owner_id,
        detail: None,
    };
    append_with_clocks(
        &txn,
        &mut record,
        Recorded {
            event: LeadEvent::Assigned(assignment),
            actor_id: Some(actor.user_id),
            occurred_at: now,
        },
        now,
    )
    .await?;
    finish(txn, record).await
}

/// The caller takes a lead waiting in their team's queue.
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    lead_id: i64,
) -> Result<Changed, ApiError> {
    let txn = db.begin().await?;
    let mut record = open(&txn, lead_id).await?;
    let parties = parties(&txn, &record).await?;
    let caller = users::Entity::find_by_id(actor.user_id)
        .one(&txn)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !permissions::may_claim_lead(actor, caller.team_id, &parties) {
        return Err(ApiError::Forbidden);
    }
    match record.state.owner_id {
        Some(owner) if owner == actor.user_id => {
            return Err(ApiError::Conflict("you already own this lead".to_owned()));
        }
        Some(_) => {
            return Err(ApiError::Conflict(
                "the lead is already claimed: it has an owner".to_owned(),
            ));
        }
        None => {}
    }
    ensure_open(&record, "claim")?;
    let assignment = Assignment {
        owner_id: Some(actor.user_id),
        team_id: record.state.team_id,
        method: "claim".to_owned(),
        rule: None,
        previous_owner_id: None,
        detail: None,
    };
    append_with_clocks(
        &txn,
        &mut record,
        Recorded {
            event: LeadEvent::Assigned(assignment),
            actor_id: Some(actor.user_id),
            occurred_at: now,
        },
        now,
    )
    .await?;
    finish(txn, record).await
}

/// Appends a lead event, then the SLA transitions it causes (`sla::on_lead_event`), all in the
/// caller's transaction. Returns the id of the lead event.
pub async fn append_with_clocks(
    txn: &impl ConnectionTrait,
    record: &mut LeadRecord,
    recorded: Recorded,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let event = recorded.event.clone();
    let at = recorded.occurred_at;
    let id = record.append(txn, recorded, now).await?;
    for sla in crate::sla::on_lead_event(txn, record, &event, at, now).await? {
        record.append(txn, sla, now).await?;
    }
    Ok(id)
}

/// Loads and locks a lead inside the transaction.
async fn open(txn: &DatabaseTransaction, lead_id: i64) -> Result<LeadRecord, ApiError> {
    let record = LeadRecord::get(txn, lead_id).await?;
    record.lock(txn).await?;
    Ok(record)
}

/// Saves the projection, reads the row back and commits.
async fn finish(txn: DatabaseTransaction, mut record: LeadRecord) -> Result<Changed, ApiError> {
    record.save(&txn).await?;
    let lead = leads::Entity::find_by_id(record.id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("lead {} vanished while saved", record.id))
        })?;
    txn.commit().await?;
    Ok(Changed { lead })
}

/// The owner, team and their managers.
async fn parties(
    conn: &impl ConnectionTrait,
    record: &LeadRecord,
) -> Result<LeadParties, ApiError> {
    let owner_id = record.state.owner_id;
    let team_id = record.state.team_id;
    let team_manager_id = match team_id {
        Some(id) => teams::Entity::find_by_id(id)
            .one(conn)
            .await?
            .and_then(|t| t.manager_id),
        None => None,
    };
    let owner_manager_id = match owner_id {
        Some(id) => users::Entity::find_by_id(id)
            .one(conn)
            .await?
            .and_then(|u| u.manager_id),
        None => None,
    };
    Ok(LeadParties {
        owner_id,
        team_id,
        team_manager_id,
        owner_manager_id,
    })
}

async fn ensure_may_work(
    conn: &impl ConnectionTrait,
    actor: &Principal,
    record: &LeadRecord,
) -> Result<(), ApiError> {
    if permissions::may_work_lead(actor, &parties(conn, record).await?) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Touches, replies, claims and reassignments apply to leads sales is working: MQL, SAL, SQL.
fn ensure_open(record: &LeadRecord, doing: &str) -> Result<(), ApiError> {
    let status = record.state.status;
    if status.is_open() {
        return Ok(());
    }
    Err(ApiError::bad_input(
        "status",
        format!(
            "cannot {doing} a lead in {status}: only MQL, SAL and SQL leads are worked by sales"
        ),
    ))
}

/// When a touch or reply happened: now by default; not in the future (beyond [`CLOCK_SKEW`],
/// within it: now) and not before the lead was created.
fn occurred_at(
    given: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    record: &LeadRecord,
) -> Result<DateTime<Utc>, ApiError> {
    let Some(at) = given else {
        return Ok(now);
    };
    if at > now + CLOCK_SKEW {
        return Err(ApiError::bad_input(
            "occurredAt",
            format!("{at} is in the future (now is {now})"),
        ));
    }
    let at = at.min(now).trunc_subsecs(6);
    if at < record.state.created_at {
        return Err(ApiError::bad_input(
            "occurredAt",
            format!(
                "{at} is before the lead was created ({})",
                record.state.created_at
            ),
        ));
    }
    Ok(at)
}

/// The active rejection reason `code`, or BAD_USER_INPUT on `field` naming the active ones.
async fn active_reason(
    conn: &impl ConnectionTrait,
    code: &Slug,
    field: &str,
) -> Result<rejection_reasons::Model, ApiError> {
    let found = rejection_reasons::Entity::find_by_id(code.as_str())
        .one(conn)
        .await?;
    if let Some(reason) = found.as_ref().filter(|r| r.active) {
        return Ok(reason.clone());
    }
    let active: Vec<String> = rejection_reasons::Entity::find()
        .filter(rejection_reasons::Column::Active.eq(true))
        .order_by_asc(rejection_reasons::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect();
    let problem = if found.is_some() {
        format!("the reason {code} is no longer in use")
    } else {
        format!("there is no reason {code}")
    };
    Err(ApiError::bad_input(
        field,
        format!("{problem}; active reasons: {}", active.join(", ")),
    ))
}
