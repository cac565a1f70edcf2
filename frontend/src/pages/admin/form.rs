//! One lean form for the smaller admin screens: its state is a JSON object, its controls are
//! described by data, and it sends one mutation; a `BAD_USER_INPUT` naming a field
//! (`extensions.field`, with or without `input.`) is shown beside that field, anything else above
//! the submit button. Lists are drawn with the dashboards' JSON table.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Map, Value, json};

use crate::api::{ApiErrors, execute};
use crate::contexts::session::use_session;
use crate::pages::dashboards::generic::{at, text};

/// How a control edits its key: text (sent as typed), optional text (empty: null), a whole
/// number (empty: null), a checkbox, or a choice of (value, label) (empty value: null).
#[derive(Clone)]
pub enum Kind {
    Text,
    OptText,
    Number,
    Check,
    Choice(Vec<(String, String)>),
}

#[derive(Clone)]
pub struct Control {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
}

pub const fn control(key: &'static str, label: &'static str, kind: Kind) -> Control {
    Control { key, label, kind }
}

/// (id, label) choices from a list of objects, after a leading "none" choice when `none` is set.
pub fn choices(items: &[Value], label_key: &str, none: Option<&str>) -> Vec<(String, String)> {
    none.map(|n| (String::new(), n.to_owned()))
        .into_iter()
        .chain(items.iter().map(|i| (text(i, "id"), text(i, label_key))))
        .collect()
}

