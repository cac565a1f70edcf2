//! A small client-side router over the History API: the path is a signal, links push a new
//! history entry, and the browser's back and forward buttons (`popstate`) set it again.
//! Hand-written rather than leptos_router to keep the wasm small; the app has four screens.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;

/// The screens of the app, parsed from the location's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    Queue,
    Lead(String),
    Leaders,
    /// `/dashboards` and `/dashboards/<name>` (`""`: the default dashboard).
    Dashboards(String),
    /// `/admin` (empty section) or `/admin/<section>`, e.g. `/admin/calendars`.
    Admin(String),
    Definitions,
    NotFound,
}

impl Route {
    /// Reads a path such as `/leads/42` (a trailing slash is ignored).
    pub fn parse(path: &str) -> Self {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Self::Home,
            ["queue"] => Self::Queue,
            ["leaders"] => Self::Leaders,
            ["dashboards"] => Self::Dashboards(String::new()),
            ["dashboards", name] => Self::Dashboards((*name).to_owned()),
            ["admin"] => Self::Admin(String::new()),
            ["admin", section] if section.chars().all(|c| c.is_ascii_lowercase() || c == '-') => {
                Self::Admin((*section).to_owned())
            }
            ["definitions"] => Self::Definitions,
            ["leads", id] if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Self::Lead((*id).to_owned())
            }
            _ => Self::NotFound,
        }
    }

    pub fn path(&self) -> String {
        match self {
            Self::Home | Self::NotFound => "/".to_owned(),
            Self::Queue => "/queue".to_owned(),
            Self::Leaders => "/leaders".to_owned(),
            Self::Lead(id) => format!("/leads/{id}"),
            Self::Dashboards(name) if name.is_empty() => "/dashboards".to_owned(),
            Self::Dashboards(name) => format!("/dashboards/{name}"),
            Self::Admin(section) if section.is_empty() => "/admin".to_owned(),
            Self::Admin(section) => format!("/admin/{section}"),
            Self::Definitions => "/definitions".to_owned(),
        }
    }
}

/// Cheap to copy: one arena signal owned by the app root.
#[derive(Debug, Clone, Copy)]
pub struct Router {
    route: RwSignal<Route>,
}

impl Router {
    /// The current screen; tracked.
    pub fn route(&self) -> Route {
        self.route.get()
    }

    /// Goes to `route`, adding a history entry (or replacing the current one).
    pub fn navigate(&self, route: Route, replace: bool) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let path = route.path();
            // A refused history call only costs the URL bar; the screen still changes.
            let _ = if replace {
                history.replace_state_with_url(&JsValue::NULL, "", Some(&path))
            } else {
                history.push_state_with_url(&JsValue::NULL, "", Some(&path))
            };
        }
        if self.route.get_untracked() != route {
            self.route.set(route);
        }
        if let Some(window) = web_sys::window() {
            window.scroll_to_with_x_and_y(0.0, 0.0);
            // Screen readers and keyboard users start reading the new screen, not the old link.
            if !replace
                && let Some(main) = window
                    .document()
                    .and_then(|d| d.get_element_by_id("main"))
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                let _ = main.focus();
            }
        }
    }
}

fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".to_owned())
}

/// Creates the router from the location and follows the browser's back and forward buttons.
pub fn provide_router() -> Router {
    let router = Router {
        route: RwSignal::new(Route::parse(&current_path())),
    };
    // The listener lives as long as the page: the router is the app root's.
    let _listener = window_event_listener(leptos::ev::popstate, move |_| {
        // A hash change (the skip link) also fires popstate: same screen, nothing to redo.
        let route = Route::parse(&current_path());
        if router.route.get_untracked() != route {
            router.route.set(route);
        }
    });
    provide_context(router);
    router
}

pub fn use_router() -> Router {
    use_context::<Router>().unwrap_or_else(|| {
        leptos::logging::warn!("use_router outside provide_router");
        Router {
            route: RwSignal::new(Route::parse(&current_path())),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_into_routes_and_back() {
        let cases = [
            ("/", Route::Home),
            ("", Route::Home),
            ("/queue", Route::Queue),
            ("/queue/", Route::Queue),
            ("/leaders", Route::Leaders),
            ("/leads/42", Route::Lead("42".into())),
            ("/leads/", Route::NotFound),
            ("/leads/4%2F2", Route::NotFound),
            ("/nope", Route::NotFound),
            ("/dashboards", Route::Dashboards(String::new())),
            ("/dashboards/funnel", Route::Dashboards("funnel".into())),
            ("/admin", Route::Admin(String::new())),
            ("/admin/calendars", Route::Admin("calendars".into())),
            ("/definitions", Route::Definitions),
        ];
        for (path, route) in cases {
            assert_eq!(Route::parse(path), route, "{path}");
        }
        assert_eq!(Route::Lead("7".into()).path(), "/leads/7");
        assert_eq!(Route::parse(&Route::Leaders.path()), Route::Leaders);
    }
}
