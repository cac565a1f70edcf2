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
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _,
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

    fn add(&mut self, clock: &Classified) {
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
        if clock.stopped && clock.outcome != Outcome::Cancelled {
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
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Met,
    Breached,
    Running { approaching: bool },
    Cancelled,
}

struct Classified {
    outcome: Outcome,
    stopped: bool,
    elapsed_seconds: i64,
    target_seconds: i64,
    percent: f64,
    /// min(stop, due, now): the instant the clock is attributed at.
    attributed_at: DateTime<Utc>,
}

fn classify(row: &sla_clocks::Model, view: &sla::ClockView, now: DateTime<Utc>) -> Classified {
    // A stopped clock's verdict is its own (MET at or before its due, which a pause moves);
    // a breached one is attributed at its due, a met one at its stop.
    let (outcome, stopped, attributed_at) = if row.state == SlaState::Cancelled.as_str() {
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
    };
    Classified {
        outcome,
        stopped,
        elapsed_seconds: view.elapsed_seconds,
        target_seconds: row.target_seconds,
        percent: view.percent_elapsed,
        attributed_at,
    }
}

/// The compliance of the `kind` clocks started in the filter's period, as of `now`.
pub async fn report(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    kind: SlaKind,
    now: DateTime<Utc>,
) -> Result<ComplianceReport, ApiError> {
    let period = filter.period;
    let in_period = sla_clocks::Column::Kind
        .eq(kind.as_str())
        .and(sla_clocks::Column::StartedAt.gte(period.from))
        .and(sla_clocks::Column::StartedAt.lt(period.to))
        .and(sla_clocks::Column::LeadId.in_subquery(filter.lead_ids_by_attributes()));
    let clocks = sla_clocks::Entity::find()
        .filter(in_period.clone())
        .order_by_asc(sla_clocks::Column::Id)
        .all(db)
        .await?;
    if clocks.is_empty() {
        return Ok(ComplianceReport::default());
    }

    let clock_leads = Query::select()
        .column(sla_clocks::Column::LeadId)
        .from(sla_clocks::Entity)
        .cond_where(in_period)
        .to_owned();
    let lead_rows = leads::Entity::find()
        .filter(leads::Column::Id.in_subquery(clock_leads.clone()))
        .all(db)
        .await?;
    let lead_by_id: HashMap<i64, leads::Model> = lead_rows.into_iter().map(|l| (l.id, l)).collect();
    let assignments = assignments_of(db, clock_leads).await?;
    let people: HashMap<i64, users::Model> = users::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let team_names: HashMap<i64, String> = crate::entities::teams::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();

    let mut context = SlaContext::new();
    let mut result = ComplianceReport::default();
    let mut by_owner: BTreeMap<Option<i64>, Figures> = BTreeMap::new();
    let mut by_team: BTreeMap<Option<i64>, Figures> = BTreeMap::new();
    let mut by_source: BTreeMap<Option<String>, Figures> = BTreeMap::new();
    let mut by_lead_type: BTreeMap<String, Figures> = BTreeMap::new();
    let mut weekly: BTreeMap<DateTime<Utc>, Figures> = BTreeMap::new();
    let mut distribution: BTreeMap<ResponseBucket, usize> = BTreeMap::new();

    for row in &clocks {
        let Some(lead) = lead_by_id.get(&row.lead_id) else {
            continue;
        };
        let calendar = context.calendar(db, row.calendar_id).await?;
        let view = sla::view(row, &calendar, now)?;
        let clock = classify(row, &view, now);
        let (owner_id, queue_team) = assignments
            .get(&row.lead_id)
            .and_then(|list| {
                list.iter()
                    .take_while(|(at, _, _)| *at <= clock.attributed_at)
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
        result.total.add(&clock);
        by_owner.entry(owner_id).or_default().add(&clock);
        by_team.entry(team_id).or_default().add(&clock);
        by_source
            .entry(lead.source.clone())
            .or_default()
            .add(&clock);
        by_lead_type
            .entry(lead.lead_type.clone())
            .or_default()
            .add(&clock);
        weekly
            .entry(week_start(row.started_at))
            .or_default()
            .add(&clock);
        let bucket = match clock.outcome {
            Outcome::Cancelled => None,
            Outcome::Breached => Some(ResponseBucket::Breached),
            _ if clock.percent >= APPROACHING_PERCENT => Some(ResponseBucket::Approaching),
            _ => Some(ResponseBucket::UnderTarget),
        };
        if let Some(bucket) = bucket {
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
async fn assignments_of(
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
