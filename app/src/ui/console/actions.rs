use leptos::prelude::*;
use leptos::task::spawn_local;

use super::model::ConsoleModel;
use crate::api::canned::list_canned_messages;
use crate::api::console::{accept_chat, decline_offer, end_chat, load_chat, load_earlier, post_as_agent};
use crate::api::records::{add_as_request, convert_to_incident, load_chat_records};
use crate::api::team::{assign_chat, invite_agent, join_chat, leave_chat, set_availability, transfer_chat};
use crate::model::{AcceptOutcome, AgentCard, AgentId, Availability, CannedMessage, ChatId, GroupId, TransferTarget};
use crate::ui::browser::new_client_id;
use crate::ui::common::typists::Typists;
use crate::ui::realtime::{send_on, LinkSlot};
use crate::ui::thread::PendingStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Group(GroupId),
    MyChats,
    History,
}

/// The console's state and what an agent can do with it; shared with every console component.
#[derive(Clone, Copy)]
pub struct Console {
    pub model: RwSignal<Option<ConsoleModel>>,
    pub tab: RwSignal<Tab>,
    /// A one-line message for the agent (e.g. "already accepted by Bob").
    pub notice: RwSignal<Option<String>>,
    /// The canned messages the agent may use (the composer's `/` list).
    pub canned: RwSignal<Vec<CannedMessage>>,
    /// End users typing right now, by chat.
    pub typists: Typists,
    /// The console's live link, for the agent's typing signals.
    pub link: LinkSlot,
}

impl Console {
    pub fn update(self, f: impl FnOnce(&mut ConsoleModel)) {
        self.model.update(|m| {
            if let Some(m) = m.as_mut() {
                f(m)
            }
        });
    }

    pub fn accept(self, chat_id: ChatId) {
        self.notice.set(None);
        spawn_local(async move {
            match accept_chat(chat_id).await {
                Ok(AcceptOutcome::Accepted(transcript, records)) => {
                    self.update(|m| {
                        m.offer.take_if(|o| o.request.id == chat_id);
                        m.open(transcript);
                        m.set_records(records);
                        m.select(chat_id);
                    });
                    self.tab.set(Tab::MyChats);
                }
                Ok(AcceptOutcome::AlreadyTaken { by }) => {
                    self.update(|m| m.drop_request(chat_id));
                    self.notice.set(Some(match by {
                        Some(name) => format!("That chat was already accepted by {name}."),
                        None => "That chat is no longer waiting.".to_string(),
                    }));
                }
                Err(err) => self.notice.set(Some(err.to_string())),
            }
        });
    }

    /// Declines the chat the desk offers: it goes on to a colleague.
    pub fn decline(self, chat_id: ChatId) {
        self.notice.set(None);
        self.update(|m| drop(m.offer.take_if(|o| o.request.id == chat_id)));
        spawn_local(async move {
            if let Err(err) = decline_offer(chat_id).await {
                self.notice.set(Some(err.to_string()));
            }
        });
    }

    /// Loads a chat that became ours elsewhere (another tab).
    pub fn load(self, chat_id: ChatId) {
        spawn_local(async move {
            if let Ok(transcript) = load_chat(chat_id).await {
                self.update(|m| m.open(transcript));
            }
        });
    }

    /// Fetches the page of messages before the oldest one shown.
    pub fn load_earlier(self, chat_id: ChatId) {
        let Some(before) = self.model.with_untracked(|m| m.as_ref().and_then(|m| m.chat(chat_id)).and_then(|c| c.oldest()))
        else {
            return;
        };
        spawn_local(async move {
            match load_earlier(chat_id, before).await {
                Ok(page) => self.update(|m| {
                    if let Some(chat) = m.chat_mut(chat_id) {
                        chat.add_earlier(page);
                    }
                }),
                Err(err) => self.notice.set(Some(err.to_string())),
            }
        });
    }

    pub fn send(self, chat_id: ChatId, body: String) {
        let client_id = new_client_id();
        self.update(|m| {
            if let Some(chat) = m.chat_mut(chat_id) {
                chat.queue(client_id.clone(), body.clone());
            }
        });
        self.post(chat_id, client_id, body);
    }

    /// Posts an unacknowledged message again, with the same id: it can arrive only once.
    pub fn resend(self, chat_id: ChatId, client_id: String) {
        let mut body = None;
        self.update(|m| {
            if let Some(chat) = m.chat_mut(chat_id) {
                body = chat.outbox.iter().find(|p| p.client_id == client_id).map(|p| p.body.clone());
                chat.set_status(&client_id, PendingStatus::Sending);
            }
        });
        if let Some(body) = body {
            self.post(chat_id, client_id, body);
        }
    }

    fn post(self, chat_id: ChatId, client_id: String, body: String) {
        spawn_local(async move {
            let result = post_as_agent(chat_id, client_id.clone(), body).await;
            let mut end_now = false;
            self.update(|m| {
                if let Some(chat) = m.chat_mut(chat_id) {
                    match result {
                        Ok(message) => {
                            chat.add_message(message, true);
                        }
                        Err(err) => chat.set_status(&client_id, PendingStatus::Failed(err.to_string())),
                    }
                    end_now = chat.take_deferred_end();
                }
            });
            if end_now {
                self.end_now(chat_id);
            }
        });
    }

