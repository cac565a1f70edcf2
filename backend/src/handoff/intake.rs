//! Intake: leads and engagement from marketing, scored, qualified and routed on arrival.
//!
//! [`ingest`] takes up to [`MAX_BATCH`] leads. Every item is first checked into domain types
//! ([`validate`]); the good ones are then written in one transaction. A refused item is
//! refused before anything of it is written (a re-sent lead's history is checked against its
//! log first), so there are no savepoints; a database error fails the whole call and writes
//! nothing. The batch writes behind: new leads get reserved ids and their rows, their new SLA
//! clocks and the lead events of the batch are kept in memory and written with multi-row
//! statements by [`Batch::flush`] (before commit, and before anything reads them back); leads
//! that existed before the call are still saved one by one with their version check.
//! Configuration (lead types, scoring rules, the MQL threshold, red-flag lists, users, routing
//! state) is read once per call; existing leads are fetched by `externalId` and open leads by
//! e-mail in chunked `IN` queries.
//!
//! - A known `externalId` updates its lead (an `Updated` event only when a fact changed).
//! - A new `externalId` whose e-mail belongs to an open lead (NEW, MQL, SAL, SQL) is merged into
//!   that lead as an `Engagement` of the item's lead type (re-sending the same item with the same
//!   `occurredAt` merges nothing twice).
//! - Red flags: a free-mail or disposable domain costs points; a competitor's domain
//!   disqualifies the lead with reason `competitor`.
//! - Backfill: the item's `events` are the truth, applied in time order through the stage
//!   machine. Automation (scoring to MQL, routing) then fills in only what the history lacks, at
//!   ingest time.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::{Email, LeadStatus, TouchChannel};
use handoff_shared::lead::{Assignment, Bant, LeadEvent, LeadProfile, MqlReason};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, TransactionTrait as _, TryIntoModel as _,
};
use serde::Deserialize;

use crate::auth::Principal;
use crate::configuration_admin::Slug;
use crate::configuration_admin::values::optional_text;
use crate::entities::{
    lead_events, lead_types, leads, org_settings, rejection_reasons, scoring_rules, users,
};
use crate::error::ApiError;
use crate::handoff::cadence::{TouchOutcome, touch_connects};
use crate::handoff::dedupe::DomainLists;
use crate::handoff::routing::Router;
use crate::handoff::scoring::{self, RedFlag, ScoringRule};
use crate::handoff::stages::CLOCK_SKEW;
use crate::handoff::store::{self, EventBuffer, LeadBuffer, LeadRecord, Recorded};
use crate::sla::SlaContext;

/// Most leads one call takes.
pub const MAX_BATCH: usize = 1_000;
/// The MQL threshold when the organisation has none stored.
pub const DEFAULT_MQL_THRESHOLD: i32 = 75;
/// How many values one `IN (…)` query carries.
const CHUNK: usize = 500;

/// A lead as sent: the GraphQL `LeadInput`, and the JSON of `POST /webhooks/leads` and of the
/// CSV import (camelCase, the same names). Checked by [`validate`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawLead {
    pub external_id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub company_size: Option<i32>,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub lead_type: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub events: Option<Vec<RawLeadEvent>>,
}

/// One history entry of a backfilled lead (the GraphQL `LeadEventInput`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawLeadEvent {
    pub kind: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub owner_email: Option<String>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    /// `CALL`, `EMAIL`, `MEETING`, `SOCIAL`, `SMS`.
    pub channel: Option<String>,
    pub outcome: Option<String>,
    pub engagement: Option<String>,
    pub bant: Option<Bant>,
    pub amount: Option<f64>,
}

/// A checked lead, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLead {
    pub external_id: String,
    pub profile: LeadProfile,
    /// When it happened at the source (not in the future).
    pub occurred_at: DateTime<Utc>,
    /// Whether the source said when (re-sent merges are idempotent only then).
    pub occurred_at_given: bool,
    /// Backfilled history, in time order.
    pub history: Vec<(LeadEvent, DateTime<Utc>)>,
}

/// A refused item: where it was in the batch and what was wrong. `field` is the path inside
/// the item (`email`, `events[1].ownerEmail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub index: usize,
    pub external_id: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

/// What a batch came to.
#[derive(Debug, Clone, Default)]
pub struct IngestOutcome {
    pub created: usize,
    pub updated: usize,
    /// The stored leads in input order, the refused left out.
    pub leads: Vec<leads::Model>,
    pub errors: Vec<ItemError>,
}

/// Engagement as recorded by `recordEngagement`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEngagement {
    pub lead: LeadRef,
    pub engagement: Slug,
    /// None: now.
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Which lead: by id, or the open lead with this e-mail.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadRef {
    Id(i64),
    Email(Email),
}

/// Configuration an intake reads once.
pub struct Catalog {
    lead_types: HashMap<String, lead_types::Model>,
    users_by_email: HashMap<String, users::Model>,
    reasons: HashMap<String, rejection_reasons::Model>,
    rules: Vec<ScoringRule>,
    threshold: i32,
    lists: DomainLists,
}

