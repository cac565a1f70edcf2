//! Routing an MQL to an owner, or to a team queue: never to nobody.
//!
//! Active routing rules are tried by priority; the first that matches the lead (lead type,
//! country, region, industry, company size band) decides. `ACCOUNT_OWNER` rules give the lead
//! to the rep who owns its company (an `accounts` row for its e-mail domain, or an open lead
//! from the same domain), if that rep is available; otherwise, like every rule, they hand it
//! to the rule's team: its queue when the team is a queue or the rule is `queueOnly`, else a
//! rep picked `ROUND_ROBIN` (weighted) or `LOAD_BALANCED` (fewest open leads). Reps who are
//! inactive, out of office or at capacity (open leads = owned MQL/SAL/SQL) are skipped. When no
//! rule matches or nobody in the team is available, the `default` team's round robin takes the
//! lead, and when nobody there is available either, the `default` team's queue.
//!
//! Round robin is stride scheduling: each rep has a `pass` that grows by `STRIDE / weight` with
//! every lead they get, and the team a global pass (the virtual time of its last pick). The rep
//! with the lowest effective pass `max(pass, global)` goes next (ties: fewest open leads, then
//! lowest id). A rep returning from absence re-enters at the team's current virtual time, so
//! they take their share from now on instead of a "catch-up" flood. The state lives in
//! `routing_cursors` (one row per team), row-locked on PostgreSQL for the whole transaction so
//! that concurrent intakes see each other's picks.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use handoff_shared::domain::{LeadStatus, Role, RoutingMethod};
use handoff_shared::lead::{Assignment, LeadEvent, LeadProfile};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbBackend, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, Set,
};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::configuration_admin::routing_rules::stored_list;
use crate::entities::{accounts, leads, routing_cursors, routing_rules, teams, users};
use crate::error::ApiError;
use crate::handoff::store::{LeadRecord, Recorded};

/// The numerator of a rep's stride (`STRIDE / weight`): divisible by every weight up to 16, so
/// common weights divide exactly.
pub const STRIDE: u64 = 720_720;
/// The name of the team that takes what no rule (or nobody in a rule's team) can.
pub const DEFAULT_TEAM: &str = "default";
/// How many values one `IN (…)` query carries.
const CHUNK: usize = 500;

/// A rep as routing sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub label: String,
    pub weight: i32,
    pub capacity: Option<i32>,
    pub active: bool,
    pub out_of_office: bool,
    /// Open leads owned now (MQL, SAL, SQL).
    pub open: i32,
}

impl Candidate {
    /// Why the rep cannot take a lead now, if they cannot.
    pub fn unavailable(&self) -> Option<String> {
        if !self.active {
            Some("inactive".to_owned())
        } else if self.out_of_office {
            Some("out of office".to_owned())
        } else {
            self.capacity
                .filter(|cap| self.open >= *cap)
                .map(|cap| format!("at capacity {cap}"))
        }
    }
}

/// A team's round-robin state: the `routing_cursors.assignments` JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The virtual time of the team's last pick.
    #[serde(default)]
    pub global: u64,
    /// Each rep's pass, by user id.
    #[serde(default)]
    pub pass: BTreeMap<i64, u64>,
}

impl Cursor {
    /// Reads the stored JSON; anything else (an older format, empty) starts afresh.
    pub fn from_json(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    fn effective(&self, id: i64) -> u64 {
        self.pass.get(&id).copied().unwrap_or(0).max(self.global)
    }
}

/// The rep a pick chose, and who was passed over and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub user_id: i64,
    pub skipped: Vec<String>,
}

fn skipped(candidates: &[Candidate]) -> Vec<String> {
    candidates
        .iter()
        .filter_map(|c| c.unavailable().map(|why| format!("{} ({why})", c.label)))
        .collect()
}

