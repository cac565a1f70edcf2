//! What every request handler and resolver can reach.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::SharedClock;
use crate::configuration::Settings;
use crate::events::EventBus;
use crate::metrics::Metrics;

/// Per-process shared state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    pub events: EventBus,
    pub metrics: Arc<Metrics>,
    pub settings: Arc<Settings>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, clock: SharedClock, settings: Settings) -> Self {
        Self {
            db,
            clock,
            events: EventBus::new(),
            metrics: Arc::new(Metrics::new()),
            settings: Arc::new(settings),
        }
    }
}
