//! Live updates for a screen: one `graphql-transport-ws` subscription that follows the session
//! token, reconnects with a growing pause after the socket drops, and stops when the screen
//! goes away (the handle lives in the screen's reactive owner).

use std::time::Duration;

use leptos::prelude::*;
use serde_json::Value;

use crate::api::ws::{self, LiveEvent, LiveHandle};
use crate::contexts::session::use_session;

/// Where the subscription stands, for a "live" indicator (and for tests to wait on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Live,
    /// Dropped; a reconnect is scheduled.
    Retrying,
    /// The server refused (a bad token or a forbidden operation): no retry.
    Off,
}

impl LiveStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Connecting => "Connecting…",
            Self::Live => "Live",
            Self::Retrying => "Reconnecting…",
            Self::Off => "Live updates unavailable",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Retrying => "retrying",
            Self::Off => "off",
        }
    }
}

/// Runs `query` while the calling component lives, with the variables `variables` gives
/// (tracked: the subscription restarts when they change; `None` waits). `on_data(Some(data))` for each result,
/// `on_data(None)` when events may have been missed (connected or reconnected, or the server
/// dropped some for a slow reader): refetch then.
pub fn use_live(
    query: &'static str,
    variables: impl Fn() -> Option<Value> + 'static,
    on_data: impl Fn(Option<Value>) + Clone + 'static,
) -> ReadSignal<LiveStatus> {
    let session = use_session();
    let (status, set_status) = signal(LiveStatus::Connecting);
    let attempt = RwSignal::new(0_u32);
    // Drops in a row since the last good connection: the pause before the next try grows.
    let failures = StoredValue::new(0_u32);
    let handle = StoredValue::new_local(None::<LiveHandle>);

    Effect::new(move |_| {
        attempt.track();
        let token = session.token();
        // The previous socket (if any) closes before the next opens.
        handle.try_set_value(None);
        let Some(token) = token else {
            set_status.set(LiveStatus::Off);
            return;
        };
        // Not ready yet (e.g. who the user is still loading): the effect runs again then.
        let Some(variables) = variables() else {
            return;
        };
        let _ = set_status.try_set(LiveStatus::Connecting);
        let on_data = on_data.clone();
        let opened = ws::subscribe(query, variables, &token, move |event| match event {
            LiveEvent::Ready => {
                failures.try_set_value(0);
                let _ = set_status.try_set(LiveStatus::Live);
                on_data(None);
            }
            LiveEvent::Next(data) => on_data(data),
            LiveEvent::Ended(reason) => {
                leptos::logging::warn!("live updates ended: {reason}");
                let _ = set_status.try_set(LiveStatus::Off);
            }
            LiveEvent::Closed { acknowledged, .. } => {
                let failed = failures.try_get_value().unwrap_or(0) + 1;
                failures.try_set_value(failed);
                if !acknowledged && failed >= 3 {
                    // Three refusals in a row: the token is no longer accepted.
                    let _ = set_status.try_set(LiveStatus::Off);
                    return;
                }
                let _ = set_status.try_set(LiveStatus::Retrying);
                let pause = Duration::from_millis(500 * 2_u64.pow(failed.min(6)));
                set_timeout(
                    move || {
                        let _ = attempt.try_update(|n| *n += 1);
                    },
                    pause,
                );
            }
        });
        match opened {
            Ok(live) => {
                handle.try_set_value(Some(live));
            }
            Err(err) => {
                leptos::logging::warn!("cannot open the live socket: {err:?}");
                set_status.set(LiveStatus::Off);
            }
        }
    });
    status
}

/// A small badge telling whether the screen is live.
#[component]
pub fn LiveBadge(status: ReadSignal<LiveStatus>) -> impl IntoView {
    view! {
        <span
            class=move || format!("live-badge live-{}", status.get().as_str())
            data-testid="live-status"
            data-live=move || status.get().as_str()
            role="status"
        >
            {move || status.get().label()}
        </span>
    }
}