/// Weighted round robin by stride scheduling; advances `cursor`. None when nobody is available.
pub fn pick_round_robin(
    cursor: &mut Cursor,
    candidates: &[Candidate],
) -> Result<Pick, Vec<String>> {
    let best = candidates
        .iter()
        .filter(|c| c.unavailable().is_none())
        .min_by_key(|c| (cursor.effective(c.id), c.open, c.id));
    let Some(best) = best else {
        return Err(skipped(candidates));
    };
    let at = cursor.effective(best.id);
    cursor.global = at;
    let stride = STRIDE / u64::try_from(best.weight.max(1)).unwrap_or(1);
    cursor.pass.insert(best.id, at.saturating_add(stride));
    Ok(Pick {
        user_id: best.id,
        skipped: skipped(candidates),
    })
}

/// The available rep with the fewest open leads (ties: lowest id).
pub fn pick_load_balanced(candidates: &[Candidate]) -> Result<Pick, Vec<String>> {
    candidates
        .iter()
        .filter(|c| c.unavailable().is_none())
        .min_by_key(|c| (c.open, c.id))
        .map(|best| Pick {
            user_id: best.id,
            skipped: skipped(candidates),
        })
        .ok_or_else(|| skipped(candidates))
}

/// A routing rule read into domain types.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub lead_types: Option<Vec<String>>,
    pub countries: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub industries: Option<Vec<String>>,
    pub min_company_size: Option<i32>,
    pub max_company_size: Option<i32>,
    pub method: RoutingMethod,
    pub team_id: Option<i64>,
    pub queue_only: bool,
}

impl Rule {
    fn from_model(row: &routing_rules::Model) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            name: row.name.clone(),
            lead_types: stored_list(row, "lead_types", row.lead_types.as_deref())?,
            countries: stored_list(row, "countries", row.countries.as_deref())?,
            regions: stored_list(row, "regions", row.regions.as_deref())?,
            industries: stored_list(row, "industries", row.industries.as_deref())?,
            min_company_size: row.min_company_size,
            max_company_size: row.max_company_size,
            method: RoutingMethod::parse(&row.method).unwrap_or(RoutingMethod::RoundRobin),
            team_id: row.team_id,
            queue_only: row.queue_only,
        })
    }

    /// Whether the lead falls under the rule; a listed criterion the lead lacks does not match.
    pub fn matches(&self, profile: &LeadProfile) -> bool {
        fn within(list: &Option<Vec<String>>, value: Option<&str>) -> bool {
            match list {
                None => true,
                Some(items) => value.is_some_and(|v| {
                    items
                        .iter()
                        .any(|item| item.trim().eq_ignore_ascii_case(v.trim()))
                }),
            }
        }
        let size_ok = match (self.min_company_size, self.max_company_size) {
            (None, None) => true,
            (min, max) => profile.company_size.is_some_and(|size| {
                min.is_none_or(|min| size >= min) && max.is_none_or(|max| size <= max)
            }),
        };
        within(&self.lead_types, Some(&profile.lead_type))
            && within(&self.countries, profile.country.as_deref())
            && within(&self.regions, profile.region.as_deref())
            && within(&self.industries, profile.industry.as_deref())
            && size_ok
    }
}

/// Routing state for one transaction: rules, teams, reps and round-robin cursors loaded once
/// and kept in memory, so a batch of a thousand leads routes without a query per lead; the
/// cursors are written back once by [`Router::save`].
pub struct Router {
    rules: Vec<Rule>,
    teams: HashMap<i64, teams::Model>,
    default_team: Option<i64>,
    users: HashMap<i64, users::Model>,
    /// Open leads by owner, for the reps loaded so far.
    open: HashMap<i64, i32>,
    cursors: HashMap<i64, Cursor>,
    /// Company owners by e-mail domain (None: looked up, nobody).
    domain_owners: HashMap<String, Option<i64>>,
    /// Domains that say nothing about a company (free-mail, disposable).
    generic_domains: HashSet<String>,
    /// A preview: never creates, locks or saves a cursor (see [`preview`]).
    read_only: bool,
}

