//! SLA policies: one per `(lead type, kind)`; upserting the same pair updates that row in place,
//! so running clocks keep pointing at it.

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::{SlaKind, SlaStartOn};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait as _, DatabaseConnection, EntityTrait as _, QueryFilter as _, QueryOrder as _, Set,
    TransactionTrait as _,
};

use super::calendars::ensure_calendar_exists;
use super::lead_types::ensure_lead_type_exists;
use super::values::{Name, Slug};
use crate::entities::sla_policies;
use crate::error::ApiError;

/// At-risk notification thresholds, in percent of the target: each 1 to 99, ascending, no
/// duplicates. Breach always notifies, so it is not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyPercents(Vec<u8>);

impl NotifyPercents {
    /// The default when a policy names none: at 50 % and 80 %.
    pub fn standard() -> Self {
        Self(vec![50, 80])
    }

    /// Sorts and de-duplicates; an out-of-range value is reported at its index (`[2]`).
    pub fn parse(values: &[i32]) -> Result<Self, FieldError> {
        let mut percents = Vec::with_capacity(values.len());
        for (index, &value) in values.iter().enumerate() {
            let percent = u8::try_from(value)
                .ok()
                .filter(|p| (1..=99).contains(p))
                .ok_or_else(|| {
                    FieldError::new(
                        format!("[{index}]"),
                        format!("{value} is not a percentage from 1 to 99"),
                    )
                })?;
            percents.push(percent);
        }
        percents.sort_unstable();
        percents.dedup();
        Ok(Self(percents))
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The stored form: a JSON array such as `[50,80]`.
    pub fn to_json(&self) -> String {
        let items: Vec<String> = self.0.iter().map(u8::to_string).collect();
        format!("[{}]", items.join(","))
    }
}

/// The clock start the contract gives each kind when a policy names none: QUALIFICATION counts
/// from acceptance, the others from assignment.
pub fn default_start_on(kind: SlaKind) -> SlaStartOn {
    match kind {
        SlaKind::FirstResponse | SlaKind::Acceptance => SlaStartOn::Assigned,
        SlaKind::Qualification => SlaStartOn::Accepted,
    }
}

/// A policy, validated at the API edge. The contract's fields carry their defaults already; the
/// two it does not define are `None` to keep their current value (new policies: not pausing on a
/// reply, active).
#[derive(Debug, Clone)]
pub struct SlaPolicyChange {
    pub name: Name,
    pub lead_type: Slug,
    pub kind: SlaKind,
    /// Business seconds, at least 1.
    pub target_seconds: i64,
    pub calendar_id: Option<i64>,
    pub start_on: SlaStartOn,
    pub notify_at_percent: NotifyPercents,
    pub escalate_to_manager: bool,
    pub reassign_on_breach: bool,
    pub pause_on_response: Option<bool>,
    pub active: Option<bool>,
}

/// Creates the policy of `(lead type, kind)`, or updates the existing one in place.
#[tracing::instrument(skip(db, change), fields(lead_type = %change.lead_type, kind = %change.kind))]
pub async fn upsert_sla_policy(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: SlaPolicyChange,
) -> Result<sla_policies::Model, ApiError> {
    ensure_lead_type_exists(db, &change.lead_type, "leadType").await?;
    if let Some(calendar_id) = change.calendar_id {
        ensure_calendar_exists(db, calendar_id, "calendarId").await?;
    }
    let lead_type = change.lead_type.into_inner();
    let kind = change.kind.as_str();
    let row = sla_policies::ActiveModel {
        name: Set(change.name.into_inner()),
        lead_type: Set(lead_type.clone()),
        kind: Set(kind.to_owned()),
        target_seconds: Set(change.target_seconds),
        calendar_id: Set(change.calendar_id),
        start_on: Set(change.start_on.as_str().to_owned()),
        notify_at_percent: Set(change.notify_at_percent.to_json()),
        escalate_to_manager: Set(change.escalate_to_manager),
        reassign_on_breach: Set(change.reassign_on_breach),
        pause_on_response: Set(change.pause_on_response.unwrap_or(false)),
        active: Set(change.active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut updated = vec![
        sla_policies::Column::Name,
        sla_policies::Column::TargetSeconds,
        sla_policies::Column::CalendarId,
        sla_policies::Column::StartOn,
        sla_policies::Column::NotifyAtPercent,
        sla_policies::Column::EscalateToManager,
        sla_policies::Column::ReassignOnBreach,
        sla_policies::Column::UpdatedAt,
    ];
    updated.extend(
        change
            .pause_on_response
            .map(|_| sla_policies::Column::PauseOnResponse),
    );
    updated.extend(change.active.map(|_| sla_policies::Column::Active));
    // One statement, so that two admins saving the same pair at once still leave one row.
    let upsert = OnConflict::columns([sla_policies::Column::LeadType, sla_policies::Column::Kind])
        .update_columns(updated)
        .to_owned();
    let txn = db.begin().await?;
    sla_policies::Entity::insert(row)
        .on_conflict(upsert)
        .exec_without_returning(&txn)
        .await?;
    let saved = sla_policies::Entity::find()
        .filter(sla_policies::Column::LeadType.eq(lead_type.as_str()))
        .filter(sla_policies::Column::Kind.eq(kind))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "the SLA policy {lead_type}/{kind} vanished after its upsert"
            ))
        })?;
    // Clocks already running under the policy follow the new target, thresholds and calendar.
    let replanned = crate::sla::replan_policy(&txn, saved.id, now).await?;
    txn.commit().await?;
    tracing::info!(policy_id = saved.id, replanned, "SLA policy saved");
    Ok(saved)
}

/// All SLA policies, by lead type and kind.
pub async fn list_sla_policies(
    db: &DatabaseConnection,
) -> Result<Vec<sla_policies::Model>, ApiError> {
    Ok(sla_policies::Entity::find()
        .order_by_asc(sla_policies::Column::LeadType)
        .order_by_asc(sla_policies::Column::Kind)
        .all(db)
        .await?)
}

/// The stored thresholds of a policy; an unreadable list is a bug in the data.
pub fn stored_notify_percents(policy: &sla_policies::Model) -> Result<Vec<i32>, ApiError> {
    serde_json::from_str(&policy.notify_at_percent).map_err(|error| {
        ApiError::internal(anyhow::Error::new(error).context(format!(
            "sla_policies row {} holds unreadable notify_at_percent",
            policy.id
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_sorted_and_deduplicated() {
        let percents = NotifyPercents::parse(&[80, 50, 80, 95]).unwrap();
        assert_eq!(percents.as_slice(), &[50, 80, 95]);
        assert_eq!(percents.to_json(), "[50,80,95]");
    }

    #[test]
    fn a_threshold_outside_1_to_99_is_reported_at_its_index() {
        for (values, index) in [
            (vec![50, 0], "[1]"),
            (vec![100], "[0]"),
            (vec![50, 80, -5], "[2]"),
        ] {
            let error = NotifyPercents::parse(&values).unwrap_err();
            assert_eq!(error.field, index, "{values:?}");
        }
    }

    #[test]
    fn qualification_starts_on_acceptance_by_default_the_others_on_assignment() {
        assert_eq!(
            default_start_on(SlaKind::FirstResponse),
            SlaStartOn::Assigned
        );
        assert_eq!(default_start_on(SlaKind::Acceptance), SlaStartOn::Assigned);
        assert_eq!(
            default_start_on(SlaKind::Qualification),
            SlaStartOn::Accepted
        );
    }
}
