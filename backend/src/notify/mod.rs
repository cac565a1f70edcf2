//! Notifications leave through an outbox: a `notifications` row is written in the same
//! transaction as the change that caused it, and a background sender delivers it, retrying
//! with backoff and recording every attempt in `notification_attempts` (the delivery log).
//!
//! The sender delivers signed webhooks, Slack- and Teams-style incoming webhooks and e-mail
//! (SMTP); [`sla`] decides who hears about an SLA threshold and writes those rows;
//! [`digest`] sends the weekly digest to marketing ops.

pub mod channels;
pub mod digest;
pub mod log;
pub mod outbox;
pub mod sla;
pub mod smtp;