impl Router {
    /// Loads rules, teams and users. `generic_domains` are never matched to an account.
    pub async fn load(
        conn: &impl ConnectionTrait,
        generic_domains: HashSet<String>,
    ) -> Result<Self, ApiError> {
        let rules = routing_rules::Entity::find()
            .filter(routing_rules::Column::Active.eq(true))
            .order_by_asc(routing_rules::Column::Priority)
            .order_by_asc(routing_rules::Column::Id)
            .all(conn)
            .await?
            .iter()
            .map(Rule::from_model)
            .collect::<Result<Vec<_>, _>>()?;
        let teams: HashMap<i64, teams::Model> = teams::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let default_team = teams
            .values()
            .find(|t| t.name == DEFAULT_TEAM)
            .or_else(|| teams.values().min_by_key(|t| t.id))
            .map(|t| t.id);
        let users = users::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        Ok(Self {
            rules,
            teams,
            default_team,
            users,
            open: HashMap::new(),
            cursors: HashMap::new(),
            domain_owners: HashMap::new(),
            generic_domains,
            read_only: false,
        })
    }

    /// The same router for a preview: [`Self::decide`] answers as intake would, but no cursor
    /// row is created or locked and [`Self::save`] writes nothing, so the decision moves nobody's
    /// turn.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Looks up, in chunked queries, the company owners of `domains` (accounts first, then
    /// owned open leads of the domain), so that routing a batch needs no query per lead.
    pub async fn prefetch_domains(
        &mut self,
        conn: &impl ConnectionTrait,
        domains: impl IntoIterator<Item = String>,
    ) -> Result<(), ApiError> {
        let wanted: Vec<String> = domains
            .into_iter()
            .filter(|d| !d.is_empty() && !self.generic_domains.contains(d))
            .filter(|d| !self.domain_owners.contains_key(d))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if wanted.is_empty() || !self.has_account_rules() {
            return Ok(());
        }
        for chunk in wanted.chunks(CHUNK) {
            for domain in chunk {
                self.domain_owners.insert(domain.clone(), None);
            }
            let from_leads: Vec<(String, Option<i64>)> = leads::Entity::find()
                .select_only()
                .column(leads::Column::EmailDomain)
                .column(leads::Column::OwnerId)
                .filter(leads::Column::EmailDomain.is_in(chunk.iter().cloned()))
                .filter(leads::Column::OwnerId.is_not_null())
                .filter(leads::Column::Status.is_in(open_statuses()))
                .order_by_asc(leads::Column::Id)
                .into_tuple()
                .all(conn)
                .await?;
            for (domain, owner) in from_leads {
                if let Some(slot) = self.domain_owners.get_mut(&domain)
                    && slot.is_none()
                {
                    *slot = owner;
                }
            }
            let from_accounts = accounts::Entity::find()
                .filter(accounts::Column::Domain.is_in(chunk.iter().cloned()))
                .filter(accounts::Column::OwnerId.is_not_null())
                .all(conn)
                .await?;
            for account in from_accounts {
                self.domain_owners.insert(account.domain, account.owner_id);
            }
        }
        Ok(())
    }

