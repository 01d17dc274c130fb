use leptos::prelude::*;

use super::actions::Console;
use crate::api::records::load_record;
use crate::domain::lifecycle::ChatState;
use crate::model::*;
use crate::ui::records::note_box::{NoteBox, NoteTarget};
use crate::ui::records::notes_list::NotesList;
use crate::ui::records::related_list::RelatedList;
use crate::ui::records::ticket_form::TicketForm;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Details,
    Related,
}

/// Beside the conversation: the chat's Interaction (editable, live), its incident or the
/// buttons that make one, notes, and the Related Records tab.
#[component]
pub fn RecordsPanel(chat_id: ChatId) -> impl IntoView {
    let console = expect_context::<Console>();
    let records = Memo::new(move |_| console.model.with(|m| m.as_ref().and_then(|m| m.records(chat_id).cloned())));
    let request = Memo::new(move |_| {
        console.model.with(|m| m.as_ref().and_then(|m| m.chat(chat_id)).map(|c| c.transcript.request.clone()))
    });
    let state = move || request.with(|r| r.as_ref().map(|r| r.state));
    // A chat that became ours in another tab arrives without its records: fetch them once.
    Effect::new(move |asked: Option<bool>| {
        if asked != Some(true) && records.with(Option::is_none) {
            console.load_records(chat_id);
            return true;
        }
        asked.unwrap_or(false)
    });
    let view_tab = RwSignal::new(View::Details);
    let related = LocalResource::new(move || {
        let wanted = view_tab.get() == View::Related;
        let number = request.with(|r| r.as_ref().map(|r| r.number.clone()));
        // Re-read when the chat's records change (an incident was made).
        let _ = records.with(|r| r.as_ref().map(|r| (r.interaction.as_ref().map(|t| t.id), r.incident.as_ref().map(|t| t.id))));
        async move {
            match (wanted, number) {
                (true, Some(number)) => load_record(number).await.map(|v| v.related).map_err(|e| e.to_string()),
                _ => Ok(Vec::new()),
            }
        }
    });
    let interaction = Signal::derive(move || records.with(|r| r.as_ref().and_then(|r| r.interaction.clone())));
    let incident = Signal::derive(move || records.with(|r| r.as_ref().and_then(|r| r.incident.clone())));
    let on_saved = Callback::new(move |ticket: Ticket| console.update(|m| m.ticket_saved(&ticket)));

    let tab = move |which: View, label: &'static str, id: &'static str| {
        view! {
            <button type="button" role="tab" id=format!("{id}-{chat_id}") aria-selected=move || (view_tab.get() == which).to_string()
                aria-controls=format!("records-tabpanel-{chat_id}") on:click=move |_| view_tab.set(which)>{label}</button>
        }
    };

    view! {
        <aside class="records-panel" aria-label="Records">
            <div role="tablist" aria-label="Records of this chat">
                {tab(View::Details, "Records", "records-details")}
                {tab(View::Related, "Related Records", "records-related")}
            </div>
            <div role="tabpanel" id=format!("records-tabpanel-{chat_id}") tabindex="0">
                {move || match view_tab.get() {
                    View::Related => view! {
                        <Suspense fallback=|| view! { <p class="loading">"Loading related records…"</p> }>
                            {move || Suspend::new(async move {
                                match related.await {
                                    Ok(list) => view! { <RelatedList related=list /> }.into_any(),
                                    Err(err) => view! { <p class="error" role="alert">{err}</p> }.into_any(),
                                }
                            })}
                        </Suspense>
                    }.into_any(),
                    View::Details => view! {
                        <p class="notice" role="status">{move || records.with(|r| r.as_ref().and_then(|r| r.notice.clone()))}</p>
                        <section class="incident-line" aria-label="Incident">
                            {move || match incident.get() {
                                Some(t) => view! {
                                    <p>"Incident "<a href=format!("/records/{}", t.number)>{t.number.clone()}</a>{format!(" — {}", t.fields.title)}</p>
                                }.into_any(),
                                None => match state() {
                                    Some(ChatState::Active) => view! {
                                        <button type="button" on:click=move |_| console.make_incident(chat_id, false)>"Convert chat to incident"</button>
                                    }.into_any(),
                                    Some(ChatState::Ended | ChatState::Missed) => view! {
                                        <button type="button" on:click=move |_| console.make_incident(chat_id, true)>"Add as request"</button>
                                    }.into_any(),
                                    _ => ().into_any(),
                                },
                            }}
                        </section>
                        <section class="interaction" aria-label="Interaction">
                            <h3>{move || interaction.with(|t| t.as_ref().map_or("Interaction".to_string(), |t| format!("Interaction {}", t.number)))}</h3>
                            <Show when=move || interaction.with(Option::is_some)
                                fallback=|| view! { <p class="empty">"No interaction for this chat."</p> }>
                                <TicketForm ticket=interaction on_saved />
                            </Show>
                        </section>
                        <Show when=move || records.with(|r| r.as_ref().is_some_and(|r| r.note_target().is_some()))>
                            <NotesList notes=Signal::derive(move || records.with(|r| r.as_ref().map(|r| r.notes.clone()).unwrap_or_default())) />
                            <NoteBox target=NoteTarget::Chat(chat_id) on_added=Callback::new(move |note: Note| console.update(|m| m.note_added(&note))) />
                        </Show>
                    }.into_any(),
                }}
            </div>
        </aside>
    }
}
