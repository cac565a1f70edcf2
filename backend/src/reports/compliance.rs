//! SLA compliance (CONTRACT.md section 6): the clocks of one kind whose `startedAt` lies in the
//! period, counted as met, breached, running and approaching, overall and by owner, team,
//! source, lead type and week.
//!
//! A stopped clock is met or breached as it stopped (MET at or before its due, where a pause on
//! a reply has moved the due); an unstopped one is breached once its due (as it stands now,
//! `sla::view`) has passed, else running, and approaching from 80 % of its target.
//!
//! A clock belongs to the lead's owner at min(stop, due, now) (the lead's latest `assigned`
//! event at or before that instant) and to that owner's team; a clock of a lead waiting in a
//! team queue then belongs to no owner and to the queue's team. Cancelled clocks (the lead was
//! converted, recycled or disqualified while the clock ran) are neither met nor breached: they
//! are counted apart as `cancelled`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use handoff_shared::domain::{SlaKind, SlaState};
use handoff_shared::sla::BusinessCalendar;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _, FromQueryResult,
    QueryFilter as _, QueryOrder as _, QuerySelect as _,
};

use super::{ReportFilter, facts, ratio, week_start, weeks};
use crate::entities::{leads, sla_clocks, users};
use crate::error::ApiError;
use crate::sla::{self, SlaContext};

/// Percent of the target from which a running clock is approaching its due.
pub const APPROACHING_PERCENT: f64 = 80.0;

/// Where a clock's business time to first response falls against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResponseBucket {
    /// Below 80 % of the target.
    UnderTarget,
    /// From 80 % of the target up to the target, not breached.
    Approaching,
    /// Breached.
    Breached,
}

/// The figures of a set of clocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub met: usize,
    pub breached: usize,
    pub running: usize,
    pub approaching: usize,
    pub cancelled: usize,
    /// Stopped (met or breached by a stop) clocks, and the sums their averages are made of.
    pub responded: usize,
    pub response_seconds: i64,
    pub target_seconds: i64,
}

impl Figures {
    /// met / (met + breached); none when both are 0.
    pub fn compliance_rate(&self) -> Option<f64> {
        ratio(self.met, self.met + self.breached)
    }

    /// Mean business seconds from start to stop of the stopped clocks.
    pub fn average_response_seconds(&self) -> Option<f64> {
        (self.responded > 0).then(|| self.response_seconds as f64 / self.responded as f64)
    }

    /// Mean target of the same stopped clocks.
    pub fn average_target_seconds(&self) -> Option<f64> {
        (self.responded > 0).then(|| self.target_seconds as f64 / self.responded as f64)
    }

    /// Counts one clock in.
    pub fn add(&mut self, clock: &AttributedClock) {
        self.add_tally(&clock.tally());
    }

    /// Counts clocks of one outcome in.
    pub fn add_tally(&mut self, tally: &Tally) {
        match tally.outcome {
            Outcome::Met => self.met += tally.clocks,
            Outcome::Breached => self.breached += tally.clocks,
            Outcome::Running { approaching } => {
                self.running += tally.clocks;
                if approaching {
                    self.approaching += tally.clocks;
                }
            }
            Outcome::Cancelled => self.cancelled += tally.clocks,
        }
        if tally.responded {
            self.responded += tally.clocks;
            self.response_seconds += tally.response_seconds;
            self.target_seconds += tally.target_seconds;
        }
    }
}

/// Clocks of one outcome counted together: one clock, or a group of stored facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tally {
    pub outcome: Outcome,
    /// Stopped, met or breached: counted in the average response.
    pub responded: bool,
    pub bucket: Option<ResponseBucket>,
    pub clocks: usize,
    /// Sums over the clocks (business seconds to the stop, targets); 0 unless responded.
    pub response_seconds: i64,
    pub target_seconds: i64,
}

