//! The error line under a form control, tied to it by `aria-describedby`.

use leptos::prelude::*;

/// `id` is the control's id; the message gets `{id}-error` (point `aria-describedby` there).
#[component]
pub fn FieldMessage(id: &'static str, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p id=format!("{id}-error") class="field-error" data-testid=format!("{id}-error")>
                    {message}
                </p>
            }
        })
    }
}

/// The `aria-describedby` value for a control whose error may be shown.
pub fn described_by(
    id: &'static str,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> {
    move || error.with(Option::is_some).then(|| format!("{id}-error"))
}

/// `aria-invalid` for a control.
pub fn invalid(error: Signal<Option<String>>) -> impl Fn() -> &'static str {
    move || {
        if error.with(Option::is_some) {
            "true"
        } else {
            "false"
        }
    }
}
