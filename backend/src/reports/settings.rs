//! The organisation's report settings (`org_settings`): the average deal size the leakage loss
//! is estimated with, marketing's monthly MQL target, the routing target, and the MQL score
//! threshold and leakage days the reports read.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait as _, ConnectionTrait, EntityTrait as _, IntoActiveModel as _, Set,
};

use super::leakage::DEFAULT_STALE_DAYS;
use crate::entities::org_settings;
use crate::error::ApiError;
use crate::handoff::intake::DEFAULT_MQL_THRESHOLD;

/// Seconds within which an MQL should be routed, unless configured: 15 minutes.
pub const DEFAULT_ROUTING_TARGET_SECONDS: i64 = 15 * 60;
/// The longest routing target accepted: a week.
pub const MAX_ROUTING_TARGET_SECONDS: i32 = 7 * 24 * 3600;

/// What the reports read from the organisation's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    /// None: not configured (stored as 0).
    pub average_deal_size: Option<f64>,
    /// MQLs per month marketing commits to; none: no target.
    pub monthly_mql_target: Option<i32>,
    pub routing_target_seconds: i64,
    /// The score at which a lead becomes an MQL.
    pub mql_threshold: i32,
    /// Days without activity after which an MQL counts as leaked.
    pub leakage_days: i64,
}

impl ReportSettings {
    fn of(row: Option<&org_settings::Model>) -> Self {
        match row {
            Some(row) => Self {
                average_deal_size: (row.average_deal_size > 0.0).then_some(row.average_deal_size),
                monthly_mql_target: row.monthly_mql_target,
                routing_target_seconds: i64::from(row.routing_target_seconds),
                mql_threshold: row.mql_threshold,
                leakage_days: i64::from(row.leakage_days),
            },
            None => Self {
                average_deal_size: None,
                monthly_mql_target: None,
                routing_target_seconds: DEFAULT_ROUTING_TARGET_SECONDS,
                mql_threshold: DEFAULT_MQL_THRESHOLD,
                leakage_days: DEFAULT_STALE_DAYS,
            },
        }
    }
}

/// The settings in force.
pub async fn load(db: &impl ConnectionTrait) -> Result<ReportSettings, ApiError> {
    let row = org_settings::Entity::find_by_id(1).one(db).await?;
    Ok(ReportSettings::of(row.as_ref()))
}

/// A change of the report settings: `None` leaves a setting as it is; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsChange {
    pub average_deal_size: Option<Option<f64>>,
    pub monthly_mql_target: Option<Option<i32>>,
    pub routing_target_seconds: Option<i32>,
}

impl SettingsChange {
    /// Checks every value, naming the field (`input.<field>`) of the first bad one.
    pub fn validate(&self) -> Result<(), ApiError> {
        if let Some(Some(size)) = self.average_deal_size
            && (!size.is_finite() || size < 0.0)
        {
            return Err(ApiError::bad_input(
                "input.averageDealSize",
                "must be a non-negative amount",
            ));
        }
        if let Some(Some(target)) = self.monthly_mql_target
            && target < 1
        {
            return Err(ApiError::bad_input(
                "input.monthlyMqlTarget",
                "must be at least 1 (null clears the target)",
            ));
        }
        if let Some(seconds) = self.routing_target_seconds
            && !(1..=MAX_ROUTING_TARGET_SECONDS).contains(&seconds)
        {
            return Err(ApiError::bad_input(
                "input.routingTargetSeconds",
                format!("must be between 1 and {MAX_ROUTING_TARGET_SECONDS} seconds"),
            ));
        }
        Ok(())
    }
}

/// Applies a validated change and returns the settings in force.
pub async fn update(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    change: SettingsChange,
) -> Result<ReportSettings, ApiError> {
    change.validate()?;
    let row = org_settings::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("org_settings row 1 is missing")))?;
    let mut active = row.into_active_model();
    if let Some(size) = change.average_deal_size {
        active.average_deal_size = Set(size.unwrap_or(0.0));
    }
    if let Some(target) = change.monthly_mql_target {
        active.monthly_mql_target = Set(target);
    }
    if let Some(seconds) = change.routing_target_seconds {
        active.routing_target_seconds = Set(seconds);
    }
    active.updated_at = Set(now);
    let row = active.update(db).await?;
    Ok(ReportSettings::of(Some(&row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_field() {
        let field = |change: SettingsChange| {
            change
                .validate()
                .err()
                .map(|e| e.into_parts().field.unwrap_or_default())
        };
        assert_eq!(
            field(SettingsChange {
                average_deal_size: Some(Some(-1.0)),
                ..Default::default()
            }),
            Some("input.averageDealSize".to_owned())
        );
        assert_eq!(
            field(SettingsChange {
                monthly_mql_target: Some(Some(0)),
                ..Default::default()
            }),
            Some("input.monthlyMqlTarget".to_owned())
        );
        assert_eq!(
            field(SettingsChange {
                routing_target_seconds: Some(0),
                ..Default::default()
            }),
            Some("input.routingTargetSeconds".to_owned())
        );
        assert_eq!(
            field(SettingsChange {
                average_deal_size: Some(None),
                monthly_mql_target: Some(None),
                routing_target_seconds: Some(900),
            }),
            None
        );
    }
}
