//! Working a lead: stage moves, touches, replies, reassignment and claiming.
//!
//! Roles: REP, MANAGER and ADMIN work leads (MARKETING_OPS and INTEGRATION: FORBIDDEN); which
//! leads is decided in `auth::permissions` (reps their own, managers their teams', admins all).
//! Each change reaches `leadChanged` through the live feed once it commits.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use crate::auth::{self, Permission};
use crate::error::ApiError;
use crate::graphql::types::Lead;
use crate::graphql::types::enums::TouchChannel;
use crate::graphql::types::stages::BantInput;
use crate::graphql::{parse_id, state};
use crate::handoff::cadence::TouchOutcome;
use crate::handoff::stages::{self, Amount, Changed, StageMove, Touch};
use crate::state::AppState;

#[derive(Default)]
pub struct StagesMutation;

/// The lead as the change left it (the live feed publishes it from the committed log).
fn changed(_state: &AppState, changed: Changed) -> Lead {
    Lead(changed.lead)
}

async fn move_stage(
    ctx: &Context<'_>,
    id: &ID,
    stage_move: StageMove,
) -> async_graphql::Result<Lead> {
    let actor = auth::authorize(ctx, Permission::WorkLeads)?;
    let state = state(ctx)?;
    let lead_id = parse_id(id, "id").map_err(ApiError::from)?;
    let result =
        stages::move_stage(&state.db, state.clock.now(), actor, lead_id, stage_move).await?;
    Ok(changed(state, result))
}

