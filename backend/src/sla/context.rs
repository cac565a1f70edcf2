//! What clocks are computed from: SLA policies and business calendars, read once per
//! [`SlaContext`] and cached, so that intake of 1,000 leads does not read them 1,000 times.
//! A batch writer's context also holds the clocks it writes behind ([`SlaContext::write_behind`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use handoff_shared::domain::{SlaKind, SlaStartOn};
use handoff_shared::sla::{BusinessCalendar, CalendarSpec};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};

use super::clock::TrackedClock;
use crate::configuration_admin::sla_policies::stored_notify_percents;
use crate::entities::{business_calendars, org_settings, sla_clocks, sla_policies, teams, users};
use crate::error::ApiError;
use crate::handoff::store::{IdReserve, MAX_BIND_VALUES};

/// Ids reserved at once for new clocks of a write-behind batch.
const CLOCK_IDS: usize = 256;

/// A stored SLA policy, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: i64,
    pub lead_type: String,
    pub kind: SlaKind,
    pub target_seconds: i64,
    /// Overrides the owner's, team's and organisation's calendar when set.
    pub calendar_id: Option<i64>,
    pub start_on: SlaStartOn,
    /// The at-risk percentages, ascending, then 100 (the breach): every instant a clock of this
    /// policy records.
    pub thresholds: Vec<u32>,
    pub pause_on_response: bool,
    /// Breach notifies the owner's manager (else only the rep).
    pub escalate_to_manager: bool,
    /// Breach takes the lead from its owner: the next rep of the team, or the team's queue.
    pub reassign_on_breach: bool,
    pub active: bool,
}

impl Policy {
    pub fn from_model(row: &sla_policies::Model) -> Result<Self, ApiError> {
        let corrupt = |what: &str| {
            ApiError::internal(anyhow::anyhow!(
                "sla_policies row {} holds an unknown {what}",
                row.id
            ))
        };
        let mut thresholds: Vec<u32> = stored_notify_percents(row)?
            .into_iter()
            .filter_map(|p| u32::try_from(p).ok())
            .filter(|p| (1..100).contains(p))
            .collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        thresholds.push(100);
        Ok(Self {
            id: row.id,
            lead_type: row.lead_type.clone(),
            kind: SlaKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
            target_seconds: row.target_seconds,
            calendar_id: row.calendar_id,
            start_on: SlaStartOn::parse(&row.start_on).ok_or_else(|| corrupt("start_on"))?,
            thresholds,
            pause_on_response: row.pause_on_response,
            escalate_to_manager: row.escalate_to_manager,
            reassign_on_breach: row.reassign_on_breach,
            active: row.active,
        })
    }
}

/// A user's own calendar and team.
#[derive(Debug, Clone, Copy)]
struct UserPlace {
    calendar_id: Option<i64>,
    team_id: Option<i64>,
}

/// Policies and calendars for the SLA hook, cached for the life of one transaction (or one
/// batch). Configuration does not change under a transaction, so nothing here goes stale.
/// Lead data (clocks) is held only by a write-behind context, and only clocks it has not
/// written yet.
#[derive(Debug, Default)]
pub struct SlaContext {
    /// Set by [`SlaContext::write_behind`].
    pub(super) pending: Option<PendingClocks>,
    policies: Option<HashMap<i64, Arc<Policy>>>,
    calendars: HashMap<i64, BusinessCalendar>,
    /// User id -> their calendar and team; `None` for an unknown user.
    users: HashMap<i64, Option<UserPlace>>,
    /// Team id -> calendar.
    teams: HashMap<i64, Option<i64>>,
    org_default: Option<Option<i64>>,
    /// Set by [`SlaContext::preload_clocks`]: the stored clocks of leads not read yet.
    preloaded: HashMap<i64, Vec<sla_clocks::Model>>,
    /// What the notifications of thresholds read (and, for a batch, the rows held back).
    pub notify: crate::notify::sla::Lookups,
}

/// The clocks a write-behind context has not written yet.
#[derive(Debug)]
pub(super) struct PendingClocks {
    /// Leads created in this transaction and not flushed since: they have no stored clocks,
    /// so every clock they have is in `clocks`.
    pub(super) fresh: HashSet<i64>,
    /// New clocks (with reserved ids) by lead, in the order the lead's clocks are read.
    pub(super) clocks: HashMap<i64, Vec<TrackedClock>>,
    pub(super) ids: IdReserve,
}

