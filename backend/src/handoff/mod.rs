//! The handoff engine: intake, scoring, routing, the stage machine, touches and recycling,
//! all written as events to each lead's append-only log.

pub mod store;
