use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

use super::note_box::{NoteBox, NoteTarget};
use super::notes_list::NotesList;
use super::related_list::RelatedList;
use super::ticket_form::TicketForm;
use crate::api::records::load_record;
use crate::domain::records::utc_timestamp;
use crate::model::*;
use crate::ui::realtime::{live_link_slot, start_link, LinkStatus};
use crate::ui::shell::agent_header::AgentHeader;

/// One record by its number (`/records/SD00012`): an Interaction or Incident with its fields
/// (editable, followed live), notes and related records, and the transcript of the chat it
/// came from; or a chat request with its transcript and related records.
///
/// Following a Related Records link to another record keeps this page and changes its number:
/// the record is loaded again, and the `LiveRecord` of the old one goes with everything it owns.
#[component]
pub fn RecordPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let record = Resource::new(number, load_record);

    view! {
        <main class="record-page">
            <AgentHeader current="" />
            <Suspense fallback=|| view! { <p class="loading">"Loading the record…"</p> }>
                {move || Suspend::new(async move {
                    match record.await {
                        Ok(record) => view! { <LiveRecord record /> }.into_any(),
                        Err(ApiError::NotSignedIn) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(err) => view! { <h1>{number()}</h1><p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// One loaded record, kept up to date: it owns the ticket and notes it shows and the live link
/// that brings others' saves and notes, so all of them live exactly as long as this record is
/// on the screen (and the link closes when it goes).
#[component]
fn LiveRecord(record: RecordView) -> impl IntoView {
    let ticket = RwSignal::new(record.ticket.clone());
    let notes = RwSignal::new(record.notes.clone());
    let link = live_link_slot();
    let status = RwSignal::new(LinkStatus::Connecting);
    let after = record.position;

    // Others' saves and notes on this ticket appear as they happen.
    let on_frame = move |frame: ServerFrame| {
        let ServerFrame::Event(StreamEvent { event, .. }) = frame else {
            return;
        };
        match event {
            ChatEvent::TicketSaved { ticket: saved } => ticket.update(|held| {
                if held.as_ref().is_some_and(|t| t.id == saved.id && t.version < saved.version) {
                    *held = Some(saved);
                }
            }),
            ChatEvent::NoteAdded { note } => {
                if ticket.with_untracked(|t| t.as_ref().is_some_and(|t| t.id == note.ticket_id)) {
                    notes.update(|n| {
                        if !n.iter().any(|x| x.id == note.id) {
                            n.push(note);
                        }
                    });
                }
            }
            _ => {}
        }
    };
    // In the browser only (effects do not run on the server), once: it reads no signal.
    Effect::new(move |_| start_link(link, None, after, status, on_frame));

    record_view(record, ticket, notes)
}

fn record_view(view: RecordView, ticket: RwSignal<Option<Ticket>>, notes: RwSignal<Vec<Note>>) -> impl IntoView {
    let heading = match &view.ticket {
        Some(t) => format!("{} {}", t.kind.label(), t.number),
        None => format!("Chat request {}", view.record.number()),
    };
    let ticket_id = view.ticket.as_ref().map(|t| t.id);
    let transcript = view.transcript.clone();
    view! {
        <h1>{heading}</h1>
        {ticket_id.map(|id| view! {
            <h2>"Details"</h2>
            <TicketForm ticket on_saved=Callback::new(move |saved: Ticket| ticket.set(Some(saved))) />
            <NotesList notes />
            <NoteBox target=NoteTarget::Ticket(id) on_added=Callback::new(move |note: Note| notes.update(|n| {
                if !n.iter().any(|x| x.id == note.id) { n.push(note) }
            })) />
        })}
        <section aria-labelledby="related-heading">
            <h2 id="related-heading">"Related Records"</h2>
            <RelatedList related=view.related.clone() />
        </section>
        {view.rating.clone().map(|r| view! {
            <section class="rating" aria-labelledby="rating-heading">
                <h2 id="rating-heading">"Satisfaction"</h2>
                <p>{r.label()}</p>
                {(!r.comment.is_empty()).then(|| view! { <blockquote>{r.comment.clone()}</blockquote> })}
            </section>
        })}
        {transcript.map(|t| view! { <Transcript transcript=t /> })}
    }
}

/// A chat's transcript, read-only, with authors and times.
#[component]
fn Transcript(transcript: ChatTranscript) -> impl IntoView {
    let r = transcript.request.clone();
    let end_user = r.end_user.name.clone();
    view! {
        <section class="transcript" aria-labelledby="transcript-heading">
            <h2 id="transcript-heading">{format!("Transcript of {}", r.number)}</h2>
            <p class="meta">{format!("{} · {} · {} · {}", r.end_user.name, r.end_user.email, r.group.name, r.state.label())}</p>
            <p class="question">{r.question.clone()}</p>
            <ol>
                {transcript.messages.into_iter().map(|m| {
                    let who = m.author.name(&end_user).to_string();
                    view! {
                        <li><span class="meta">{format!("{} · {}", who, utc_timestamp(m.at_ms))}</span><p>{m.body}</p></li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}