impl SlaContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// A context for a batch writer: a new clock gets a reserved id and its row is written by
    /// [`SlaContext::flush`] (multi-row INSERTs) instead of at once, and the clocks of leads
    /// marked with [`SlaContext::lead_created`] are not read from the database (they have none
    /// there). Clocks read from the database are still updated at once. Flush before anything
    /// reads `sla_clocks` other than this context, and before commit; the leads the clocks
    /// belong to must be written first.
    pub fn write_behind() -> Self {
        Self {
            pending: Some(PendingClocks {
                fresh: HashSet::new(),
                clocks: HashMap::new(),
                ids: IdReserve::new("sla_clocks"),
            }),
            ..Self::default()
        }
    }

    /// Tells a write-behind context that the lead was created in this transaction and has no
    /// clocks yet (no effect on other contexts).
    pub fn lead_created(&mut self, lead_id: i64) {
        if let Some(pending) = &mut self.pending {
            pending.fresh.insert(lead_id);
        }
    }

    /// Reads the stored clocks of `lead_ids` in one query, for a batch that settles them: the
    /// first time the hook reads a lead's clocks it takes them from here instead of the
    /// database (later reads go to the database, which then holds the hook's own writes).
    pub async fn preload_clocks(
        &mut self,
        conn: &impl ConnectionTrait,
        lead_ids: &[i64],
    ) -> Result<(), ApiError> {
        for chunk in lead_ids.chunks(MAX_BIND_VALUES) {
            for &id in chunk {
                self.preloaded.entry(id).or_default();
            }
            let rows = sla_clocks::Entity::find()
                .filter(sla_clocks::Column::LeadId.is_in(chunk.iter().copied()))
                .order_by_asc(sla_clocks::Column::LeadId)
                .order_by_asc(sla_clocks::Column::StartedAt)
                .order_by_asc(sla_clocks::Column::Id)
                .all(conn)
                .await?;
            for row in rows {
                self.preloaded.entry(row.lead_id).or_default().push(row);
            }
        }
        Ok(())
    }

    /// The preloaded clocks of a lead, once.
    pub(super) fn preloaded(&mut self, lead_id: i64) -> Option<Vec<sla_clocks::Model>> {
        self.preloaded.remove(&lead_id)
    }

    /// Writes the clocks held back (as many rows a statement as [`MAX_BIND_VALUES`] allows).
    /// The ids reserved and not used yet stay reserved.
    pub async fn flush(&mut self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        let Some(pending) = &mut self.pending else {
            return Ok(());
        };
        let mut rows: Vec<sla_clocks::ActiveModel> = pending
            .clocks
            .drain()
            .flat_map(|(_, clocks)| clocks)
            .map(|clock| clock.active_model(clock.updated_at))
            .collect();
        // In id order, as they would have been inserted.
        rows.sort_by_key(|row| match &row.id {
            sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
            sea_orm::ActiveValue::NotSet => i64::MAX,
        });
        pending.fresh.clear();
        let columns = <sla_clocks::Column as sea_orm::Iterable>::iter().count();
        let per_statement = (MAX_BIND_VALUES / columns).max(1);
        while !rows.is_empty() {
            let rest = rows.split_off(rows.len().min(per_statement));
            sla_clocks::Entity::insert_many(rows)
                .exec_without_returning(conn)
                .await?;
            rows = rest;
        }
        Ok(())
    }

    /// Gives back the clock ids reserved and not used; after the last flush.
    pub async fn release_ids(&mut self, conn: &impl ConnectionTrait) -> Result<(), ApiError> {
        match &mut self.pending {
            Some(pending) => pending.ids.release(conn).await,
            None => Ok(()),
        }
    }

    /// A reserved id for a new clock.
    pub(super) async fn clock_id(
        &mut self,
        conn: &impl ConnectionTrait,
    ) -> Result<Option<i64>, ApiError> {
        match &mut self.pending {
            Some(pending) => Ok(Some(pending.ids.take(conn, CLOCK_IDS).await?)),
            None => Ok(None),
        }
    }

    async fn all_policies(
        &mut self,
        conn: &impl ConnectionTrait,
    ) -> Result<&HashMap<i64, Arc<Policy>>, ApiError> {
        if self.policies.is_none() {
            let rows = sla_policies::Entity::find().all(conn).await?;
            let mut policies = HashMap::with_capacity(rows.len());
            for row in &rows {
                policies.insert(row.id, Arc::new(Policy::from_model(row)?));
            }
            self.policies = Some(policies);
        }
        Ok(self.policies.get_or_insert_default())
    }

    /// The active policies of a lead type that start their clock on `start_on`, by kind.
    pub async fn starting(
        &mut self,
        conn: &impl ConnectionTrait,
        lead_type: &str,
        start_on: SlaStartOn,
    ) -> Result<Vec<Arc<Policy>>, ApiError> {
        let mut found: Vec<Arc<Policy>> = self
            .all_policies(conn)
            .await?
            .values()
            .filter(|p| p.active && p.start_on == start_on && p.lead_type == lead_type)
            .cloned()
            .collect();
        found.sort_by_key(|p| (p.kind, p.id));
        Ok(found)
    }

    /// A policy by id (active or not: running clocks keep theirs).
    pub async fn policy(
        &mut self,
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Arc<Policy>, ApiError> {
        self.all_policies(conn)
            .await?
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("SLA policy {id} does not exist")))
    }

    /// A calendar by id; `None` is the built-in default (weekdays 09:00-17:00 UTC), used only
    /// when the organisation has no default calendar.
    pub async fn calendar(
        &mut self,
        conn: &impl ConnectionTrait,
        id: Option<i64>,
    ) -> Result<BusinessCalendar, ApiError> {
        let Some(id) = id else {
            return fallback_calendar();
        };
        if let Some(calendar) = self.calendars.get(&id) {
            return Ok(calendar.clone());
        }
        let row = business_calendars::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("calendar {id} does not exist")))?;
        let calendar = calendar_from_row(&row)?;
        self.calendars.insert(id, calendar.clone());
        Ok(calendar)
    }

    /// Makes `calendar` the one this context answers for `id` (the content a calendar had
    /// before an edit, for clocks that counted in it).
    pub fn remember_calendar(&mut self, id: i64, calendar: BusinessCalendar) {
        self.calendars.insert(id, calendar);
    }

    /// The calendar a clock of `policy` counts in for a lead owned by `owner_id` (or waiting in
    /// `team_id`'s queue): the policy's, else the owner's, else the owner's team's, else the
    /// lead's team's, else the organisation default.
    pub async fn resolve_calendar_id(
        &mut self,
        conn: &impl ConnectionTrait,
        policy: &Policy,
        owner_id: Option<i64>,
        team_id: Option<i64>,
    ) -> Result<Option<i64>, ApiError> {
        if policy.calendar_id.is_some() {
            return Ok(policy.calendar_id);
        }
        let mut owner_team = None;
        if let Some(owner_id) = owner_id
            && let Some(user) = self.user(conn, owner_id).await?
        {
            if user.calendar_id.is_some() {
                return Ok(user.calendar_id);
            }
            owner_team = user.team_id;
        }
        for team in [owner_team, team_id].into_iter().flatten() {
            if let Some(calendar) = self.team_calendar(conn, team).await? {
                return Ok(Some(calendar));
            }
        }
        self.org_default(conn).await
    }

    async fn user(
        &mut self,
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<UserPlace>, ApiError> {
        if let Some(user) = self.users.get(&id) {
            return Ok(*user);
        }
        let user = users::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|u| UserPlace {
                calendar_id: u.calendar_id,
                team_id: u.team_id,
            });
        self.users.insert(id, user);
        Ok(user)
    }

    async fn team_calendar(
        &mut self,
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<i64>, ApiError> {
        if let Some(calendar) = self.teams.get(&id) {
            return Ok(*calendar);
        }
        let calendar = teams::Entity::find()
            .filter(teams::Column::Id.eq(id))
            .one(conn)
            .await?
            .and_then(|t| t.calendar_id);
        self.teams.insert(id, calendar);
        Ok(calendar)
    }

    async fn org_default(&mut self, conn: &impl ConnectionTrait) -> Result<Option<i64>, ApiError> {
        if let Some(default) = self.org_default {
            return Ok(default);
        }
        let default = org_settings::Entity::find_by_id(1)
            .one(conn)
            .await?
            .and_then(|s| s.default_calendar_id);
        self.org_default = Some(default);
        Ok(default)
    }
}

