use leptos::prelude::*;

use crate::domain::validate::initials;

/// A person's photo, or their initials when there is none. Only photos served by Deskchat
/// itself are shown: an address on another host is never loaded (the page's CSP would refuse it
/// anyway), so an end user cannot make agents' browsers call a host of their choosing.
#[component]
pub fn Avatar(#[prop(into)] name: String, #[prop(into)] photo_url: Option<String>) -> impl IntoView {
    match photo_url.filter(|url| is_same_origin(url)) {
        Some(url) => view! { <img class="avatar" src=url alt=crate::i18n::texts().fill("avatar-photo", &[("name", &name)]) /> }.into_any(),
        None => {
            view! { <span class="avatar initials" role="img" aria-label=crate::i18n::texts().fill("avatar-initials", &[("name", &name)])>{initials(&name)}</span> }
                .into_any()
        }
    }
}

/// A path on this server (`/…`, not `//host/…`).
fn is_same_origin(url: &str) -> bool {
    url.starts_with('/') && !url.starts_with("//")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_this_servers_photos_are_loaded() {
        assert!(super::is_same_origin("/photos/agent-1.png"));
        assert!(!super::is_same_origin("https://tracker.example/me.png"));
        assert!(!super::is_same_origin("//tracker.example/me.png"));
        assert!(!super::is_same_origin("http://10.0.0.1/admin"));
    }
}
