//! Assembles the schema and hardens it in one place: depth and complexity limits, DataLoaders,
//! extensions.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Schema, SchemaBuilder};

use super::extensions::OperationMetrics;
use super::loaders::DbLoader;
use super::mutation::MutationRoot;
use super::query::QueryRoot;
use super::subscription::SubscriptionRoot;
use crate::state::AppState;

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Deepest selection accepted; the UI's deepest query (lead -> history -> actor -> team ->
/// manager) is far shallower.
pub const MAX_DEPTH: usize = 12;
/// Most fields (weighted) one operation may select.
pub const MAX_COMPLEXITY: usize = 2000;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .limit_directives(16)
}

/// The executable schema with the process state and loaders registered.
pub fn build_schema(state: AppState) -> AppSchema {
    let loader = DataLoader::new(DbLoader::new(state.db.clone()), tokio::spawn);
    builder()
        .extension(OperationMetrics::new(state.metrics.clone()))
        .data(loader)
        .data(state)
        .finish()
}

/// The schema in SDL, for `handoff schema` and the frontend's checked-in copy.
pub fn sdl() -> String {
    builder().finish().sdl()
}
