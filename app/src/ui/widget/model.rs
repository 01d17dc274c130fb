//! What the widget shows: the end user's one chat (a `Thread`), their place in the queue and
//! the stream position, with a pure update function.

use crate::domain::lifecycle::{queue_move, ChatState, QueueMove};
use crate::domain::queue::{Followed, QueueSpot};
use crate::model::*;
use crate::ui::thread::Thread;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetModel {
    pub thread: Thread,
    /// The place shown while the chat waits (1 = next): the snapshot's, then the link's.
    pub queue_place: Option<u32>,
    /// What the link said about the place, to follow the queue's shared frames. (The snapshot
    /// may come from another node, whose hub numbers queue changes its own way.)
    pub queue_spot: Option<QueueSpot>,
    pub position: Position,
    /// How fast the group took requests when the chat was loaded, for the estimate.
    pub pace: Option<WaitPace>,
    /// Whether the group asks for a rating once the chat ends, and the answer once given.
    pub survey_on: bool,
    pub rating: Option<ChatRating>,
    /// Whether the desk sends mail (for "Email me the transcript"), and what the last such
    /// request answered.
    pub mail_on: bool,
    pub transcript_requested: Option<TranscriptRequested>,
}

impl WidgetModel {
    pub fn from_snapshot(snapshot: WidgetSnapshot) -> Self {
        WidgetModel {
            thread: Thread::new(snapshot.transcript),
            queue_place: snapshot.queue_place,
            queue_spot: None,
            position: snapshot.position,
            pace: snapshot.pace,
            survey_on: snapshot.survey_on,
            rating: snapshot.rating,
            mail_on: snapshot.mail_on,
            transcript_requested: None,
        }
    }

    /// Whether to offer "Email me the transcript" now (domain/outbox.rs): during or after a
    /// conversation, where the desk sends mail.
    pub fn offers_transcript(&self) -> bool {
        crate::domain::outbox::offers_transcript(self.request(), self.mail_on)
    }

    /// Whether to ask "How was this chat?" now (domain/satisfaction.rs), not yet answered.
    pub fn asks_rating(&self) -> bool {
        crate::domain::satisfaction::asks(self.request(), self.survey_on) && self.rating.is_none()
    }

