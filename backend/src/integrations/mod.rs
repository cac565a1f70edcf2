//! Connections to other systems: inbound integrations posting leads (`POST /webhooks/leads`),
//! the CRM import's mappings, outbound webhooks, and the HMAC signature scheme they share.

pub mod inbound;
pub mod leads;
pub mod mapping;
pub mod outbound;
pub mod signature;
