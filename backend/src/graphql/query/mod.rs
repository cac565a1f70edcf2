//! Queries, one module per feature, merged into [`QueryRoot`].

mod config;
mod integrations;
mod leads;
mod notifications;
mod reports;
mod users;

use async_graphql::MergedObject;

pub use config::ConfigQuery;
pub use integrations::IntegrationsQuery;
pub use leads::LeadsQuery;
pub use notifications::NotificationsQuery;
pub use reports::ReportsQuery;
pub use users::UsersQuery;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    UsersQuery,
    ConfigQuery,
    IntegrationsQuery,
    LeadsQuery,
    NotificationsQuery,
    ReportsQuery,
);
