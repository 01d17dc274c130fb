use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::Widget;
use super::chat_view::ChatView;
use super::model::WidgetModel;
use super::TOKEN_KEY;
use crate::api::widget::{leave_message, request_chat, resume_chat};
use crate::model::{ApiError, Author, ChatEvent, MessageLeft, NoLiveChat, ServerFrame, StartChat, StartChatOutcome, WidgetSnapshot};
use crate::ui::browser;
use crate::ui::common::typists::Typists;
use crate::ui::realtime::{live_link_slot, start_link, LinkStatus};

/// A chat the widget is to show: just started by the form (with its snapshot), or found in
/// the browser and still to be resumed.
#[derive(Clone, Debug)]
pub struct ChatStart {
    pub token: String,
    pub snapshot: Option<WidgetSnapshot>,
}

/// What the widget page lends the chat: its notice line, the link status in its header, and
/// the way back to the form.
#[derive(Clone, Copy)]
pub struct PageSlots {
    pub notice: RwSignal<Option<String>>,
    pub status: RwSignal<LinkStatus>,
    pub on_new_chat: Callback<()>,
}

/// The chat's code is a WASM chunk of its own (`cargo leptos --split`, README "Bytes"): a
/// visitor who only fills in the form does not download the conversation, the live link and
/// the stream's decoding.
#[lazy]
pub fn chat_stage(start: ChatStart, page: PageSlots) -> AnyView {
    view! { <ChatStage start page /> }.into_any()
}

/// Sends the start form, as a chunk of its own (it and `chat_stage` share the snapshot's
/// decoding, a third chunk): the answer is the chat's snapshot, whose decoding the form page
/// need not carry. The request leaves once this small chunk has come.
#[lazy]
pub async fn send_start_form(form: StartChat) -> Result<Result<ChatStart, NoLiveChat>, ApiError> {
    Ok(match request_chat(form).await? {
        StartChatOutcome::Started { token, snapshot } => Ok(ChatStart { token, snapshot: Some(snapshot) }),
        StartChatOutcome::NoLiveChat { reason } => Err(reason),
    })
}

/// "Leave a message", a chunk of its own like sending the form (the form page need not carry
/// the call, nor the random ids): the message's key is made on its first send, and the form
/// keeps it for any send after (a lost answer), so the desk makes one incident.
#[lazy]
pub async fn send_message_left(form: StartChat, key: Option<String>) -> (String, Result<MessageLeft, ApiError>) {
    let key = key.unwrap_or_else(browser::new_client_id);
    let answer = leave_message(form, key.clone()).await;
    (key, answer)
}

/// The end user's one chat: resumed (or taken from the form), followed live, shown.
#[component]
fn ChatStage(start: ChatStart, page: PageSlots) -> impl IntoView {
    let PageSlots { notice, status, on_new_chat } = page;
    // Stopped when the chat leaves the page (back to the form).
    let link = live_link_slot();
    let widget = Widget { model: RwSignal::new(None), token: RwSignal::new(None), notice, typists: Typists::new(), link };
    provide_context(widget);
    // Why the chat in the browser's storage cannot be shown any more (gone, or closed long ago).
    let lost = RwSignal::new(None::<String>);

    let on_frame = move |frame: ServerFrame| match frame {
        ServerFrame::Typing { chat_id, by: Author::Agent(agent) } => widget.typists.heard(chat_id, agent.name),
        ServerFrame::Event(event) => {
            // The agent's message ends their "typing…", and the page embedding the widget
            // counts it as unread while the widget is closed (a replayed backlog is not news).
            if let ChatEvent::MessagePosted { message } = &event.event {
                if message.author != Author::EndUser {
                    widget.typists.stopped(message.chat_id);
                    if status.get_untracked() == LinkStatus::Live {
                        browser::tell_embedder("deskchat:message");
                    }
                }
            }
            widget.model.update(|m| {
                if let Some(m) = m.as_mut() {
                    m.apply(&event)
                }
            })
        }
        frame @ (ServerFrame::QueuePlace { .. } | ServerFrame::QueueMoved { .. }) => widget.model.update(|m| {
            if let Some(m) = m.as_mut() {
                m.apply_queue(&frame)
            }
        }),
        // The chat is gone (e.g. its data was removed): start over rather than retry forever.
        ServerFrame::Error { error: ApiError::NoSuchChat } => {
            lost.set(Some(crate::i18n::texts().get("widget-chat-lost")))
        }
        // Ended long enough ago that its token no longer opens it: offer a new chat.
        ServerFrame::Error { error: error @ ApiError::ChatClosed } => lost.set(Some(error.text_for_end_user(&crate::i18n::texts()))),
        _ => {}
    };

    let begin = move |token: String, snapshot: WidgetSnapshot| {
        let after = snapshot.position;
        browser::hand_token_to_embedder(&token);
        widget.token.set(Some(token.clone()));
        widget.model.set(Some(WidgetModel::from_snapshot(snapshot)));
        start_link(link, Some(token), after, status, on_frame);
    };

    // Back to the form: the browser and the page embedding us forget this chat.
    let new_chat = Callback::new(move |_| {
        browser::storage_remove(TOKEN_KEY);
        browser::tell_embedder("deskchat:forget");
        on_new_chat.run(());
    });

    let ChatStart { token, snapshot } = start;
    match snapshot {
        Some(snapshot) => begin(token, snapshot),
        None => spawn_local(async move {
            match resume_chat(token.clone()).await {
                Ok(snapshot) => begin(token, snapshot),
                Err(err) => {
                    new_chat.run(());
                    if err == ApiError::ChatClosed {
                        notice.set(Some(err.text_for_end_user(&crate::i18n::texts())));
                    }
                }
            }
        }),
    }

    // The page embedding us loads the widget on each of its pages only while the chat is open
    // (embed.js): tell it when the chat has ended or was missed, resumed so or live.
    let chat_open = Memo::new(move |_| widget.model.with(|m| m.as_ref().map(|m| m.request().state.is_open())));
    Effect::new(move |_| {
        if chat_open.get() == Some(false) {
            browser::tell_embedder("deskchat:ended");
        }
    });

    Effect::new(move |_| {
        if let Some(why) = lost.get() {
            new_chat.run(());
            notice.set(Some(why));
        }
    });

    view! { <ChatView on_new_chat=new_chat /> }
}
