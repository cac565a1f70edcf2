//! Queries, one module per feature, merged into [`QueryRoot`].

mod config;
mod users;

use async_graphql::MergedObject;

pub use config::ConfigQuery;
pub use users::UsersQuery;

#[derive(MergedObject, Default)]
pub struct QueryRoot(UsersQuery, ConfigQuery);
