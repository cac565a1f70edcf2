//! Routing rules: which team (and how) an MQL goes to. Lower priority runs first; the first
//! matching rule wins.

use chrono::{DateTime, Utc};
use handoff_shared::domain::RoutingMethod;
use sea_orm::{
    ActiveModelTrait as _, DatabaseConnection, EntityTrait as _, QueryOrder as _, Set,
    TryIntoModel as _,
};

use super::lead_types::ensure_lead_type_exists;
use super::values::{Name, Slug};
use crate::entities::{routing_rules, teams};
use crate::error::ApiError;

/// A rule to create (no `id`) or replace (with `id`), validated at the API edge: lists are
/// de-duplicated (`None` matches everything) and `min_company_size <= max_company_size`.
#[derive(Debug, Clone)]
pub struct RoutingRuleChange {
    pub id: Option<i64>,
    pub name: Name,
    pub priority: i32,
    pub lead_types: Option<Vec<Slug>>,
    pub countries: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub industries: Option<Vec<String>>,
    pub min_company_size: Option<i32>,
    pub max_company_size: Option<i32>,
    pub method: RoutingMethod,
    pub team_id: Option<i64>,
    /// Leave matched leads in the team's queue for reps to claim.
    pub queue_only: bool,
    pub active: bool,
}

/// Creates or replaces a routing rule. The team and the lead types it names must exist.
#[tracing::instrument(skip(db, change), fields(rule_id = ?change.id, name = change.name.as_str()))]
pub async fn upsert_routing_rule(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    change: RoutingRuleChange,
) -> Result<routing_rules::Model, ApiError> {
    if let Some(team_id) = change.team_id
        && teams::Entity::find_by_id(team_id).one(db).await?.is_none()
    {
        return Err(ApiError::bad_input(
            "teamId",
            format!("there is no team with id {team_id}"),
        ));
    }
    for (index, key) in change.lead_types.iter().flatten().enumerate() {
        ensure_lead_type_exists(db, key, &format!("leadTypes[{index}]")).await?;
    }
    let mut row = match change.id {
        Some(id) => routing_rules::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(routing_rules::ActiveModel::from)
            .ok_or_else(|| ApiError::not_found(format!("there is no routing rule with id {id}")))?,
        None => routing_rules::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    let lead_types = change
        .lead_types
        .map(|keys| keys.into_iter().map(Slug::into_inner).collect());
    row.name = Set(change.name.into_inner());
    row.priority = Set(change.priority);
    row.lead_types = Set(to_json(lead_types)?);
    row.countries = Set(to_json(change.countries)?);
    row.regions = Set(to_json(change.regions)?);
    row.industries = Set(to_json(change.industries)?);
    row.min_company_size = Set(change.min_company_size);
    row.max_company_size = Set(change.max_company_size);
    row.method = Set(change.method.as_str().to_owned());
    row.team_id = Set(change.team_id);
    row.queue_only = Set(change.queue_only);
    row.active = Set(change.active);
    row.updated_at = Set(now);
    let saved = row.save(db).await?.try_into_model()?;
    tracing::info!(rule_id = saved.id, "routing rule saved");
    Ok(saved)
}

/// All routing rules in the order they are tried: by priority, then oldest first.
pub async fn list_routing_rules(
    db: &DatabaseConnection,
) -> Result<Vec<routing_rules::Model>, ApiError> {
    Ok(routing_rules::Entity::find()
        .order_by_asc(routing_rules::Column::Priority)
        .order_by_asc(routing_rules::Column::Id)
        .all(db)
        .await?)
}

/// A stored match list (`None` matches everything); an unreadable one is a bug in the data.
pub fn stored_list(
    rule: &routing_rules::Model,
    column: &str,
    raw: Option<&str>,
) -> Result<Option<Vec<String>>, ApiError> {
    raw.map(|json| {
        serde_json::from_str(json).map_err(|error| {
            ApiError::internal(anyhow::Error::new(error).context(format!(
                "routing_rules row {} holds an unreadable {column}",
                rule.id
            )))
        })
    })
    .transpose()
}

fn to_json(list: Option<Vec<String>>) -> Result<Option<String>, ApiError> {
    list.map(|items| serde_json::to_string(&items).map_err(ApiError::internal))
        .transpose()
}
