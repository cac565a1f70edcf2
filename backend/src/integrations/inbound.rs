//! Inbound integrations: marketing-automation platforms allowed to post leads to
//! `POST /webhooks/leads`, each with its own HMAC secret and service user.
//!
//! The secret is stored as issued (not hashed): verifying an HMAC needs the key itself. It is
//! shown once, in the `createInboundIntegration` answer, and never read back through the API;
//! protect the database (and its backups) like any other credential store.

use chrono::{DateTime, Utc};
use handoff_shared::FieldError;
use handoff_shared::domain::Role;
use rand::RngCore as _;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set, TransactionTrait as _,
};

use crate::auth::{Credential, Principal};
use crate::entities::{inbound_integrations, users};
use crate::error::ApiError;

/// An integration just created, with the secret to show once.
#[derive(Debug)]
pub struct IssuedIntegration {
    pub record: inbound_integrations::Model,
    pub secret: String,
}

/// The name of an integration: what it sends in `X-Handoff-Integration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationName(String);

impl IntegrationName {
    /// 1 to 100 characters of letters, digits, `.`, `_` and `-` (it travels in an HTTP header).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(FieldError::new("name", "must be 1 to 100 characters"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(FieldError::new(
                "name",
                "may contain only letters, digits, '.', '_' and '-' (it is sent in the X-Handoff-Integration header)",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The e-mail of an integration's service user (never a real mailbox).
fn service_email(integration_id: i64) -> String {
    format!("integration-{integration_id}@integrations.handoff.invalid")
}

/// Creates an integration with a fresh 256-bit secret and a service user (role INTEGRATION)
/// that the leads it sends are attributed to. A taken name is CONFLICT.
#[tracing::instrument(skip(db, name), fields(name = name.as_str()))]
pub async fn create(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    name: IntegrationName,
) -> Result<IssuedIntegration, ApiError> {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let secret = format!("whsec_{}", hex::encode(key));

    let txn = db.begin().await?;
    let taken = inbound_integrations::Entity::find()
        .filter(inbound_integrations::Column::Name.eq(name.as_str()))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(ApiError::Conflict(format!(
            "an inbound integration named {:?} already exists",
            name.as_str()
        )));
    }
    let record = inbound_integrations::ActiveModel {
        name: Set(name.as_str().to_owned()),
        secret: Set(secret.clone()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    users::ActiveModel {
        email: Set(service_email(record.id)),
        name: Set(format!("Integration: {}", name.as_str())),
        password_hash: Set(None),
        role: Set(Role::Integration.as_str().to_owned()),
        weight: Set(1),
        out_of_office: Set(false),
        notify_email: Set(false),
        notify_chat: Set(false),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    tracing::info!(integration_id = record.id, "inbound integration created");
    Ok(IssuedIntegration { record, secret })
}

/// All integrations, by name.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<inbound_integrations::Model>, ApiError> {
    Ok(inbound_integrations::Entity::find()
        .order_by_asc(inbound_integrations::Column::Name)
        .all(db)
        .await?)
}

/// Turns an integration on or off; an inactive one gets 401 on `POST /webhooks/leads`.
pub async fn set_active(
    db: &DatabaseConnection,
    id: i64,
    active: bool,
) -> Result<inbound_integrations::Model, ApiError> {
    let record = inbound_integrations::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no inbound integration with id {id}")))?;
    let mut change: inbound_integrations::ActiveModel = record.into();
    change.active = Set(active);
    Ok(change.update(db).await?)
}

/// The active integration called `name`, if any.
pub async fn find_active(
    conn: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<inbound_integrations::Model>, ApiError> {
    Ok(inbound_integrations::Entity::find()
        .filter(inbound_integrations::Column::Name.eq(name))
        .filter(inbound_integrations::Column::Active.eq(true))
        .one(conn)
        .await?)
}

/// The principal an integration acts as: its service user, role INTEGRATION.
pub async fn principal(
    conn: &impl ConnectionTrait,
    integration: &inbound_integrations::Model,
) -> Result<Principal, ApiError> {
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(service_email(integration.id)))
        .one(conn)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "inbound integration {} has no service user",
                integration.id
            ))
        })?;
    Ok(Principal {
        user_id: user.id,
        role: Role::Integration,
        credential: Credential::Integration {
            integration_id: integration.id,
        },
    })
}

/// The service user `handoff import` acts as ("CSV import" in a lead's history), created on
/// first use.
pub async fn cli_import_principal(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Principal, ApiError> {
    const EMAIL: &str = "csv-import@integrations.handoff.invalid";
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(EMAIL))
        .one(db)
        .await?;
    let user = match existing {
        Some(user) => user,
        None => {
            users::ActiveModel {
                email: Set(EMAIL.to_owned()),
                name: Set("CSV import".to_owned()),
                password_hash: Set(None),
                role: Set(Role::Integration.as_str().to_owned()),
                weight: Set(1),
                out_of_office: Set(false),
                notify_email: Set(false),
                notify_chat: Set(false),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    Ok(Principal {
        user_id: user.id,
        role: Role::Integration,
        credential: Credential::Cli,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_travel_in_a_header() {
        assert_eq!(
            IntegrationName::parse(" hubspot-prod ").unwrap().as_str(),
            "hubspot-prod"
        );
        assert_eq!(IntegrationName::parse("").unwrap_err().field, "name");
        assert!(IntegrationName::parse("hub spot").is_err());
        assert!(IntegrationName::parse("hübspot").is_err());
    }
}
