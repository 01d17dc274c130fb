use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::Widget;
use crate::api::widget::email_transcript;
use crate::i18n::texts;

/// "Email me the transcript", during the chat or after it, where the desk sends mail
/// (`WidgetModel::offers_transcript`): queued once per press (a retried press keeps its key),
/// then the address it goes to.
#[component]
pub fn TranscriptRequest() -> impl IntoView {
    let widget = expect_context::<Widget>();
    let offered = move || widget.model.with(|m| m.as_ref().is_some_and(|m| m.offers_transcript()));
    let requested = move || widget.model.with(|m| m.as_ref().and_then(|m| m.transcript_requested.clone()));
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // One key per request: kept until it is answered, so a retry after a lost answer is the
    // same request.
    let key = StoredValue::new(None::<String>);

    let ask = move |_| {
        let Some(token) = widget.token.get_untracked() else { return };
        let request_key = key.get_value().unwrap_or_else(crate::ui::browser::new_client_id);
        key.set_value(Some(request_key.clone()));
        sending.set(true);
        error.set(None);
        spawn_local(async move {
            match email_transcript(token, request_key, texts().lang().to_string()).await {
                Ok(answer) => {
                    key.set_value(None);
                    widget.model.update(|m| {
                        if let Some(m) = m.as_mut() {
                            m.transcript_requested = Some(answer);
                        }
                    });
                }
                Err(err) => error.set(Some(err.text_for_end_user(&texts()))),
            }
            sending.set(false);
        });
    };

    view! {
        <Show when=offered>
            <div class="transcript-request">
                <button type="button" class="email-transcript" on:click=ask disabled=move || sending.get()>
                    {texts().get("transcript-email")}
                </button>
                <p role="status">
                    {move || requested().map(|r| texts().fill("transcript-queued", &[("address", &r.address)]))}
                </p>
                <p class="error" role="alert">{move || error.get()}</p>
            </div>
        </Show>
    }
}
