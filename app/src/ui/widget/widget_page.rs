use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::Widget;
use super::chat_view::ChatView;
use super::model::WidgetModel;
use super::start_form::StartForm;
use super::TOKEN_KEY;
use crate::api::widget::resume_chat;
use crate::model::{ApiError, Author, ChatEvent, ServerFrame, WidgetSnapshot};
use crate::ui::browser;
use crate::ui::common::typists::Typists;
use crate::ui::realtime::{live_link_slot, start_link, stop_link, LinkStatus};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Looking for a chat to resume (the token lives in the browser only).
    Checking,
    Form,
    Chat,
}

#[component]
pub fn WidgetPage() -> impl IntoView {
    let link = live_link_slot();
    let widget = Widget {
        model: RwSignal::new(None),
        token: RwSignal::new(None),
        notice: RwSignal::new(None),
        typists: Typists::new(),
        link,
    };
    provide_context(widget);
    let stage = RwSignal::new(Stage::Checking);
    let status = RwSignal::new(LinkStatus::Connecting);
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
            lost.set(Some("Your previous chat could not be found; please start a new one.".into()))
        }
        // Ended long enough ago that its token no longer opens it: offer a new chat.
        ServerFrame::Error { error: error @ ApiError::ChatClosed } => lost.set(Some(error.to_string())),
        _ => {}
    };

    let begin = move |token: String, snapshot: WidgetSnapshot| {
        let after = snapshot.position;
        browser::hand_token_to_embedder(&token);
        widget.token.set(Some(token.clone()));
        widget.model.set(Some(WidgetModel::from_snapshot(snapshot)));
        stage.set(Stage::Chat);
        start_link(link, Some(token), after, status, on_frame);
    };

    // Embedded on another site, the page that embeds us may hold the token (embed.js).
    Effect::new(move |_| match browser::embedded_token().or_else(|| browser::storage_get(TOKEN_KEY)) {
        Some(token) => spawn_local(async move {
            match resume_chat(token.clone()).await {
                Ok(snapshot) => begin(token, snapshot),
                Err(err) => {
                    browser::storage_remove(TOKEN_KEY);
                    browser::tell_embedder("deskchat:forget");
                    if err == ApiError::ChatClosed {
                        widget.notice.set(Some(err.to_string()));
                    }
                    stage.set(Stage::Form);
                }
            }
        }),
        None => stage.set(Stage::Form),
    });

    let on_started = Callback::new(move |(token, snapshot): (String, WidgetSnapshot)| {
        browser::storage_set(TOKEN_KEY, &token);
        begin(token, snapshot);
    });
    let on_new_chat = Callback::new(move |_| {
        stop_link(link);
        browser::storage_remove(TOKEN_KEY);
        browser::tell_embedder("deskchat:forget");
        widget.model.set(None);
        widget.token.set(None);
        stage.set(Stage::Form);
    });

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
            on_new_chat.run(());
            widget.notice.set(Some(why));
        }
    });

    view! {
        <main class="widget-page">
            <header class="widget-top">
                <h1>"Service desk chat"</h1>
                <Show when=move || stage.get() == Stage::Chat>
                    <p class=move || format!("link {:?}", status.get()).to_lowercase() role="status">
                        {move || status.get().label()}
                    </p>
                </Show>
            </header>
            <p class="notice" role="alert">{move || widget.notice.get()}</p>
            // `EitherOf3`, not `into_any`: an erased view also carries an async copy of its
            // hydration code, and these two hold most of the widget (measured: README, Bytes).
            {move || match stage.get() {
                Stage::Checking => EitherOf3::A(view! { <p class="loading">"Loading…"</p> }),
                Stage::Form => EitherOf3::B(view! { <StartForm on_started /> }),
                Stage::Chat => EitherOf3::C(view! { <ChatView on_new_chat /> }),
            }}
        </main>
    }
}
