use leptos::prelude::*;

use super::actions::Widget;
use super::satisfaction_survey::SatisfactionSurvey;
use super::transcript_request::TranscriptRequest;
use crate::domain::lifecycle::{ChatState, Party};
use crate::i18n::texts;
use crate::ui::common::avatar::Avatar;
use crate::ui::common::composer::Composer;
use crate::ui::common::message_list::MessageList;

/// The end user's side of the chat: waiting (with their place), the agent who joined, the
/// transcript, and ending it.
#[component]
pub fn ChatView(on_new_chat: Callback<()>) -> impl IntoView {
    let widget = expect_context::<Widget>();
    let request = Memo::new(move |_| widget.model.with(|m| m.as_ref().map(|m| m.request().clone())));
    let state = move || request.get().map(|r| r.state).unwrap_or(ChatState::Ended);
    let place = move || widget.model.with(|m| m.as_ref().and_then(|m| m.queue_place));
    let wait = move || widget.model.with(|m| m.as_ref().and_then(|m| m.wait_minutes()));
    let conversation = move || widget.model.with(|m| m.as_ref().map(|m| m.thread.clone()));
    // The end user's own photo is served to agents only (the widget holds no session), so
    // their side shows their initials.
    let me = Signal::derive(move || request.get().map(|r| (r.end_user.name, None)).unwrap_or_default());
    let t = texts();

    view! {
        <section class="chat-view" aria-label=t.get("chat-label")>
            <div class="chat-status" role="status">
                {move || {
                    let Some(r) = request.get() else { return view! { <span></span> }.into_any() };
                    match (r.state, r.agent.clone()) {
                        (ChatState::Queued, _) => view! {
                            <p class="waiting">
                                {texts().fill("chat-waiting", &[("group", &r.group.name)])}
                                {move || place().map(|p| format!(" {}", texts().fill("chat-place", &[("place", &p.to_string())])))}
                                {move || wait().map(|m| format!(" {}", texts().count("chat-wait", "minutes", m as i64, &[])))}
                            </p>
                        }.into_any(),
                        (ChatState::Active, Some(agent)) => view! {
                            <Avatar name=agent.name.clone() photo_url=agent.photo_url.clone() />
                            <p class="joined">{texts().fill("desk-joined", &[("agent", &agent.name)])}</p>
                            {(!r.guests.is_empty()).then(|| view! {
                                <p class="guests">{texts().fill("chat-also-helping", &[("names", &r.guests.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", "))])}</p>
                            })}
                        }.into_any(),
                        (ChatState::Missed, _) => view! {
                            <p class="ended">
                                {match r.incident.clone() {
                                    Some(number) => texts().fill("chat-missed-ticket", &[("number", &number)]),
                                    None => texts().get("chat-missed"),
                                }}
                            </p>
                        }.into_any(),
                        (_, _) => view! {
                            <p class="ended">
                                {texts().get(match r.ended_by {
                                    Some(Party::Agent) => "chat-ended-by-agent",
                                    Some(Party::EndUser) => "chat-ended-by-you",
                                    None => "chat-ended",
                                })}
                            </p>
                        }.into_any(),
                    }
                }}
                                <p class="record">{move || request.get().map(|r| texts().fill("chat-record", &[("number", &r.number)]))}</p>
            </div>
            <p class="own-question">
                <span class="sr-only">{format!("{} ", t.get("chat-your-question"))}</span>
                {move || request.get().map(|r| r.question)}
            </p>
            <MessageList
                messages=Signal::derive(move || conversation().map(|c| c.transcript.messages).unwrap_or_default())
                outbox=Signal::derive(move || conversation().map(|c| c.outbox).unwrap_or_default())
                end_user=Signal::derive(move || request.get().map(|r| r.end_user).unwrap_or_else(|| crate::model::EndUser {
                    name: String::new(), email: String::new(), phone: None, location: String::new(), photo_url: None,
                }))
                me
                on_resend=Callback::new(move |client_id| widget.resend(client_id))
            />
            <Show when=move || state().is_open()
                fallback=move || view! {
                    <SatisfactionSurvey />
                    <TranscriptRequest />
                    <button type="button" class="new-chat" on:click=move |_| on_new_chat.run(())>{texts().get("chat-new")}</button>
                }>
                                <p class="typing" role="status">
                    {move || widget.model.with(|m| m.as_ref().map(|m| m.thread.id())).and_then(|id| widget.typists.line(id))}
                </p>
                <Composer label=texts().get("chat-message") on_send=Callback::new(move |body| widget.send(body)) on_typing=Callback::new(move |_| widget.typing()) />
                <button type="button" class="end" on:click=move |_| widget.end()>{texts().get("chat-end")}</button>
                <TranscriptRequest />
            </Show>
        </section>
    }
}
