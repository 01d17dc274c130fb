use leptos::prelude::*;

use crate::domain::canned::{lookup, matches};
use crate::domain::validate::{message_body, MAX_MESSAGE_CHARS};
use crate::model::{CannedMessage, TYPING_EVERY_MS};
use crate::ui::browser;

/// Canned messages offered at most at once below the composer.
const MAX_SUGGESTIONS: usize = 8;

/// The text box at the bottom of a conversation. Enter posts, Shift+Enter starts a new line;
/// empty or over-long text is refused here with the same rule the server applies.
///
/// Given canned messages, typing `/` opens a list of them, narrowed by what follows the `/`:
/// Up and Down move, Enter (or a click) puts the chosen text, placeholders filled, into the
/// box to edit before sending, Escape closes the list.
#[component]
pub fn Composer(
    #[prop(into)] label: String,
    on_send: Callback<String>,
    /// Put the cursor here when the composer appears (e.g. right after Accept).
    #[prop(optional)]
    focus_on_mount: bool,
    /// The canned messages the `/` list offers (agents only).
    #[prop(optional)]
    canned: Option<Signal<Vec<CannedMessage>>>,
    /// Fills a canned text's placeholders for this chat.
    #[prop(optional)]
    fill: Option<Callback<String, String>>,
    /// Called while the user types, at most every `TYPING_EVERY_MS` (the typing signal).
    #[prop(optional)]
    on_typing: Option<Callback<()>>,
) -> impl IntoView {
    let t = crate::i18n::texts();
    let last_typing = StoredValue::new(i64::MIN / 2);
    let text = RwSignal::new(String::new());
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let (true, Some(el)) = (focus_on_mount, textarea.get()) {
            let _ = el.focus();
        }
    });
    let error = RwSignal::new(None::<String>);
    let id = format!("composer-{}", label.to_ascii_lowercase().replace(' ', "-"));
    let error_id = format!("{id}-error");
    let list_id = format!("{id}-canned");

    // The `/` list: what matches, which one is active, and whether Escape closed it.
    let dismissed = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let suggestions = Memo::new(move |_| {
        let Some(canned) = canned else { return Vec::new() };
        if dismissed.get() {
            return Vec::new();
        }
        text.with(|t| match lookup(t) {
            Some(query) => canned.with(|all| all.iter().filter(|c| matches(c, query)).take(MAX_SUGGESTIONS).cloned().collect()),
            None => Vec::new(),
        })
    });
    let open = move || suggestions.with(|s| !s.is_empty());
    let option_id = {
        let list_id = list_id.clone();
        move |i: usize| format!("{list_id}-{i}")
    };
    let choose = move |canned: CannedMessage| {
        let filled = fill.map_or(canned.text.clone(), |f| f.run(canned.text.clone()));
        text.set(filled);
        dismissed.set(true);
        if let Some(el) = textarea.get_untracked() {
            let _ = el.focus();
        }
    };

    let submit = move || {
        let current = text.get_untracked();
        match message_body(&current) {
            Ok(body) => {
                on_send.run(body.to_string());
                text.set(String::new());
                error.set(None);
            }
            Err(err) => error.set(Some(crate::error::ApiError::InvalidMessage(err).text_for_end_user(&crate::i18n::texts()))),
        }
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if open() {
            let count = suggestions.with(Vec::len);
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + 1) % count);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    active.update(|a| *a = (*a + count - 1) % count);
                    return;
                }
                "Enter" if !ev.is_composing() => {
                    ev.prevent_default();
                    if let Some(canned) = suggestions.with(|s| s.get(active.get_untracked().min(count - 1)).cloned()) {
                        choose(canned);
                    }
                    return;
                }
                "Escape" => {
                    ev.prevent_default();
                    dismissed.set(true);
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };

    let placeholder = t.get(if canned.is_some() { "composer-placeholder-canned" } else { "composer-placeholder" });

    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label for=id.clone() class="sr-only">{label.clone()}</label>
            <textarea
                node_ref=textarea
                id=id
                rows="2"
                placeholder=placeholder
                aria-describedby=error_id.clone()
                aria-autocomplete=canned.map(|_| "list")
                // Only while the list is there: a reference to a missing id is invalid ARIA.
                aria-controls={
                    let list_id = list_id.clone();
                    move || open().then(|| list_id.clone())
                }
                aria-activedescendant={
                    let option_id = option_id.clone();
                    move || open().then(|| option_id(active.get()))
                }
                prop:value=move || text.get()
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    // A new `/` lookup opens the list again, at its first entry.
                    if lookup(&value).is_none() || !text.with_untracked(|t| t.starts_with('/')) {
                        dismissed.set(false);
                    }
                                        active.set(0);
                    if let Some(on_typing) = on_typing.filter(|_| !value.trim().is_empty()) {
                        let now = browser::now_ms();
                        if now - last_typing.get_value() >= TYPING_EVERY_MS {
                            last_typing.set_value(now);
                            on_typing.run(());
                        }
                    }
                    text.set(value);
                    error.set(None);
                }
                on:keydown=on_keydown
            ></textarea>
            <Show when=open>
                <ul id=list_id.clone() class="canned-list" role="listbox" aria-label=crate::i18n::texts().get("composer-canned-label")>
                    {
                        let option_id = option_id.clone();
                        move || {
                            suggestions
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(i, canned)| {
                                    let chosen = canned.clone();
                                    view! {
                                        <li id=option_id(i) role="option" aria-selected=move || (active.get() == i).to_string()
                                            on:mousedown=move |ev| { ev.prevent_default(); choose(chosen.clone()); }>
                                            <strong>{canned.title.clone()}</strong>
                                            <span class="canned-text">{canned.text.clone()}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }
                    }
                </ul>
            </Show>
            <button type="submit">{t.get("composer-send")}</button>
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
