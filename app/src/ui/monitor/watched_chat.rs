use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::monitor::{watch_chat, whisper};
use crate::api::team::join_chat;
use crate::model::*;
use crate::ui::browser::new_client_id;
use crate::ui::common::composer::Composer;
use crate::ui::common::message_list::MessageList;

/// A chat opened from the monitor, read-only: its transcript (read again after the live link
/// reconnects) with what arrives live, whispers marked; a box to whisper to its agents (never
/// shown to the end user); *Join as a guest*, after which the chat is in the supervisor's
/// console.
#[component]
pub fn WatchedChat(
    chat_id: ChatId,
    #[prop(into)] live_events: Signal<Vec<ChatEvent>>,
    #[prop(into)] reconnects: Signal<u32>,
    on_close: Callback<()>,
) -> impl IntoView {
    let transcript = LocalResource::new(move || {
        reconnects.track();
        watch_chat(chat_id)
    });
    // Whispers sent from here, shown at once (their live event is the same message).
    let sent = RwSignal::new(Vec::<ChatMessage>::new());
    let messages = Signal::derive(move || {
        let mut all: Vec<ChatMessage> = transcript.get().and_then(Result::ok).map(|t| t.messages).unwrap_or_default();
        let live = live_events.with(|events| {
            events
                .iter()
                .filter_map(|e| if let ChatEvent::MessagePosted { message } = e { Some(message.clone()) } else { None })
                .collect::<Vec<_>>()
        });
        for message in live.into_iter().chain(sent.get()) {
            if !all.iter().any(|m| m.id == message.id) {
                all.push(message);
            }
        }
        all.sort_by_key(|m| m.id);
        all
    });
    let request = Signal::derive(move || transcript.get().and_then(Result::ok).map(|t| t.request));
    let end_user = Signal::derive(move || request.get().map(|r| r.end_user).unwrap_or_default());
    let heading = move || {
        request.get().map_or_else(|| "Chat".to_string(), |r| format!("{} with {} ({})", r.number, r.end_user.name, r.group.name))
    };
    let ended = move || live_events.with(|events| events.iter().any(|e| matches!(e, ChatEvent::Ended { .. })));
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let joined = RwSignal::new(false);

    let send_whisper = Callback::new(move |body: String| {
        error.set(None);
        let client_id = new_client_id();
        spawn_local(async move {
            match whisper(chat_id, client_id, body).await {
                Ok(message) => sent.update(|list| list.push(message)),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    });
    let join = move |_| {
        error.set(None);
        spawn_local(async move {
            match join_chat(chat_id).await {
                Ok(_) => {
                    joined.set(true);
                    status.set(Some("You joined as a guest: the chat is in your console.".into()));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };

    view! {
        <section class="watched-chat" aria-labelledby="watched-chat-heading">
            <h2 id="watched-chat-heading">{heading}</h2>
            <p class="hint">"Read-only. A whisper reaches the chat's agents only, never the end user."</p>
            {move || transcript.get().and_then(Result::err).map(|err| view! { <p class="error" role="alert">{err.to_string()}</p> })}
            <MessageList
                messages
                outbox=Signal::derive(Vec::new)
                end_user
                me=Signal::derive(|| (String::new(), None))
                on_resend=Callback::new(|_: String| {})
            />
            <p class="saved" role="status">{move || status.get()}</p>
            <p class="error" role="alert">{move || error.get()}</p>
            <Show when=move || !ended() fallback=|| view! { <p class="empty">"This chat has ended."</p> }>
                <Composer label="Whisper to the agents" on_send=send_whisper />
                <div class="actions">
                    <Show when=move || !joined.get() fallback=|| view! { <a href="/console">"Go to the console"</a> }>
                        <button type="button" on:click=join>"Join as a guest"</button>
                    </Show>
                </div>
            </Show>
            <button type="button" class="close" on:click=move |_| on_close.run(())>"Close the chat"</button>
        </section>
    }
}
