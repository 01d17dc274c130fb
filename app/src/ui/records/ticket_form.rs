use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::records::save_ticket;
use crate::model::*;

/// An editable Interaction or Incident. Shows the newest version it is given (saved here or,
/// live, by someone else) unless the agent is mid-edit; a save names the version it started
/// from, so a save racing another agent's is refused with their values, never silently
/// overwriting them.
#[component]
pub fn TicketForm(
    /// The ticket as last known (from the snapshot, a save, or a live event).
    #[prop(into)]
    ticket: Signal<Option<Ticket>>,
    /// Called with what the server stored after a save (or the current values on a conflict).
    on_saved: Callback<Ticket>,
) -> impl IntoView {
    // Filled at once (so the server renders the values), and kept up by the effect below.
    let draft = RwSignal::new(ticket.with_untracked(|t| t.as_ref().map(|t| t.fields.clone())));
    let base = RwSignal::new(ticket.with_untracked(|t| t.as_ref().map(|t| (t.id, t.version))));
    let dirty = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let newer_elsewhere = RwSignal::new(false);

    // Follow the ticket as it changes elsewhere, but never under the agent's fingers.
    Effect::new(move |_| {
        let Some(t) = ticket.get() else { return };
        let held = base.get_untracked();
        let same = held.is_some_and(|(id, _)| id == t.id);
        if !same || !dirty.get_untracked() {
            draft.set(Some(t.fields.clone()));
            base.set(Some((t.id, t.version)));
            newer_elsewhere.set(false);
        } else if held.is_some_and(|(_, v)| t.version > v) {
            newer_elsewhere.set(true);
        }
    });

    let edit = move |f: &dyn Fn(&mut TicketFields)| {
        draft.update(|d| {
            if let Some(d) = d.as_mut() {
                f(d)
            }
        });
        dirty.set(true);
        status.set(None);
    };

    let save = move || {
        let (Some(fields), Some((id, version))) = (draft.get_untracked(), base.get_untracked()) else {
            return;
        };
        error.set(None);
        status.set(Some("Saving…".into()));
        spawn_local(async move {
            match save_ticket(id, fields, version).await {
                Ok(saved) => {
                    dirty.set(false);
                    newer_elsewhere.set(false);
                    draft.set(Some(saved.fields.clone()));
                    base.set(Some((saved.id, saved.version)));
                    status.set(Some(format!("Saved {}.", saved.number)));
                    on_saved.run(saved);
                }
                Err(ApiError::Stale { current }) => {
                    let message = ApiError::Stale { current: current.clone() }.to_string();
                    dirty.set(false);
                    newer_elsewhere.set(false);
                    draft.set(Some(current.fields.clone()));
                    base.set(Some((current.id, current.version)));
                    status.set(None);
                    error.set(Some(message));
                    on_saved.run(*current);
                }
                Err(err) => {
                    status.set(None);
                    error.set(Some(err.to_string()));
                }
            }
        });
    };

    let number = move || ticket.with(|t| t.as_ref().map(|t| t.number.clone()).unwrap_or_default());
    let value = move |get: fn(&TicketFields) -> String| move || draft.with(|d| d.as_ref().map(get).unwrap_or_default());
    let text_row =
        move |label: &'static str, key: &'static str, get: fn(&TicketFields) -> String, set: fn(&mut TicketFields, String)| {
            let id = move || format!("{}-{key}", number());
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    <input type="text" id=id prop:value=value(get)
                        on:input=move |ev| { let v = event_target_value(&ev); edit(&move |d| set(d, v.clone())); } />
                </div>
            }
        };

    view! {
        <form class="ticket-form" aria-label=move || format!("{} {}", ticket.with(|t| t.as_ref().map_or("Record", |t| t.kind.label())), number())
            on:submit=move |ev| { ev.prevent_default(); save(); }>
            {text_row("Title", "title", |d| d.title.clone(), |d, v| d.title = v)}
            <div class="field-row">
                <div class="field">
                    <label for=move || format!("{}-status", number())>"Status"</label>
                    <select id=move || format!("{}-status", number())
                        on:change=move |ev| {
                            if let Some(s) = TicketStatus::parse(&event_target_value(&ev)) { edit(&move |d| d.status = s); }
                        }>
                        {TicketStatus::ALL.map(|s| view! {
                            <option value=s.as_str() selected=move || draft.with(|d| d.as_ref().is_some_and(|d| d.status == s))>{s.label()}</option>
                        })}
                    </select>
                </div>
                <div class="field">
                    <label for=move || format!("{}-priority", number())>"Priority"</label>
                    <select id=move || format!("{}-priority", number())
                        on:change=move |ev| {
                            if let Some(p) = Priority::parse(&event_target_value(&ev)) { edit(&move |d| d.priority = p); }
                        }>
                        {Priority::ALL.map(|p| view! {
                            <option value=p.as_str() selected=move || draft.with(|d| d.as_ref().is_some_and(|d| d.priority == p))>{p.label()}</option>
                        })}
                    </select>
                </div>
                {text_row("Category", "category", |d| d.category.clone(), |d, v| d.category = v)}
            </div>
            <div class="field-row">
                {text_row("Contact name", "contact-name", |d| d.contact_name.clone(), |d, v| d.contact_name = v)}
                {text_row("Contact email", "contact-email", |d| d.contact_email.clone(), |d, v| d.contact_email = v)}
                {text_row("Contact phone", "contact-phone", |d| d.contact_phone.clone(), |d, v| d.contact_phone = v)}
            </div>
            {text_row("Location", "location", |d| d.location.clone(), |d, v| d.location = v)}
            <div class="field">
                <label for=move || format!("{}-description", number())>"Description"</label>
                <textarea id=move || format!("{}-description", number()) rows="4" prop:value=value(|d| d.description.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); edit(&move |d| d.description = v.clone()); }></textarea>
            </div>
            <p class="meta">{move || ticket.with(|t| t.as_ref().map(|t| format!(
                "{} · {} · assigned to {}", t.number, t.group.name, t.assignee.as_ref().map_or("nobody", |a| a.name.as_str())
            )))}</p>
            <Show when=move || newer_elsewhere.get()>
                <p class="warning" role="status">"Someone else saved a newer version while you were editing. Saving now will be refused and show their values."</p>
            </Show>
            <button type="submit">{move || format!("Save {}", number())}</button>
            <p class="saved" role="status">{move || status.get()}</p>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
