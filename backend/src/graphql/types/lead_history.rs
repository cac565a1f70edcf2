//! A lead's audit trail (`Lead.history`), score breakdown and rejection reason.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use handoff_shared::domain;
use handoff_shared::lead::{LeadEvent, MqlReason, ScoreLine};
use sea_orm::EntityTrait as _;

use super::config::RejectionReason;
use super::enums;
use super::intake;
use super::user::User;
use crate::entities::{lead_events, leads, rejection_reasons};
use crate::error::ApiError;
use crate::graphql::loaders::load_user;
use crate::graphql::{state, to_id};
use crate::handoff::store;

pub fn score_breakdown(lead: &leads::Model) -> async_graphql::Result<Vec<intake::ScoreLine>> {
    let lines: Vec<ScoreLine> = serde_json::from_str(&lead.score_breakdown).map_err(|e| {
        ApiError::internal(anyhow::anyhow!("lead {} score breakdown: {e}", lead.id))
    })?;
    Ok(lines.into_iter().map(intake::ScoreLine::from).collect())
}

pub async fn rejection_reason(
    ctx: &Context<'_>,
    lead: &leads::Model,
) -> async_graphql::Result<Option<RejectionReason>> {
    let Some(code) = &lead.rejection_reason else {
        return Ok(None);
    };
    let row = rejection_reasons::Entity::find_by_id(code.as_str())
        .one(&state(ctx)?.db)
        .await
        .map_err(ApiError::from)?;
    Ok(Some(row.map(RejectionReason::from).unwrap_or_else(|| {
        RejectionReason {
            code: code.clone(),
            label: code.clone(),
            active: false,
            recycle_play: None,
        }
    })))
}

pub async fn history(
    ctx: &Context<'_>,
    lead_id: i64,
) -> async_graphql::Result<Vec<LeadEventEntry>> {
    let rows = store::history(&state(ctx)?.db, lead_id).await?;
    Ok(rows.into_iter().map(LeadEventEntry).collect())
}

/// One entry of a lead's audit trail.
#[derive(Debug, Clone)]
pub struct LeadEventEntry(pub lead_events::Model);

#[Object(name = "LeadEvent")]
impl LeadEventEntry {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// `created`, `updated`, `engagement`, `scored`, `red_flag`, `mql`, `assigned`, `accepted`,
    /// `rejected`, `touch`, `responded`, `qualified`, `converted`, `disqualified`, `recycled`,
    /// `sla`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// When it happened (backfilled history: in the past).
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// When it was written to the log.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }

    /// Who did it; null for the system's own steps.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(match self.0.actor_id {
            Some(id) => load_user(ctx, id).await?.map(User),
            None => None,
        })
    }

    /// The stage before, for events that move the lead.
    async fn from_status(&self) -> Option<enums::LeadStatus> {
        self.0
            .to_status
            .as_ref()
            .and(self.0.from_status.as_deref())
            .and_then(domain::LeadStatus::parse)
            .map(Into::into)
    }

    /// The stage after, for events that move the lead.
    async fn to_status(&self) -> Option<enums::LeadStatus> {
        self.0
            .to_status
            .as_deref()
            .and_then(domain::LeadStatus::parse)
            .map(Into::into)
    }

    /// What happened, in a sentence (the raw JSON payload when it cannot be read).
    async fn detail(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Ok(event) = LeadEvent::from_stored(&self.0.kind, &self.0.payload) else {
            return Ok(Some(self.0.payload.clone()));
        };
        let name = |id: Option<i64>| async move {
            match id {
                Some(id) => load_user(ctx, id)
                    .await
                    .ok()
                    .flatten()
                    .map_or_else(|| format!("user {id}"), |u| u.name),
                None => "nobody".to_owned(),
            }
        };
        Ok(Some(match event {
            LeadEvent::Created { profile } => format!(
                "Lead {} arrived as {}{}",
                profile.email,
                profile.lead_type,
                profile
                    .source
                    .map(|s| format!(" from {s}"))
                    .unwrap_or_default()
            ),
            LeadEvent::Updated { .. } => "Marketing re-sent the lead with changed facts".to_owned(),
            LeadEvent::Engagement { engagement } => format!("Engagement: {engagement}"),
            LeadEvent::Scored { score, breakdown } => {
                let lines: Vec<String> = breakdown
                    .iter()
                    .map(|l| {
                        if l.times > 1 {
                            format!("{} {:+} ({}x)", l.rule, l.points, l.times)
                        } else {
                            format!("{} {:+}", l.rule, l.points)
                        }
                    })
                    .collect();
                if lines.is_empty() {
                    format!("Scored {score}")
                } else {
                    format!("Scored {score}: {}", lines.join(", "))
                }
            }
            LeadEvent::RedFlag { detail, .. } => format!("Red flag: {detail}"),
            LeadEvent::Mql { reason, score } => match reason {
                MqlReason::Threshold => {
                    format!("Became an MQL: score {score} reached the threshold")
                }
                MqlReason::InstantType => {
                    "Became an MQL at once: its lead type qualifies instantly".to_owned()
                }
                MqlReason::History => "Became an MQL (from the source's history)".to_owned(),
            },
            LeadEvent::Assigned(a) => {
                let to = match a.owner_id {
                    Some(id) => format!("Assigned to {}", name(Some(id)).await),
                    None => "Put in the team queue".to_owned(),
                };
                let rule = a.rule.map(|r| format!(", rule {r}")).unwrap_or_default();
                let detail = a.detail.map(|d| format!("; {d}")).unwrap_or_default();
                let previous = match a.previous_owner_id {
                    Some(id) => format!(", from {}", name(Some(id)).await),
                    None => String::new(),
                };
                format!("{to} ({}{rule}{previous}){detail}", a.method)
            }
            LeadEvent::Accepted => "Sales accepted the lead".to_owned(),
            LeadEvent::Rejected {
                reason_code, note, ..
            } => format!(
                "Sales rejected the lead: {reason_code}{}",
                note.map(|n| format!(" ({n})")).unwrap_or_default()
            ),
            LeadEvent::Touch {
                channel,
                outcome,
                connected,
            } => format!(
                "Touch by {}: {outcome}{}",
                channel.as_str().to_lowercase(),
                if connected { " (connected)" } else { "" }
            ),
            LeadEvent::Responded => "The lead replied".to_owned(),
            LeadEvent::Qualified { .. } => "Sales qualified the lead (BANT)".to_owned(),
            LeadEvent::Converted { amount } => match amount {
                Some(amount) => format!("Converted to an opportunity worth {amount}"),
                None => "Converted to an opportunity".to_owned(),
            },
            LeadEvent::Disqualified { reason_code, note } => format!(
                "Disqualified: {reason_code}{}",
                note.map(|n| format!(" ({n})")).unwrap_or_default()
            ),
            LeadEvent::Recycled {
                reason_code,
                automatic,
                ..
            } => format!(
                "Recycled to marketing{}: {reason_code}",
                if automatic { " automatically" } else { "" }
            ),
            LeadEvent::Sla(t) => match &t.cause {
                Some(cause) => format!(
                    "SLA {} clock: {} ({cause}: now {} s, due {})",
                    t.clock.as_str(),
                    t.transition.as_str(),
                    t.target_seconds,
                    t.due_at.map_or_else(|| "-".to_owned(), |d| d.to_rfc3339())
                ),
                None => format!("SLA {} clock: {}", t.clock.as_str(), t.transition.as_str()),
            },
        }))
    }
}
