//! Handoff's web app: a Leptos client-side-rendered app, built for wasm32 by Trunk
//! (`scripts/build-frontend.sh`) and served by the backend at `/`.

mod api;
mod app;
mod components;
mod contexts;
mod pages;
mod zones;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
