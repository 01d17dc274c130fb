use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::records::{add_chat_note, add_ticket_note};
use crate::domain::records::note_body;
use crate::model::*;

/// Where a note goes: a chat's incident (or interaction), or a ticket directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteTarget {
    Chat(ChatId),
    Ticket(TicketId),
}

/// "Add a note": agents only, never shown to the end user. Keeps the text when the note could
/// not be saved, so nothing typed is lost.
#[component]
pub fn NoteBox(target: NoteTarget, on_added: Callback<Note>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let id = match target {
        NoteTarget::Chat(c) => format!("note-chat-{c}"),
        NoteTarget::Ticket(t) => format!("note-ticket-{t}"),
    };
    let submit = move || {
        let body = text.get_untracked();
        if let Err(err) = note_body(&body) {
            error.set(Some(err));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = match target {
                NoteTarget::Chat(chat_id) => add_chat_note(chat_id, body).await,
                NoteTarget::Ticket(ticket_id) => add_ticket_note(ticket_id, body).await,
            };
            busy.set(false);
            match result {
                Ok(note) => {
                    text.set(String::new());
                    error.set(None);
                    on_added.run(note);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <form class="note-box" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label for=id.clone()>"Add a note (agents only)"</label>
            <textarea id=id rows="2" prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); error.set(None); }></textarea>
            <button type="submit" disabled=move || busy.get()>"Add note"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