impl Catalog {
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, ApiError> {
        let lead_types = lead_types::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.key.clone(), t))
            .collect();
        let users_by_email = users::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.email.clone(), u))
            .collect();
        let reasons = rejection_reasons::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.code.clone(), r))
            .collect();
        let rules = ScoringRule::active(
            scoring_rules::Entity::find()
                .order_by_asc(scoring_rules::Column::Id)
                .all(conn)
                .await?,
        );
        let threshold = org_settings::Entity::find_by_id(1)
            .one(conn)
            .await?
            .map_or(DEFAULT_MQL_THRESHOLD, |s| s.mql_threshold);
        let lists = DomainLists::load(conn).await?;
        Ok(Self {
            lead_types,
            users_by_email,
            reasons,
            rules,
            threshold,
            lists,
        })
    }
}

impl Catalog {
    /// Why a lead in `status` scoring `score` becomes an MQL now, if it does: a new lead of an
    /// instant-MQL type, or one at the threshold; a recycled one at the threshold once it
    /// engages again (`engaged`).
    fn mql_reason(
        &self,
        status: LeadStatus,
        lead_type: &str,
        score: i32,
        engaged: bool,
    ) -> Option<MqlReason> {
        let instant = self
            .lead_types
            .get(lead_type)
            .is_some_and(|t| t.instant_mql);
        match status {
            LeadStatus::New if instant => Some(MqlReason::InstantType),
            LeadStatus::New if score >= self.threshold => Some(MqlReason::Threshold),
            LeadStatus::Recycled if engaged && score >= self.threshold => {
                Some(MqlReason::Threshold)
            }
            _ => None,
        }
    }
}

/// What intake would make of a sample lead arriving new: its score line by line and whether it
/// would become an MQL (`preview_score`).
#[derive(Debug, Clone)]
pub struct ScorePreview {
    pub score: scoring::Score,
    /// The organisation's MQL threshold.
    pub threshold: i32,
    pub red_flags: Vec<RedFlag>,
    /// Why it would become an MQL now; None: it would not.
    pub mql: Option<MqlReason>,
    /// A competitor's address: intake disqualifies the lead instead of qualifying it.
    pub disqualified: bool,
}

/// A sample lead checked exactly as intake checks an item (`externalId` may be blank), with the
/// configuration it was checked against. Nothing is written.
pub async fn check_sample(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    mut raw: RawLead,
) -> Result<(Catalog, NewLead), ApiError> {
    if raw.external_id.trim().is_empty() {
        raw.external_id = "preview".to_owned();
    }
    let catalog = Catalog::load(conn).await?;
    let lead = validate(raw, &catalog, now)?;
    Ok((catalog, lead))
}

/// Scores a checked sample lead as [`ingest`] scores a new one (its backfilled engagement
/// counted, red flags applied) and decides on MQL the same way; pure, nothing written.
pub fn preview_score(catalog: &Catalog, lead: &NewLead) -> ScorePreview {
    let red_flags = catalog.lists.flags(lead.profile.email_domain());
    let mut counts: HashMap<String, i32> = HashMap::new();
    let mut status = LeadStatus::New;
    let mut engaged = false;
    for (event, _) in &lead.history {
        if let LeadEvent::Engagement { engagement } = event {
            *counts.entry(engagement.clone()).or_insert(0) += 1;
            engaged = true;
        }
        if let Some(next) = event.target_status() {
            status = next;
        }
    }
    let disqualified =
        red_flags.contains(&RedFlag::Competitor) && status.can_move_to(LeadStatus::Disqualified);
    if disqualified {
        status = LeadStatus::Disqualified;
    }
    let score = scoring::score(&catalog.rules, &lead.profile, &red_flags, &counts);
    let mql = catalog.mql_reason(status, &lead.profile.lead_type, score.total, engaged);
    ScorePreview {
        score,
        threshold: catalog.threshold,
        red_flags,
        mql,
        disqualified,
    }
}

fn text(raw: Option<&str>, field: &str) -> Result<Option<String>, FieldError> {
    optional_text(raw).map_err(|e| e.within(field))
}

/// Reads a client's instant: not in the future beyond [`CLOCK_SKEW`] (within it: now).
fn instant(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    field: &str,
) -> Result<DateTime<Utc>, FieldError> {
    if at > now + CLOCK_SKEW {
        return Err(FieldError::new(
            field,
            format!("{} is in the future", at.to_rfc3339()),
        ));
    }
    Ok(at.min(now))
}

