use leptos::prelude::*;
use leptos::task::spawn_local;

use super::model::WidgetModel;
use crate::api::widget::{end_as_end_user, post_as_end_user};
use crate::ui::browser::new_client_id;
use crate::ui::common::typists::Typists;
use crate::ui::realtime::{send_on, LinkSlot};
use crate::ui::thread::PendingStatus;

/// The end user's chat and what they can do in it.
#[derive(Clone, Copy)]
pub struct Widget {
    pub model: RwSignal<Option<WidgetModel>>,
    pub token: RwSignal<Option<String>>,
    pub notice: RwSignal<Option<String>>,
    /// The agent typing right now.
    pub typists: Typists,
    /// The widget's live link, for the end user's typing signals.
    pub link: LinkSlot,
}

impl Widget {
    fn update(self, f: impl FnOnce(&mut WidgetModel)) {
        self.model.update(|m| {
            if let Some(m) = m.as_mut() {
                f(m)
            }
        });
    }

    pub fn send(self, body: String) {
        let client_id = new_client_id();
        self.update(|m| m.thread.queue(client_id.clone(), body.clone()));
        self.post(client_id, body);
    }

    pub fn resend(self, client_id: String) {
        let mut body = None;
        self.update(|m| {
            body = m.thread.outbox.iter().find(|p| p.client_id == client_id).map(|p| p.body.clone());
            m.thread.set_status(&client_id, PendingStatus::Sending);
        });
        if let Some(body) = body {
            self.post(client_id, body);
        }
    }

    fn post(self, client_id: String, body: String) {
        let Some(token) = self.token.get_untracked() else { return };
        spawn_local(async move {
            let result = post_as_end_user(token, client_id.clone(), body).await;
            let mut end_now = false;
            self.update(|m| {
                match result {
                    Ok(message) => {
                        m.thread.add_message(message, true);
                    }
                    Err(err) => m.thread.set_status(&client_id, PendingStatus::Failed(err.text_for_end_user(&crate::i18n::texts()))),
                }
                end_now = m.thread.take_deferred_end();
            });
            if end_now {
                self.end_now();
            }
        });
    }

    /// Ends the chat once the end user's messages still on their way are answered.
    pub fn end(self) {
        let now = self.model.try_update(|m| m.as_mut().map(|m| m.thread.ask_to_end())).flatten();
        if now.unwrap_or(true) {
            self.end_now();
        }
    }

    fn end_now(self) {
        let Some(token) = self.token.get_untracked() else { return };
        spawn_local(async move {
            if let Err(err) = end_as_end_user(token).await {
                self.notice.set(Some(err.text_for_end_user(&crate::i18n::texts())));
            }
        });
    }

    /// Tells the agent the end user is typing.
    pub fn typing(self) {
        let chat_id = self.model.with_untracked(|m| m.as_ref().map(|m| m.thread.id()));
        if let Some(chat_id) = chat_id {
            send_on(self.link, &crate::model::ClientFrame::Typing { chat_id });
        }
    }
}
