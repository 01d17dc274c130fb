//! One chat as a screen holds it: its transcript plus what is still on its way out, with pure
//! update functions. Applying an event twice is the same as applying it once, which is what
//! makes "snapshot, then events after its position" safe (docs/realtime.md). The console
//! (`console/model.rs`) holds several, the widget (`widget/model.rs`) one.

use crate::model::*;

/// A message typed here that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub body: String,
    pub status: PendingStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PendingStatus {
    Sending,
    /// Not posted; the reason is shown beside a Resend button.
    Failed(String),
}

/// One conversation: the transcript plus what is still on its way out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    pub transcript: ChatTranscript,
    pub outbox: Vec<Pending>,
    pub unread: u32,
    /// The author asked to end while messages were still on their way: it ends once they are
    /// answered, so nothing typed before End loses the race to it.
    pub ending: bool,
}

impl Thread {
    pub fn new(transcript: ChatTranscript) -> Self {
        Thread { transcript, outbox: Vec::new(), unread: 0, ending: false }
    }

    pub fn id(&self) -> ChatId {
        self.transcript.request.id
    }

    /// Adds a message once (by id, in id order); a confirmed one leaves the outbox.
    /// Returns whether it was new.
    pub fn add_message(&mut self, message: ChatMessage, mine: bool) -> bool {
        if mine {
            self.outbox.retain(|p| p.client_id != message.client_id);
        }
        let messages = &mut self.transcript.messages;
        match messages.binary_search_by_key(&message.id, |m| m.id) {
            Ok(_) => false,
            Err(at) => {
                messages.insert(at, message);
                true
            }
        }
    }

    /// Adds a page of older messages (see `TRANSCRIPT_PAGE`).
    pub fn add_earlier(&mut self, page: MessagePage) {
        for message in page.messages {
            self.add_message(message, false);
        }
        self.transcript.earlier = page.earlier;
    }

    /// Where the next page of older messages ends: before the oldest message held.
    pub fn oldest(&self) -> Option<i64> {
        self.transcript.messages.first().map(|m| m.id)
    }

    fn sending(&self) -> bool {
        self.outbox.iter().any(|p| p.status == PendingStatus::Sending)
    }

    /// The author asks to end: `true` if it may end now; otherwise it is deferred until the
    /// messages on their way are answered (see `take_deferred_end`).
    pub fn ask_to_end(&mut self) -> bool {
        self.ending = self.sending();
        !self.ending
    }

    /// After a post was answered: whether a deferred end goes now (once).
    pub fn take_deferred_end(&mut self) -> bool {
        let go = self.ending && !self.sending();
        if go {
            self.ending = false;
        }
        go
    }

    pub fn queue(&mut self, client_id: String, body: String) {
        self.outbox.push(Pending { client_id, body, status: PendingStatus::Sending });
    }

    pub fn set_status(&mut self, client_id: &str, status: PendingStatus) {
        if let Some(p) = self.outbox.iter_mut().find(|p| p.client_id == client_id) {
            p.status = status;
        }
    }

    /// Applies one event of this chat: a message is added once, a lifecycle change updates
    /// the request. `me` is the reading agent, `None` for the end user. Returns whether it
    /// brought a message from someone else.
    pub fn apply(&mut self, event: &ChatEvent, me: Option<AgentId>) -> bool {
        match event {
            ChatEvent::MessagePosted { message } => {
                let mine = match (&message.author, me) {
                    (Author::EndUser, None) => true,
                    (Author::Agent(card), Some(me)) => card.id == me,
                    _ => false,
                };
                self.add_message(message.clone(), mine) && !mine
            }
            other => {
                self.transcript.request.apply(other);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    #[test]
    fn ending_waits_for_the_messages_still_on_their_way() {
        let mut chat = Thread::new(active(7, vec![]));
        assert!(chat.ask_to_end(), "nothing on its way: end now");
        chat.queue("c1".into(), "one".into());
        chat.queue("c2".into(), "two".into());
        assert!(!chat.ask_to_end(), "deferred");
        assert!(!chat.take_deferred_end());
        chat.add_message(message(1, 7, Author::Agent(agent(1)), "c1"), true);
        assert!(!chat.take_deferred_end(), "c2 is still on its way");
        chat.set_status("c2", PendingStatus::Failed("offline".into()));
        assert!(chat.take_deferred_end(), "a failed one does not hold the end");
        assert!(!chat.take_deferred_end(), "once");
    }
}
