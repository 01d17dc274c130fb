use leptos::prelude::*;

use super::actions::Console;
use crate::domain::team;
use crate::model::{AgentId, ChatRequest, Role};
use crate::ui::browser::waited;
use crate::ui::common::avatar::Avatar;

/// One waiting chat request: who, what, which group, how long, and Accept (in a pickup group);
/// for an admin also Assign, to an online agent of its group.
#[component]
pub fn RequestCard(request: ChatRequest, now: ReadSignal<i64>) -> impl IntoView {
    let console = expect_context::<Console>();
    let user = request.end_user.clone();
    let since = request.created_at_ms;
    let id = request.id;
    let group = request.group.clone();
    let admin = console.model.with_untracked(|m| m.as_ref().is_some_and(|m| m.agent.role == Role::Admin));
    // In an auto-assign group the desk offers it to one agent; nobody picks it up from here.
    let picks_up = console.model.with_untracked(|m| m.as_ref().is_none_or(|m| m.picks_up(request.group.id)));
    let choices = move || {
        console.model.with(|m| {
            m.as_ref()
                .map(|m| team::assign_choices(&m.team, &group).into_iter().map(|t| (t.card.id, t.card.name.clone())).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let chosen = RwSignal::new(None::<AgentId>);
    let assign_label = format!("Assign chat from {} to", user.name);
    let user_name = user.name.clone();
    view! {
        <li class="request" data-chat-id=id>
            <Avatar name=user.name.clone() photo_url=user.photo_url.clone() />
            <div class="request-text">
                <p class="name">{user.name.clone()}</p>
                <p class="question">{request.question.clone()}</p>
                <p class="meta">
                    {request.group.name.clone()} " · " {request.number.clone()} " · waiting "
                    <span class="waited">{move || waited(since, now.get().max(since))}</span>
                </p>
            </div>
            {match picks_up {
                true => view! {
                    <button type="button" class="accept" aria-label=format!("Accept chat from {}", user.name)
                        on:click=move |_| console.accept(id)>
                        "Accept"
                    </button>
                }.into_any(),
                false => view! { <p class="offered-in-turn">"Offered to agents in turn"</p> }.into_any(),
            }}
            {admin.then(|| view! {
                <form class="assign" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    if let Some(to) = chosen.get_untracked() { console.assign(id, to) }
                }>
                    <select aria-label=assign_label on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=move || chosen.get().is_none()>"Assign to…"</option>
                        <For each=choices key=|c| c.0 let:choice>
                            <option value=choice.0.to_string()>{choice.1}</option>
                        </For>
                    </select>
                    <button type="submit" aria-label=format!("Assign chat from {user_name}") disabled=move || chosen.get().is_none()>"Assign"</button>
                </form>
            })}
        </li>
    }
}