    /// Ends the chat once the agent's messages still on their way are answered.
    pub fn end(self, chat_id: ChatId) {
        let now = self.model.try_update(|m| m.as_mut().and_then(|m| m.chat_mut(chat_id)).map(|c| c.ask_to_end())).flatten();
        if now.unwrap_or(true) {
            self.end_now(chat_id);
        }
    }

    fn end_now(self, chat_id: ChatId) {
        spawn_local(async move {
            if let Err(err) = end_chat(chat_id).await {
                self.notice.set(Some(err.to_string()));
            }
        });
    }

    /// Loads the records beside a chat that opened without them (accepted in another tab).
    pub fn load_records(self, chat_id: ChatId) {
        spawn_local(async move {
            match load_chat_records(chat_id).await {
                Ok(records) => self.update(|m| m.set_records(records)),
                Err(err) => self.notice.set(Some(err.to_string())),
            }
        });
    }

    /// "Convert chat to incident" (during the chat) or "Add as request" (after it): either
    /// way the chat ends up with one incident, shown beside it.
    pub fn make_incident(self, chat_id: ChatId, after_the_chat: bool) {
        self.notice.set(None);
        spawn_local(async move {
            let result = if after_the_chat { add_as_request(chat_id).await } else { convert_to_incident(chat_id).await };
            match result {
                Ok(incident) => self.update(|m| {
                    if let Some(mut records) = m.records(chat_id).cloned() {
                        if records.incident.is_none() {
                            records.incident = Some(incident.clone());
                            records.notes.clear();
                            m.set_records(records);
                            // Notes now go to the incident: show its notes.
                            self.load_records(chat_id);
                        }
                    }
                    m.ticket_saved(&incident);
                }),
                Err(err) => self.notice.set(Some(err.to_string())),
            }
        });
    }

    /// Reads the canned messages the agent may use.
    pub fn load_canned(self) {
        spawn_local(async move {
            if let Ok(canned) = list_canned_messages().await {
                self.canned.set(canned);
            }
        });
    }

    /// Tells the chat's end user the agent is typing.
    pub fn typing(self, chat_id: ChatId) {
        send_on(self.link, &crate::model::ClientFrame::Typing { chat_id });
    }

    /// The agent sets themself online or away; colleagues see it live.
    pub fn set_availability(self, availability: Availability) {
        spawn_local(async move {
            match set_availability(availability).await {
                Ok(member) => self.update(|m| m.presence(member)),
                Err(err) => self.notice.set(Some(err.to_string())),
            }
        });
    }

    /// Invites an online colleague into the chat.
    pub fn invite(self, chat_id: ChatId, agent: AgentCard) {
        self.notice.set(None);
        spawn_local(async move {
            self.notice.set(Some(match invite_agent(chat_id, agent.id).await {
                Ok(()) => format!("{} is invited; they can join from their console.", agent.name),
                Err(err) => err.to_string(),
            }));
        });
    }

    /// Joins a chat the agent was invited into: it opens with its whole history.
    pub fn join(self, chat_id: ChatId) {
        self.notice.set(None);
        spawn_local(async move {
            match join_chat(chat_id).await {
                Ok(transcript) => {
                    self.update(|m| {
                        m.invitations.retain(|i| i.request.id != chat_id);
                        m.open(transcript);
                        m.select(chat_id);
                    });
                    self.tab.set(Tab::MyChats);
                }
                Err(err) => {
                    // Ended or gone meanwhile: the invitation is of no use any more.
                    self.update(|m| m.invitations.retain(|i| i.request.id != chat_id));
                    self.notice.set(Some(err.to_string()));
                }
            }
        });
    }

    /// Turns an invitation down (here only: the inviter is not told).
    pub fn dismiss_invitation(self, chat_id: ChatId) {
        self.update(|m| m.invitations.retain(|i| i.request.id != chat_id));
    }

    /// A guest leaves the chat; it goes on without them.
    pub fn leave(self, chat_id: ChatId) {
        self.notice.set(None);
        spawn_local(async move {
            if let Err(err) = leave_chat(chat_id).await {
                self.notice.set(Some(err.to_string()));
            }
        });
    }

    /// Hands the chat to an online agent or a group's queue. The chat closes here when the
    /// `Transferred` event arrives (ConsoleModel::apply).
    pub fn transfer(self, chat_id: ChatId, target: TransferTarget) {
        self.notice.set(None);
        spawn_local(async move {
            if let Err(err) = transfer_chat(chat_id, target).await {
                self.notice.set(Some(err.to_string()));
            }
        });
    }

    /// An admin gives a waiting request to an agent of its group; its event takes it out of
    /// every queue and opens it in that agent's console.
    pub fn assign(self, chat_id: ChatId, to: AgentId) {
        self.notice.set(None);
        spawn_local(async move {
            if let Err(err) = assign_chat(chat_id, to).await {
                self.notice.set(Some(err.to_string()));
            }
        });
    }
}
