use leptos::prelude::*;

use crate::domain::validate::{message_body, MAX_MESSAGE_CHARS};

/// The text box at the bottom of a conversation. Enter posts, Shift+Enter starts a new line;
/// empty or over-long text is refused here with the same rule the server applies.
#[component]
pub fn Composer(
    #[prop(into)] label: String,
    on_send: Callback<String>,
    /// Put the cursor here when the composer appears (e.g. right after Accept).
    #[prop(optional)]
    focus_on_mount: bool,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let (true, Some(el)) = (focus_on_mount, textarea.get()) {
            let _ = el.focus();
        }
    });
    let error = RwSignal::new(None::<String>);
    let id = format!("composer-{}", label.to_lowercase().replace(' ', "-"));
    let error_id = format!("{id}-error");

    let submit = move || {
        let current = text.get_untracked();
        match message_body(&current) {
            Ok(body) => {
                on_send.run(body.to_string());
                text.set(String::new());
                error.set(None);
            }
            Err(err) => error.set(Some(err.to_string())),
        }
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };

    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label for=id.clone() class="sr-only">{label.clone()}</label>
            <textarea
                node_ref=textarea
                id=id
                rows="2"
                placeholder="Type a message — Enter to send, Shift+Enter for a new line"
                aria-describedby=error_id.clone()
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    error.set(None);
                }
                on:keydown=on_keydown
            ></textarea>
            <button type="submit">"Send"</button>
            <p id=error_id class="error" role="alert">
                {move || error.get()}
            </p>
            <p class="counter" aria-hidden="true">
                {move || {
                    let used = text.with(|t| t.chars().count());
                    (used > MAX_MESSAGE_CHARS * 9 / 10).then(|| format!("{used} / {MAX_MESSAGE_CHARS}"))
                }}
            </p>
        </form>
    }
}
