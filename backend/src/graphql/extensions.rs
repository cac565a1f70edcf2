//! Schema extensions: counting operations for `/metrics`.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Response;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextRequest,
};

use crate::metrics::{Metrics, Outcome};

/// Counts each query and mutation by operation name and outcome.
pub struct OperationMetrics {
    metrics: Arc<Metrics>,
}

impl OperationMetrics {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl ExtensionFactory for OperationMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationMetricsExtension {
            metrics: self.metrics.clone(),
            name: Mutex::new(None),
        })
    }
}

/// One per request: learns the operation's name when it executes, counts it when it ends.
struct OperationMetricsExtension {
    metrics: Arc<Metrics>,
    name: Mutex<Option<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationMetricsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        let outcome = if response.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        let name = self
            .name
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.metrics.observe_graphql(name.as_deref(), outcome);
        response
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        // The name of the operation actually run: the one asked for, or the document's only one.
        *self.name.lock().unwrap_or_else(PoisonError::into_inner) =
            operation_name.map(str::to_owned);
        next.run(ctx, operation_name).await
    }
}
