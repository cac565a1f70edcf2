//! The root component: provides the session and switches between the signed-out and
//! signed-in screens (a router arrives with the second signed-in screen).

use leptos::prelude::*;

use crate::contexts::session::provide_session;
use crate::pages::{HomePage, LoginPage};

#[component]
pub fn App() -> impl IntoView {
    let session = provide_session();
    view! {
        <Show when=move || session.is_signed_in() fallback=|| view! { <LoginPage/> }>
            <HomePage/>
        </Show>
    }
}
