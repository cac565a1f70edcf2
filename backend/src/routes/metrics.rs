//! `GET /metrics` in the Prometheus text format, and the middleware that counts requests.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::state::AppState;

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// Counts every request by method, matched route pattern and status, times it, and logs it.
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let method = request.method().to_string();
    let response = next.call(request).await?;
    if let Some(metrics) = metrics {
        // The pattern, not the path: `/assets/app-123.js` must not become a label value.
        let route = match response.request().match_pattern() {
            Some(pattern) if !pattern.is_empty() && pattern != "/" => pattern,
            _ => "/*".to_owned(),
        };
        let status = response.status().as_u16();
        let elapsed = started.elapsed();
        metrics.observe_http(&method, &route, status, elapsed);
        // One access-log line per request, inside the request span; probes only at debug.
        let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
        if route == "/healthz" || route == "/metrics" {
            tracing::debug!(status, elapsed_ms, "request finished");
        } else {
            tracing::info!(status, elapsed_ms, "request finished");
        }
    }
    Ok(response)
}