#[Object]
impl StagesMutation {
    /// Sales accepts the lead: MQL -> SAL (stops the ACCEPTANCE clock, starts QUALIFICATION).
    /// The owner, their manager or an admin; a queued lead is claimed first. Accepting an SAL
    /// lead is CONFLICT (two racing accepts: one wins); any other stage is BAD_USER_INPUT on
    /// `status` listing the allowed moves.
    async fn accept_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
    ) -> async_graphql::Result<Lead> {
        move_stage(ctx, &id, StageMove::Accept).await
    }

    /// Sales hands the lead back to marketing nurture: -> RECYCLED, with an active rejection
    /// reason (missing, unknown or inactive: BAD_USER_INPUT on `reasonCode`). The event carries
    /// the reason's recycle play, and subscribed outbound webhooks receive `lead.recycled`.
    async fn reject_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
        #[graphql(desc = "Code of an active rejection reason, e.g. `bad_fit`.")]
        reason_code: String,
        #[graphql(desc = "Why, in the rep's words (for marketing).")] note: Option<String>,
    ) -> async_graphql::Result<Lead> {
        auth::authorize(ctx, Permission::WorkLeads)?;
        let reason = stages::parse_reason(Some(&reason_code), "reasonCode")?;
        let note = stages::parse_note(note.as_deref(), "note")?;
        move_stage(ctx, &id, StageMove::Reject { reason, note }).await
    }

    /// Logs a touch (call, e-mail, meeting, social, SMS). The first stamps `firstResponseAt`
    /// (and stops FIRST_RESPONSE). `outcome` is free text; whether it connected is derived
    /// from it: `connected`, `conversation`, `spoke`, `talked`, `answered`, `replied`,
    /// `meeting_booked`, `meeting_held`, `meeting_scheduled`, `interested`, `not_interested`,
    /// `call_back_later`, `callback_requested` connect (case, spaces and hyphens ignored);
    /// anything else (`no_answer`, `left_voicemail`, `sent`, …) does not, except a MEETING,
    /// which connects unless `no_show`, `cancelled`, `rescheduled` or `declined`.
    async fn log_touch(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
        #[graphql(desc = "How the rep reached out.")] channel: TouchChannel,
        #[graphql(desc = "What came of it, e.g. `connected`, `left_voicemail`, `sent`.")]
        outcome: String,
        #[graphql(
            desc = "When it happened; default now. Not in the future (5 minutes of clock skew are read as now), not before the lead was created."
        )]
        occurred_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Lead> {
        let actor = auth::authorize(ctx, Permission::WorkLeads)?;
        let state = state(ctx)?;
        let lead_id = parse_id(&id, "id").map_err(ApiError::from)?;
        let outcome =
            TouchOutcome::parse(&outcome).map_err(|e| ApiError::from(e.within("outcome")))?;
        let touch = Touch {
            channel: channel.into(),
            outcome,
            occurred_at,
        };
        let result = stages::log_touch(&state.db, state.clock.now(), actor, lead_id, touch).await?;
        Ok(changed(state, result))
    }

    /// Records an inbound reply from the lead (pauses SLA clocks whose policy says so; counts
    /// as a connect for the cadence).
    async fn lead_responded(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
        #[graphql(desc = "When the reply came; default now. Same limits as in `logTouch`.")]
        occurred_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Lead> {
        let actor = auth::authorize(ctx, Permission::WorkLeads)?;
        let state = state(ctx)?;
        let lead_id = parse_id(&id, "id").map_err(ApiError::from)?;
        let result =
            stages::lead_responded(&state.db, state.clock.now(), actor, lead_id, occurred_at)
                .await?;
        Ok(changed(state, result))
    }

    /// Sales qualifies the lead with BANT: SAL -> SQL.
    async fn qualify_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
        #[graphql(desc = "What the qualifying conversation established.")] bant: BantInput,
    ) -> async_graphql::Result<Lead> {
        move_stage(ctx, &id, StageMove::Qualify { bant: bant.into() }).await
    }

    /// The lead becomes an opportunity: SQL -> OPPORTUNITY.
    async fn convert_to_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
        #[graphql(desc = "Expected deal amount, at least 0.")] amount: Option<f64>,
    ) -> async_graphql::Result<Lead> {
        auth::authorize(ctx, Permission::WorkLeads)?;
        let amount = amount
            .map(Amount::parse)
            .transpose()
            .map_err(|e| ApiError::from(e.within("amount")))?;
        move_stage(ctx, &id, StageMove::Convert { amount }).await
    }

    /// Closes the lead as not a fit: -> DISQUALIFIED, with an active reason (the rejection
    /// reasons; missing, unknown or inactive: BAD_USER_INPUT on `reasonCode`).
    async fn disqualify_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
        #[graphql(desc = "Code of an active reason, e.g. `competitor`.")] reason_code: String,
        #[graphql(desc = "Why, in the rep's words.")] note: Option<String>,
    ) -> async_graphql::Result<Lead> {
        auth::authorize(ctx, Permission::WorkLeads)?;
        let reason = stages::parse_reason(Some(&reason_code), "reasonCode")?;
        let note = stages::parse_note(note.as_deref(), "note")?;
        move_stage(ctx, &id, StageMove::Disqualify { reason, note }).await
    }

    /// Moves an open lead (MQL, SAL, SQL) to another owner, an active REP or MANAGER, whose
    /// team it joins (managers of the lead's team or owner, and admins). Recorded as an
    /// assignment with method `manual` and the previous owner.
    async fn reassign_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
        #[graphql(desc = "The new owner.")] owner_id: ID,
    ) -> async_graphql::Result<Lead> {
        let actor = auth::authorize(ctx, Permission::ReassignLeads)?;
        let state = state(ctx)?;
        let lead_id = parse_id(&id, "id").map_err(ApiError::from)?;
        let owner_id = parse_id(&owner_id, "ownerId").map_err(ApiError::from)?;
        let result =
            stages::reassign(&state.db, state.clock.now(), actor, lead_id, owner_id).await?;
        Ok(changed(state, result))
    }

    /// Takes a lead waiting in the caller's team queue (no owner yet): the caller becomes its
    /// owner (method `claim`). A lead someone already claimed is CONFLICT; another team's
    /// queue is FORBIDDEN.
    async fn claim_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] id: ID,
    ) -> async_graphql::Result<Lead> {
        let actor = auth::authorize(ctx, Permission::WorkLeads)?;
        let state = state(ctx)?;
        let lead_id = parse_id(&id, "id").map_err(ApiError::from)?;
        let result = stages::claim(&state.db, state.clock.now(), actor, lead_id).await?;
        Ok(changed(state, result))
    }
}
