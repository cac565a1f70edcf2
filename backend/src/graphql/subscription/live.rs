//! Live SLA events and lead changes, fed by the in-process [`crate::events::EventBus`].

use async_graphql::futures_util::{Stream, StreamExt as _, stream};
use async_graphql::{Context, ID, Subscription};
use handoff_shared::domain::Role;
use sea_orm::EntityTrait as _;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::auth::permissions::may_watch;
use crate::auth::{self, Permission, Principal};
use crate::entities::{leads, sla_clocks};
use crate::error::ApiError;
use crate::events::{LiveEvent, SlaNotice};
use crate::graphql::types::{Lead, SlaClock, SlaEvent};
use crate::graphql::{parse_id, state};
use crate::state::AppState;

#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// SLA clock transitions (started, at risk, breached, met, …) as they happen. Reps receive
    /// only events of their own leads.
    async fn sla_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads owned by this user.")] owner_id: Option<ID>,
        #[graphql(desc = "Only leads of this team.")] team_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = SlaEvent> + use<>> {
        let (principal, state, filter) = prepare(ctx, owner_id.as_ref(), team_id.as_ref())?;
        Ok(events(state.events.subscribe()).filter_map(move |event| {
            let (principal, state, filter) = (principal.clone(), state.clone(), filter);
            async move {
                let LiveEvent::Sla(notice) = event else {
                    return None;
                };
                if !filter.matches(notice.owner_id, notice.team_id)
                    || !may_watch(&principal, notice.owner_id)
                {
                    return None;
                }
                load_sla_event(&state, notice).await
            }
        }))
    }

    /// Leads as they change (created, routed, stage moves, reassignment). Reps receive only
    /// their own leads.
    async fn lead_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads owned by this user.")] owner_id: Option<ID>,
        #[graphql(desc = "Only leads of this team.")] team_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = Lead> + use<>> {
        let (principal, state, filter) = prepare(ctx, owner_id.as_ref(), team_id.as_ref())?;
        Ok(events(state.events.subscribe()).filter_map(move |event| {
            let (principal, state, filter) = (principal.clone(), state.clone(), filter);
            async move {
                let LiveEvent::LeadChanged(notice) = event else {
                    return None;
                };
                if !filter.matches(notice.owner_id, notice.team_id)
                    || !may_watch(&principal, notice.owner_id)
                {
                    return None;
                }
                load_or_log(
                    leads::Entity::find_by_id(notice.lead_id)
                        .one(&state.db)
                        .await,
                )
                .map(Lead)
            }
        }))
    }
}

/// Which events a subscriber asked for.
#[derive(Debug, Clone, Copy)]
struct Filter {
    owner_id: Option<i64>,
    team_id: Option<i64>,
}

impl Filter {
    fn matches(self, owner_id: Option<i64>, team_id: Option<i64>) -> bool {
        self.owner_id.is_none_or(|wanted| owner_id == Some(wanted))
            && self.team_id.is_none_or(|wanted| team_id == Some(wanted))
    }
}

fn prepare(
    ctx: &Context<'_>,
    owner_id: Option<&ID>,
    team_id: Option<&ID>,
) -> Result<(Principal, AppState, Filter), ApiError> {
    let principal = auth::authorize(ctx, Permission::WatchLiveEvents)?.clone();
    let state = state(ctx)?.clone();
    let filter = Filter {
        owner_id: owner_id.map(|id| parse_id(id, "ownerId")).transpose()?,
        team_id: team_id.map(|id| parse_id(id, "teamId")).transpose()?,
    };
    // Asking for someone else's leads is refused outright rather than answered with silence.
    if principal.role == Role::Rep && filter.owner_id.is_some_and(|id| id != principal.user_id) {
        return Err(ApiError::Forbidden);
    }
    Ok((principal, state, filter))
}

/// The bus as a stream; a subscriber that falls behind skips what it missed.
fn events(receiver: broadcast::Receiver<LiveEvent>) -> impl Stream<Item = LiveEvent> + use<> {
    stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => return Some((event, receiver)),
                Err(RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "a live-event subscriber fell behind");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

async fn load_sla_event(state: &AppState, notice: SlaNotice) -> Option<SlaEvent> {
    let clock = load_or_log(
        sla_clocks::Entity::find_by_id(notice.clock_id)
            .one(&state.db)
            .await,
    )?;
    let lead = load_or_log(
        leads::Entity::find_by_id(notice.lead_id)
            .one(&state.db)
            .await,
    )?;
    Some(SlaEvent {
        kind: notice.kind.into(),
        clock: SlaClock(clock),
        lead: Lead(lead),
        occurred_at: notice.occurred_at,
    })
}

/// A row for a live event; a failed lookup drops the event (the client still has the
/// current state on its next query) but is logged.
fn load_or_log<T>(result: Result<Option<T>, sea_orm::DbErr>) -> Option<T> {
    result.unwrap_or_else(|error| {
        tracing::error!(error = %error, "loading a live event's row failed");
        None
    })
}