/// The SLA compliance report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComplianceReport {
    pub total: Figures,
    /// By attributed owner (none: a queue), with the owner's name.
    pub by_owner: Vec<(Option<i64>, Option<String>, Figures)>,
    /// By the attributed owner's team, with the team's name.
    pub by_team: Vec<(Option<i64>, Option<String>, Figures)>,
    pub by_source: Vec<(Option<String>, Figures)>,
    pub by_lead_type: Vec<(String, Figures)>,
    /// By the week (Monday 00:00 UTC) of `startedAt`, oldest first.
    pub weekly: Vec<(DateTime<Utc>, Figures)>,
    /// The met, breached and running clocks by where their business time falls.
    pub distribution: Vec<(ResponseBucket, usize)>,
    /// The clocks counted, by id: `(clock id, lead id, outcome)`.
    pub clocks: Vec<(i64, i64, Outcome)>,
}

/// Where one clock stands in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    Breached,
    Running { approaching: bool },
    Cancelled,
}

/// One clock of the report: classified as of `now` and attributed to an owner and team.
#[derive(Debug, Clone)]
pub struct AttributedClock {
    pub clock: sla_clocks::Model,
    pub source: Option<String>,
    pub lead_type: String,
    /// The lead's owner at min(stop, due, now); none: a queue.
    pub owner_id: Option<i64>,
    /// That owner's team (or the queue's).
    pub team_id: Option<i64>,
    pub outcome: Outcome,
    /// Stopped (met, breached by a stop, or cancelled with a stop).
    pub stopped: bool,
    /// Business seconds elapsed (up to the stop, or now).
    pub elapsed_seconds: i64,
    pub target_seconds: i64,
    pub percent: f64,
    /// min(stop, due, now): the instant the clock is attributed at.
    pub attributed_at: DateTime<Utc>,
}

impl AttributedClock {
    /// The clock as a tally of one.
    pub fn tally(&self) -> Tally {
        Tally {
            outcome: self.outcome,
            responded: self.responded(),
            bucket: self.bucket(),
            clocks: 1,
            response_seconds: self.elapsed_seconds,
            target_seconds: self.target_seconds,
        }
    }

    /// Counted in the average response: stopped, met or breached (not cancelled).
    pub fn responded(&self) -> bool {
        self.stopped && self.outcome != Outcome::Cancelled
    }

    /// Where the clock's business time falls; none for a cancelled clock.
    pub fn bucket(&self) -> Option<ResponseBucket> {
        match self.outcome {
            Outcome::Cancelled => None,
            Outcome::Breached => Some(ResponseBucket::Breached),
            _ if self.percent >= APPROACHING_PERCENT => Some(ResponseBucket::Approaching),
            _ => Some(ResponseBucket::UnderTarget),
        }
    }
}

fn classify(
    row: &sla_clocks::Model,
    view: &sla::ClockView,
    now: DateTime<Utc>,
) -> (Outcome, bool, DateTime<Utc>) {
    // A stopped clock's verdict is its own (MET at or before its due, which a pause moves);
    // a breached one is attributed at its due, a met one at its stop.
    if row.state == SlaState::Cancelled.as_str() {
        let at = row.stopped_at.unwrap_or(now).min(row.due_at).min(now);
        (Outcome::Cancelled, row.stopped_at.is_some(), at)
    } else if let Some(stop) = row.stopped_at {
        if row.state == SlaState::Met.as_str() {
            (Outcome::Met, true, stop.min(now))
        } else {
            (Outcome::Breached, true, stop.min(row.due_at).min(now))
        }
    } else if view.due_at <= now {
        (Outcome::Breached, false, view.due_at)
    } else {
        let approaching = view.percent_elapsed >= APPROACHING_PERCENT;
        (Outcome::Running { approaching }, false, now)
    }
}

/// How a clock (a row and the calendar it counts in) stands at `now`.
pub fn outcome(
    row: &sla_clocks::Model,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let view = sla::view(row, calendar, now)?;
    Ok(classify(row, &view, now).0)
}

/// The condition on `sla_clocks` of the report: the `kind` clocks started in the period, of
/// leads with the filter's attributes.
fn in_period(filter: &ReportFilter, kind: SlaKind) -> Condition {
    let condition = Condition::all()
        .add(sla_clocks::Column::Kind.eq(kind.as_str()))
        .add(sla_clocks::Column::StartedAt.gte(filter.period.from))
        .add(sla_clocks::Column::StartedAt.lt(filter.period.to));
    if filter.names_lead_attributes() {
        condition.add(sla_clocks::Column::LeadId.in_subquery(filter.lead_ids_by_attributes()))
    } else {
        condition
    }
}

