//! The signed-in session: the bearer token, kept in `sessionStorage` so a reload keeps it and
//! closing the tab forgets it.

use handoff_shared::ErrorCode;
use leptos::prelude::*;
use web_sys::Storage;

use crate::api::{ApiErrors, Me};

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

    /// The token, or the error a call without one would get.
    pub fn require_token(&self) -> Result<String, ApiErrors> {
        self.token().ok_or_else(ApiErrors::unauthenticated)
    }

    /// Passes `result` on; a token the server no longer accepts signs the user out, so the
    /// login page comes back (with "your session has expired").
    pub fn check<T>(&self, result: Result<T, ApiErrors>) -> Result<T, ApiErrors> {
        if let Err(errors) = &result
            && errors.has_code(ErrorCode::Unauthenticated)
            && self.token.with_untracked(Option::is_some)
        {
            self.sign_out(SignOutReason::Expired);
        }
        result
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

/// The signed-in user, loaded once by the app shell.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub LocalResource<Result<Me, ApiErrors>>);

impl CurrentUser {
    /// The user once loaded; tracked.
    pub fn get(&self) -> Option<Me> {
        self.0.get().and_then(Result::ok)
    }
}

pub fn use_me() -> Option<CurrentUser> {
    use_context::<CurrentUser>()
}
