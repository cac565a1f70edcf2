//! What recycling a lead sets off outside the lead: the signed outbound webhook
//! (`lead.recycled`) that tells the marketing platform which nurture play to run.
//!
//! Stages (`rejectLead`) and the cadence sweep (auto-recycle) call [`on_recycled`] right after
//! appending the `Rejected`/`Recycled` event, inside the same transaction, so the outbox rows
//! commit or roll back with the event itself.

use chrono::{DateTime, SecondsFormat, Utc};
use handoff_shared::lead::LeadEvent;
use sea_orm::{ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _};
use serde_json::json;

use crate::entities::{lead_events, leads, rejection_reasons};
use crate::error::ApiError;
use crate::handoff::store::LeadRecord;
use crate::integrations::outbound::{self, LEAD_RECYCLED};
use crate::notify::outbox::{self, NewNotification};

/// Enqueues one `notifications` row per active outbound webhook subscribed to `lead.recycled`.
/// `event_id` is the id of the appended `Rejected`/`Recycled` event; with the webhook id it
/// makes the idempotency key `recycled:<event_id>:<webhook_id>`.
#[tracing::instrument(skip(txn, record), fields(lead_id = record.id))]
pub async fn on_recycled(
    txn: &impl ConnectionTrait,
    record: &LeadRecord,
    event_id: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let subscribers = outbound::subscribers(txn, LEAD_RECYCLED).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let stored = lead_events::Entity::find_by_id(event_id)
        .filter(lead_events::Column::LeadId.eq(record.id))
        .one(txn)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "on_recycled: event {event_id} of lead {} not found",
                record.id
            ))
        })?;
    let event = LeadEvent::from_stored(&stored.kind, &stored.payload)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("on_recycled: event {event_id}: {e}")))?;
    let (reason_code, note, play, automatic) = match event {
        LeadEvent::Rejected {
            reason_code,
            note,
            recycle_play,
        } => (reason_code, note, recycle_play, false),
        LeadEvent::Recycled {
            reason_code,
            note,
            automatic,
        } => (reason_code, note, None, automatic),
        other => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "on_recycled: event {event_id} is {:?}, not a recycling",
                other.kind()
            )));
        }
    };
    let reason = rejection_reasons::Entity::find_by_id(reason_code.clone())
        .one(txn)
        .await?;
    let play = play.or_else(|| reason.as_ref().and_then(|r| r.recycle_play.clone()));
    let external_id = leads::Entity::find_by_id(record.id)
        .one(txn)
        .await?
        .map(|row| row.external_id)
        .unwrap_or_default();

    let state = &record.state;
    let profile = &state.profile;
    let body = json!({
        "event": LEAD_RECYCLED,
        "lead": {
            "id": record.id.to_string(),
            "externalId": external_id,
            "email": profile.email,
            "firstName": profile.first_name,
            "lastName": profile.last_name,
            "title": profile.title,
            "company": profile.company,
            "companySize": profile.company_size,
            "industry": profile.industry,
            "country": profile.country,
            "region": profile.region,
            "source": profile.source,
            "campaign": profile.campaign,
            "leadType": profile.lead_type,
            "status": state.status.as_str(),
            "score": state.score,
            "ownerId": state.owner_id.map(|id| id.to_string()),
            "teamId": state.team_id.map(|id| id.to_string()),
            "mqlAt": state.mql_at.map(rfc3339),
            "salAt": state.sal_at.map(rfc3339),
        },
        "reason": {
            "code": reason_code,
            "label": reason.as_ref().map(|r| r.label.clone()),
        },
        "note": note,
        "recyclePlay": play,
        "automatic": automatic,
        "occurredAt": rfc3339(stored.occurred_at),
    })
    .to_string();

    for webhook in subscribers {
        outbox::enqueue(
            txn,
            now,
            NewNotification {
                idempotency_key: outbox::webhook_key("recycled", event_id, webhook.id),
                lead_id: Some(record.id),
                clock_id: None,
                event: LEAD_RECYCLED.to_owned(),
                recipient_user_id: None,
                channel: outbox::WEBHOOK.to_owned(),
                target: webhook.url.clone(),
                subject: format!("Lead {} recycled ({reason_code})", record.id),
                body: body.clone(),
            },
        )
        .await?;
    }
    Ok(())
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
