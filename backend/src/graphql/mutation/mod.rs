//! Mutations, one module per feature, merged into [`MutationRoot`].

mod auth;
mod config;
mod digest;
mod intake;
mod integrations;
mod notifications;
mod report_settings;
mod stages;
mod users;

use async_graphql::MergedObject;

pub use auth::AuthMutation;
pub use config::ConfigMutation;
pub use digest::DigestMutation;
pub use intake::IntakeMutation;
pub use integrations::IntegrationsMutation;
pub use notifications::NotificationsMutation;
pub use report_settings::ReportSettingsMutation;
pub use stages::StagesMutation;
pub use users::UsersMutation;

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    AuthMutation,
    UsersMutation,
    ConfigMutation,
    StagesMutation,
    IntegrationsMutation,
    IntakeMutation,
    NotificationsMutation,
    ReportSettingsMutation,
    DigestMutation,
);
