//! Subscriptions over the `graphql-transport-ws` WebSocket, merged into [`SubscriptionRoot`].

mod live;

use async_graphql::MergedSubscription;

pub use live::LiveSubscription;

#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(LiveSubscription);
