use leptos::either::EitherOf4;
use leptos::prelude::*;

use super::chat_stage::{chat_stage, ChatStart, PageSlots};
use super::start_form::StartForm;
use super::TOKEN_KEY;
use crate::i18n::texts;
use crate::model::MessageLeft;
use crate::ui::browser;
use crate::ui::realtime::LinkStatus;

#[derive(Clone, Debug)]
enum Stage {
    /// Looking for a chat to resume (the token lives in the browser only).
    Checking,
    Form,
    Chat(ChatStart),
    /// A message was left instead of a chat: the incident it made.
    MessageLeft(MessageLeft),
}

#[component]
pub fn WidgetPage() -> impl IntoView {
    let stage = RwSignal::new(Stage::Checking);
    let notice = RwSignal::new(None::<String>);
    let status = RwSignal::new(LinkStatus::Connecting);

    // Embedded on another site, the page that embeds us may hold the token (embed.js).
    Effect::new(move |_| {
        stage.set(match browser::embedded_token().or_else(|| browser::storage_get(TOKEN_KEY)) {
            Some(token) => Stage::Chat(ChatStart { token, snapshot: None }),
            None => Stage::Form,
        })
    });

    let on_started = Callback::new(move |start: ChatStart| {
        browser::storage_set(TOKEN_KEY, &start.token);
        stage.set(Stage::Chat(start));
    });
    let on_message_left = Callback::new(move |left: MessageLeft| stage.set(Stage::MessageLeft(left)));
    // The chat's own code forgets the token; the page only goes back to the form.
    let on_new_chat = Callback::new(move |_| stage.set(Stage::Form));
    let page = PageSlots { notice, status, on_new_chat };
    let in_chat = move || stage.with(|s| matches!(s, Stage::Chat(_)));

    view! {
        <main class="widget-page">
            <header class="widget-top">
                <h1>{texts().get("widget-title")}</h1>
                <Show when=in_chat>
                    <p class=move || status.get().class() role="status">
                        {move || status.get().label()}
                    </p>
                </Show>
            </header>
            <p class="notice" role="alert">{move || notice.get()}</p>
            // `EitherOf4`, not `into_any`: an erased view also carries an async copy of its
            // hydration code (measured: README, Bytes). The chat comes as its own chunk.
            {move || match stage.get() {
                Stage::Checking => EitherOf4::A(view! { <p class="loading">{texts().get("widget-loading")}</p> }),
                Stage::Form => EitherOf4::B(view! { <StartForm on_started on_message_left /> }),
                Stage::MessageLeft(left) => EitherOf4::D(view! {
                    <section class="message-left" aria-label=texts().get("widget-message-left-label")>
                        <p role="status">
                            {texts().fill("widget-message-left", &[("number", &left.number)])}
                        </p>
                        <button type="button" on:click=move |_| stage.set(Stage::Form)>{texts().get("widget-write-another")}</button>
                    </section>
                }),
                Stage::Chat(start) => EitherOf4::C(view! {
                    <Suspense fallback=|| view! { <p class="loading">{texts().get("widget-loading")}</p> }>
                        {
                            let start = start.clone();
                            move || Suspend::new(chat_stage(start.clone(), page))
                        }
                    </Suspense>
                }),
            }}
        </main>
    }
}
