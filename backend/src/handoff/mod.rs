//! The handoff engine: intake, scoring, routing, the stage machine, touches and recycling,
//! all written as events to each lead's append-only log.

pub mod cadence;
pub mod dedupe;
pub mod intake;
pub mod leads;
pub mod rebuild;
pub mod recycle;
pub mod routing;
pub mod scoring;
pub mod stages;
pub mod store;
