//! `BantInput` and `Cadence`: the types of the stage mutations and of a lead's follow-up
//! cadence, converted to and from `handoff_shared`/service types here.

use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use handoff_shared::lead::Bant;

use crate::handoff::cadence::CadenceStatus;

/// Budget, Authority, Need, Timeline: what makes an accepted lead sales-qualified.
#[derive(Debug, Clone, InputObject)]
pub struct BantInput {
    /// The prospect has budget for the purchase.
    pub budget: bool,
    /// The contact can decide (or knows who does).
    pub authority: bool,
    /// There is a problem the product solves.
    pub need: bool,
    /// There is a time frame for buying.
    pub timeline: bool,
    /// Free-text notes from the qualifying conversation.
    pub notes: Option<String>,
}

impl From<BantInput> for Bant {
    fn from(input: BantInput) -> Self {
        Self {
            budget: input.budget,
            authority: input.authority,
            need: input.need,
            timeline: input.timeline,
            notes: input
                .notes
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
        }
    }
}

/// A lead's follow-up cadence: the touches its lead type plans over a window that starts at
/// assignment, spread evenly (touch `i` of `n` is due at `startedAt + i * windowDays / n`).
#[derive(Debug, Clone, SimpleObject)]
pub struct Cadence {
    /// Touches logged since the cadence started.
    pub touches_done: i32,
    /// Touches the plan calls for (the lead type's, else the organisation default, 6).
    pub touches_planned: i32,
    /// Length of the cadence window in days (the lead type's, else the default, 14).
    pub window_days: i32,
    /// When the cadence started: the lead's assignment.
    pub started_at: DateTime<Utc>,
    /// When the next planned touch is due; null once the lead connected, the plan is done or
    /// the cadence ended.
    pub next_touch_due_at: Option<DateTime<Utc>>,
    /// Whether at least as many touches were logged as the plan has due by now (always true
    /// once the lead connected).
    pub on_track: bool,
    /// Whether a touch connected (see `logTouch`) or the lead replied since the cadence started.
    pub connected: bool,
    /// Whether the window is over or the lead left MQL/SAL; an MQL/SAL lead whose cadence
    /// ended without a connect is recycled automatically with reason `no_response`.
    pub ended: bool,
}

impl From<CadenceStatus> for Cadence {
    fn from(c: CadenceStatus) -> Self {
        Self {
            touches_done: c.touches_done,
            touches_planned: c.touches_planned,
            window_days: c.window_days,
            started_at: c.started_at,
            next_touch_due_at: c.next_touch_due_at,
            on_track: c.on_track,
            connected: c.connected,
            ended: c.ended,
        }
    }
}

/// `Lead.cadence`: the cadence of `lead` now; null until the lead is assigned.
pub async fn lead_cadence(
    ctx: &async_graphql::Context<'_>,
    lead: &crate::entities::leads::Model,
) -> async_graphql::Result<Option<Cadence>> {
    let state = crate::graphql::state(ctx)?;
    let status = crate::handoff::cadence::cadence_of(&state.db, lead, state.clock.now()).await?;
    Ok(status.map(Cadence::from))
}
