//! The open chats a node knows from the stream it follows: what a post needs (the chat's state,
//! group, holder, guests and version; the chat an end user's token opens) without a database
//! read (issue 16).
//!
//! Kept current by the hub, which hands every event it publishes (this node's and, on
//! PostgreSQL, the other nodes') to `follow`, through the domain's own `ChatRequest::apply`. A
//! chat not held (first post after a start on another node, after a restart, or after the
//! cache was cleared) is read from the store once and remembered. The cache may be behind the
//! database, never ahead of it: a post decided on a stale chat is refused by the writer's version
//! guard (`posting`), and the desk reads the chat afresh, remembers it and decides again. Only
//! the post path asks here; every other use case reads the store.
//!
//! Closed chats are dropped: a closed chat takes no posts, and whether its token still opens it
//! depends on when it closed, which the store knows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::store::StoredEvent;
use crate::model::*;

/// Beyond this many chats the cache starts afresh: it is an optimisation, never the authority.
const MOST_HELD: usize = 200_000;

#[derive(Default)]
pub struct OpenChats {
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    chats: HashMap<ChatId, Arc<ChatRequest>>,
    /// Hash of an end user's token → their chat.
    tokens: HashMap<String, ChatId>,
    /// The other way round, so a chat that closes drops its token without a scan.
    token_of: HashMap<ChatId, String>,
}

impl OpenChats {
    fn held(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The chat as the stream last showed it, if it is open and held.
    pub fn get(&self, id: ChatId) -> Option<Arc<ChatRequest>> {
        self.held().chats.get(&id).cloned()
    }

    /// The chat this token opens, if it is open and held.
    pub fn by_token(&self, token_hash: &str) -> Option<Arc<ChatRequest>> {
        let held = self.held();
        let id = held.tokens.get(token_hash)?;
        held.chats.get(id).cloned()
    }

    /// A chat read from the store (and the hash of its token, when it was found by it). Kept
    /// only if open and newer than what is held: a read that raced with an event is not
    /// allowed to put an older version back.
    pub fn remember(&self, chat: &ChatRequest, token_hash: Option<&str>) {
        let mut held = self.held();
        if !chat.state.is_open() {
            held.forget(chat.id);
            return;
        }
        if held.chats.len() >= MOST_HELD {
            *held = Held::default();
        }
        let newer = held.chats.get(&chat.id).is_none_or(|c| c.version < chat.version);
        if newer {
            held.chats.insert(chat.id, Arc::new(chat.clone()));
        }
        if let Some(hash) = token_hash {
            held.tokens.insert(hash.to_string(), chat.id);
            held.token_of.insert(chat.id, hash.to_string());
        }
    }

    /// Brings the held chats up to date with published events, in position order. A chat
    /// entering the desk (`Queued` with a new request) is held from its first event on.
    pub fn follow(&self, events: &[StoredEvent]) {
        let mut held = self.held();
        for stored in events {
            let event = &stored.event;
            if let ChatEvent::Queued { request } = event {
                if !held.chats.contains_key(&request.id) && held.chats.len() < MOST_HELD {
                    held.chats.insert(request.id, Arc::new(request.clone()));
                    continue;
                }
            }
            let Some(id) = event.chat_id() else { continue };
            let Some(chat) = held.chats.get_mut(&id) else { continue };
            Arc::make_mut(chat).apply(event);
            if !chat.state.is_open() {
                held.forget(id);
            }
        }
    }

    /// How many chats are held (tests, metrics).
    pub fn len(&self) -> usize {
        self.held().chats.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Held {
    fn forget(&mut self, id: ChatId) {
        self.chats.remove(&id);
        if let Some(hash) = self.token_of.remove(&id) {
            self.tokens.remove(&hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audience::{Audience, Reach};
    use crate::domain::lifecycle::{decide, ChatState, Command, Party};

    fn chat(id: ChatId) -> ChatRequest {
        let mut chat = crate::fixtures::request(id, 1);
        chat.version = 1;
        chat
    }

    fn stored(position: Position, event: ChatEvent, before: &ChatRequest) -> StoredEvent {
        StoredEvent { position, audience: Audience::of(&event, before, Reach::Everyone), event }
    }

    fn alice() -> AgentCard {
        AgentCard { id: 7, name: "Alice".into(), photo_url: None }
    }

    #[test]
    fn a_queued_chat_is_held_and_follows_its_events_until_it_closes() {
        let open = OpenChats::default();
        let queued = chat(5);
        open.follow(&[stored(1, ChatEvent::Queued { request: queued.clone() }, &queued)]);
        assert_eq!(open.get(5).unwrap().state, ChatState::Queued);

        let accepted = decide(&queued, Command::Accept { agent: alice() }).unwrap();
        open.follow(&[stored(2, accepted, &queued)]);
        let held = open.get(5).unwrap();
        assert_eq!((held.state, held.version, held.agent.as_ref().map(|a| a.id)), (ChatState::Active, 2, Some(7)));

        let ended = decide(&held, Command::End { by: Party::EndUser }).unwrap();
        open.follow(&[stored(3, ended, &held)]);
        assert!(open.get(5).is_none(), "a closed chat is not held");
    }

    #[test]
    fn a_read_older_than_what_is_held_does_not_put_it_back() {
        let open = OpenChats::default();
        let queued = chat(5);
        open.remember(&queued, Some("hash"));
        let accepted = decide(&queued, Command::Accept { agent: alice() }).unwrap();
        open.follow(&[stored(2, accepted, &queued)]);
        // A read made before the accept, answered after it.
        open.remember(&queued, None);
        assert_eq!(open.by_token("hash").unwrap().state, ChatState::Active);
    }

    #[test]
    fn a_closed_chat_read_from_the_store_is_forgotten_with_its_token() {
        let open = OpenChats::default();
        let mut chat = chat(5);
        open.remember(&chat, Some("hash"));
        chat.state = ChatState::Ended;
        chat.version = 2;
        open.remember(&chat, None);
        assert!(open.by_token("hash").is_none() && open.is_empty());
    }

    #[test]
    fn events_of_chats_not_held_are_ignored() {
        let open = OpenChats::default();
        let other = chat(9);
        let accepted = decide(&other, Command::Accept { agent: alice() }).unwrap();
        open.follow(&[stored(1, accepted, &other)]);
        assert!(open.is_empty());
    }
}
