//! The CSV export button: `GET /reports/{name}.csv` with the dashboard's filter and the bearer
//! token, saved through a Blob download link.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, HtmlAnchorElement, Request, RequestInit, Response, Url};

use super::filter::Filter;
use crate::contexts::session::use_session;

async fn download(token: &str, name: &str, query: &str) -> Result<(), String> {
    let failed = |e: JsValue| e.as_string().unwrap_or_else(|| "network error".to_owned());
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method("GET");
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(failed)?;
    init.set_headers(&headers);
    let url = format!("/reports/{name}.csv?{query}");
    let request = Request::new_with_str_and_init(&url, &init).map_err(failed)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    if !response.ok() {
        return Err(format!("the server answered HTTP {}", response.status()));
    }
    let blob: Blob = JsFuture::from(response.blob().map_err(failed)?)
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let href = Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document = window.document().ok_or("no document")?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| "no link element".to_owned())?;
    anchor.set_href(&href);
    anchor.set_download(&format!("{name}.csv"));
    if let Some(body) = document.body() {
        let _ = body.append_child(&anchor);
        anchor.click();
        let _ = body.remove_child(&anchor);
    }
    let _ = Url::revoke_object_url(&href);
    Ok(())
}

/// "Export CSV" for report `name` under the current filter; `extra` adds the report's own
/// parameters (`month=2026-03`), already encoded.
#[component]
pub fn ExportButton(
    name: &'static str,
    filter: RwSignal<Filter>,
    #[prop(optional, into)] extra: Option<Signal<String>>,
) -> impl IntoView {
    let session = use_session();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let click = move |_| {
        let Some(token) = session.token() else {
            return;
        };
        let mut query = filter.with_untracked(Filter::export_query);
        if let Some(extra) = extra.map(|e| e.get_untracked()).filter(|e| !e.is_empty()) {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&extra);
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = download(&token, name, &query).await;
            let _ = busy.try_set(false);
            let _ = error.try_set(result.err());
        });
    };
    view! {
        <span class="export">
            <button
                type="button"
                class="secondary"
                data-testid=format!("export-{name}")
                disabled=move || busy.get()
                on:click=click
            >
                {move || if busy.get() { "Exporting…" } else { "Export CSV" }}
            </button>
            {move || error.get().map(|e| view! { <span class="field-error" role="alert">"Export failed: " {e}</span> })}
        </span>
    }
}
