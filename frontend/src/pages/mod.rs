//! One module per screen.

pub mod admin;
pub mod dashboards;
pub mod definitions;
pub mod home;
pub mod lead;
pub mod leaders;
pub mod login;
pub mod queue;

pub use home::{HomePage, NotFoundPage};
pub use lead::LeadPage;
pub use leaders::LeadersPage;
pub use login::LoginPage;
pub use queue::QueuePage;
