//! The sign-in screen: email and password, answered by the `login` mutation.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::{self, ApiErrors};
use crate::contexts::session::{SignOutReason, use_session};

/// Inputs whose server-side errors are shown beside them rather than above the form.
const FIELDS: &[&str] = &["email", "password"];

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());

    let login = Action::new_local(move |(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move {
            let result = api::login(email.trim(), &password).await;
            if let Ok(ok) = &result {
                session.sign_in(ok.token.clone());
            }
            result.map(|_| ())
        }
    });
    let pending = login.pending();
    let errors = move || login.value().get().and_then(Result::err);
    let field_error = move |field: &'static str| {
        move || errors().and_then(|e: ApiErrors| e.for_field(field).map(str::to_owned))
    };
    let general_errors =
        move || errors().map(|e| e.general(FIELDS).map(str::to_owned).collect::<Vec<_>>());

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !pending.get_untracked() {
            login.dispatch((email.get_untracked(), password.get_untracked()));
        }
    };

    // Why the user is here, until they try to sign in again.
    let notice = move || match session
        .signed_out_reason()
        .filter(|_| login.version().get() == 0)
    {
        Some(SignOutReason::Expired) => Some("Your session has expired. Please sign in again."),
        Some(SignOutReason::LoggedOut) => Some("You have signed out."),
        None => None,
    };

    view! {
        <main class="auth">
            <section class="card" aria-labelledby="login-title">
                <h1 id="login-title">"Sign in to Handoff"</h1>
                {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
                {move || {
                    general_errors()
                        .filter(|messages| !messages.is_empty())
                        .map(|messages| {
                            view! {
                                <div class="alert" role="alert" data-testid="login-error">
                                    {messages.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
                                </div>
                            }
                        })
                }}
                <form on:submit=on_submit aria-busy=move || pending.get().to_string()>
                    <Field
                        id="email"
                        label="Email"
                        kind="email"
                        autocomplete="username"
                        value=email
                        error=Signal::derive(field_error("email"))
                    />
                    <Field
                        id="password"
                        label="Password"
                        kind="password"
                        autocomplete="current-password"
                        value=password
                        error=Signal::derive(field_error("password"))
                    />
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
            </section>
        </main>
    }
}

/// A labelled input with its error message announced to assistive technology.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described_by = error_id.clone();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                required=true
                bind:value=value
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=move || error.with(Option::is_some).then(|| described_by.clone())
            />
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p id=error_id.clone() class="field-error">
                                {message}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
