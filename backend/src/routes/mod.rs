//! HTTP endpoints: `/graphql` (POST and WebSocket), `/graphiql`, `/healthz`, `/metrics`, and
//! the frontend at `/`.

pub mod frontend;
pub mod graphql;
pub mod health;
pub mod metrics;
