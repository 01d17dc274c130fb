use leptos::prelude::*;

use super::monitor_page::Shown;
use crate::model::*;

/// "2 min 05 s", "45 s": a wait or a duration.
fn duration(ms: i64) -> String {
    let seconds = ms / 1000;
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// One group's board: its queue (length, longest wait, each request), its agents (presence,
/// chats now, capacity) and its chats in progress (agent, end user, duration, time since the
/// last message; unanswered end-user messages highlighted), each with *Open*.
#[component]
pub fn BoardSection(
    #[prop(into)] shown: Signal<Option<Shown>>,
    #[prop(into)] clock: Signal<i64>,
    on_open: Callback<ChatId>,
) -> impl IntoView {
    let name = move || shown.with(|s| s.as_ref().map(|s| s.board.group.name.clone()).unwrap_or_default());
    let heading_id = move || shown.with(|s| s.as_ref().map(|s| format!("board-{}", s.board.group.id)).unwrap_or_default());
    let ago = move |since: i64| shown.with(|s| s.as_ref().map(|s| duration(s.ago_ms(since, clock.get()))).unwrap_or_default());
    let waiting = move || shown.with(|s| s.as_ref().map(|s| s.board.waiting.clone()).unwrap_or_default());
    let agents = move || shown.with(|s| s.as_ref().map(|s| s.board.agents.clone()).unwrap_or_default());
    let chats = move || shown.with(|s| s.as_ref().map(|s| s.board.chats.clone()).unwrap_or_default());
    let summary = move || {
        shown.with(|s| {
            let Some(s) = s else { return String::new() };
            match s.board.waiting.iter().map(|w| w.since_ms).min() {
                None => "Nobody is waiting.".to_string(),
                Some(oldest) => {
                    format!("{} waiting; the longest for {}.", s.board.waiting.len(), duration(s.ago_ms(oldest, clock.get())))
                }
            }
        })
    };

    view! {
        <section class="board" aria-labelledby=heading_id>
            <h2 id=heading_id>{name}</h2>
            <h3>"Queue"</h3>
            <p class="queue-summary" data-waiting=move || waiting().len()>{summary}</p>
            <Show when=move || !waiting().is_empty()>
                <table class="board-queue">
                    <caption class="sr-only">{move || format!("Waiting in {}", name())}</caption>
                    <thead><tr><th scope="col">"Request"</th><th scope="col">"End user"</th><th scope="col">"Question"</th><th scope="col">"Waiting"</th></tr></thead>
                    <tbody>
                        <For each=waiting key=|w| w.chat_id let:w>
                            <tr>
                                <td>{w.number.clone()}</td>
                                <td>{w.end_user.clone()}</td>
                                <td>{w.question.clone()}</td>
                                <td>{move || ago(w.since_ms)}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
            <h3>"Agents"</h3>
            <table class="board-agents">
                <caption class="sr-only">{move || format!("Agents of {}", name())}</caption>
                <thead><tr><th scope="col">"Agent"</th><th scope="col">"Status"</th><th scope="col">"Chats now"</th><th scope="col">"Most at once"</th></tr></thead>
                <tbody>
                    <For each=agents key=|a| (a.card.id, a.presence, a.chats, a.capacity) let:a>
                        <tr class=format!("presence-{}", a.presence.label().to_lowercase())>
                            <td>{a.card.name.clone()}</td>
                            <td>{a.presence.label()}</td>
                            <td>{a.chats}</td>
                            <td>{a.capacity.map_or_else(|| "No limit".to_string(), |c| c.to_string())}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
            <h3>"Chats in progress"</h3>
            <Show when=move || !chats().is_empty() fallback=|| view! { <p class="empty">"No chat in progress."</p> }>
                <table class="board-chats">
                    <caption class="sr-only">{move || format!("Chats in progress in {}", name())}</caption>
                    <thead><tr>
                        <th scope="col">"Chat"</th><th scope="col">"Agent"</th><th scope="col">"End user"</th>
                        <th scope="col">"Duration"</th><th scope="col">"Last message"</th><th scope="col">"Unanswered"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        <For each=chats key=|c| (c.chat_id, c.unanswered, c.last_message_at_ms, c.guests.len()) let:c>
                            {
                                let chat_id = c.chat_id;
                                let agents = c.agent.iter().chain(&c.guests).map(|a| a.name.clone()).collect::<Vec<_>>().join(", ");
                                let last = c.last_message_at_ms;
                                let unanswered = c.unanswered;
                                let label = format!("Open {} read-only", c.number);
                                view! {
                                    <tr class:unanswered={unanswered > 0}>
                                        <td>{c.number.clone()}</td>
                                        <td>{agents}</td>
                                        <td>{c.end_user.clone()}</td>
                                        <td>{move || ago(c.accepted_at_ms)}</td>
                                        <td>{move || last.map_or_else(|| "None yet".to_string(), |at| format!("{} ago", ago(at)))}</td>
                                        <td>{match unanswered {
                                            0 => "0".to_string(),
                                            n => format!("{n} waiting for an answer"),
                                        }}</td>
                                        <td><button type="button" aria-label=label on:click=move |_| on_open.run(chat_id)>"Open"</button></td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}
