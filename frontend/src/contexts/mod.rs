//! App-wide state handed down through Leptos contexts.

pub mod live;
pub mod now;
pub mod router;
pub mod session;
pub mod toasts;
