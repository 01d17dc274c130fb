//! What the widget shows: the end user's one chat (a `Thread`), their place in the queue and
//! the stream position, with a pure update function.

use crate::domain::lifecycle::{queue_move, QueueMove};
use crate::model::*;
use crate::ui::thread::Thread;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetModel {
    pub thread: Thread,
    pub queue_place: Option<u32>,
    pub position: Position,
}

impl WidgetModel {
    pub fn from_snapshot(snapshot: WidgetSnapshot) -> Self {
        WidgetModel { thread: Thread::new(snapshot.transcript), queue_place: snapshot.queue_place, position: snapshot.position }
    }

    pub fn request(&self) -> &ChatRequest {
        &self.thread.transcript.request
    }

    pub fn apply(&mut self, stream: &StreamEvent) {
        self.position = self.position.max(stream.position);
        if stream.event.chat_id() != Some(self.thread.id()) {
            return;
        }
        if queue_move(&stream.event) == QueueMove::Leaves {
            self.queue_place = None;
        }
        self.thread.apply(&stream.event, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::ChatState;
    use crate::fixtures::*;
    use crate::ui::thread::PendingStatus;

    #[test]
    fn the_widget_follows_its_own_chat_only() {
        let mut widget = WidgetModel::from_snapshot(WidgetSnapshot {
            position: 0,
            transcript: ChatTranscript { request: request(5, 10), messages: vec![], earlier: false },
            queue_place: Some(2),
        });
        widget.thread.queue("u-1".into(), "hi".into());
        widget.thread.set_status("u-1", PendingStatus::Failed("offline".into()));
        assert_eq!(widget.thread.outbox[0].status, PendingStatus::Failed("offline".into()));
        widget.apply(&at(1, ChatEvent::MessagePosted { message: message(1, 6, Author::EndUser, "x") }));
        assert!(widget.thread.transcript.messages.is_empty());
        widget.apply(&at(2, ChatEvent::Accepted { chat_id: 5, agent: agent(1), version: 0 }));
        assert_eq!(widget.request().state, ChatState::Active);
        assert_eq!(widget.queue_place, None);
        widget.apply(&at(3, ChatEvent::MessagePosted { message: message(2, 5, Author::EndUser, "u-1") }));
        assert!(widget.thread.outbox.is_empty());
        assert_eq!(widget.position, 3);
    }

    #[test]
    fn the_widget_shows_who_took_over_and_the_desks_lines_as_news() {
        let mut transcript = active(5, vec![]);
        transcript.request.agent = Some(agent(1));
        let mut widget = WidgetModel::from_snapshot(WidgetSnapshot { position: 0, transcript, queue_place: None });
        widget.apply(&at(
            1,
            ChatEvent::Transferred { chat_id: 5, from: agent(1), to: Some(agent(3)), group: group(20), version: 0 },
        ));
        assert_eq!(widget.request().agent, Some(agent(3)));
        assert_eq!(widget.request().group, group(20));
        widget.apply(&at(2, ChatEvent::MessagePosted { message: desk_line(4, 5) }));
        assert_eq!(widget.thread.unread, 0, "the widget counts nothing");
        assert_eq!(widget.thread.transcript.messages[0].author, Author::Desk);
        widget.apply(&at(3, ChatEvent::Transferred { chat_id: 5, from: agent(3), to: None, group: group(10), version: 0 }));
        assert_eq!(widget.request().state, ChatState::Queued);
        assert_eq!(widget.request().agent, None);
    }
}
