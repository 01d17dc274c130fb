use leptos::prelude::*;

use crate::model::RelatedRecord;

/// "Related Records": every record linked to this one, each a link to its page.
#[component]
pub fn RelatedList(#[prop(into)] related: Signal<Vec<RelatedRecord>>) -> impl IntoView {
    view! {
        <ul class="related">
            <For each=move || related.get() key=|r| r.number.clone() let:r>
                <li>
                    <a href=format!("/records/{}", r.number)>{r.number.clone()}</a>
                    {format!(" — {} ({})", r.title, r.status)}
                </li>
            </For>
        </ul>
        <Show when=move || related.with(Vec::is_empty)>
            <p class="empty">"No related records."</p>
        </Show>
    }
}
