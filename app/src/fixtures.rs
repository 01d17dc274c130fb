//! Small values unit tests build on (requests, agents, transcripts, stream events): a test
//! takes one and changes what it looks at (`ChatRequest { state, ..request(7, 10) }`).

use crate::domain::lifecycle::ChatState;
use crate::model::*;

pub fn group(id: GroupId) -> AssignmentGroup {
    AssignmentGroup { id, name: format!("G{id}") }
}

pub fn agent(id: AgentId) -> AgentCard {
    AgentCard { id, name: format!("Agent {id}"), photo_url: None }
}

pub fn request(id: ChatId, group_id: GroupId) -> ChatRequest {
    ChatRequest {
        id,
        number: chat_number(id),
        group: group(group_id),
        state: ChatState::Queued,
        end_user: EndUser {
            name: "Ann".into(),
            email: "ann@example.com".into(),
            phone: None,
            location: "HQ".into(),
            photo_url: None,
        },
        question: "Help".into(),
        previous_ticket: None,
        created_at_ms: 0,
        agent: None,
        ended_by: None,
        incident: None,
        guests: Vec::new(),
        closed_at_ms: None,
        invited: Vec::new(),
        version: 0,
    }
}

/// A ticket of `kind` in group `group_id`, of chat 7, at version 1.
pub fn ticket(id: TicketId, kind: TicketKind, group_id: GroupId) -> Ticket {
    Ticket {
        id,
        kind,
        number: ticket_number(kind, id),
        fields: TicketFields::default(),
        group: group(group_id),
        assignee: None,
        version: 1,
        created_at_ms: 0,
        updated_at_ms: 0,
        chat_id: Some(7),
    }
}

/// An accepted chat's transcript, as `open` receives it.
pub fn active(id: ChatId, messages: Vec<ChatMessage>) -> ChatTranscript {
    let mut request = request(id, 10);
    request.state = ChatState::Active;
    request.agent = Some(agent(1));
    ChatTranscript { request, messages, earlier: false }
}

pub fn message(id: i64, chat_id: ChatId, author: Author, client_id: &str) -> ChatMessage {
    ChatMessage { id, chat_id, client_id: client_id.into(), author, body: "hi".into(), line: None, at_ms: 0, whisper: false }
}

pub fn at(position: Position, event: ChatEvent) -> StreamEvent {
    StreamEvent { position, event }
}

pub fn desk_line(id: i64, chat_id: ChatId) -> ChatMessage {
    message(id, chat_id, Author::Desk, &format!("desk-{id}"))
}
