//! Leads from other systems into the intake: JSON objects shaped like the GraphQL `LeadInput`
//! (camelCase, as `POST /webhooks/leads` receives them and `handoff import` builds them) go
//! through exactly the path of `ingestLeads` ([`intake::ingest`]).

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::Value;

use crate::auth::Principal;
use crate::entities::leads;
use crate::error::ApiError;
use crate::handoff::intake::{self, RawLead};

/// What a batch came to, in the shape of the GraphQL `IngestResult`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOutcome {
    pub created: usize,
    pub updated: usize,
    /// The stored leads, in input order (the refused left out).
    pub leads: Vec<IngestedLead>,
    pub errors: Vec<ItemError>,
}

/// A stored lead, as the webhook answers it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestedLead {
    pub id: String,
    pub external_id: String,
    pub email: String,
    pub status: String,
    pub score: i32,
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub mql_at: Option<DateTime<Utc>>,
}

impl From<leads::Model> for IngestedLead {
    fn from(row: leads::Model) -> Self {
        Self {
            id: row.id.to_string(),
            external_id: row.external_id,
            email: row.email,
            status: row.status,
            score: row.score,
            owner_id: row.owner_id.map(|id| id.to_string()),
            team_id: row.team_id.map(|id| id.to_string()),
            mql_at: row.mql_at,
        }
    }
}

/// A refused item: its index in the batch, and what was wrong.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemError {
    pub index: usize,
    pub external_id: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

/// Ingests LeadInput-shaped JSON objects as `actor`. Items that do not even have the shape
/// (a number where a string belongs) are refused with their index and field; the others go
/// through the intake, which refuses bad values the same way.
pub async fn ingest_json(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: &Principal,
    items: Vec<Value>,
) -> Result<BatchOutcome, ApiError> {
    let mut refused = Vec::new();
    let mut raws = Vec::with_capacity(items.len());
    let mut positions = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let external_id = item
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match to_raw(item) {
            Ok(raw) => {
                raws.push(raw);
                positions.push(index);
            }
            Err((field, message)) => refused.push(ItemError {
                index,
                external_id,
                field,
                message,
            }),
        }
    }
    let outcome = intake::ingest(db, now, actor, raws).await?;
    let mut errors: Vec<ItemError> = outcome
        .errors
        .into_iter()
        .map(|e| ItemError {
            index: positions.get(e.index).copied().unwrap_or(e.index),
            external_id: e.external_id,
            field: e.field,
            message: e.message,
        })
        .chain(refused)
        .collect();
    errors.sort_by_key(|e| e.index);
    Ok(BatchOutcome {
        created: outcome.created,
        updated: outcome.updated,
        leads: outcome.leads.into_iter().map(IngestedLead::from).collect(),
        errors,
    })
}

/// One item as the intake's `RawLead`, or the field that has the wrong shape.
fn to_raw(item: Value) -> Result<RawLead, (Option<String>, String)> {
    let Value::Object(object) = item else {
        return Err((None, "must be a LeadInput object".to_owned()));
    };
    match serde_json::from_value::<RawLead>(Value::Object(object.clone())) {
        Ok(raw) => Ok(raw),
        Err(error) => {
            // serde names no field for a type error: find the key that fails on its own.
            let culprit = object.iter().find_map(|(key, value)| {
                let mut alone = serde_json::Map::new();
                alone.insert(key.clone(), value.clone());
                serde_json::from_value::<RawLead>(Value::Object(alone))
                    .err()
                    .map(|e| (key.clone(), e.to_string()))
            });
            Err(match culprit {
                Some((key, message)) => (Some(key), message),
                None => (None, error.to_string()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_wrongly_typed_value_names_its_field() {
        let (field, message) = to_raw(json!({
            "externalId": "x-1", "email": "a@b.c", "leadType": "other", "companySize": "big"
        }))
        .unwrap_err();
        assert_eq!(field.as_deref(), Some("companySize"));
        assert!(message.contains("invalid type"), "{message}");
        let raw = to_raw(json!({
            "externalId": "x-1", "email": "a@b.c", "leadType": "other", "companySize": 40,
            "occurredAt": "2026-01-05T09:30:00Z", "events": [{"kind": "mql", "occurredAt": "2026-01-06T00:00:00Z"}]
        }))
        .unwrap();
        assert_eq!(raw.company_size, Some(40));
        assert_eq!(raw.events.unwrap().len(), 1);
    }
}