/// The form's values as the controls send them.
fn collect(controls: &[Control], state: &Value) -> Value {
    let mut out = Map::new();
    if let Some(id) = state
        .get("id")
        .filter(|id| id.as_str().is_some_and(|s| !s.is_empty()))
    {
        out.insert("id".to_owned(), id.clone());
    }
    for c in controls {
        let v = at(state, c.key);
        let raw = match v {
            Value::String(s) => s.trim().to_owned(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let sent = match &c.kind {
            Kind::Text => json!(raw),
            Kind::Check => json!(v.as_bool().unwrap_or(false)),
            Kind::Number => raw.parse::<i64>().map_or_else(
                |_| {
                    if raw.is_empty() {
                        Value::Null
                    } else {
                        json!(-1)
                    }
                },
                |n| json!(n),
            ),
            Kind::OptText | Kind::Choice(_) if raw.is_empty() => Value::Null,
            Kind::OptText | Kind::Choice(_) => json!(raw),
        };
        out.insert(c.key.to_owned(), sent);
    }
    Value::Object(out)
}

/// A form over `initial` (an object with the controls' keys). On submit it runs `mutation`
/// with the variables `vars` makes of the collected values, then calls `on_saved` with the
/// mutation's data. `prefix` makes the control ids unique on the page.
#[component]
pub fn JsonForm(
    title: String,
    prefix: &'static str,
    controls: Vec<Control>,
    initial: Value,
    mutation: &'static str,
    vars: fn(Value) -> Value,
    submit: &'static str,
    on_saved: Callback<Value>,
) -> impl IntoView {
    let session = use_session();
    let state = RwSignal::new(initial);
    let errors = RwSignal::new(None::<ApiErrors>);
    let saving = RwSignal::new(false);
    let keys: Vec<&'static str> = controls.iter().map(|c| c.key).collect();
    let sent = controls.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let variables = vars(state.with_untracked(|s| collect(&sent, s)));
        saving.set(true);
        spawn_local(async move {
            let result = match session.require_token() {
                Ok(token) => {
                    session.check(execute::<_, Value>(mutation, variables, Some(&token)).await)
                }
                Err(e) => Err(e),
            };
            let _ = saving.try_set(false);
            match result {
                Ok(data) => {
                    let _ = errors.try_set(None);
                    on_saved.run(data);
                }
                Err(e) => {
                    let _ = errors.try_set(Some(e));
                }
            }
        });
    };
    let general = move || {
        errors.with(|e| {
            e.as_ref()
                .map(|e| {
                    e.general(&keys)
                        .filter(|m| !m.is_empty() && !m.starts_with("input."))
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let set = move |key: &'static str, value: Value| {
        state.update(|s| {
            if let Some(o) = s.as_object_mut() {
                o.insert(key.to_owned(), value);
            }
        });
    };
    let fields = controls
        .into_iter()
        .map(|c| {
            let id = format!("{prefix}-{}", c.key);
            let key = c.key;
            let error = move || {
                errors.with(|e| {
                    e.as_ref().and_then(|e| {
                        e.for_field(key)
                            .or_else(|| e.for_field(&format!("input.{key}")))
                            .map(str::to_owned)
                    })
                })
            };
            let err_id = format!("{id}-error");
            let described = {
                let err_id = err_id.clone();
                move || error().is_some().then(|| err_id.clone())
            };
            let message = move || {
                error().map(|m| {
                    view! { <p id=err_id.clone() class="field-error" data-testid=err_id.clone()>{m}</p> }
                })
            };
            let value = move || state.with(|s| {
                let v = at(s, key);
                if v.is_null() { String::new() } else { text(s, key) }
            });
            match c.kind {
                Kind::Check => view! {
                    <div class="field check">
                        <input id=id.clone() type="checkbox"
                            prop:checked=move || state.with(|s| at(s, key).as_bool().unwrap_or(false))
                            on:change=move |ev| set(key, json!(event_target_checked(&ev)))/>
                        <label for=id>{c.label}</label>
                        {message}
                    </div>
                }
                .into_any(),
                Kind::Choice(options) => view! {
                    <div class="field">
                        <label for=id.clone()>{c.label}</label>
                        <select id=id aria-describedby=described
                            on:change=move |ev| set(key, json!(event_target_value(&ev)))>
                            {options.into_iter().map(|(v, l)| {
                                let selected = v == value();
                                view! { <option value=v selected=selected>{l}</option> }
                            }).collect_view()}
                        </select>
                        {message}
                    </div>
                }
                .into_any(),
                kind => {
                    let input_type = if matches!(kind, Kind::Number) { "number" } else { "text" };
                    view! {
                        <div class="field">
                            <label for=id.clone()>{c.label}</label>
                            <input id=id type=input_type aria-describedby=described
                                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                                prop:value=value on:input=move |ev| set(key, json!(event_target_value(&ev)))/>
                            {message}
                        </div>
                    }
                    .into_any()
                }
            }
        })
        .collect_view();
    let label = title.clone();
    view! {
        <form class="panel admin" on:submit=save novalidate aria-label=label>
            <h2>{title}</h2>
            {fields}
            {move || {
                let general = general();
                (!general.is_empty()).then(|| view! {
                    <div class="alert" role="alert">{general.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}</div>
                })
            }}
            <button type="submit" class="primary-inline" data-testid=format!("{prefix}-save") disabled=move || saving.get()>
                {move || match (saving.get(), submit.starts_with("Save")) {
                    (false, _) => submit.to_owned(),
                    (true, true) => "Saving…".to_owned(),
                    (true, false) => format!("{submit}…"),
                }}
            </button>
        </form>
    }
}

/// Loads `query` (with the variables `vars` gives, if any) as JSON with a loading state and a
/// retry on failure, and draws it with `render`; `reload` refetches it when bumped.
#[component]
pub fn JsonLoad(
    query: &'static str,
    reload: RwSignal<u32>,
    render: Callback<Value, AnyView>,
    #[prop(optional)] vars: Option<Signal<Value>>,
) -> impl IntoView {
    let session = use_session();
    let data = LocalResource::new(move || {
        reload.track();
        let variables = vars.map_or_else(|| json!({}), |v| v.get());
        let token = session.require_token();
        async move { session.check(execute::<_, Value>(query, variables, Some(&token?)).await) }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(value) => render.run(value),
                    Err(errors) => view! { <crate::pages::queue::LoadError errors retry=move || data.refetch()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A choice of one of `items` (by `id_key`, shown by `label_key`) or a new one, and the form
/// editing it: `to_initial` turns the picked item (null for a new one) into the form's values,
/// or into null for no form (an editor that cannot create).
#[component]
pub fn Editor(
    pick_label: &'static str,
    new_label: &'static str,
    items: Vec<Value>,
    id_key: &'static str,
    label_key: &'static str,
    prefix: &'static str,
    controls: Vec<Control>,
    to_initial: fn(&Value) -> Value,
    mutation: &'static str,
    vars: fn(Value) -> Value,
    submit: &'static str,
    on_saved: Callback<Value>,
) -> impl IntoView {
    let picked = RwSignal::new(String::new());
    let pick_id = format!("{prefix}-pick");
    let options = items
        .iter()
        .map(|i| (text(i, id_key), text(i, label_key)))
        .collect::<Vec<_>>();
    view! {
        <section class="panel admin">
            <div class="field">
                <label for=pick_id.clone()>{pick_label}</label>
                <select id=pick_id on:change=move |ev| picked.set(event_target_value(&ev))>
                    <option value="">{new_label}</option>
                    {options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                </select>
            </div>
            {move || {
                let id = picked.get();
                let item = items.iter().find(|i| text(i, id_key) == id);
                let title = item.map_or_else(|| new_label.to_owned(), |i| format!("Edit {}", text(i, label_key)));
                let initial = to_initial(item.unwrap_or(&Value::Null));
                (!initial.is_null()).then(|| view! {
                    <JsonForm title prefix controls=controls.clone() initial mutation vars submit on_saved/>
                })
            }}
        </section>
    }
}
