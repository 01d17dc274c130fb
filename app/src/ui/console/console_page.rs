use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;

use super::actions::{Console, Tab};
use super::chat_request_panel::ChatRequestPanel;
use super::conversation::Conversation;
use super::invitations::Invitations;
use super::model::{ConsoleFollowUp, ConsoleModel};
use super::offer_panel::OfferPanel;
use super::presence_picker::PresencePicker;
use super::records_panel::RecordsPanel;
use super::team_list::TeamList;
use crate::api::console::load_console;
use crate::model::{ApiError, Author, ChatEvent, ConsoleSnapshot, Position, ServerFrame};
use crate::ui::browser;
use crate::ui::common::typists::Typists;
use crate::ui::realtime::{live_link_slot, start_link, stop_link, LinkStatus};
use crate::ui::shell::agent_header::AgentHeader;

#[component]
pub fn ConsolePage() -> impl IntoView {
    let link = live_link_slot();
    let console = Console {
        model: RwSignal::new(None::<ConsoleModel>),
        tab: RwSignal::new(Tab::MyChats),
        notice: RwSignal::new(None),
        canned: RwSignal::new(Vec::new()),
        typists: Typists::new(),
        link,
    };
    provide_context(console);
    let status = RwSignal::new(LinkStatus::Connecting);
    // Loaded while the server renders the page (the route is `SsrMode::Async`) and sent with
    // it; hydration reads it from the page instead of fetching it again.
    let snapshot = Resource::new_blocking(|| (), |_| load_console());
    // Where the live link starts: the snapshot's position, once the model holds it.
    let loaded = RwSignal::new(None::<Position>);

    let signed_out = RwSignal::new(false);
    let on_frame = move |frame: ServerFrame| match frame {
        ServerFrame::Typing { chat_id, by } => {
            let name = match by {
                Author::Agent(agent) => Some(agent.name),
                _ => console.model.with_untracked(|m| {
                    m.as_ref().and_then(|m| m.chat(chat_id)).map(|c| c.transcript.request.end_user.name.clone())
                }),
            };
            if let Some(name) = name {
                console.typists.heard(chat_id, name);
            }
        }
        ServerFrame::Team { members } => console.update(|m| m.set_team(members)),
        ServerFrame::Presence { member } => console.update(|m| m.presence(member)),
        ServerFrame::Event(event) => {
            // A message from the end user (or another agent) ends their "typing…".
            if let ChatEvent::MessagePosted { message } = &event.event {
                if message.author != Author::Desk {
                    console.typists.stopped(message.chat_id);
                }
            }
            let follow_up = console.model.try_update(|m| m.as_mut().map(|m| m.apply(&event))).flatten();
            match follow_up {
                // Only for news: a backlog replayed after a reconnect does not ring again.
                Some(ConsoleFollowUp::Arrived(request)) if status.get_untracked() == LinkStatus::Live => {
                    browser::chime();
                    browser::notify(
                        &format!("New chat request — {}", request.group.name),
                        &format!("{}: {}", request.end_user.name, request.question),
                    );
                }
                Some(ConsoleFollowUp::LoadTranscript(chat_id)) => console.load(chat_id),
                Some(ConsoleFollowUp::Invited(invitation)) => {
                    browser::chime();
                    browser::notify(
                        &format!("{} invites you into a chat", invitation.by.name),
                        &format!("{}: {}", invitation.request.end_user.name, invitation.request.question),
                    );
                }
                Some(ConsoleFollowUp::Offered(offer)) if status.get_untracked() == LinkStatus::Live => {
                    browser::chime();
                    browser::notify(
                        &format!("Chat offered to you — {}", offer.request.group.name),
                        &format!("{}: {}", offer.request.end_user.name, offer.request.question),
                    );
                }
                Some(ConsoleFollowUp::Closed(text)) => console.notice.set(Some(text)),
                _ => {}
            }
        }
        // The session ended (logged off elsewhere, expired): reconnecting cannot help.
        ServerFrame::Error { error: ApiError::NotSignedIn } => signed_out.set(true),
        _ => {}
    };

    // In the browser only: the canned messages for the composer.
    Effect::new(move |_| console.load_canned());

    // In the browser only: the live link, from the snapshot's position on.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let Some(after) = loaded.get() else {
            return false;
        };
        start_link(link, None, after, status, on_frame);
        true
    });

    Effect::new({
        let navigate = use_navigate();
        move |_| {
            if signed_out.get() {
                stop_link(link);
                navigate("/login", Default::default());
            }
        }
    });

    // The waiting count in the browser tab's title, so it shows from other tabs too.
    Effect::new(move |_| {
        let waiting = console.model.with(|m| m.as_ref().map_or(0, |m| m.queued.len()));
        browser::set_title(&match waiting {
            0 => "Deskchat console".to_string(),
            n => format!("({n}) Deskchat console"),
        });
    });

    let selected = Memo::new(move |_| console.model.with(|m| m.as_ref().and_then(|m| m.selected)));
    let agent = Signal::derive(move || console.model.with(|m| m.as_ref().map(|m| m.agent.clone())));

    view! {
        <main class="console-page">
            <p class="notice" role="alert">{move || console.notice.get()}</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading the console…"</p> }>
                {move || Suspend::new(async move {
                    match snapshot.await {
                        Ok(snapshot) => {
                            open_console(console, loaded, snapshot);
                            // The header with the console: rendered on the server with the
                            // agent's name and links already there, so nothing moves when the
                            // page comes alive (Lighthouse's layout shift).
                            view! {
                                <AgentHeader current="/console" agent=agent status=ViewFn::from(|| view! { <PresencePicker /> })>
                                    <h1>"Deskchat console"</h1>
                                    <p class=move || status.get().class() role="status">
                                        {move || status.get().label()}
                                    </p>
                                </AgentHeader>
                                <div class="console-body">
                                    <div class="console-side">
                                        <OfferPanel />
                                        <Invitations />
                                        <ChatRequestPanel />
                                        <TeamList />
                                    </div>
                                    <section class="conversation-area" aria-label="Conversation window">
                                        {move || match selected.get() {
                                            Some(chat_id) => view! {
                                                <div class="chat-with-records">
                                                    <Conversation chat_id />
                                                    <RecordsPanel chat_id />
                                                </div>
                                            }.into_any(),
                                            None => view! { <p class="empty">"Accept a chat request to start a conversation."</p> }.into_any(),
                                        }}
                                    </section>
                                </div>
                            }
                            .into_any()
                        }
                        Err(ApiError::NotSignedIn) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// Fills the console from its snapshot, once: on the server while rendering, and again in the
/// browser while hydrating (the same data, so the same markup).
fn open_console(console: Console, loaded: RwSignal<Option<Position>>, snapshot: ConsoleSnapshot) {
    if console.model.with_untracked(Option::is_some) {
        return;
    }
    if snapshot.my_chats.is_empty() {
        if let Some(group) = snapshot.agent.groups.first() {
            console.tab.set(Tab::Group(group.id));
        }
    }
    loaded.set(Some(snapshot.position));
    console.model.set(Some(ConsoleModel::from_snapshot(snapshot)));
}
