//! Whole `handoff serve` processes, as operators run them: killed with SIGKILL mid-burst and
//! restarted, two of them on one PostgreSQL database, and the SLA benchmark. Mail goes to a
//! real SMTP server on loopback (aiosmtpd, `e2e/smtp_sink.py`).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench;
mod harness;
mod sla_mail;
