//! Queries, one module per feature, merged into [`QueryRoot`].

mod config;
mod digest;
mod governance;
mod integrations;
mod leads;
mod notifications;
mod preview;
mod reports;
mod simulation;
mod users;

use async_graphql::MergedObject;

pub use config::ConfigQuery;
pub use digest::DigestQuery;
pub use governance::GovernanceQuery;
pub use integrations::IntegrationsQuery;
pub use leads::LeadsQuery;
pub use notifications::NotificationsQuery;
pub use preview::PreviewQuery;
pub use reports::ReportsQuery;
pub use simulation::SimulationQuery;
pub use users::UsersQuery;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    UsersQuery,
    ConfigQuery,
    IntegrationsQuery,
    LeadsQuery,
    NotificationsQuery,
    ReportsQuery,
    GovernanceQuery,
    SimulationQuery,
    DigestQuery,
    PreviewQuery,
);
