use leptos::prelude::*;
use leptos::task::spawn_local;

use super::chat_stage::{send_message_left, send_start_form, ChatStart};
use crate::api::widget::list_groups;
use crate::domain::validate;
use crate::i18n::texts;
use crate::model::{ApiError, FieldError, FormField, GroupId, GroupOption, MessageLeft, NoLiveChat, StartChat};
use crate::ui::browser;
use crate::ui::widget::photo_field::PhotoField;

/// The form an end user fills to open a chat. Errors show next to their field; nothing is
/// created until every field passes. When the chosen group takes no live chat now (closed,
/// nobody online, a long wait), the same form leaves a message instead.
#[component]
pub fn StartForm(on_started: Callback<ChatStart>, on_message_left: Callback<MessageLeft>) -> impl IntoView {
    let form = RwSignal::new(StartChat::default());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let groups = RwSignal::new(Vec::<GroupOption>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // What the desk answered a start with, for the group it was sent to (newer than the list).
    let refused = RwSignal::new(None::<(GroupId, NoLiveChat)>);
    // One message, one key (made on its first send): sending it again after a lost answer finds
    // the same incident.
    let request_key = StoredValue::new(None::<String>);

    let preset = browser::query_param("group");
    Effect::new(move |_| {
        let preset = preset.clone();
        spawn_local(async move {
            match list_groups().await {
                Ok(list) => {
                    // `/widget?group=Network` (the embed snippet's data-group) chooses for them.
                    if let Some(wanted) = preset.clone() {
                        let found = list.iter().find(|o| o.group.name.eq_ignore_ascii_case(wanted.trim()));
                        if let Some(option) = found {
                            form.update(|f| f.group_id = Some(option.group.id));
                        }
                    }
                    groups.set(list)
                }
                Err(err) => failure.set(Some(err.text_for_end_user(&texts()))),
            }
        })
    });

    // Why the chosen group takes no live chat now, if it does not.
    let no_live_chat = move || {
        let chosen = form.with(|f| f.group_id)?;
        match refused.get() {
            Some((group, reason)) if group == chosen => Some(reason),
            _ => groups.with(|list| list.iter().find(|o| o.group.id == chosen).and_then(|o| o.no_live_chat)),
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let data = form.get_untracked();
        let known: Vec<i64> = groups.with_untracked(|g| g.iter().map(|g| g.group.id).collect());
        let leave = no_live_chat().is_some();
        busy.set(true);
        spawn_local(async move {
            if let Err(found) = check_start_form(data.clone(), known).await {
                errors.set(found);
                busy.set(false);
                return;
            }
            errors.set(vec![]);
            failure.set(None);
            if leave {
                let (key, answer) = send_message_left(data, request_key.get_value()).await;
                request_key.set_value(Some(key));
                match answer {
                    Ok(left) => on_message_left.run(left),
                    Err(ApiError::InvalidForm(found)) => errors.set(found),
                    Err(err) => failure.set(Some(err.text_for_end_user(&texts()))),
                }
            } else {
                // The chat's code comes while the request is on its way, not after its answer.
                let _ = lazy_preload!(super::chat_stage::chat_stage);
                let data_group = data.group_id;
                match send_start_form(data).await {
                    Ok(Ok(start)) => on_started.run(start),
                    Ok(Err(reason)) => refused.set(data_group.map(|g| (g, reason))),
                    Err(ApiError::InvalidForm(found)) => errors.set(found),
                    Err(err) => failure.set(Some(err.text_for_end_user(&texts()))),
                }
            }
            busy.set(false);
        });
    };

    // Whether someone of the chosen group can answer right now.
    let availability = move || {
        let chosen = form.with(|f| f.group_id)?;
        groups.with(|list| {
            let option = list.iter().find(|o| o.group.id == chosen)?;
            if let Some(reason) = no_live_chat() {
                return Some(no_live_chat_text(reason, &option.group.name));
            }
            let id = if option.agents_online { "form-agent-online" } else { "form-nobody-online-ask" };
            Some(texts().fill(id, &[("group", &option.group.name)]))
        })
    };

    let error_for =
        move |field: FormField| move || errors.with(|e| e.iter().find(|e| e.field == field).map(|e| e.text(&texts())));

    // One labelled input with its error beside it.
    let field = move |field: FormField,
                      id: &'static str,
                      label: String,
                      kind: &'static str,
                      get: fn(&StartChat) -> String,
                      set: fn(&mut StartChat, String)| {
        let error_id = format!("{id}-error");
        let error = error_for(field);
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type=kind
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby=error_id.clone()
                    prop:value=move || form.with(get)
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
                <p id=error_id class="error">{error}</p>
            </div>
        }
    };

    let t = texts();
    view! {
        <form class="start-form" on:submit=submit novalidate>
            <h2>{t.get("form-heading")}</h2>
            {field(FormField::Name, "user-name", t.get("form-name"), "text", |f| f.name.clone(), |f, v| f.name = v)}
            {field(FormField::Email, "user-email", t.get("form-email"), "email", |f| f.email.clone(), |f, v| f.email = v)}
            {field(FormField::Phone, "user-phone", t.get("form-phone"), "tel", |f| f.phone.clone(), |f, v| f.phone = v)}
            {field(FormField::Location, "user-location", t.get("form-location"), "text", |f| f.location.clone(), |f, v| f.location = v)}
            <PhotoField form errors />
            <div class="field">
                <label for="user-group">{t.get("form-group")}</label>
                <select id="user-group"
                    aria-invalid=move || error_for(FormField::Group)().is_some().to_string()
                    aria-describedby="user-group-error"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        form.update(|f| f.group_id = value.parse().ok());
                    }>
                    <option value="" selected=move || form.with(|f| f.group_id.is_none())>{t.get("form-group-choose")}</option>
                    <For each=move || groups.get() key=|g| (g.group.id, g.agents_online) let:option>
                        <option value=option.group.id.to_string()
                            selected=move || form.with(|f| f.group_id == Some(option.group.id))>
                            {option.group.name.clone()}
                        </option>
                    </For>
                </select>
                <p id="user-group-error" class="error">{error_for(FormField::Group)}</p>
                <p class="availability" role="status">{availability}</p>
            </div>
            <div class="field">
                <label for="user-question">{t.get("form-question")}</label>
                <textarea id="user-question" rows="3"
                    aria-invalid=move || error_for(FormField::Question)().is_some().to_string()
                    aria-describedby="user-question-error"
                    prop:value=move || form.with(|f| f.question.clone())
                    on:input=move |ev| form.update(|f| f.question = event_target_value(&ev))></textarea>
                <p id="user-question-error" class="error">{error_for(FormField::Question)}</p>
            </div>
            {field(FormField::PreviousTicket, "user-ticket", t.get("form-ticket"), "text",
                |f| f.previous_ticket.clone(), |f, v| f.previous_ticket = v)}
            <p class="error" role="alert">{move || failure.get()}</p>
            <p class="sr-only" role="alert">
                {move || errors.with(|e| (!e.is_empty()).then(|| texts().count("form-correct", "count", e.len() as i64, &[])))}
            </p>
            <button type="submit" disabled=move || busy.get()>
                {move || texts().get(if no_live_chat().is_some() { "form-leave-message" } else { "form-start" })}
            </button>
        </form>
    }
}

/// The form's checks (the domain's rule, `validate::start_chat`, the photo's decoding among
/// them) as a chunk of their own, fetched on the first submit: bytes a visitor who only looks
/// at the form does not download (README, Bytes). The server checks again.
#[lazy]
async fn check_start_form(form: StartChat, known_groups: Vec<GroupId>) -> Result<(), Vec<FieldError>> {
    validate::start_chat(&form, &known_groups).map(|_| ())
}

/// Why there is no live chat now, and what the form does instead.
fn no_live_chat_text(reason: NoLiveChat, group: &str) -> String {
    let t = texts();
    match reason {
        NoLiveChat::OutsideHours => t.fill("form-closed", &[("group", group)]),
        NoLiveChat::NobodyOnline => t.fill("form-nobody-online", &[("group", group)]),
        NoLiveChat::WaitTooLong { minutes } => t.count("form-wait-too-long", "minutes", minutes as i64, &[("group", group)]),
    }
}