    fn has_account_rules(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.method == RoutingMethod::AccountOwner)
    }

    /// Decides where the lead goes and updates the in-memory state (cursor, open counts).
    pub async fn decide(
        &mut self,
        conn: &impl ConnectionTrait,
        profile: &LeadProfile,
    ) -> Result<Assignment, ApiError> {
        let mut notes: Vec<String> = Vec::new();
        let rules: Vec<Rule> = self
            .rules
            .iter()
            .filter(|r| r.matches(profile))
            .cloned()
            .collect();
        for rule in rules {
            if rule.method == RoutingMethod::AccountOwner {
                let domain = profile.email_domain().to_owned();
                self.prefetch_domains(conn, [domain.clone()]).await?;
                if let Some(owner) = self.domain_owners.get(&domain).copied().flatten() {
                    let candidate = self.candidate(conn, owner).await?;
                    match candidate.unavailable() {
                        None => {
                            let team_id = self.users.get(&owner).and_then(|u| u.team_id);
                            return Ok(self.assign(
                                owner,
                                team_id,
                                "account_owner",
                                Some(&rule),
                                notes,
                            ));
                        }
                        Some(why) => {
                            notes.push(format!("account owner {} skipped ({why})", candidate.label))
                        }
                    }
                }
            }
            let Some(team_id) = rule.team_id.filter(|id| self.teams.contains_key(id)) else {
                continue;
            };
            if rule.queue_only || self.teams.get(&team_id).is_some_and(|t| t.is_queue) {
                return Ok(Assignment {
                    owner_id: None,
                    team_id: Some(team_id),
                    method: "queue".to_owned(),
                    rule: Some(rule.name.clone()),
                    previous_owner_id: None,
                    detail: detail(notes),
                });
            }
            let method = match rule.method {
                RoutingMethod::LoadBalanced => "load_balanced",
                RoutingMethod::RoundRobin | RoutingMethod::AccountOwner => "round_robin",
            };
            match self.pick_in_team(conn, team_id, rule.method).await? {
                Ok(pick) => {
                    notes.extend(pick.skipped);
                    return Ok(self.assign(
                        pick.user_id,
                        Some(team_id),
                        method,
                        Some(&rule),
                        notes,
                    ));
                }
                Err(skipped) => {
                    notes.extend(skipped);
                    notes.push(format!(
                        "nobody available in team {} (rule {})",
                        self.team_name(team_id),
                        rule.name
                    ));
                    break;
                }
            }
        }
        if notes.is_empty() {
            notes.push("no routing rule matched".to_owned());
        }
        let Some(team_id) = self.default_team else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "there is no team at all to route lead {} to",
                profile.email
            )));
        };
        if !self.teams.get(&team_id).is_some_and(|t| t.is_queue) {
            match self
                .pick_in_team(conn, team_id, RoutingMethod::RoundRobin)
                .await?
            {
                Ok(pick) => {
                    notes.extend(pick.skipped);
                    return Ok(self.assign(pick.user_id, Some(team_id), "fallback", None, notes));
                }
                Err(skipped) => notes.extend(skipped),
            }
        }
        notes.push(format!(
            "nobody available: waiting in the {} queue",
            self.team_name(team_id)
        ));
        Ok(Assignment {
            owner_id: None,
            team_id: Some(team_id),
            method: "fallback".to_owned(),
            rule: None,
            previous_owner_id: None,
            detail: detail(notes),
        })
    }

    fn team_name(&self, team_id: i64) -> String {
        self.teams
            .get(&team_id)
            .map_or_else(|| team_id.to_string(), |t| t.name.clone())
    }

    fn assign(
        &mut self,
        owner: i64,
        team_id: Option<i64>,
        method: &str,
        rule: Option<&Rule>,
        notes: Vec<String>,
    ) -> Assignment {
        *self.open.entry(owner).or_insert(0) += 1;
        Assignment {
            owner_id: Some(owner),
            team_id,
            method: method.to_owned(),
            rule: rule.map(|r| r.name.clone()),
            previous_owner_id: None,
            detail: detail(notes),
        }
    }

    /// Where a lead goes when its SLA breached under a `reassignOnBreach` policy: the next
    /// available rep of `team_id` other than `previous` (round robin), else the team's queue.
    pub async fn next_in_team(
        &mut self,
        conn: &impl ConnectionTrait,
        team_id: i64,
        previous: Option<i64>,
    ) -> Result<Assignment, ApiError> {
        let mut notes = vec!["SLA breached: reassigned by the policy".to_owned()];
        if !self.teams.get(&team_id).is_some_and(|t| t.is_queue) {
            match self
                .pick_in_team_except(conn, team_id, RoutingMethod::RoundRobin, previous)
                .await?
            {
                Ok(pick) => {
                    notes.extend(pick.skipped);
                    let mut assignment =
                        self.assign(pick.user_id, Some(team_id), "breach", None, notes);
                    assignment.previous_owner_id = previous;
                    return Ok(assignment);
                }
                Err(skipped) => notes.extend(skipped),
            }
        }
        notes.push(format!(
            "nobody else available: waiting in the {} queue",
            self.team_name(team_id)
        ));
        Ok(Assignment {
            owner_id: None,
            team_id: Some(team_id),
            method: "breach".to_owned(),
            rule: None,
            previous_owner_id: previous,
            detail: detail(notes),
        })
    }

    /// Records that a lead of `domain` now belongs to `owner` (later leads of the batch from
    /// the same company follow it).
    pub fn remember_owner(&mut self, domain: &str, owner: Option<i64>) {
        if let Some(owner) = owner
            && !domain.is_empty()
            && !self.generic_domains.contains(domain)
        {
            self.domain_owners
                .entry(domain.to_owned())
                .and_modify(|slot| {
                    slot.get_or_insert(owner);
                })
                .or_insert(Some(owner));
        }
    }

    /// A lead left an owner's open pile (or joined it) outside routing.
    pub fn adjust_open(&mut self, owner: i64, delta: i32) {
        if let Some(open) = self.open.get_mut(&owner) {
            *open += delta;
        }
    }

    async fn candidate(
        &mut self,
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Candidate, ApiError> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.open.entry(id) {
            let counts = open_counts(conn, &[id]).await?;
            slot.insert(counts.get(&id).copied().unwrap_or(0));
        }
        let open = self.open.get(&id).copied().unwrap_or(0);
        Ok(match self.users.get(&id) {
            Some(user) => Candidate {
                id,
                label: user.email.clone(),
                weight: user.weight,
                capacity: user.capacity,
                active: user.active,
                out_of_office: user.out_of_office,
                open,
            },
            None => Candidate {
                id,
                label: format!("user {id}"),
                weight: 1,
                capacity: None,
                active: false,
                out_of_office: false,
                open,
            },
        })
    }

    async fn pick_in_team(
        &mut self,
        conn: &impl ConnectionTrait,
        team_id: i64,
        method: RoutingMethod,
    ) -> Result<Result<Pick, Vec<String>>, ApiError> {
        self.pick_in_team_except(conn, team_id, method, None).await
    }

    /// [`Self::pick_in_team`] passing over `except` (the rep a lead is being taken from).
    async fn pick_in_team_except(
        &mut self,
        conn: &impl ConnectionTrait,
        team_id: i64,
        method: RoutingMethod,
        except: Option<i64>,
    ) -> Result<Result<Pick, Vec<String>>, ApiError> {
        self.ensure_team(conn, team_id).await?;
        let mut members: Vec<i64> = self
            .users
            .values()
            .filter(|u| u.team_id == Some(team_id) && u.role == Role::Rep.as_str())
            .filter(|u| Some(u.id) != except)
            .map(|u| u.id)
            .collect();
        members.sort_unstable();
        let mut candidates = Vec::with_capacity(members.len());
        for id in members {
            candidates.push(self.candidate(conn, id).await?);
        }
        Ok(match method {
            RoutingMethod::LoadBalanced => pick_load_balanced(&candidates),
            RoutingMethod::RoundRobin | RoutingMethod::AccountOwner => {
                let cursor = self.cursors.entry(team_id).or_default();
                pick_round_robin(cursor, &candidates)
            }
        })
    }

    /// Locks (PostgreSQL) and reads the team's cursor, then the open counts of its reps, once
    /// per transaction: after the lock, so a concurrent intake's picks are visible.
    async fn ensure_team(
        &mut self,
        conn: &impl ConnectionTrait,
        team_id: i64,
    ) -> Result<(), ApiError> {
        if self.cursors.contains_key(&team_id) {
            return Ok(());
        }
        // A preview reads the cursor as it stands (none yet: a fresh one) and locks nothing.
        if !self.read_only {
            routing_cursors::Entity::insert(routing_cursors::ActiveModel {
                team_id: Set(team_id),
                assignments: Set("{}".to_owned()),
                updated_at: Set(chrono::DateTime::<Utc>::UNIX_EPOCH),
            })
            .on_conflict(
                OnConflict::column(routing_cursors::Column::TeamId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
        }
        let mut query = routing_cursors::Entity::find_by_id(team_id);
        if !self.read_only && conn.get_database_backend() == DbBackend::Postgres {
            query = query.lock_exclusive();
        }
        let cursor = query
            .one(conn)
            .await?
            .map(|row| Cursor::from_json(&row.assignments))
            .unwrap_or_default();
        self.cursors.insert(team_id, cursor);
        let members: Vec<i64> = self
            .users
            .values()
            .filter(|u| u.team_id == Some(team_id))
            .map(|u| u.id)
            .collect();
        for chunk in members.chunks(CHUNK) {
            let counts = open_counts(conn, chunk).await?;
            for id in chunk {
                self.open.insert(*id, counts.get(id).copied().unwrap_or(0));
            }
        }
        Ok(())
    }

    /// Writes the cursors this transaction moved.
    pub async fn save(
        &self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if self.read_only {
            return Ok(());
        }
        for (team_id, cursor) in &self.cursors {
            routing_cursors::Entity::update_many()
                .col_expr(
                    routing_cursors::Column::Assignments,
                    Expr::value(cursor.to_json()),
                )
                .col_expr(routing_cursors::Column::UpdatedAt, Expr::value(now))
                .filter(routing_cursors::Column::TeamId.eq(*team_id))
                .exec(conn)
                .await?;
        }
        Ok(())
    }
}

fn detail(notes: Vec<String>) -> Option<String> {
    if notes.is_empty() {
        None
    } else {
        Some(format!("skipped: {}", notes.join("; ")))
    }
}

pub fn open_statuses() -> Vec<&'static str> {
    [LeadStatus::Mql, LeadStatus::Sal, LeadStatus::Sql]
        .iter()
        .map(|s| s.as_str())
        .collect()
}

