//! Pieces the screens share.

pub mod charts;
pub mod countdown;
pub mod field;
pub mod link;
pub mod nav;

pub use countdown::{ClockLabel, Countdown};
pub use link::Link;
pub use nav::NavBar;
