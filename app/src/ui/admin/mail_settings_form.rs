use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::{admin_mail_settings, admin_save_mail_settings};
use crate::model::*;
use crate::ui::common::loaded::Loaded;

/// The SMTP server the desk sends its mail through (transcripts to end users): shown read-only
/// when the server's flags set it. The password is never shown; left empty it is kept.
#[component]
pub fn MailSettingsSection() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| admin_mail_settings());
    view! {
        <section class="mail-settings" aria-labelledby="mail-settings-title">
            <h2 id="mail-settings-title">"Email"</h2>
            <Loaded resource=loaded loading="Loading the mail settings…" let:view>
                <MailSettingsForm view />
            </Loaded>
        </section>
    }
}

#[component]
fn MailSettingsForm(view: MailSettingsView) -> impl IntoView {
    let from_flags = view.from_flags;
    let host = RwSignal::new(view.host);
    let port = RwSignal::new(if view.port == 0 { "587".to_string() } else { view.port.to_string() });
    let security = RwSignal::new(view.security);
    let username = RwSignal::new(view.username);
    let password = RwSignal::new(String::new());
    let forget_password = RwSignal::new(false);
    let password_set = RwSignal::new(view.password_set);
    let sender = RwSignal::new(view.sender);
    let status = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Not a port number: 0, which the server refuses with its sentence (domain/outbox.rs).
        let port_number = port.get_untracked().trim().parse::<u16>().unwrap_or(0);
        let typed = password.get_untracked();
        let change = MailSettingsChange {
            host: host.get_untracked(),
            port: port_number,
            security: security.get_untracked(),
            username: username.get_untracked(),
            new_password: match (forget_password.get_untracked(), typed.is_empty()) {
                (true, _) => Some(String::new()),
                (false, true) => None,
                (false, false) => Some(typed),
            },
            sender: sender.get_untracked(),
        };
        status.set(Some("Saving…".into()));
        error.set(None);
        spawn_local(async move {
            match admin_save_mail_settings(change).await {
                Ok(saved) => {
                    password.set(String::new());
                    forget_password.set(false);
                    password_set.set(saved.password_set);
                    status.set(Some(match saved.host.is_empty() {
                        true => "Saved. The desk sends no email.".into(),
                        false => "Saved. Transcripts go out through this server.".into(),
                    }));
                }
                Err(err) => {
                    status.set(None);
                    error.set(Some(err.to_string()));
                }
            }
        });
    };

    view! {
        {from_flags.then(|| view! {
            <p class="note">"This server was started with --smtp-host: it uses its flags, shown here, and these settings cannot be changed here."</p>
        })}
        <form class="settings mail" on:submit=save>
            <fieldset disabled=from_flags>
                <legend>"Mail server (SMTP)"</legend>
                <p class="hint">"Leave the server empty to send no email: the widget then offers no transcript by email."</p>
                <label for="smtp-host">"Server"</label>
                <input id="smtp-host" autocomplete="off" placeholder="smtp.example.com" prop:value=move || host.get()
                    on:input=move |ev| host.set(event_target_value(&ev)) />
                <label for="smtp-port">"Port"</label>
                <input id="smtp-port" type="number" min="1" max="65535" prop:value=move || port.get()
                    on:input=move |ev| port.set(event_target_value(&ev)) />
                <label for="smtp-security">"Security"</label>
                <select id="smtp-security" on:change=move |ev| {
                    if let Some(chosen) = MailSecurity::parse(&event_target_value(&ev)) { security.set(chosen) }
                }>
                    {MailSecurity::ALL.map(|s| view! {
                        <option value=s.as_str() selected=move || security.get() == s>{security_label(s)}</option>
                    })}
                </select>
                <label for="smtp-username">"User name"</label>
                <input id="smtp-username" autocomplete="off" prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev)) />
                <label for="smtp-password">"Password"</label>
                <input id="smtp-password" type="password" autocomplete="new-password" aria-describedby="smtp-password-hint"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                <p id="smtp-password-hint" class="hint">
                    {move || match password_set.get() {
                        true => "A password is kept; leave this empty to keep it.",
                        false => "No password is kept.",
                    }}
                </p>
                <Show when=move || password_set.get()>
                    <label>
                        <input type="checkbox" prop:checked=move || forget_password.get()
                            on:change=move |ev| forget_password.set(event_target_checked(&ev)) />
                        " Remove the kept password"
                    </label>
                </Show>
                <label for="mail-sender">"Sender"</label>
                <input id="mail-sender" autocomplete="off" placeholder="Service desk <desk@example.com>" prop:value=move || sender.get()
                    on:input=move |ev| sender.set(event_target_value(&ev)) />
            </fieldset>
            <button type="submit" disabled=from_flags>"Save email settings"</button>
            <p class="saved" role="status">{move || status.get()}</p>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

fn security_label(security: MailSecurity) -> &'static str {
    match security {
        MailSecurity::StartTls => "STARTTLS (port 587)",
        MailSecurity::Tls => "TLS (port 465)",
        MailSecurity::None => "None (a server on this machine only)",
    }
}
