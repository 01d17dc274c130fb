use leptos::prelude::*;

use super::actions::Console;
use crate::model::OfferCard;
use crate::ui::browser::ticking_now;

/// The chat the desk offers this agent (auto-assign groups): who and what, the time left to
/// answer, Accept and Decline. Nothing when there is no offer.
#[component]
pub fn OfferPanel() -> impl IntoView {
    let console = expect_context::<Console>();
    let offer = Memo::new(move |_| console.model.with(|m| m.as_ref().and_then(|m| m.offer.clone())));
    move || offer.get().map(|card| view! { <OfferShown card /> })
}

#[component]
fn OfferShown(card: OfferCard) -> impl IntoView {
    let console = expect_context::<Console>();
    let request = card.request;
    let (id, name) = (request.id, request.end_user.name.clone());
    // Counted down on this browser's clock from when it showed: the desk decides the end.
    let now = ticking_now();
    let shown_at = StoredValue::new(None::<i64>);
    let seconds_left = card.seconds_left;
    let left = move || {
        let now = now.get();
        if now == 0 {
            return seconds_left;
        }
        let start = shown_at.try_update_value(|s| *s.get_or_insert(now)).unwrap_or(now);
        (seconds_left - (now - start) / 1000).max(0)
    };
    view! {
        <section class="panel offer" aria-labelledby="offer-heading">
            <h2 id="offer-heading">"Chat offered to you"</h2>
            <p role="status">{format!("{} asks in {} ({})", name, request.group.name, request.number)}</p>
            <p class="question">{request.question.clone()}</p>
            <p class="countdown">{move || format!("Answer within {} s", left())}</p>
            <button type="button" class="accept" aria-label=format!("Accept chat from {name}")
                on:click=move |_| console.accept(id)>"Accept"</button>
            " "
            <button type="button" aria-label=format!("Decline chat from {name}")
                on:click=move |_| console.decline(id)>"Decline"</button>
        </section>
    }
}
