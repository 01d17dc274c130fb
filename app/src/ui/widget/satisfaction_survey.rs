use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::Widget;
use crate::api::widget::rate_chat;
use crate::domain::satisfaction::{HIGHEST_SCORE, LOWEST_SCORE, MAX_COMMENT_CHARS};
use crate::i18n::texts;

/// "How was this chat?" once the chat has ended, where its group asks
/// (`WidgetModel::asks_rating`): a score from 1 to 5 and an optional comment, sent once; then
/// the thanks, with the score given.
#[component]
pub fn SatisfactionSurvey() -> impl IntoView {
    let widget = expect_context::<Widget>();
    let asks = move || widget.model.with(|m| m.as_ref().is_some_and(|m| m.asks_rating()));
    let given = move || widget.model.with(|m| m.as_ref().and_then(|m| m.rating.as_ref().map(|r| r.score)));
    let score = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(chosen) = score.get_untracked() else {
            error.set(Some(texts().get("survey-pick")));
            return;
        };
        let Some(token) = widget.token.get_untracked() else { return };
        sending.set(true);
        error.set(None);
        spawn_local(async move {
            match rate_chat(token, chosen, comment.get_untracked()).await {
                Ok(rating) => widget.model.update(|m| {
                    if let Some(m) = m.as_mut() {
                        m.rating = Some(rating);
                    }
                }),
                Err(err) => error.set(Some(err.text_for_end_user(&texts()))),
            }
            sending.set(false);
        });
    };

    view! {
        <Show when=asks fallback=move || given().map(|score| view! {
            <p class="survey-thanks" role="status">{texts().fill("survey-thanks", &[("score", &score.to_string())])}</p>
        })>
            <form class="survey" on:submit=submit novalidate>
                <fieldset>
                    <legend>{texts().get("survey-question")}</legend>
                    {(LOWEST_SCORE..=HIGHEST_SCORE).map(|n| view! {
                        <label class="score">
                            <input type="radio" name="survey-score" value=n.to_string()
                                on:change=move |_| { score.set(Some(n)); error.set(None); } />
                            {texts().get(&format!("survey-score-{n}"))}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label for="survey-comment">{texts().get("survey-comment")}</label>
                <textarea id="survey-comment" rows="2" maxlength=MAX_COMMENT_CHARS.to_string()
                    prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                <button type="submit" disabled=move || sending.get()>{texts().get("survey-send")}</button>
                <p class="error" role="alert">{move || error.get()}</p>
            </form>
        </Show>
    }
}
