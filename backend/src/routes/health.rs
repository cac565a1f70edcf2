//! `GET /healthz`: 200 when the database answers `SELECT 1`, 503 otherwise.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use sea_orm::{ConnectionTrait as _, Statement};

use crate::state::AppState;

const TIMEOUT: Duration = Duration::from_secs(5);

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.get_database_backend();
    let probe = state
        .db
        .query_one(Statement::from_string(backend, "SELECT 1"));
    let database = match tokio::time::timeout(TIMEOUT, probe).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
    };
    let kind = format!("{backend:?}").to_lowercase();
    match database {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({
            "status": "ok",
            "database": "ok",
            "databaseKind": kind,
            "version": env!("CARGO_PKG_VERSION"),
        })),
        Err(error) => {
            tracing::warn!(%error, "health check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({
                "status": "unavailable",
                "database": "unreachable",
                "databaseKind": kind,
                "version": env!("CARGO_PKG_VERSION"),
            }))
        }
    }
}
