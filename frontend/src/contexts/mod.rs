//! App-wide state handed down through Leptos contexts.

pub mod session;
