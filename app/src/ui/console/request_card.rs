use leptos::prelude::*;

use super::actions::Console;
use crate::model::ChatRequest;
use crate::ui::browser::waited;
use crate::ui::common::avatar::Avatar;

/// One waiting chat request: who, what, which group, how long, and Accept.
#[component]
pub fn RequestCard(request: ChatRequest, now: ReadSignal<i64>) -> impl IntoView {
    let console = expect_context::<Console>();
    let user = request.end_user.clone();
    let since = request.created_at_ms;
    let id = request.id;
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
            <button type="button" class="accept" aria-label=format!("Accept chat from {}", user.name)
                on:click=move |_| console.accept(id)>
                "Accept"
            </button>
        </li>
    }
}
