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
use handoff_shared::lead::LeadEvent;
use handoff_shared::sla::BusinessCalendar;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};

use super::{ReportFilter, ratio, week_start};
use crate::entities::{lead_events, leads, sla_clocks, users};
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
        match clock.outcome {
            Outcome::Met => self.met += 1,
            Outcome::Breached => self.breached += 1,
            Outcome::Running { approaching } => {
                self.running += 1;
                if approaching {
                    self.approaching += 1;
                }
            }
            Outcome::Cancelled => self.cancelled += 1,
        }
        if clock.responded() {
            self.responded += 1;
            self.response_seconds += clock.elapsed_seconds;
            self.target_seconds += clock.target_seconds;
        }
    }
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
    Condition::all()
        .add(sla_clocks::Column::Kind.eq(kind.as_str()))
        .add(sla_clocks::Column::StartedAt.gte(filter.period.from))
        .add(sla_clocks::Column::StartedAt.lt(filter.period.to))
        .add(sla_clocks::Column::LeadId.in_subquery(filter.lead_ids_by_attributes()))
}

/// The clocks the report counts (before the owner and team lists), by id, each with the
/// calendar it counts in.
pub async fn clocks(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
) -> Result<Vec<(sla_clocks::Model, BusinessCalendar)>, ApiError> {
    let rows = sla_clocks::Entity::find()
        .filter(in_period(filter, kind))
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
    attribute(db, filter, kind, &clocks, now, &people).await
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
    kind: SlaKind,
    clocks: &[(sla_clocks::Model, BusinessCalendar)],
    now: DateTime<Utc>,
    people: &HashMap<i64, users::Model>,
) -> Result<Vec<AttributedClock>, ApiError> {
    if clocks.is_empty() {
        return Ok(Vec::new());
    }
    let clock_leads = Query::select()
        .column(sla_clocks::Column::LeadId)
        .from(sla_clocks::Entity)
        .cond_where(in_period(filter, kind))
        .to_owned();
    let lead_rows = leads::Entity::find()
        .filter(leads::Column::Id.in_subquery(clock_leads.clone()))
        .all(db)
        .await?;
    let lead_by_id: HashMap<i64, leads::Model> = lead_rows.into_iter().map(|l| (l.id, l)).collect();
    let assignments = assignments_of(db, clock_leads).await?;

    let mut out = Vec::with_capacity(clocks.len());
    for (row, calendar) in clocks {
        let Some(lead) = lead_by_id.get(&row.lead_id) else {
            continue;
        };
        let view = sla::view(row, calendar, now)?;
        let (outcome, stopped, attributed_at) = classify(row, &view, now);
        let (owner_id, queue_team) = assignments
            .get(&row.lead_id)
            .and_then(|list| {
                list.iter()
                    .take_while(|(at, _, _)| *at <= attributed_at)
                    .last()
                    .map(|(_, owner, team)| (*owner, *team))
            })
            .unwrap_or((None, None));
        let team_id = match owner_id {
            Some(owner) => people.get(&owner).and_then(|u| u.team_id),
            None => queue_team,
        };
        if !filter.passes_people(owner_id, team_id) {
            continue;
        }
        out.push(AttributedClock {
            source: lead.source.clone(),
            lead_type: lead.lead_type.clone(),
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

/// The compliance of the `kind` clocks started in the filter's period, as of `now`.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    now: DateTime<Utc>,
) -> Result<ComplianceReport, ApiError> {
    let clocks = clocks(db, filter, kind).await?;
    fold(db, filter, kind, &clocks, now).await
}

/// The report of `clocks` (those [`clocks`] reads, or the same clocks as a simulation has
/// recomputed them): attributed to owners and teams from the log, and counted.
pub async fn fold(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    clocks: &[(sla_clocks::Model, BusinessCalendar)],
    now: DateTime<Utc>,
) -> Result<ComplianceReport, ApiError> {
    let people = people(db).await?;
    let clocks = attribute(db, filter, kind, clocks, now, &people).await?;
    if clocks.is_empty() {
        return Ok(ComplianceReport::default());
    }
    let team_names: HashMap<i64, String> = crate::entities::teams::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();

    let mut result = ComplianceReport::default();
    let mut by_owner: BTreeMap<Option<i64>, Figures> = BTreeMap::new();
    let mut by_team: BTreeMap<Option<i64>, Figures> = BTreeMap::new();
    let mut by_source: BTreeMap<Option<String>, Figures> = BTreeMap::new();
    let mut by_lead_type: BTreeMap<String, Figures> = BTreeMap::new();
    let mut weekly: BTreeMap<DateTime<Utc>, Figures> = BTreeMap::new();
    let mut distribution: BTreeMap<ResponseBucket, usize> = BTreeMap::new();

    for clock in &clocks {
        result.total.add(clock);
        result
            .clocks
            .push((clock.clock.id, clock.clock.lead_id, clock.outcome));
        by_owner.entry(clock.owner_id).or_default().add(clock);
        by_team.entry(clock.team_id).or_default().add(clock);
        by_source
            .entry(clock.source.clone())
            .or_default()
            .add(clock);
        by_lead_type
            .entry(clock.lead_type.clone())
            .or_default()
            .add(clock);
        weekly
            .entry(week_start(clock.clock.started_at))
            .or_default()
            .add(clock);
        if let Some(bucket) = clock.bucket() {
            *distribution.entry(bucket).or_default() += 1;
        }
    }

    result.by_owner = by_owner
        .into_iter()
        .map(|(id, f)| {
            (
                id,
                id.and_then(|i| people.get(&i)).map(|u| u.name.clone()),
                f,
            )
        })
        .collect();
    result.by_team = by_team
        .into_iter()
        .map(|(id, f)| (id, id.and_then(|i| team_names.get(&i)).cloned(), f))
        .collect();
    result.by_source = by_source.into_iter().collect();
    result.by_lead_type = by_lead_type.into_iter().collect();
    result.weekly = weekly.into_iter().collect();
    result.distribution = [
        ResponseBucket::UnderTarget,
        ResponseBucket::Approaching,
        ResponseBucket::Breached,
    ]
    .into_iter()
    .map(|b| (b, distribution.get(&b).copied().unwrap_or(0)))
    .collect();
    Ok(result)
}

/// Each lead's assignments `(at, owner, team)` in log order.
pub(super) async fn assignments_of(
    db: &impl ConnectionTrait,
    lead_ids: sea_orm::sea_query::SelectStatement,
) -> Result<HashMap<i64, Vec<(DateTime<Utc>, Option<i64>, Option<i64>)>>, ApiError> {
    let rows = lead_events::Entity::find()
        .filter(lead_events::Column::Kind.eq("assigned"))
        .filter(lead_events::Column::LeadId.in_subquery(lead_ids))
        .order_by_asc(lead_events::Column::OccurredAt)
        .order_by_asc(lead_events::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    for row in rows {
        if let Ok(LeadEvent::Assigned(a)) = LeadEvent::from_stored(&row.kind, &row.payload) {
            out.entry(row.lead_id)
                .or_default()
                .push((row.occurred_at, a.owner_id, a.team_id));
        }
    }
    Ok(out)
}
