//! Notifications leave through an outbox: a `notifications` row is written in the same
//! transaction as the change that caused it, and a background sender delivers it, retrying
//! with backoff and recording every attempt in `notification_attempts` (the delivery log).
//!
//! Today the sender delivers outbound webhooks; e-mail and chat channels plug into
//! [`outbox::deliver`] the same way.

pub mod log;
pub mod outbox;
