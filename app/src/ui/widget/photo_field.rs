use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::validate::{self, MAX_PHOTO_BYTES};
use crate::i18n::texts;
use crate::model::{FieldError, FieldProblem, FormField, StartChat};
use crate::ui::browser;

/// The shared rule for a photo (`validate::photo`, which decodes it), as a chunk fetched when a
/// first photo is chosen: the form page does not carry it (README, Bytes).
#[lazy]
async fn photo_is_acceptable(data_url: String) -> bool {
    validate::photo(&data_url).is_ok()
}

/// The optional photo of the start form: a file from the end user's device, read into the
/// form as a `data:` URL and checked at once by the shared rule (the server checks again and
/// keeps it; agents load it from Deskchat, never from an address the end user chose). A chosen
/// photo shows as a preview with "Remove photo".
#[component]
pub fn PhotoField(form: RwSignal<StartChat>, errors: RwSignal<Vec<FieldError>>) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let error = move || errors.with(|e| e.iter().find(|e| e.field == FormField::Photo).map(|e| e.text(&texts())));
    let set_error = move |refused: bool| {
        errors.update(|e| {
            e.retain(|e| e.field != FormField::Photo);
            if refused {
                e.push(FieldError::new(FormField::Photo, FieldProblem::Invalid));
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
            Ok(Some(data_url)) => spawn_local(async move {
                match photo_is_acceptable(data_url.clone()).await {
                    true => {
                        form.update(|f| f.photo = data_url);
                        set_error(false);
                    }
                    false => {
                        clear();
                        set_error(true);
                    }
                }
            }),
            Ok(None) => {
                clear();
                set_error(false);
            }
            Err(_) => {
                clear();
                set_error(true);
            }
        })
    };
    let remove = move |_| {
        clear();
        set_error(false);
        if let Some(input) = input.get_untracked() {
            let _ = input.focus();
        }
    };

    view! {
        <div class="field photo-field">
            <label for="user-photo">{texts().get("form-photo")}</label>
            <input id="user-photo" type="file" node_ref=input
                accept="image/png,image/jpeg,image/gif,image/webp"
                aria-invalid=move || error().is_some().to_string()
                aria-describedby="user-photo-hint user-photo-error"
                on:change=chosen />
            <p id="user-photo-hint" class="hint">{texts().get("form-photo-hint")}</p>
            <Show when=move || form.with(|f| !f.photo.is_empty())>
                <div class="photo-preview">
                    <img src=move || form.with(|f| f.photo.clone()) alt=texts().get("form-photo-alt") />
                    <button type="button" on:click=remove>{texts().get("form-photo-remove")}</button>
                </div>
            </Show>
            // Said as soon as a file is refused: it happens on choosing, not on sending.
            <p id="user-photo-error" class="error" aria-live="polite">{error}</p>
        </div>
    }
}