/// The clocks the report counts (before the owner and team lists), by id, each with the
/// calendar it counts in.
pub async fn clocks(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
) -> Result<Vec<(sla_clocks::Model, BusinessCalendar)>, ApiError> {
    clocks_where(db, in_period(filter, kind)).await
}

/// The clocks matching `condition`, by id, each with the calendar it counts in.
async fn clocks_where(
    db: &impl ConnectionTrait,
    condition: Condition,
) -> Result<Vec<(sla_clocks::Model, BusinessCalendar)>, ApiError> {
    let rows = sla_clocks::Entity::find()
        .filter(condition)
        .order_by_asc(sla_clocks::Column::Id)
        .all(db)
        .await?;
    let mut context = SlaContext::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let calendar = context.calendar(db, row.calendar_id).await?;
        out.push((row, calendar));
    }
    Ok(out)
}

/// Every `kind` clock started in the filter's period and passing it, classified as of `now`
/// and attributed, in clock id order: what [`report`] counts, one by one (the drill-down).
pub async fn attributed(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    now: DateTime<Utc>,
) -> Result<Vec<AttributedClock>, ApiError> {
    let people = people(db).await?;
    let clocks = clocks(db, filter, kind).await?;
    attribute(db, filter, &clocks, now, &people).await
}

async fn people(db: &impl ConnectionTrait) -> Result<HashMap<i64, users::Model>, ApiError> {
    Ok(users::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// `clocks` classified as of `now` and attributed to owners and teams from the log; those
/// failing the filter's owner and team lists left out.
async fn attribute(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    clocks: &[(sla_clocks::Model, BusinessCalendar)],
    now: DateTime<Utc>,
    people: &HashMap<i64, users::Model>,
) -> Result<Vec<AttributedClock>, ApiError> {
    if clocks.is_empty() {
        return Ok(Vec::new());
    }
    let mut lead_ids: Vec<i64> = clocks.iter().map(|(row, _)| row.lead_id).collect();
    lead_ids.sort_unstable();
    lead_ids.dedup();
    let mut lead_by_id: HashMap<i64, (Option<String>, String)> = HashMap::new();
    for chunk in lead_ids.chunks(1000) {
        let rows: Vec<(i64, Option<String>, String)> = leads::Entity::find()
            .select_only()
            .column(leads::Column::Id)
            .column(leads::Column::Source)
            .column(leads::Column::LeadType)
            .filter(leads::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        lead_by_id.extend(rows.into_iter().map(|(id, s, t)| (id, (s, t))));
    }
    let assignments = facts::assignments(db, &lead_ids).await?;

    let mut out = Vec::with_capacity(clocks.len());
    for (row, calendar) in clocks {
        let Some((source, lead_type)) = lead_by_id.get(&row.lead_id) else {
            continue;
        };
        let view = sla::view(row, calendar, now)?;
        let (outcome, stopped, attributed_at) = classify(row, &view, now);
        let (owner_id, queue_team) =
            facts::assignment_at(assignments.get(&row.lead_id), attributed_at);
        let team_id = team_of(people, owner_id, queue_team);
        if !filter.passes_people(owner_id, team_id) {
            continue;
        }
        out.push(AttributedClock {
            source: source.clone(),
            lead_type: lead_type.clone(),
            owner_id,
            team_id,
            outcome,
            stopped,
            elapsed_seconds: view.elapsed_seconds,
            target_seconds: row.target_seconds,
            percent: view.percent_elapsed,
            attributed_at,
            clock: row.clone(),
        });
    }
    Ok(out)
}

/// The report's clocks without counted facts (running, or not attributed yet), folded from the
/// log and attributed.
async fn unattributed(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    now: DateTime<Utc>,
    people: &HashMap<i64, users::Model>,
) -> Result<Vec<AttributedClock>, ApiError> {
    let rest = Condition::all()
        .add(in_period(filter, kind))
        .add(facts::counted(now).not());
    let rest = clocks_where(db, rest).await?;
    attribute(db, filter, &rest, now, people).await
}

/// The compliance of the `kind` clocks started in the filter's period, as of `now`.
///
/// Clocks with counted facts (`reports::facts`) are added up in SQL, a query a week; the rest
/// (running, or not attributed yet) are folded from the log one by one. Both give the same
/// figures for the same clock.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    now: DateTime<Utc>,
) -> Result<ComplianceReport, ApiError> {
    let people = people(db).await?;
    let mut tallies = Tallies::default();
    for (week, from, to) in weeks(filter.period) {
        for group in fact_groups(db, filter, kind, from, to, now).await? {
            let team = team_of(&people, group.owner, group.team);
            if !filter.passes_people(group.owner, team) {
                continue;
            }
            let tally = group.tally();
            tallies.add(
                &tally,
                group.owner,
                team,
                group.source.clone(),
                group.lead_type.clone().unwrap_or_default(),
                week,
            );
        }
    }
    for clock in unattributed(db, filter, kind, now, &people).await? {
        tallies.add(
            &clock.tally(),
            clock.owner_id,
            clock.team_id,
            clock.source.clone(),
            clock.lead_type.clone(),
            week_start(clock.clock.started_at),
        );
    }
    tallies.finish(db, &people).await
}

/// Counted facts alike: owner, queue team, state, stopped (1) or not (0), business seconds;
/// how many, and the sum of their targets.
type FactRow = (Option<i64>, Option<i64>, String, i32, i64, i64, i64);

/// The totals of the report (no breakdowns) and the business seconds from start to stop of
/// every responded (stopped, met or breached) clock in it: what a median response time is taken
/// over. One grouped scan of the counted facts, and the rest folded from the log as in
/// [`report`].
pub async fn totals(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    now: DateTime<Utc>,
) -> Result<(Figures, Vec<i64>), ApiError> {
    use sea_orm::sea_query::Expr;

    let people = people(db).await?;
    // Grouped by outcome and business seconds (and by owner and team when the filter lists
    // people): a few thousand rows for a month of sixty thousand clocks, and still every
    // response time, with its count, for the median.
    let by_people = filter.names_people();
    let person = |column: sla_clocks::Column| {
        if by_people {
            Expr::col(column).into()
        } else {
            Expr::cust("CAST(NULL AS BIGINT)")
        }
    };
    let mut query = sla_clocks::Entity::find()
        .select_only()
        .expr(person(sla_clocks::Column::ReportOwnerId))
        .expr(person(sla_clocks::Column::ReportTeamId))
        .column(sla_clocks::Column::State)
        .expr(Expr::cust(STOPPED))
        .column(sla_clocks::Column::ElapsedBeforeSeconds)
        .expr(Expr::cust("COUNT(*)"))
        .expr(Expr::cust("CAST(SUM(target_seconds) AS BIGINT)"))
        .filter(counted_facts(
            filter,
            kind,
            filter.period.from,
            filter.period.to,
            now,
        ))
        .group_by(sla_clocks::Column::State)
        .group_by(Expr::cust(STOPPED))
        .group_by(sla_clocks::Column::ElapsedBeforeSeconds);
    if by_people {
        query = query
            .group_by(sla_clocks::Column::ReportOwnerId)
            .group_by(sla_clocks::Column::ReportTeamId);
    }
    let stored: Vec<FactRow> = query.into_tuple().all(db).await?;
    let mut figures = Figures::default();
    let mut seconds = Vec::new();
    for (owner, team, state, stopped, elapsed, clocks, targets) in stored {
        if by_people && !filter.passes_people(owner, team_of(&people, owner, team)) {
            continue;
        }
        let clocks = usize::try_from(clocks).unwrap_or(0);
        // A final fact's figures do not depend on how near its target it came.
        let tally = fact_tally(
            &state,
            stopped != 0,
            false,
            clocks,
            elapsed * clocks as i64,
            targets,
        );
        if tally.responded {
            seconds.extend(std::iter::repeat_n(elapsed, clocks));
        }
        figures.add_tally(&tally);
    }
    for clock in unattributed(db, filter, kind, now, &people).await? {
        if clock.responded() {
            seconds.push(clock.elapsed_seconds);
        }
        figures.add(&clock);
    }
    Ok((figures, seconds))
}

/// The report of `clocks` (those [`clocks`] reads, or the same clocks as a simulation has
/// recomputed them), every one folded from the log, with the list of the clocks counted.
pub async fn fold(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    clocks: &[(sla_clocks::Model, BusinessCalendar)],
    now: DateTime<Utc>,
) -> Result<ComplianceReport, ApiError> {
    let people = people(db).await?;
    let clocks = attribute(db, filter, clocks, now, &people).await?;
    let mut tallies = Tallies::default();
    for clock in &clocks {
        tallies.add(
            &clock.tally(),
            clock.owner_id,
            clock.team_id,
            clock.source.clone(),
            clock.lead_type.clone(),
            week_start(clock.clock.started_at),
        );
    }
    let mut report = tallies.finish(db, &people).await?;
    report.clocks = clocks
        .iter()
        .map(|c| (c.clock.id, c.clock.lead_id, c.outcome))
        .collect();
    Ok(report)
}

/// The team a clock counts for: its owner's (now), or without an owner the queue's.
fn team_of(
    people: &HashMap<i64, users::Model>,
    owner: Option<i64>,
    queue_team: Option<i64>,
) -> Option<i64> {
    match owner {
        Some(owner) => people.get(&owner).and_then(|u| u.team_id),
        None => queue_team,
    }
}

/// The `kind` clocks started in `[from, to)` whose stored facts count at `now` and name the
/// filter's lead attributes.
fn counted_facts(
    filter: &ReportFilter,
    kind: SlaKind,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Condition {
    Condition::all()
        .add(sla_clocks::Column::Kind.eq(kind.as_str()))
        .add(sla_clocks::Column::StartedAt.gte(from))
        .add(sla_clocks::Column::StartedAt.lt(to))
        .add(facts::counted(now))
        .add(filter.lead_attributes_on(
            sla_clocks::Column::ReportSource,
            sla_clocks::Column::ReportCampaign,
            sla_clocks::Column::ReportLeadType,
        ))
}

/// Stored facts added up: the clocks of one owner, queue team, source, lead type and outcome.
#[derive(Debug, FromQueryResult)]
struct FactGroup {
    owner: Option<i64>,
    team: Option<i64>,
    source: Option<String>,
    lead_type: Option<String>,
    state: String,
    stopped: i32,
    approaching: i32,
    clocks: i64,
    response_seconds: Option<i64>,
    target_seconds: Option<i64>,
}

impl FactGroup {
    fn tally(&self) -> Tally {
        fact_tally(
            &self.state,
            self.stopped != 0,
            self.approaching != 0,
            usize::try_from(self.clocks).unwrap_or(0),
            self.response_seconds.unwrap_or(0),
            self.target_seconds.unwrap_or(0),
        )
    }
}

/// `CASE ...`: 1 when a clock stopped, else 0.
const STOPPED: &str = "CASE WHEN stopped_at IS NULL THEN 0 ELSE 1 END";

/// The tally of `clocks` counted facts of one outcome: their state, whether they stopped and
/// reached 80 % of the target, and the sums of their business seconds and targets. A counted
/// fact is final: met or cancelled as it stopped, else breached.
fn fact_tally(
    state: &str,
    stopped: bool,
    approaching: bool,
    clocks: usize,
    response_seconds: i64,
    target_seconds: i64,
) -> Tally {
    let (outcome, bucket) = if state == SlaState::Cancelled.as_str() {
        (Outcome::Cancelled, None)
    } else if stopped && state == SlaState::Met.as_str() {
        let bucket = if approaching {
            ResponseBucket::Approaching
        } else {
            ResponseBucket::UnderTarget
        };
        (Outcome::Met, Some(bucket))
    } else {
        (Outcome::Breached, Some(ResponseBucket::Breached))
    };
    let responded = stopped && outcome != Outcome::Cancelled;
    Tally {
        outcome,
        responded,
        bucket,
        clocks,
        response_seconds: if responded { response_seconds } else { 0 },
        target_seconds: if responded { target_seconds } else { 0 },
    }
}

/// The facts of the `kind` clocks started in `[from, to)` that count at `now`, added up by
/// owner, queue team, source, lead type and outcome.
async fn fact_groups(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<FactGroup>, ApiError> {
    use sea_orm::FromQueryResult as _;
    use sea_orm::sea_query::{Alias, Expr};

    let condition = counted_facts(filter, kind, from, to, now);
    let stopped = STOPPED;
    let approaching =
        "CASE WHEN elapsed_before_seconds * 100 >= target_seconds * 80 THEN 1 ELSE 0 END";
    let query = Query::select()
        .expr_as(
            Expr::col(sla_clocks::Column::ReportOwnerId),
            Alias::new("owner"),
        )
        .expr_as(
            Expr::col(sla_clocks::Column::ReportTeamId),
            Alias::new("team"),
        )
        .expr_as(
            Expr::col(sla_clocks::Column::ReportSource),
            Alias::new("source"),
        )
        .expr_as(
            Expr::col(sla_clocks::Column::ReportLeadType),
            Alias::new("lead_type"),
        )
        .expr_as(Expr::col(sla_clocks::Column::State), Alias::new("state"))
        .expr_as(Expr::cust(stopped), Alias::new("stopped"))
        .expr_as(Expr::cust(approaching), Alias::new("approaching"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("clocks"))
        .expr_as(
            Expr::cust("CAST(SUM(elapsed_before_seconds) AS BIGINT)"),
            Alias::new("response_seconds"),
        )
        .expr_as(
            Expr::cust("CAST(SUM(target_seconds) AS BIGINT)"),
            Alias::new("target_seconds"),
        )
        .from(sla_clocks::Entity)
        .cond_where(condition)
        .add_group_by([
            Expr::col(sla_clocks::Column::ReportOwnerId).into(),
            Expr::col(sla_clocks::Column::ReportTeamId).into(),
            Expr::col(sla_clocks::Column::ReportSource).into(),
            Expr::col(sla_clocks::Column::ReportLeadType).into(),
            Expr::col(sla_clocks::Column::State).into(),
            Expr::cust(stopped),
            Expr::cust(approaching),
        ])
        .to_owned();
    let statement = db.get_database_backend().build(&query);
    Ok(FactGroup::find_by_statement(statement).all(db).await?)
}

/// The figures being added up, overall and by owner, team, source, lead type and week.
#[derive(Default)]
struct Tallies {
    total: Figures,
    by_owner: BTreeMap<Option<i64>, Figures>,
    by_team: BTreeMap<Option<i64>, Figures>,
    by_source: BTreeMap<Option<String>, Figures>,
    by_lead_type: BTreeMap<String, Figures>,
    weekly: BTreeMap<DateTime<Utc>, Figures>,
    distribution: BTreeMap<ResponseBucket, usize>,
}

impl Tallies {
    fn add(
        &mut self,
        tally: &Tally,
        owner: Option<i64>,
        team: Option<i64>,
        source: Option<String>,
        lead_type: String,
        week: DateTime<Utc>,
    ) {
        self.total.add_tally(tally);
        self.by_owner.entry(owner).or_default().add_tally(tally);
        self.by_team.entry(team).or_default().add_tally(tally);
        self.by_source.entry(source).or_default().add_tally(tally);
        self.by_lead_type
            .entry(lead_type)
            .or_default()
            .add_tally(tally);
        self.weekly.entry(week).or_default().add_tally(tally);
        if let Some(bucket) = tally.bucket {
            *self.distribution.entry(bucket).or_default() += tally.clocks;
        }
    }

    async fn finish(
        self,
        db: &impl ConnectionTrait,
        people: &HashMap<i64, users::Model>,
    ) -> Result<ComplianceReport, ApiError> {
        if self.total == Figures::default() {
            return Ok(ComplianceReport::default());
        }
        let team_names: HashMap<i64, String> = crate::entities::teams::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let distribution = [
            ResponseBucket::UnderTarget,
            ResponseBucket::Approaching,
            ResponseBucket::Breached,
        ]
        .into_iter()
        .map(|b| (b, self.distribution.get(&b).copied().unwrap_or(0)))
        .collect();
        Ok(ComplianceReport {
            total: self.total,
            by_owner: self
                .by_owner
                .into_iter()
                .map(|(id, f)| {
                    (
                        id,
                        id.and_then(|i| people.get(&i)).map(|u| u.name.clone()),
                        f,
                    )
                })
                .collect(),
            by_team: self
                .by_team
                .into_iter()
                .map(|(id, f)| (id, id.and_then(|i| team_names.get(&i)).cloned(), f))
                .collect(),
            by_source: self.by_source.into_iter().collect(),
            by_lead_type: self.by_lead_type.into_iter().collect(),
            weekly: self.weekly.into_iter().collect(),
            distribution,
            clocks: Vec::new(),
        })
    }
}