/// Parsed calendars by definition, shared by every request: parsing and laying out a year is
/// the expensive part of a calendar, and a definition always parses to the same calendar.
static PARSED: LazyLock<Mutex<HashMap<String, BusinessCalendar>>> = LazyLock::new(Mutex::default);
/// More definitions than this and the cache starts over.
const MAX_PARSED: usize = 256;

fn parse_cached(definition: &str) -> Result<BusinessCalendar, String> {
    let mut cache = PARSED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(calendar) = cache.get(definition) {
        return Ok(calendar.clone());
    }
    let calendar = BusinessCalendar::from_json(definition).map_err(|e| e.to_string())?;
    if cache.len() >= MAX_PARSED {
        cache.clear();
    }
    cache.insert(definition.to_owned(), calendar.clone());
    Ok(calendar)
}

/// The calendar a stored row defines; one that no longer parses is a bug in the data.
pub fn calendar_from_row(row: &business_calendars::Model) -> Result<BusinessCalendar, ApiError> {
    parse_cached(&row.definition).map_err(|error| {
        ApiError::internal(anyhow::anyhow!(
            "business_calendars row {} does not parse: {error}",
            row.id
        ))
    })
}

/// The calendar of a clock without one: weekdays 09:00-17:00 UTC.
pub fn fallback_calendar() -> Result<BusinessCalendar, ApiError> {
    let definition =
        serde_json::to_string(&CalendarSpec::org_default()).map_err(ApiError::internal)?;
    parse_cached(&definition)
        .map_err(|error| ApiError::internal(anyhow::anyhow!("the default calendar: {error}")))
}
