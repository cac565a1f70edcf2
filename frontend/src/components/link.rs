//! An in-app link: a real `<a href>` (so it can open in a new tab and reads as a link), whose
//! plain left click is handled by the router instead of a page load.

use leptos::ev::MouseEvent;
use leptos::prelude::*;

use crate::contexts::router::{Route, use_router};

#[component]
pub fn Link(
    to: Route,
    children: Children,
    #[prop(optional, into)] class: Option<String>,
    #[prop(optional, into)] testid: Option<String>,
) -> impl IntoView {
    let router = use_router();
    let href = to.path();
    let target = to.clone();
    let current = move || (router.route() == target).then_some("page");
    let on_click = move |ev: MouseEvent| {
        let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key();
        if ev.default_prevented() || ev.button() != 0 || modified {
            return;
        }
        ev.prevent_default();
        router.navigate(to.clone(), false);
    };
    view! {
        <a href=href class=class data-testid=testid aria-current=current on:click=on_click>
            {children()}
        </a>
    }
}
