use leptos::prelude::*;

use crate::domain::records::utc_timestamp;
use crate::model::Note;

/// A ticket's notes, oldest first, each with its author and time.
#[component]
pub fn NotesList(#[prop(into)] notes: Signal<Vec<Note>>) -> impl IntoView {
    view! {
        <section class="notes" aria-label="Notes">
            <h3>"Notes"</h3>
            <ol>
                <For each=move || notes.get() key=|n| n.id let:note>
                    <li class="note">
                        <p class="note-meta">{format!("{} · {}", note.author.name, utc_timestamp(note.at_ms))}</p>
                        <p class="note-body">{note.body.clone()}</p>
                    </li>
                </For>
            </ol>
            <Show when=move || notes.with(Vec::is_empty)>
                <p class="empty">"No notes yet."</p>
            </Show>
        </section>
    }
}
