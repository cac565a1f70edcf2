//! The signed-in session: the bearer token, kept in `sessionStorage` so a reload keeps it and
//! closing the tab forgets it.

use leptos::prelude::*;
use web_sys::Storage;

const STORAGE_KEY: &str = "handoff.token";

/// Why the user was signed out, shown once on the login page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutReason {
    LoggedOut,
    Expired,
}

/// Cheap to copy: both fields are arena signals owned by the app root.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
    signed_out: RwSignal<Option<SignOutReason>>,
}

impl Session {
    /// Reads a token left by an earlier page load of this tab.
    fn restore() -> Self {
        let token = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        Self {
            token: RwSignal::new(token.filter(|t| !t.is_empty())),
            signed_out: RwSignal::new(None),
        }
    }

    /// The current token; tracked, so views and resources rerun when it changes.
    pub fn token(&self) -> Option<String> {
        self.token.get()
    }

    pub fn is_signed_in(&self) -> bool {
        self.token.with(Option::is_some)
    }

    pub fn signed_out_reason(&self) -> Option<SignOutReason> {
        self.signed_out.get()
    }

    pub fn sign_in(&self, token: String) {
        if let Some(storage) = storage() {
            // A full or disabled storage only costs the session on reload.
            let _ = storage.set_item(STORAGE_KEY, &token);
        }
        self.signed_out.set(None);
        self.token.set(Some(token));
    }

    pub fn sign_out(&self, reason: SignOutReason) {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(STORAGE_KEY);
        }
        self.signed_out.set(Some(reason));
        self.token.set(None);
    }
}

fn storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Creates the session from storage and makes it available to every component below.
pub fn provide_session() -> Session {
    let session = Session::restore();
    provide_context(session);
    session
}

/// The session provided by the app root.
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| {
        leptos::logging::warn!("use_session outside provide_session; reading storage directly");
        Session::restore()
    })
}
