use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::records::search_records;
use crate::domain::records::utc_timestamp;
use crate::model::*;
use crate::ui::shell::agent_header::AgentHeader;

/// Interactions and Incidents of the agent's groups (all, for an admin): searched by number,
/// contact, text, kind and status, newest first, a page at a time.
#[component]
pub fn RecordsPage() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let kind = RwSignal::new(None::<TicketKind>);
    let status = RwSignal::new(None::<TicketStatus>);
    let rows = RwSignal::new(Vec::<RecordRow>::new());
    let more = RwSignal::new(false);
    let searched = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();

    let run = move |before: Option<TicketId>| {
        let query =
            RecordQuery { text: text.get_untracked(), kind: kind.get_untracked(), status: status.get_untracked(), before };
        let navigate = navigate.clone();
        spawn_local(async move {
            match search_records(query).await {
                Ok(page) => {
                    error.set(None);
                    if before.is_none() {
                        rows.set(page.rows);
                    } else {
                        rows.update(|r| r.extend(page.rows));
                    }
                    more.set(page.more);
                    searched.set(true);
                }
                Err(ApiError::NotSignedIn) => navigate("/login", Default::default()),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    let first_page = run.clone();
    Effect::new(move |_| first_page(None));
    let submit = run.clone();

    view! {
        <main class="records-page">
            <AgentHeader current="/records" />
            <h1>"Records"</h1>
            <form class="record-search" role="search" on:submit=move |ev| { ev.prevent_default(); submit(None); }>
                <label for="record-text">"Search records"</label>
                <input type="search" id="record-text" placeholder="Number, contact, text" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev)) />
                <label for="record-kind">"Kind"</label>
                <select id="record-kind" on:change=move |ev| kind.set(TicketKind::parse(&event_target_value(&ev)))>
                    <option value="">"All"</option>
                    {TicketKind::ALL.map(|k| view! { <option value=k.as_str()>{k.label()}</option> })}
                </select>
                <label for="record-status">"Status"</label>
                <select id="record-status" on:change=move |ev| status.set(TicketStatus::parse(&event_target_value(&ev)))>
                    <option value="">"Any"</option>
                    {TicketStatus::ALL.map(|s| view! { <option value=s.as_str()>{s.label()}</option> })}
                </select>
                <button type="submit">"Search"</button>
            </form>
            <p class="error" role="alert">{move || error.get()}</p>
            <table class="records">
                <thead><tr><th scope="col">"Number"</th><th scope="col">"Title"</th><th scope="col">"Status"</th><th scope="col">"Contact"</th><th scope="col">"Group"</th><th scope="col">"Updated"</th></tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|r| (r.id, r.updated_at_ms) let:row>
                        <tr>
                            <td><a href=format!("/records/{}", row.number)>{row.number.clone()}</a></td>
                            <td>{row.title.clone()}</td>
                            <td>{row.status.label()}</td>
                            <td>{row.contact_name.clone()}</td>
                            <td>{row.group_name.clone()}</td>
                            <td>{utc_timestamp(row.updated_at_ms)}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
            <p role="status">{move || (searched.get() && rows.with(Vec::is_empty)).then_some("No records match.")}</p>
            <Show when=move || more.get()>
                <button type="button" on:click={
                    let run = run.clone();
                    move |_| run(rows.with_untracked(|r| r.last().map(|r| r.id)))
                }>"Show more"</button>
            </Show>
        </main>
    }
}
