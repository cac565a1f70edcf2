//! HTTP endpoints: `/graphql` (POST and WebSocket), `/graphiql`, `/healthz`, `/metrics`,
//! `POST /webhooks/leads`, and the frontend at `/`.

pub mod frontend;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod webhooks;
