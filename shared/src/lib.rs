//! Handoff's pure core: domain types and the SLA business-time clock.
//!
//! No I/O lives here: the crate compiles for native targets and for `wasm32-unknown-unknown`,
//! so the server and the browser compute exactly the same due instants.

pub mod domain;
pub mod error;
pub mod lead;
pub mod sla;

pub use error::{ErrorCode, FieldError};
