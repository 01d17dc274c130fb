use leptos::prelude::*;

use super::actions::Console;
use super::invite_dialog::InviteDialog;
use super::transfer_dialog::TransferDialog;
use crate::domain::canned;
use crate::domain::lifecycle::{ChatState, Party};
use crate::model::ChatId;
use crate::ui::common::avatar::Avatar;
use crate::ui::common::composer::Composer;
use crate::ui::common::message_list::MessageList;

/// The conversation window of one chat: the end user's photo and question on top, the other
/// agents in it, the transcript, the composer; for the holder Invite, Transfer and End session
/// (with a confirm step), for a guest Invite and Leave.
#[component]
pub fn Conversation(chat_id: ChatId) -> impl IntoView {
    let console = expect_context::<Console>();
    let chat = Memo::new(move |_| console.model.with(|m| m.as_ref().and_then(|m| m.chat(chat_id).cloned())));
    let request = Memo::new(move |_| chat.get().map(|c| c.transcript.request));
    let state = move || request.get().map(|r| r.state).unwrap_or(ChatState::Ended);
    let confirming = RwSignal::new(false);
    let holds = move || console.model.with(|m| m.as_ref().is_some_and(|m| m.holds(chat_id)));
    /// Which team dialog is open under the header.
    #[derive(Clone, Copy, PartialEq)]
    enum Dialog {
        Invite,
        Transfer,
    }
    let dialog = RwSignal::new(None::<Dialog>);
    let close_dialog = Callback::new(move |_| dialog.set(None));
    let toggle = move |which: Dialog| dialog.update(|d| *d = if *d == Some(which) { None } else { Some(which) });
    let others = move || {
        console.model.with(|m| {
            let Some(m) = m.as_ref() else { return String::new() };
            let me = m.me();
            let names: Vec<String> = m
                .chat(chat_id)
                .map(|c| c.transcript.request.participants().filter(|a| a.id != me).map(|a| a.name.clone()).collect())
                .unwrap_or_default();
            if names.is_empty() {
                String::new()
            } else {
                format!("Also in this chat: {}", names.join(", "))
            }
        })
    };
    // Keyboard users land on the confirm button, not on the page's start.
    let end_now = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = end_now.get() {
            let _ = button.focus();
        }
    });
    let me = Signal::derive(move || {
        console
            .model
            .with(|m| m.as_ref().map(|m| (m.agent.card.name.clone(), m.agent.card.photo_url.clone())).unwrap_or_default())
    });

    // Canned texts name this chat's end user, agent, group and number.
    let fill = Callback::new(move |text: String| {
        let me = me.get_untracked().0;
        match request.get_untracked() {
            Some(r) => canned::fill(
                &text,
                &canned::Fill { end_user: &r.end_user.name, agent: &me, group: &r.group.name, chat: &r.number },
            ),
            None => text,
        }
    });

    move || {
        let Some(r) = request.get() else {
            return view! { <p class="empty">"This chat is not open here."</p> }.into_any();
        };
        let user = r.end_user.clone();
        let fallback_user = user.clone();
        let details = [
            Some(r.number.clone()),
            Some(r.group.name.clone()),
            Some(user.email.clone()),
            user.phone.clone(),
            Some(user.location.clone()),
            r.previous_ticket.as_ref().map(|t| format!("previous ticket {t}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        view! {
            <article class="conversation" aria-label=format!("Chat with {}", r.end_user.name)>
                <header class="conversation-header">
                    <Avatar name=user.name.clone() photo_url=user.photo_url.clone() />
                    <div>
                        <h2>{user.name.clone()}</h2>
                        <p class="question">{r.question.clone()}</p>
                        <p class="meta">{details}</p>
                    </div>
                    <div class="end-controls">
                        <Show when=move || state() == ChatState::Active>
                            <button type="button" aria-expanded=move || (dialog.get() == Some(Dialog::Invite)).to_string()
                                on:click=move |_| toggle(Dialog::Invite)>"Invite other agents"</button>
                            <Show when=holds fallback=move || view! {
                                <button type="button" on:click=move |_| console.leave(chat_id)>"Leave chat"</button>
                            }>
                                <button type="button" aria-expanded=move || (dialog.get() == Some(Dialog::Transfer)).to_string()
                                    on:click=move |_| toggle(Dialog::Transfer)>"Transfer this chat"</button>
                            </Show>
                        </Show>
                        <Show when=move || state() == ChatState::Active && holds()>
                            <Show when=move || confirming.get()
                                fallback=move || view! {
                                    <button type="button" class="end" on:click=move |_| confirming.set(true)>"End session"</button>
                                }>
                                <p role="alert">"End this chat for both sides?"</p>
                                <button type="button" class="end danger" node_ref=end_now on:click=move |_| { confirming.set(false); console.end(chat_id); }>
                                    "End immediately"
                                </button>
                                <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                            </Show>
                        </Show>
                    </div>
                </header>
                <p class="participants">{others}</p>
                {move || match (dialog.get(), state() == ChatState::Active) {
                    (Some(Dialog::Invite), true) => view! { <InviteDialog chat_id on_close=close_dialog /> }.into_any(),
                    (Some(Dialog::Transfer), true) => view! { <TransferDialog chat_id on_close=close_dialog /> }.into_any(),
                    _ => ().into_any(),
                }}
                <Show when=move || chat.with(|c| c.as_ref().is_some_and(|c| c.transcript.earlier))>
                    <button type="button" class="earlier" on:click=move |_| console.load_earlier(chat_id)>
                        "Show earlier messages"
                    </button>
                </Show>
                <MessageList
                    messages=Signal::derive(move || chat.get().map(|c| c.transcript.messages).unwrap_or_default())
                    outbox=Signal::derive(move || chat.get().map(|c| c.outbox).unwrap_or_default())
                    end_user=Signal::derive(move || request.get().map(|r| r.end_user).unwrap_or_else(|| fallback_user.clone()))
                    me
                    on_resend=Callback::new(move |client_id| console.resend(chat_id, client_id))
                />
                                <p class="typing" role="status">{move || console.typists.line(chat_id)}</p>
                <Show when=move || state() == ChatState::Active
                    fallback=move || view! {
                        <p class="ended" role="status">
                            {move || match request.get().and_then(|r| r.ended_by) {
                                Some(Party::EndUser) => "The end user ended this chat.",
                                _ => "This chat has ended.",
                            }}
                        </p>
                    }>
                    <Composer label="Message" focus_on_mount=true on_send=Callback::new(move |body| console.send(chat_id, body))
                                                canned=console.canned.into() fill on_typing=Callback::new(move |_| console.typing(chat_id)) />
                </Show>
            </article>
        }
        .into_any()
    }
}