    /// "About N minutes" for the place shown now, when the desk has the data (`WaitPace`).
    pub fn wait_minutes(&self) -> Option<u32> {
        self.pace?.minutes_for(self.queue_place?)
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
            self.queue_spot = None;
        }
        self.thread.apply(&stream.event, None);
    }

    /// The link's `QueuePlace` and `QueueMoved` frames; other frames change nothing.
    pub fn apply_queue(&mut self, frame: &ServerFrame) {
        match frame {
            ServerFrame::QueuePlace { chat_id, place, group, counted } => {
                // Sent before the link replayed the chat's leaving, it would be stale.
                if *chat_id == self.thread.id() && self.request().state == ChatState::Queued {
                    let ahead = place.saturating_sub(1);
                    self.queue_spot = Some(QueueSpot { group: *group, ticket: *chat_id, ahead, counted: *counted });
                    self.queue_place = Some(*place);
                }
            }
            ServerFrame::QueueMoved { group, first, steps } => {
                if let Some(spot) = self.queue_spot.as_mut() {
                    if spot.follow(*group, *first, steps) == Followed::Counted {
                        self.queue_place = Some(spot.place());
                    }
                }
            }
            _ => {}
        }
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
            pace: None,
            survey_on: false,
            rating: None,
            mail_on: false,
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
    fn the_widget_follows_its_place_from_the_queues_shared_frames() {
        let mut widget = WidgetModel::from_snapshot(WidgetSnapshot {
            position: 0,
            transcript: ChatTranscript { request: request(7, 10), messages: vec![], earlier: false },
            queue_place: Some(4),
            pace: Some(WaitPace { pickups: 4, span_ms: 20 * 60_000 }),
            survey_on: false,
            rating: None,
            mail_on: false,
        });
        // Before the link's own place, a queue frame cannot be counted.
        widget.apply_queue(&ServerFrame::QueueMoved { group: 10, first: 3, steps: vec![QueueStep::Left(1)] });
        assert_eq!(widget.queue_place, Some(4));
        // Four pickups in twenty minutes: five minutes a place.
        assert_eq!(widget.wait_minutes(), Some(20));
        widget.apply_queue(&ServerFrame::QueuePlace { chat_id: 7, place: 3, group: 10, counted: 3 });
        assert_eq!(widget.queue_place, Some(3));
        assert_eq!(widget.wait_minutes(), Some(15), "the estimate follows the place");
        // Changes 3 (counted already), 4 (ahead), 5 (behind), 6 (ahead, another request entering).
        let steps = vec![QueueStep::Left(1), QueueStep::Left(2), QueueStep::Entered(9), QueueStep::Entered(4)];
        widget.apply_queue(&ServerFrame::QueueMoved { group: 10, first: 3, steps });
        assert_eq!(widget.queue_place, Some(3));
        widget.apply_queue(&ServerFrame::QueueMoved { group: 20, first: 7, steps: vec![QueueStep::Left(3)] });
        widget.apply_queue(&ServerFrame::QueueMoved { group: 10, first: 7, steps: vec![QueueStep::Left(3)] });
        assert_eq!(widget.queue_place, Some(2));
        widget.apply(&at(1, ChatEvent::Accepted { chat_id: 7, agent: agent(1), version: 0 }));
        assert_eq!((widget.queue_place, widget.queue_spot), (None, None));
        assert_eq!(widget.wait_minutes(), None);
        widget.apply_queue(&ServerFrame::QueuePlace { chat_id: 7, place: 1, group: 10, counted: 8 });
        assert_eq!(widget.queue_place, None, "a place sent before the accept was replayed is stale");
    }

    #[test]
    fn the_widget_shows_who_took_over_and_the_desks_lines_as_news() {
        let mut transcript = active(5, vec![]);
        transcript.request.agent = Some(agent(1));
        let mut widget = WidgetModel::from_snapshot(WidgetSnapshot { position: 0, transcript, queue_place: None, pace: None, survey_on: false, rating: None, mail_on: false });
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

    #[test]
    fn the_widget_asks_for_a_rating_once_its_chat_ends_where_the_group_asks() {
        let mut transcript = active(5, vec![]);
        transcript.request.agent = Some(agent(1));
        let snapshot = WidgetSnapshot { position: 0, transcript, queue_place: None, pace: None, survey_on: true, rating: None, mail_on: false };
        let mut widget = WidgetModel::from_snapshot(snapshot.clone());
        assert!(!widget.asks_rating(), "not while the chat is open");
        widget.apply(&at(1, ChatEvent::Ended { chat_id: 5, by: crate::domain::lifecycle::Party::Agent, version: 1 }));
        assert!(widget.asks_rating());
        widget.rating = Some(ChatRating { score: 5, comment: String::new(), at_ms: 10 });
        assert!(!widget.asks_rating(), "once");
        let mut off = WidgetModel::from_snapshot(WidgetSnapshot { survey_on: false, ..snapshot });
        off.apply(&at(1, ChatEvent::Ended { chat_id: 5, by: crate::domain::lifecycle::Party::Agent, version: 1 }));
        assert!(!off.asks_rating(), "the group does not ask");
    }

    #[test]
    fn the_widget_offers_the_transcript_by_email_during_and_after_a_conversation_where_the_desk_mails() {
        let mut transcript = active(5, vec![]);
        transcript.request.agent = Some(agent(1));
        let snapshot = WidgetSnapshot { position: 0, transcript, queue_place: None, pace: None, survey_on: false, rating: None, mail_on: true };
        let mut widget = WidgetModel::from_snapshot(snapshot.clone());
        assert!(widget.offers_transcript(), "during the chat");
        widget.apply(&at(1, ChatEvent::Ended { chat_id: 5, by: crate::domain::lifecycle::Party::Agent, version: 1 }));
        assert!(widget.offers_transcript(), "after it");
        let mut requeued = WidgetModel::from_snapshot(snapshot.clone());
        requeued.apply(&at(1, ChatEvent::Transferred { chat_id: 5, from: agent(1), to: None, group: group(10), version: 0 }));
        assert!(!requeued.offers_transcript(), "back in a queue, nobody's conversation");
        assert!(!WidgetModel::from_snapshot(WidgetSnapshot { mail_on: false, ..snapshot }).offers_transcript(), "the desk sends no mail");
    }
}
