//! One ticking "now" for the whole app, so every countdown on screen moves in step, once a
//! second, from a single timer.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy)]
pub struct Now(ReadSignal<DateTime<Utc>>);

impl Now {
    /// The current instant; tracked, so views that read it rerender every second.
    pub fn get(&self) -> DateTime<Utc> {
        self.0.get()
    }
}

pub fn provide_now() -> Now {
    let (now, set_now) = signal(Utc::now());
    match set_interval_with_handle(move || set_now.set(Utc::now()), Duration::from_secs(1)) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(err) => leptos::logging::warn!("no clock tick: {err:?}"),
    }
    let now = Now(now);
    provide_context(now);
    now
}

pub fn use_now() -> Now {
    use_context::<Now>().unwrap_or_else(|| Now(signal(Utc::now()).0))
}