/// Checks one item into a [`NewLead`]; errors name the field inside the item.
pub fn validate(
    raw: RawLead,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<NewLead, FieldError> {
    let external_id = raw.external_id.trim().to_owned();
    if external_id.is_empty() {
        return Err(FieldError::new("externalId", "is required"));
    }
    if external_id.chars().count() > 200 {
        return Err(FieldError::new(
            "externalId",
            "must be at most 200 characters",
        ));
    }
    let email = Email::parse(&raw.email)?;
    let lead_type = Slug::parse(&raw.lead_type).map_err(|e| e.within("leadType"))?;
    match catalog.lead_types.get(lead_type.as_str()) {
        Some(t) if t.active => {}
        Some(_) => {
            return Err(FieldError::new(
                "leadType",
                format!("the lead type {lead_type} is no longer in use"),
            ));
        }
        None => {
            return Err(FieldError::new(
                "leadType",
                format!(
                    "there is no lead type {lead_type:?}",
                    lead_type = lead_type.as_str()
                ),
            ));
        }
    }
    if raw.company_size.is_some_and(|size| size < 0) {
        return Err(FieldError::new("companySize", "must be 0 or more"));
    }
    let profile = LeadProfile {
        email: email.into_inner(),
        first_name: text(raw.first_name.as_deref(), "firstName")?,
        last_name: text(raw.last_name.as_deref(), "lastName")?,
        title: text(raw.title.as_deref(), "title")?,
        phone: text(raw.phone.as_deref(), "phone")?,
        company: text(raw.company.as_deref(), "company")?,
        company_size: raw.company_size,
        industry: text(raw.industry.as_deref(), "industry")?,
        country: text(raw.country.as_deref(), "country")?,
        region: text(raw.region.as_deref(), "region")?,
        source: text(raw.source.as_deref(), "source")?,
        campaign: text(raw.campaign.as_deref(), "campaign")?,
        lead_type: lead_type.into_inner(),
    };
    let occurred_at_given = raw.occurred_at.is_some();
    let occurred_at = instant(raw.occurred_at.unwrap_or(now), now, "occurredAt")?;
    let mut events = Vec::new();
    for (index, event) in raw.events.unwrap_or_default().into_iter().enumerate() {
        let field = format!("events[{index}]");
        events.push((
            index,
            history_event(event, catalog, now).map_err(|e| e.within(&field))?,
        ));
    }
    // Time order; equal instants keep the order sent.
    events.sort_by_key(|(index, (_, at))| (*at, *index));
    let mut status = LeadStatus::New;
    let mut owned = false;
    for (index, (event, _)) in &events {
        check_step(status, owned, event).map_err(|e| e.within(&format!("events[{index}]")))?;
        if let Some(next) = event.target_status() {
            status = next;
        }
        if let LeadEvent::Assigned(a) = event {
            owned = a.owner_id.is_some();
        }
    }
    let first = events.first().map(|(_, (_, at))| *at);
    Ok(NewLead {
        external_id,
        profile,
        occurred_at: first.map_or(occurred_at, |first| first.min(occurred_at)),
        occurred_at_given,
        history: events.into_iter().map(|(_, event)| event).collect(),
    })
}

/// Whether `event` may follow a lead in `status` (owned or not), as the stage machine says.
fn check_step(status: LeadStatus, owned: bool, event: &LeadEvent) -> Result<(), FieldError> {
    if let Some(next) = event.target_status() {
        status
            .transition(next)
            .map_err(|e| FieldError::new("kind", e.message))?;
    }
    if matches!(event, LeadEvent::Accepted) && !owned {
        return Err(FieldError::new(
            "kind",
            "accepted needs an owner: put an assigned event (with ownerEmail) before it",
        ));
    }
    Ok(())
}

fn required<'a>(value: Option<&'a str>, field: &str, kind: &str) -> Result<&'a str, FieldError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FieldError::new(field, format!("is required for a {kind} event")))
}

fn reason(
    raw: Option<&str>,
    kind: &str,
    catalog: &Catalog,
) -> Result<rejection_reasons::Model, FieldError> {
    let code = required(raw, "reasonCode", kind)?;
    catalog
        .reasons
        .get(code)
        .cloned()
        .ok_or_else(|| FieldError::new("reasonCode", format!("there is no reason {code:?}")))
}

