//! The GraphQL API (CONTRACT.md section 5): schema assembly in [`schema`], resolvers split by
//! feature under [`query`], [`mutation`] and [`subscription`], output and input types in
//! [`types`]. Resolvers stay thin: they authorize, convert inputs, and call services.

pub mod extensions;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod schema;
pub mod subscription;
pub mod types;

use async_graphql::{Context, ID};
use handoff_shared::FieldError;

pub use schema::{AppSchema, build_schema};

use crate::error::ApiError;
use crate::state::AppState;

/// The process state registered in the schema.
pub fn state<'a>(ctx: &Context<'a>) -> Result<&'a AppState, ApiError> {
    ctx.data::<AppState>().map_err(|e| {
        ApiError::internal(anyhow::anyhow!(
            "AppState missing from schema data: {}",
            e.message
        ))
    })
}

/// A GraphQL `ID` as a database id; `field` names the argument or input field.
pub fn parse_id(id: &ID, field: &str) -> Result<i64, FieldError> {
    id.as_str()
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| FieldError::new(field, format!("{:?} is not a valid id", id.as_str())))
}

/// A database id as a GraphQL `ID`.
pub fn to_id(id: i64) -> ID {
    ID(id.to_string())
}
