//! Short-lived notices ("Lead 42 breached its first-response SLA"), announced politely to
//! assistive technology and dismissed after a few seconds or by hand.

use std::time::Duration;

use leptos::prelude::*;

/// How long a toast stays.
const SHOWN_FOR: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Warning,
    Danger,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub tone: Tone,
    pub text: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: RwSignal<u64>,
}

impl Toasts {
    pub fn push(&self, tone: Tone, text: String) {
        let id = self.next.get_untracked();
        self.next.set(id + 1);
        self.items.update(|items| {
            items.push(Toast { id, tone, text });
            // Never a wall of toasts: the oldest go first.
            if items.len() > 4 {
                items.remove(0);
            }
        });
        let items = self.items;
        set_timeout(
            move || {
                let _ = items.try_update(|items| items.retain(|t| t.id != id));
            },
            SHOWN_FOR,
        );
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        items: RwSignal::new(Vec::new()),
        next: RwSignal::new(0),
    };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Option<Toasts> {
    use_context::<Toasts>()
}

/// The toast stack, once per app.
#[component]
pub fn ToastRegion(toasts: Toasts) -> impl IntoView {
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div
                    class=match toast.tone {
                        Tone::Warning => "toast toast-warning",
                        Tone::Danger => "toast toast-danger",
                    }
                    data-testid="toast"
                >
                    <span>{toast.text.clone()}</span>
                    <button
                        type="button"
                        class="link"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
