//! Reports leaders and marketing ops act on (CONTRACT.md section 6): SLA compliance, the funnel,
//! the feedback loop and leakage; built on them, the monthly governance red flags, the 30-day
//! baseline comparison and marketing's scorecard.
//!
//! Every report takes a [`ReportFilter`]: a period `[from, to)` (default the 30 days before now)
//! and optional lists of teams, owners, sources, campaigns and lead types. A given list matches
//! only its members (an empty list matches nothing), so a manager's scope can be expressed as
//! the list of their teams. Team and owner mean, for SLA compliance, the owner a clock is
//! attributed to and that owner's team; for the lead-based reports, the lead's current owner
//! and team.
//!
//! Rows are narrowed in SQL (period, lead attributes); the figures are folded in Rust, which is
//! exact on both databases and is where business calendars are needed anyway.

pub mod access;
pub mod baseline;
pub mod compliance;
pub mod export;
pub mod facts;
pub mod feedback;
pub mod funnel;
pub mod governance;
pub mod leakage;
pub mod scorecard;
pub mod settings;
pub mod simulation;

use chrono::{DateTime, Datelike as _, Duration, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

use crate::entities::leads;
use crate::error::ApiError;

/// The default length of a report period.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// A half-open period `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    /// The period asked for, with the defaults of the contract: `to` = now, `from` = `to` - 30
    /// days. `to` before `from` is a BAD_USER_INPUT on `filter.to`.
    pub fn resolve(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let to = to.unwrap_or(now);
        let from = from.unwrap_or(to - Duration::days(DEFAULT_PERIOD_DAYS));
        if to < from {
            return Err(ApiError::bad_input(
                "filter.to",
                "must not be before filter.from",
            ));
        }
        Ok(Self { from, to })
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }
}

/// What every report is narrowed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFilter {
    pub period: Period,
    pub team_ids: Option<Vec<i64>>,
    pub owner_ids: Option<Vec<i64>>,
    pub sources: Option<Vec<String>>,
    pub campaigns: Option<Vec<String>>,
    pub lead_types: Option<Vec<String>>,
}

impl ReportFilter {
    /// The whole organisation over `period`.
    pub fn over(period: Period) -> Self {
        Self {
            period,
            team_ids: None,
            owner_ids: None,
            sources: None,
            campaigns: None,
            lead_types: None,
        }
    }

    /// The condition on `leads` for the lead attributes (source, campaign, lead type).
    fn lead_attributes(&self) -> Condition {
        self.lead_attributes_on(
            leads::Column::Source,
            leads::Column::Campaign,
            leads::Column::LeadType,
        )
    }

    /// The condition for the lead attributes on the columns of some table that hold them
    /// (the lead's own, or those stored with a clock's facts).
    fn lead_attributes_on<C: ColumnTrait>(
        &self,
        source: C,
        campaign: C,
        lead_type: C,
    ) -> Condition {
        let mut condition = Condition::all();
        if let Some(sources) = &self.sources {
            condition = condition.add(source.is_in(sources.clone()));
        }
        if let Some(campaigns) = &self.campaigns {
            condition = condition.add(campaign.is_in(campaigns.clone()));
        }
        if let Some(types) = &self.lead_types {
            condition = condition.add(lead_type.is_in(types.clone()));
        }
        condition
    }

    /// Whether the filter lists owners or teams.
    fn names_people(&self) -> bool {
        self.owner_ids.is_some() || self.team_ids.is_some()
    }

    /// Whether the filter narrows by a lead attribute (source, campaign or lead type).
    fn names_lead_attributes(&self) -> bool {
        self.sources.is_some() || self.campaigns.is_some() || self.lead_types.is_some()
    }

    /// Whether the filter narrows by anything about the lead (attributes, owner or team).
    fn names_lead(&self) -> bool {
        self.names_lead_attributes() || self.names_people()
    }

    /// The condition on `leads` for the lead attributes and the lead's current owner and team.
    fn lead_condition(&self) -> Condition {
        let mut condition = self.lead_attributes();
        if let Some(owners) = &self.owner_ids {
            condition = condition.add(leads::Column::OwnerId.is_in(owners.clone()));
        }
        if let Some(teams) = &self.team_ids {
            condition = condition.add(leads::Column::TeamId.is_in(teams.clone()));
        }
        condition
    }

    /// `SELECT id FROM leads WHERE <lead attributes>`: for narrowing other tables by lead.
    fn lead_ids_by_attributes(&self) -> SelectStatement {
        Query::select()
            .column(leads::Column::Id)
            .from(leads::Entity)
            .cond_where(self.lead_attributes())
            .to_owned()
    }

    /// Whether an owner and team pass the owner and team lists.
    fn passes_people(&self, owner_id: Option<i64>, team_id: Option<i64>) -> bool {
        let owner_ok = self
            .owner_ids
            .as_ref()
            .is_none_or(|ids| owner_id.is_some_and(|o| ids.contains(&o)));
        let team_ok = self
            .team_ids
            .as_ref()
            .is_none_or(|ids| team_id.is_some_and(|t| ids.contains(&t)));
        owner_ok && team_ok
    }
}

/// The Monday 00:00 UTC that starts the week of `at`: the unit of the weekly trends.
pub fn week_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let date = at.date_naive() - Duration::days(i64::from(at.weekday().num_days_from_monday()));
    date.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The weeks (Monday 00:00 UTC) the period touches, each with its part of the period.
pub(crate) fn weeks(period: Period) -> Vec<(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut week = week_start(period.from);
    while week < period.to {
        let next = week + chrono::Duration::days(7);
        out.push((week, period.from.max(week), period.to.min(next)));
        week = next;
    }
    out
}

/// `numerator / denominator`, or none when the denominator is 0.
pub fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The median of `values` (the mean of the middle two for an even count); none when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// The arithmetic mean of `values`; none when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Hours between two instants, to the second.
fn hours_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap_or_default().to_utc()
    }

    #[test]
    fn the_default_period_is_the_30_days_before_now() {
        let now = at("2026-03-31T12:00:00Z");
        let period = Period::resolve(None, None, now).unwrap_or(Period { from: now, to: now });
        assert_eq!(period.to, now);
        assert_eq!(period.from, at("2026-03-01T12:00:00Z"));
        assert!(Period::resolve(Some(now), Some(now - Duration::seconds(1)), now).is_err());
    }

    #[test]
    fn weeks_start_on_monday_utc() {
        assert_eq!(
            week_start(at("2026-03-04T18:00:00Z")),
            at("2026-03-02T00:00:00Z")
        );
        assert_eq!(
            week_start(at("2026-03-02T00:00:00Z")),
            at("2026-03-02T00:00:00Z")
        );
    }

    #[test]
    fn medians_of_even_and_odd_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
