//! HTTP endpoints: `/graphql` (POST and WebSocket), `/graphiql`, `/healthz`, `/metrics`,
//! `POST /webhooks/leads`, `GET /reports/{name}.csv`, and the frontend at `/`.

pub mod frontend;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod reports;
pub mod webhooks;