/// One backfilled event in domain terms.
fn history_event(
    raw: RawLeadEvent,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> Result<(LeadEvent, DateTime<Utc>), FieldError> {
    let at = raw
        .occurred_at
        .ok_or_else(|| FieldError::new("occurredAt", "is required"))?;
    let at = instant(at, now, "occurredAt")?;
    let kind = raw.kind.trim();
    let note = text(raw.note.as_deref(), "note")?;
    let event = match kind {
        "engagement" => {
            let engagement = required(raw.engagement.as_deref(), "engagement", kind)?;
            let engagement = Slug::parse(engagement).map_err(|e| e.within("engagement"))?;
            LeadEvent::Engagement {
                engagement: engagement.into_inner(),
            }
        }
        "mql" => LeadEvent::Mql {
            reason: MqlReason::History,
            score: 0,
        },
        "assigned" => {
            let email = required(raw.owner_email.as_deref(), "ownerEmail", kind)?;
            let email =
                Email::parse(email).map_err(|e| FieldError::new("ownerEmail", e.message))?;
            let user = catalog.users_by_email.get(email.as_str()).ok_or_else(|| {
                FieldError::new("ownerEmail", format!("there is no user {email}"))
            })?;
            LeadEvent::Assigned(Assignment {
                owner_id: Some(user.id),
                team_id: user.team_id,
                method: "history".to_owned(),
                rule: None,
                previous_owner_id: None,
                detail: None,
            })
        }
        "accepted" => LeadEvent::Accepted,
        "rejected" => {
            let reason = reason(raw.reason_code.as_deref(), kind, catalog)?;
            LeadEvent::Rejected {
                reason_code: reason.code,
                note,
                recycle_play: reason.recycle_play,
            }
        }
        "touch" => {
            let channel = required(raw.channel.as_deref(), "channel", kind)?;
            let channel = TouchChannel::parse(&channel.to_uppercase()).ok_or_else(|| {
                FieldError::new(
                    "channel",
                    format!("{channel:?} is not one of CALL, EMAIL, MEETING, SOCIAL, SMS"),
                )
            })?;
            let outcome = required(raw.outcome.as_deref(), "outcome", kind)?;
            let outcome = TouchOutcome::parse(outcome).map_err(|e| e.within("outcome"))?;
            LeadEvent::Touch {
                channel,
                connected: touch_connects(channel, &outcome),
                outcome: outcome.as_str().to_owned(),
            }
        }
        "responded" => LeadEvent::Responded,
        "qualified" => LeadEvent::Qualified {
            bant: raw
                .bant
                .ok_or_else(|| FieldError::new("bant", "is required for a qualified event"))?,
        },
        "converted" => {
            if raw.amount.is_some_and(|a| !a.is_finite() || a < 0.0) {
                return Err(FieldError::new("amount", "must be a number of at least 0"));
            }
            LeadEvent::Converted { amount: raw.amount }
        }
        "disqualified" => LeadEvent::Disqualified {
            reason_code: reason(raw.reason_code.as_deref(), kind, catalog)?.code,
            note,
        },
        "recycled" => LeadEvent::Recycled {
            reason_code: reason(raw.reason_code.as_deref(), kind, catalog)?.code,
            note,
            automatic: false,
        },
        other => {
            return Err(FieldError::new(
                "kind",
                format!(
                    "{other:?} is not one of engagement, mql, assigned, accepted, rejected, touch, responded, qualified, converted, disqualified, recycled"
                ),
            ));
        }
    };
    Ok((event, at))
}

/// A lead being changed in this transaction, with what scoring needs of its past.
struct Work {
    record: LeadRecord,
    external_id: String,
    /// Engagement events: kind and when.
    engagements: Vec<(String, DateTime<Utc>)>,
    /// An engagement arrived in this change (a recycled lead may qualify again).
    engaged: bool,
}

impl Work {
    fn counts(&self) -> HashMap<String, i32> {
        let mut counts = HashMap::new();
        for (kind, _) in &self.engagements {
            *counts.entry(kind.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// Appends an event and the SLA transitions it causes.
    async fn append(
        &mut self,
        txn: &impl ConnectionTrait,
        batch: &mut Batch,
        event: LeadEvent,
        actor_id: Option<i64>,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if let LeadEvent::Engagement { engagement } = &event {
            self.engagements.push((engagement.clone(), at));
            self.engaged = true;
        }
        let recorded = Recorded {
            event: event.clone(),
            actor_id,
            occurred_at: at,
        };
        self.record
            .append_buffered(&mut batch.events, recorded, now);
        for clock in
            crate::sla::on_lead_event_with(&mut batch.sla, txn, &self.record, &event, at, now)
                .await?
        {
            self.record.append_buffered(&mut batch.events, clock, now);
        }
        Ok(())
    }
}

/// What a call shares between its leads: routing state, the SLA policies and calendars, and
/// what it writes behind (new leads, their new clocks, events).
pub struct Batch {
    router: Router,
    sla: SlaContext,
    events: EventBuffer,
    leads: LeadBuffer,
    /// How many leads the call may still create (ids are reserved that many at once).
    creatable: usize,
    /// Each user's team, to tell which reps' open-lead counts the router has read already.
    user_teams: HashMap<i64, Option<i64>>,
    /// Teams whose members' open-lead counts the router has read in this transaction (it reads
    /// them once, when it first picks in the team, and keeps count in memory after).
    counted_teams: HashSet<i64>,
}

impl Batch {
    fn new(router: Router, sla: SlaContext, catalog: &Catalog, creatable: usize) -> Self {
        Self {
            router,
            sla,
            events: EventBuffer::new(),
            leads: LeadBuffer::new(),
            creatable,
            user_teams: catalog
                .users_by_email
                .values()
                .map(|u| (u.id, u.team_id))
                .collect(),
            counted_teams: HashSet::new(),
        }
    }

    /// Writes everything held back, in foreign-key order: leads, then their SLA clocks, then
    /// lead events.
    async fn flush(&mut self, txn: &impl ConnectionTrait) -> Result<(), ApiError> {
        self.leads.flush(txn).await?;
        self.sla.flush(txn).await?;
        self.events.flush(txn).await
    }

    /// The last flush, before commit: also gives back the ids reserved and not used.
    async fn finish(&mut self, txn: &impl ConnectionTrait) -> Result<(), ApiError> {
        self.flush(txn).await?;
        self.leads.release_ids(txn).await?;
        self.sla.release_ids(txn).await
    }

    /// Routing counts the open leads of reps it has not counted yet in the database: write the
    /// held-back leads first when one of them changes such a count.
    async fn before_routing(&mut self, txn: &impl ConnectionTrait) -> Result<(), ApiError> {
        if self.leads.is_empty() {
            return Ok(());
        }
        let uncounted = self.leads.owners_unwritten().into_iter().any(|owner| {
            !self
                .user_teams
                .get(&owner)
                .copied()
                .flatten()
                .is_some_and(|team| self.counted_teams.contains(&team))
        });
        if uncounted {
            self.leads.flush(txn).await?;
        }
        Ok(())
    }

    /// Notes what a routing decision read: picking a rep in a team (round robin, load balanced,
    /// fallback) counted the open leads of all its members.
    fn routed(&mut self, assignment: &Assignment) {
        let picked_in_team = matches!(
            assignment.method.as_str(),
            "round_robin" | "load_balanced" | "fallback"
        );
        if picked_in_team
            && assignment.owner_id.is_some()
            && let Some(team) = assignment.team_id
        {
            self.counted_teams.insert(team);
        }
    }
}

/// Scores the lead, qualifies it when it earned it, and routes a new MQL: the steps the lead's
/// history does not already contain.
async fn automate(
    txn: &impl ConnectionTrait,
    work: &mut Work,
    catalog: &Catalog,
    batch: &mut Batch,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let state = &work.record.state;
    let flags: Vec<RedFlag> = catalog.lists.flags(state.profile.email_domain());
    let score = scoring::score(&catalog.rules, &state.profile, &flags, &work.counts());
    if score.total != state.score || score.breakdown != state.score_breakdown {
        let event = LeadEvent::Scored {
            score: score.total,
            breakdown: score.breakdown,
        };
        work.append(txn, batch, event, actor_id, now, now).await?;
    }
    let state = &work.record.state;
    let reason = catalog.mql_reason(
        state.status,
        &state.profile.lead_type,
        state.score,
        work.engaged,
    );
    if let Some(reason) = reason {
        let score = state.score;
        work.append(
            txn,
            batch,
            LeadEvent::Mql { reason, score },
            actor_id,
            now,
            now,
        )
        .await?;
    }
    let state = &work.record.state;
    // A lead that just qualified (again, after recycling) is routed afresh; one that was an MQL
    // already is routed only if it has neither owner nor queue (backfilled history without one).
    let unrouted = reason.is_some() || (state.owner_id.is_none() && state.team_id.is_none());
    if state.status == LeadStatus::Mql && unrouted {
        batch.before_routing(txn).await?;
        let assignment = batch.router.decide(txn, &state.profile).await?;
        batch.routed(&assignment);
        batch
            .router
            .remember_owner(state.profile.email_domain(), assignment.owner_id);
        work.append(
            txn,
            batch,
            LeadEvent::Assigned(assignment),
            actor_id,
            now,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Engagement events of `lead_ids`, by lead.
async fn engagements_of(
    conn: &impl ConnectionTrait,
    lead_ids: &[i64],
) -> Result<HashMap<i64, Vec<(String, DateTime<Utc>)>>, ApiError> {
    let mut out: HashMap<i64, Vec<(String, DateTime<Utc>)>> = HashMap::new();
    for chunk in lead_ids.chunks(CHUNK) {
        let rows: Vec<(i64, String, DateTime<Utc>)> = lead_events::Entity::find()
            .select_only()
            .column(lead_events::Column::LeadId)
            .column(lead_events::Column::Payload)
            .column(lead_events::Column::OccurredAt)
            .filter(lead_events::Column::LeadId.is_in(chunk.iter().copied()))
            .filter(lead_events::Column::Kind.eq("engagement"))
            .into_tuple()
            .all(conn)
            .await?;
        for (lead_id, payload, at) in rows {
            if let Ok(LeadEvent::Engagement { engagement }) =
                LeadEvent::from_stored("engagement", &payload)
            {
                out.entry(lead_id).or_default().push((engagement, at));
            }
        }
    }
    Ok(out)
}

fn open_for_dedupe() -> Vec<&'static str> {
    [
        LeadStatus::New,
        LeadStatus::Mql,
        LeadStatus::Sal,
        LeadStatus::Sql,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect()
}

/// What happened to one item.
enum Done {
    Created(leads::Model),
    Updated(leads::Model),
    /// Refused before anything of it was written (its history breaks the stage machine).
    Refused(ApiError),
}

/// Ingests a batch as `actor` (see the module documentation).
#[tracing::instrument(skip(db, actor, items), fields(actor = actor.user_id, items = items.len()))]
pub async fn ingest(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    items: Vec<RawLead>,
) -> Result<IngestOutcome, ApiError> {
    if items.len() > MAX_BATCH {
        return Err(ApiError::bad_input(
            "leads",
            format!(
                "at most {MAX_BATCH} leads a call, not {}; send them in batches",
                items.len()
            ),
        ));
    }
    let mut outcome = IngestOutcome::default();
    if items.is_empty() {
        return Ok(outcome);
    }
    let txn = db.begin().await?;
    let catalog = Catalog::load(&txn).await?;
    let mut good: Vec<(usize, NewLead)> = Vec::with_capacity(items.len());
    for (index, raw) in items.into_iter().enumerate() {
        let external_id = Some(raw.external_id.trim().to_owned()).filter(|e| !e.is_empty());
        match validate(raw, &catalog, now) {
            Ok(lead) => good.push((index, lead)),
            Err(error) => outcome.errors.push(ItemError {
                index,
                external_id,
                field: Some(error.field),
                message: error.message,
            }),
        }
    }

    // What exists already: leads by external id, open leads by e-mail.
    let mut by_external: HashMap<String, leads::Model> = HashMap::new();
    let external_ids: Vec<String> = good.iter().map(|(_, l)| l.external_id.clone()).collect();
    for chunk in external_ids.chunks(CHUNK) {
        for row in leads::Entity::find()
            .filter(leads::Column::ExternalId.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await?
        {
            by_external.insert(row.external_id.clone(), row);
        }
    }
    let mut open_by_email: HashMap<String, leads::Model> = HashMap::new();
    let emails: Vec<String> = good
        .iter()
        .filter(|(_, l)| !by_external.contains_key(&l.external_id))
        .map(|(_, l)| l.profile.email.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in emails.chunks(CHUNK) {
        for row in leads::Entity::find()
            .filter(leads::Column::Email.is_in(chunk.iter().cloned()))
            .filter(leads::Column::Status.is_in(open_for_dedupe()))
            .order_by_asc(leads::Column::Id)
            .all(&txn)
            .await?
        {
            open_by_email.entry(row.email.clone()).or_insert(row);
        }
    }
    let known: Vec<i64> = by_external
        .values()
        .chain(open_by_email.values())
        .map(|m| m.id)
        .collect();
    let mut past_engagements = engagements_of(&txn, &known).await?;

    // At most one new lead per unknown external id (fewer when e-mails merge).
    let creatable = good
        .iter()
        .filter(|(_, l)| {
            !by_external.contains_key(&l.external_id)
                && !open_by_email.contains_key(&l.profile.email)
        })
        .map(|(_, l)| l.external_id.as_str())
        .collect::<HashSet<_>>()
        .len();
    let mut batch = Batch::new(
        Router::load(&txn, catalog.lists.generic()).await?,
        SlaContext::write_behind(),
        &catalog,
        creatable,
    );
    batch
        .router
        .prefetch_domains(
            &txn,
            good.iter()
                .map(|(_, l)| l.profile.email_domain().to_owned()),
        )
        .await?;
    // Leads this batch wrote, by external id and open e-mail: later items see earlier ones.
    let mut written: HashMap<String, i64> = HashMap::new();
    let mut written_email: HashMap<String, i64> = HashMap::new();
    // Their rows as last written (or held back), by id.
    let mut models: HashMap<i64, leads::Model> = HashMap::new();
    let actor_id = Some(actor.user_id);
    for (index, lead) in good {
        let external_id = lead.external_id.clone();
        let done = ingest_one(
            &txn,
            now,
            actor_id,
            lead,
            &catalog,
            &mut batch,
            &by_external,
            &open_by_email,
            &written,
            &written_email,
            &models,
            &mut past_engagements,
        )
        .await?;
        if let Done::Created(model) | Done::Updated(model) = &done {
            written.insert(external_id.clone(), model.id);
            let status = LeadStatus::parse(&model.status);
            if status.is_some_and(|s| s == LeadStatus::New || s.is_open()) {
                written_email.insert(model.email.clone(), model.id);
            }
            models.insert(model.id, model.clone());
        }
        match done {
            Done::Created(model) => {
                outcome.created += 1;
                outcome.leads.push(model);
            }
            Done::Updated(model) => {
                outcome.updated += 1;
                outcome.leads.push(model);
            }
            Done::Refused(error) => {
                let parts = error.into_parts();
                outcome.errors.push(ItemError {
                    index,
                    external_id: Some(external_id),
                    field: parts.field,
                    message: parts.message,
                });
            }
        }
    }
    batch.router.save(&txn, now).await?;
    batch.finish(&txn).await?;
    txn.commit().await?;
    outcome.errors.sort_by_key(|e| e.index);
    tracing::info!(
        created = outcome.created,
        updated = outcome.updated,
        refused = outcome.errors.len(),
        "leads ingested"
    );
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
async fn ingest_one(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor_id: Option<i64>,
    lead: NewLead,
    catalog: &Catalog,
    batch: &mut Batch,
    by_external: &HashMap<String, leads::Model>,
    open_by_email: &HashMap<String, leads::Model>,
    written: &HashMap<String, i64>,
    written_email: &HashMap<String, i64>,
    models: &HashMap<i64, leads::Model>,
    past: &mut HashMap<i64, Vec<(String, DateTime<Utc>)>>,
) -> Result<Done, ApiError> {
    // 1. A known external id: update.
    let existing = match written.get(&lead.external_id) {
        Some(id) => Some(written_model(models, *id)?),
        None => by_external.get(&lead.external_id).cloned(),
    };
    if let Some(model) = existing {
        let external_id = model.external_id.clone();
        let record = LeadRecord::from_model(model)?;
        let engagements = past.remove(&record.id).unwrap_or_default();
        let mut work = Work {
            record,
            external_id,
            engagements,
            engaged: false,
        };
        let history = match unlogged_history(txn, batch, &work.record, &lead.history).await? {
            Ok(history) => history,
            Err(refused) => return Ok(Done::Refused(refused)),
        };
        update_existing(txn, &mut work, lead.profile, history, batch, actor_id, now).await?;
        automate(txn, &mut work, catalog, batch, actor_id, now).await?;
        return finish(txn, work, batch, past).await.map(Done::Updated);
    }
    // 2. A new external id with the e-mail of an open lead: merge as engagement.
    let open = match written_email.get(&lead.profile.email) {
        Some(id) => Some(written_model(models, *id)?),
        None => open_by_email.get(&lead.profile.email).cloned(),
    };
    if let Some(model) = open {
        let external_id = model.external_id.clone();
        let record = LeadRecord::from_model(model)?;
        let engagements = past.remove(&record.id).unwrap_or_default();
        let mut work = Work {
            record,
            external_id,
            engagements,
            engaged: false,
        };
        let kind = lead.profile.lead_type.clone();
        let repeated = lead.occurred_at_given
            && work
                .engagements
                .iter()
                .any(|(k, at)| *k == kind && *at == lead.occurred_at);
        if !repeated {
            work.append(
                txn,
                batch,
                LeadEvent::Engagement { engagement: kind },
                actor_id,
                lead.occurred_at,
                now,
            )
            .await?;
        }
        automate(txn, &mut work, catalog, batch, actor_id, now).await?;
        return finish(txn, work, batch, past).await.map(Done::Updated);
    }
    // 3. A new lead.
    let record = batch
        .leads
        .create(
            txn,
            &mut batch.events,
            batch.creatable,
            lead.profile.clone(),
            &lead.external_id,
            actor_id,
            lead.occurred_at,
            now,
        )
        .await?;
    batch.creatable = batch.creatable.saturating_sub(1);
    batch.sla.lead_created(record.id);
    let mut work = Work {
        record,
        external_id: lead.external_id.clone(),
        engagements: Vec::new(),
        engaged: false,
    };
    let domain = lead.profile.email_domain().to_owned();
    let flags = catalog.lists.flags(&domain);
    for flag in &flags {
        let detail = match flag {
            RedFlag::FreeMail => format!("{domain} is a free-mail domain"),
            RedFlag::Disposable => format!("{domain} is a disposable-address domain"),
            RedFlag::Competitor => format!("{domain} belongs to a competitor"),
        };
        let event = LeadEvent::RedFlag {
            flag: flag.as_str().to_owned(),
            detail,
        };
        work.append(txn, batch, event, actor_id, lead.occurred_at, now)
            .await?;
    }
    let backfilled = !lead.history.is_empty();
    for (event, at) in lead.history {
        work.append(txn, batch, event, actor_id, at, now).await?;
    }
    if backfilled {
        // Thresholds passed between the last backfilled event and now: logged, never notified.
        for clock in crate::sla::settle_with(&mut batch.sla, txn, &work.record, now).await? {
            work.record.append_buffered(&mut batch.events, clock, now);
        }
    }
    if flags.contains(&RedFlag::Competitor)
        && work
            .record
            .state
            .status
            .can_move_to(LeadStatus::Disqualified)
    {
        let event = LeadEvent::Disqualified {
            reason_code: "competitor".to_owned(),
            note: Some(format!("{domain} is on the competitor list")),
        };
        work.append(
            txn,
            batch,
            event,
            actor_id,
            now.max(work.record.state.updated_at),
            now,
        )
        .await?;
    }
    automate(txn, &mut work, catalog, batch, actor_id, now).await?;
    finish(txn, work, batch, past).await.map(Done::Created)
}

/// The entries of a re-sent lead's history not yet in its log, checked through the stage
/// machine from the lead's state: `Err` (the item is refused, nothing of it written) when one
/// may not follow. Checked before anything is written, since a batch has no savepoints.
async fn unlogged_history(
    txn: &impl ConnectionTrait,
    batch: &mut Batch,
    record: &LeadRecord,
    history: &[(LeadEvent, DateTime<Utc>)],
) -> Result<Result<Vec<(LeadEvent, DateTime<Utc>)>, ApiError>, ApiError> {
    if history.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    // The log read back must hold what this batch wrote to the lead.
    batch.flush(txn).await?;
    let logged: HashSet<(String, DateTime<Utc>)> = store::history(txn, record.id)
        .await?
        .into_iter()
        .map(|e| (e.kind, e.occurred_at))
        .collect();
    // `Updated` and SLA events move neither status nor owner: the history alone decides.
    let mut state = record.state.clone();
    let mut pending = Vec::new();
    for (index, (event, at)) in history.iter().enumerate() {
        if logged.contains(&(event.kind().to_owned(), *at)) {
            continue;
        }
        if let Err(e) = check_step(state.status, state.owner_id.is_some(), event) {
            return Ok(Err(ApiError::from(e.within(&format!("events[{index}]")))));
        }
        state.apply(event, *at);
        pending.push((event.clone(), *at));
    }
    Ok(Ok(pending))
}

/// A re-sent lead: new facts become an `Updated` event; the history entries not yet in the log
/// (see [`unlogged_history`]) are appended.
async fn update_existing(
    txn: &impl ConnectionTrait,
    work: &mut Work,
    profile: LeadProfile,
    history: Vec<(LeadEvent, DateTime<Utc>)>,
    batch: &mut Batch,
    actor_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if work.record.state.profile != profile {
        let event = LeadEvent::Updated { profile };
        work.append(txn, batch, event, actor_id, now, now).await?;
    }
    for (event, at) in history {
        work.append(txn, batch, event, actor_id, at, now).await?;
    }
    Ok(())
}

/// Saves the projection (a lead created in this batch: holds its row back for the flush) and
/// returns the row as written.
async fn finish(
    txn: &impl ConnectionTrait,
    mut work: Work,
    batch: &mut Batch,
    past: &mut HashMap<i64, Vec<(String, DateTime<Utc>)>>,
) -> Result<leads::Model, ApiError> {
    if batch.leads.created(work.record.id) {
        batch.leads.stage(&work.record, &work.external_id);
    } else {
        work.record.save(txn).await?;
    }
    past.insert(work.record.id, work.engagements);
    model_of(&work.record, work.external_id)
}

/// The row of a lead this batch wrote, as it wrote it.
fn written_model(models: &HashMap<i64, leads::Model>, id: i64) -> Result<leads::Model, ApiError> {
    models
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("lead {id} vanished during intake")))
}

fn model_of(record: &LeadRecord, external_id: String) -> Result<leads::Model, ApiError> {
    let mut row = store::active_model(&record.state);
    row.id = sea_orm::Set(record.id);
    row.external_id = sea_orm::Set(external_id);
    row.try_into_model().map_err(ApiError::from)
}

/// Records engagement on a lead (by id, or the open lead with the e-mail): rescored, qualified
/// when it crosses the threshold, routed when it became an MQL.
#[tracing::instrument(skip(db, actor), fields(actor = actor.user_id))]
pub async fn record_engagement(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    input: NewEngagement,
) -> Result<leads::Model, ApiError> {
    let at = match input.occurred_at {
        Some(at) => instant(at, now, "occurredAt")?,
        None => now,
    };
    let txn = db.begin().await?;
    let model = match &input.lead {
        LeadRef::Id(id) => leads::Entity::find_by_id(*id)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no lead with id {id}")))?,
        LeadRef::Email(email) => leads::Entity::find()
            .filter(leads::Column::Email.eq(email.as_str()))
            .filter(leads::Column::Status.is_in(open_for_dedupe()))
            .order_by_asc(leads::Column::Id)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no open lead with e-mail {email}")))?,
    };
    let external_id = model.external_id.clone();
    let record = LeadRecord::from_model(model)?;
    record.lock(&txn).await?;
    let catalog = Catalog::load(&txn).await?;
    let engagements = engagements_of(&txn, &[record.id])
        .await?
        .remove(&record.id)
        .unwrap_or_default();
    let mut work = Work {
        record,
        external_id,
        engagements,
        engaged: false,
    };
    let actor_id = Some(actor.user_id);
    let mut batch = Batch::new(
        Router::load(&txn, catalog.lists.generic()).await?,
        SlaContext::new(),
        &catalog,
        0,
    );
    let event = LeadEvent::Engagement {
        engagement: input.engagement.into_inner(),
    };
    work.append(&txn, &mut batch, event, actor_id, at, now)
        .await?;
    automate(&txn, &mut work, &catalog, &mut batch, actor_id, now).await?;
    batch.router.save(&txn, now).await?;
    let mut past = HashMap::new();
    let model = finish(&txn, work, &mut batch, &mut past).await?;
    batch.finish(&txn).await?;
    txn.commit().await?;
    Ok(model)
}
