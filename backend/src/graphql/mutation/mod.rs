//! Mutations, one module per feature, merged into [`MutationRoot`].

mod auth;
mod config;
mod users;

use async_graphql::MergedObject;

pub use auth::AuthMutation;
pub use config::ConfigMutation;
pub use users::UsersMutation;

#[derive(MergedObject, Default)]
pub struct MutationRoot(AuthMutation, UsersMutation, ConfigMutation);