/// Open leads (MQL, SAL, SQL) owned by each of `owners`.
async fn open_counts(
    conn: &impl ConnectionTrait,
    owners: &[i64],
) -> Result<HashMap<i64, i32>, ApiError> {
    let rows: Vec<(Option<i64>, i64)> = leads::Entity::find()
        .select_only()
        .column(leads::Column::OwnerId)
        .column_as(leads::Column::Id.count(), "count")
        .filter(leads::Column::OwnerId.is_in(owners.iter().copied()))
        .filter(leads::Column::Status.is_in(open_statuses()))
        .group_by(leads::Column::OwnerId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(owner, count)| Some((owner?, i32::try_from(count).unwrap_or(i32::MAX))))
        .collect())
}

/// Routes one lead (an MQL without owner) inside the caller's transaction: decides, appends the
/// `Assigned` event and the SLA transitions it causes, and writes the cursor. The caller saves
/// the record and commits. Used by intake for single leads, by reassignment on SLA breach and
/// by the stage mutations that send a lead back to routing.
#[tracing::instrument(skip(txn, record, actor), fields(lead_id = record.id))]
pub async fn route(
    txn: &impl ConnectionTrait,
    record: &mut LeadRecord,
    now: DateTime<Utc>,
    actor: Option<&Principal>,
) -> Result<Assignment, ApiError> {
    let generic = crate::handoff::dedupe::DomainLists::load(txn)
        .await?
        .generic();
    let mut router = Router::load(txn, generic).await?;
    let mut assignment = router.decide(txn, &record.state.profile).await?;
    assignment.previous_owner_id = record.state.owner_id;
    crate::handoff::stages::append_with_clocks(
        txn,
        record,
        Recorded {
            event: LeadEvent::Assigned(assignment.clone()),
            actor_id: actor.map(|a| a.user_id),
            occurred_at: now,
        },
        now,
    )
    .await?;
    router.save(txn, now).await?;
    Ok(assignment)
}

