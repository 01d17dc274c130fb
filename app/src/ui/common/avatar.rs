use leptos::prelude::*;

use crate::domain::validate::initials;

/// A person's photo, or their initials when there is none.
#[component]
pub fn Avatar(#[prop(into)] name: String, #[prop(into)] photo_url: Option<String>) -> impl IntoView {
    match photo_url {
        Some(url) => view! { <img class="avatar" src=url alt=format!("Photo of {name}") /> }.into_any(),
        None => {
            view! { <span class="avatar initials" role="img" aria-label=format!("{name} (no photo)")>{initials(&name)}</span> }
                .into_any()
        }
    }
}
