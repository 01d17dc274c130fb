use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::admin_audit_log;
use crate::domain::records::utc_timestamp;
use crate::model::*;
use crate::ui::common::loaded::Loaded;
use crate::ui::shell::agent_header::AgentHeader;

/// `/admin/audit`: every change to agents and groups, newest first, with who made it (an admin,
/// or the shell), a page at a time.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| admin_audit_log(None));
    view! {
        <main class="admin-page audit-page">
            <AgentHeader current="/admin/audit" />
            <h1>"Audit log"</h1>
            <Loaded resource=loaded loading="Loading the audit log…" let:page>
                <AuditLines page />
            </Loaded>
        </main>
    }
}

#[component]
fn AuditLines(page: AuditPage) -> impl IntoView {
    let lines = RwSignal::new(page.lines);
    let more = RwSignal::new(page.more);
    let error = RwSignal::new(None::<String>);
    let older = move |_| {
        let before = lines.with_untracked(|l| l.last().map(|l| l.id));
        spawn_local(async move {
            match admin_audit_log(before).await {
                Ok(page) => {
                    lines.update(|l| l.extend(page.lines));
                    more.set(page.more);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <Show when=move || lines.with(Vec::is_empty)>
            <p class="empty">"No changes yet."</p>
        </Show>
        <table class="audit">
            <caption>"Changes to agents and groups, newest first"</caption>
            <thead>
                <tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Of"</th><th scope="col">"Details"</th></tr>
            </thead>
            <tbody>
                <For each=move || lines.get() key=|l| l.id let:line>
                    <tr>
                        <td>{utc_timestamp(line.at_ms)}</td>
                        <td>{line.actor.clone().unwrap_or_else(|| "shell (deskchat admin)".into())}</td>
                        <td>{line.action.label()}</td>
                        <td>{line.subject.clone()}</td>
                        <td>{line.detail.clone()}</td>
                    </tr>
                </For>
            </tbody>
        </table>
        <Show when=move || more.get()>
            <button type="button" on:click=older>"Show older changes"</button>
        </Show>
        <p class="error" role="alert">{move || error.get()}</p>
    }
}
