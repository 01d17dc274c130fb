use leptos::html;
use leptos::prelude::*;

use crate::domain::validate::{self, MAX_PHOTO_BYTES, PHOTO_RULE};
use crate::model::{FieldError, FormField, StartChat};
use crate::ui::browser;

/// The optional photo of the start form: a file from the end user's device, read into the
/// form as a `data:` URL and checked at once by the shared rule (the server checks again and
/// keeps it; agents load it from Deskchat, never from an address the end user chose). A chosen
/// photo shows as a preview with "Remove photo".
#[component]
pub fn PhotoField(form: RwSignal<StartChat>, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let error = move || errors.with(|e| e.iter().find(|e| e.field == FormField::Photo).map(|e| e.message.clone()));
    let set_error = move |message: Option<&str>| {
        errors.update(|e| {
            e.retain(|e| e.field != FormField::Photo);
            if let Some(message) = message {
                e.push(FieldError { field: FormField::Photo, message: message.to_string() });
            }
        })
    };
    let clear = move || {
        form.update(|f| f.photo.clear());
        if let Some(input) = input.get_untracked() {
            input.set_value("");
        }
    };

    let chosen = move |ev: leptos::ev::Event| {
        browser::read_chosen_file(&ev, MAX_PHOTO_BYTES, move |read| match read {
            Ok(Some(data_url)) if validate::photo(&data_url).is_ok() => {
                form.update(|f| f.photo = data_url);
                set_error(None);
            }
            Ok(None) => {
                clear();
                set_error(None);
            }
            _ => {
                clear();
                set_error(Some(PHOTO_RULE));
            }
        })
    };
    let remove = move |_| {
        clear();
        set_error(None);
        if let Some(input) = input.get_untracked() {
            let _ = input.focus();
        }
    };

    view! {
        <div class="field photo-field">
            <label for="user-photo">"Photo (optional)"</label>
            <input id="user-photo" type="file" node_ref=input
                accept="image/png,image/jpeg,image/gif,image/webp"
                aria-invalid=move || error().is_some().to_string()
                aria-describedby="user-photo-hint user-photo-error"
                on:change=chosen />
            <p id="user-photo-hint" class="hint">"PNG, JPEG, GIF or WebP, up to 128 KB. Only the agents helping you see it."</p>
            <Show when=move || form.with(|f| !f.photo.is_empty())>
                <div class="photo-preview">
                    <img src=move || form.with(|f| f.photo.clone()) alt="Your photo" />
                    <button type="button" on:click=remove>"Remove photo"</button>
                </div>
            </Show>
            // Said as soon as a file is refused: it happens on choosing, not on sending.
            <p id="user-photo-error" class="error" aria-live="polite">{error}</p>
        </div>
    }
}
