//! Live SLA events and lead changes, fed by the [`crate::events::EventBus`], which the live
//! feed fills from the committed event log.
//!
//! Who sees what: the caller's lead scope (a manager: the teams they run or belong to and their
//! reps' leads; admins and marketing ops: all), and reps only their own leads
//! ([`may_watch`]). The scope is read once when the subscription starts.
//!
//! A subscriber that falls behind the bounded channel does not slow anyone down: it loses the
//! oldest events and receives, in their place, one error item with `extensions.code` `LAGGED`
//! and `extensions.dropped` (how many), then goes on with new events. The count covers every
//! event it missed, also those its filters would have dropped.

use std::sync::Arc;

use async_graphql::futures_util::{Stream, StreamExt as _, stream};
use async_graphql::{Context, ErrorExtensions as _, ID, Subscription};
use handoff_shared::domain::Role;
use sea_orm::EntityTrait as _;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::auth::permissions::{LeadScope, may_watch};
use crate::auth::{self, Permission, Principal};
use crate::entities::leads;
use crate::error::ApiError;
use crate::events::LiveEvent;
use crate::graphql::types::{Lead, SlaClock, SlaEvent};
use crate::graphql::{parse_id, state};
use crate::handoff::leads::scope_of;
use crate::state::AppState;

/// `extensions.code` of the notice a lagging subscriber receives.
pub const LAGGED: &str = "LAGGED";

#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// SLA clock transitions (started, at risk, breached, met, …) as they are committed;
    /// thresholds recorded from backfilled history never appear. Reps receive only events of
    /// their own leads, managers those of their teams. A subscriber that fell behind receives
    /// an error with `extensions.code` LAGGED and `extensions.dropped`, then continues.
    async fn sla_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads owned by this user.")] owner_id: Option<ID>,
        #[graphql(desc = "Only leads of this team.")] team_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = Result<SlaEvent, async_graphql::Error>> + use<>>
    {
        let watcher = Arc::new(Watcher::prepare(ctx, owner_id.as_ref(), team_id.as_ref()).await?);
        Ok(
            events(watcher.state.events.subscribe()).filter_map(move |item| {
                let answer = match item {
                    Err(dropped) => Some(Err(lagged(dropped))),
                    Ok(LiveEvent::Sla(notice)) if watcher.sees(notice.owner_id, notice.team_id) => {
                        Some(Ok(SlaEvent {
                            kind: notice.kind.into(),
                            clock: SlaClock((*notice.clock).clone()),
                            lead: Lead((*notice.lead).clone()),
                            occurred_at: notice.occurred_at,
                        }))
                    }
                    Ok(_) => None,
                };
                async move { answer }
            }),
        )
    }

    /// Leads as their changes are committed (created, routed, stage moves, reassignment, SLA
    /// transitions): the lead as it is then, once per lead per batch of changes. Reps receive
    /// only their own leads, managers those of their teams. A subscriber that fell behind
    /// receives an error with `extensions.code` LAGGED and `extensions.dropped`, then continues.
    async fn lead_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads owned by this user.")] owner_id: Option<ID>,
        #[graphql(desc = "Only leads of this team.")] team_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = Result<Lead, async_graphql::Error>> + use<>> {
        let watcher = Arc::new(Watcher::prepare(ctx, owner_id.as_ref(), team_id.as_ref()).await?);
        Ok(
            events(watcher.state.events.subscribe()).filter_map(move |item| {
                let watcher = watcher.clone();
                async move {
                    match item {
                        Err(dropped) => Some(Err(lagged(dropped))),
                        Ok(LiveEvent::Lead(lead)) if watcher.sees(lead.owner_id, lead.team_id) => {
                            Some(Ok(Lead((*lead).clone())))
                        }
                        // Published by id only: the row is loaded here, per subscriber.
                        Ok(LiveEvent::LeadChanged(notice))
                            if watcher.sees(notice.owner_id, notice.team_id) =>
                        {
                            load_lead(&watcher.state, notice.lead_id).await.map(Ok)
                        }
                        Ok(_) => None,
                    }
                }
            }),
        )
    }
}

/// One subscriber: who they are, what they may see, what they asked for.
#[derive(Clone)]
struct Watcher {
    principal: Principal,
    scope: LeadScope,
    state: AppState,
    filter: Filter,
}

impl Watcher {
    async fn prepare(
        ctx: &Context<'_>,
        owner_id: Option<&ID>,
        team_id: Option<&ID>,
    ) -> Result<Self, ApiError> {
        let principal = auth::authorize(ctx, Permission::WatchLiveEvents)?.clone();
        let state = state(ctx)?.clone();
        let filter = Filter {
            owner_id: owner_id.map(|id| parse_id(id, "ownerId")).transpose()?,
            team_id: team_id.map(|id| parse_id(id, "teamId")).transpose()?,
        };
        // Asking for someone else's leads is refused outright rather than answered with silence.
        if principal.role == Role::Rep && filter.owner_id.is_some_and(|id| id != principal.user_id)
        {
            return Err(ApiError::Forbidden);
        }
        let scope = scope_of(&state.db, &principal).await?;
        Ok(Self {
            principal,
            scope,
            state,
            filter,
        })
    }

    fn sees(&self, owner_id: Option<i64>, team_id: Option<i64>) -> bool {
        self.filter.matches(owner_id, team_id)
            && may_watch(&self.principal, owner_id)
            && self.scope.contains(owner_id, team_id)
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

/// The bus as a stream: an event, or how many events this subscriber lost by falling behind.
fn events(
    receiver: broadcast::Receiver<LiveEvent>,
) -> impl Stream<Item = Result<LiveEvent, u64>> + use<> {
    stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(event) => Some((Ok(event), receiver)),
            Err(RecvError::Lagged(dropped)) => {
                tracing::warn!(dropped, "a live-event subscriber fell behind");
                Some((Err(dropped), receiver))
            }
            Err(RecvError::Closed) => None,
        }
    })
}

/// The notice in place of the events a subscriber lost.
fn lagged(dropped: u64) -> async_graphql::Error {
    async_graphql::Error::new(format!(
        "this subscription fell behind and {dropped} live events were dropped; \
         query the current state to catch up"
    ))
    .extend_with(|_, extensions| {
        extensions.set("code", LAGGED);
        extensions.set("dropped", dropped);
    })
}

/// A lead for an id-only notice; a failed lookup drops the event (the client still has the
/// current state on its next query) but is logged.
async fn load_lead(state: &AppState, id: i64) -> Option<Lead> {
    match leads::Entity::find_by_id(id).one(&state.db).await {
        Ok(lead) => lead.map(Lead),
        Err(error) => {
            tracing::error!(error = %error, "loading a live event's lead failed");
            None
        }
    }
}