/// Where intake would route `profile` now, decided by the same [`Router::decide`] on a
/// [`Router::read_only`] router: nothing is written and no round-robin turn is used up.
#[tracing::instrument(skip(conn, profile))]
pub async fn preview(
    conn: &impl ConnectionTrait,
    profile: &LeadProfile,
) -> Result<Assignment, ApiError> {
    let generic = crate::handoff::dedupe::DomainLists::load(conn)
        .await?
        .generic();
    let mut router = Router::load(conn, generic).await?.read_only();
    router.decide(conn, profile).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(id: i64) -> Candidate {
        Candidate {
            id,
            label: format!("rep{id}"),
            weight: 1,
            capacity: None,
            active: true,
            out_of_office: false,
            open: 0,
        }
    }

    fn run(cursor: &mut Cursor, reps: &mut [Candidate], n: usize) -> HashMap<i64, i32> {
        let mut got = HashMap::new();
        for _ in 0..n {
            let pick = pick_round_robin(cursor, reps).unwrap();
            *got.entry(pick.user_id).or_insert(0) += 1;
            if let Some(r) = reps.iter_mut().find(|r| r.id == pick.user_id) {
                r.open += 1;
            }
        }
        got
    }

    #[test]
    fn ten_thousand_assignments_to_equal_reps_differ_by_at_most_one() {
        for n in [2, 3, 7, 13] {
            let mut reps: Vec<Candidate> = (1..=n).map(rep).collect();
            let mut cursor = Cursor::default();
            let got = run(&mut cursor, &mut reps, 10_000);
            let max = got.values().max().unwrap();
            let min = got.values().min().unwrap();
            assert!(max - min <= 1, "{n} reps: {got:?}");
            assert_eq!(got.len() as i64, n);
        }
    }

    #[test]
    fn weights_share_in_proportion() {
        let mut reps = vec![rep(1), rep(2)];
        reps[1].weight = 3;
        let got = run(&mut Cursor::default(), &mut reps, 4_000);
        assert_eq!(got[&1], 1_000);
        assert_eq!(got[&2], 3_000);
    }

    #[test]
    fn out_of_office_inactive_and_full_reps_are_skipped() {
        let mut reps = vec![rep(1), rep(2), rep(3), rep(4)];
        reps[0].out_of_office = true;
        reps[1].active = false;
        reps[2].capacity = Some(2);
        reps[2].open = 2;
        let pick = pick_round_robin(&mut Cursor::default(), &reps).unwrap();
        assert_eq!(pick.user_id, 4);
        assert_eq!(
            pick.skipped,
            vec![
                "rep1 (out of office)",
                "rep2 (inactive)",
                "rep3 (at capacity 2)"
            ]
        );
        reps[3].out_of_office = true;
        assert!(pick_round_robin(&mut Cursor::default(), &reps).is_err());
    }

    #[test]
    fn a_returning_rep_is_not_flooded() {
        let mut reps = vec![rep(1), rep(2), rep(3)];
        let mut cursor = Cursor::default();
        reps[2].out_of_office = true;
        run(&mut cursor, &mut reps, 300);
        reps[2].out_of_office = false;
        let got = run(&mut cursor, &mut reps, 30);
        assert!(got[&3] <= 11, "the returning rep got {got:?}");
        assert!(got[&1] >= 9 && got[&2] >= 9, "{got:?}");
    }

    #[test]
    fn load_balancing_picks_the_fewest_open() {
        let mut reps = vec![rep(1), rep(2), rep(3)];
        reps[0].open = 4;
        reps[1].open = 1;
        reps[2].open = 1;
        assert_eq!(pick_load_balanced(&reps).unwrap().user_id, 2);
    }
}
