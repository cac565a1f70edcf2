//! The 30-day review: the shared KPIs of two periods side by side, with the change from the
//! first (the baseline, e.g. before launch) to the second.
//!
//! For each period, over the filter:
//! - MQL to SQL conversion: of the funnel cohort (leads whose `mqlAt` lies in the period), the
//!   share that reached SQL;
//! - first response time: the mean and median business seconds from start to stop of the
//!   FIRST_RESPONSE clocks started in the period and stopped, met or breached (the set SLA
//!   compliance averages over);
//! - SLA compliance rate (FIRST_RESPONSE), as in the compliance report.
//!
//! The change of a figure is absolute (B - A) and relative ((B - A) / A); null when either
//! figure is null, and the relative one also when A is 0.

use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaKind;
use sea_orm::ConnectionTrait;

use super::{ReportFilter, compliance, funnel, median, ratio};
use crate::error::ApiError;

/// The KPIs of one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kpis {
    pub mqls: usize,
    pub sqls: usize,
    /// sqls / mqls.
    pub mql_to_sql: Option<f64>,
    /// Stopped (met or breached) FIRST_RESPONSE clocks: what the response times are over.
    pub responded: usize,
    pub average_response_seconds: Option<f64>,
    pub median_response_seconds: Option<f64>,
    pub met: usize,
    pub breached: usize,
    /// met / (met + breached).
    pub compliance_rate: Option<f64>,
}

/// The change of one figure from A to B.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Change {
    pub absolute: Option<f64>,
    pub relative: Option<f64>,
}

impl Change {
    pub fn between(a: Option<f64>, b: Option<f64>) -> Self {
        match (a, b) {
            (Some(a), Some(b)) => Self {
                absolute: Some(b - a),
                relative: (a != 0.0).then(|| (b - a) / a),
            },
            _ => Self::default(),
        }
    }
}

/// The KPIs of the filter's period, as of `now`.
pub async fn kpis(
    db: &impl ConnectionTrait,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<Kpis, ApiError> {
    let (mqls, sqls) = funnel::mqls_and_sqls(db, filter).await?;
    let (figures, seconds) = compliance::totals(db, filter, SlaKind::FirstResponse, now).await?;
    let mut seconds: Vec<f64> = seconds.into_iter().map(|s| s as f64).collect();
    Ok(Kpis {
        mqls,
        sqls,
        mql_to_sql: ratio(sqls, mqls),
        responded: figures.responded,
        average_response_seconds: figures.average_response_seconds(),
        median_response_seconds: median(&mut seconds),
        met: figures.met,
        breached: figures.breached,
        compliance_rate: figures.compliance_rate(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_null_where_undefined() {
        assert_eq!(
            Change::between(Some(0.5), Some(0.75)),
            Change {
                absolute: Some(0.25),
                relative: Some(0.5)
            }
        );
        assert_eq!(
            Change::between(Some(0.0), Some(0.75)),
            Change {
                absolute: Some(0.75),
                relative: None
            }
        );
        assert_eq!(Change::between(None, Some(1.0)), Change::default());
        assert_eq!(Change::between(Some(1.0), None), Change::default());
    }
}
