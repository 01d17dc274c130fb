//! Who may see an event. Decided once, here, for the live fan-out and the replay alike.

use crate::model::{AgentId, ChatId, GroupId};

/// Stored beside every event: enough to decide visibility without loading the chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audience {
    pub chat_id: ChatId,
    pub group_id: GroupId,
    /// The agent the chat is assigned to when the event happened.
    pub agent_id: Option<AgentId>,
    /// Queue changes (a request arrives, is taken, leaves) go to every member of the group.
    pub whole_group: bool,
}

/// Who is watching on one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    Agent { id: AgentId, groups: Vec<GroupId> },
    EndUser { chat_id: ChatId },
}

impl Viewer {
    pub fn may_see(&self, audience: &Audience) -> bool {
        match self {
            Viewer::EndUser { chat_id } => *chat_id == audience.chat_id,
            Viewer::Agent { id, groups } => {
                audience.agent_id == Some(*id) || (audience.whole_group && groups.contains(&audience.group_id))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue_event(group_id: GroupId) -> Audience {
        Audience { chat_id: 7, group_id, agent_id: None, whole_group: true }
    }

    #[test]
    fn queue_events_reach_group_members_only() {
        let member = Viewer::Agent { id: 1, groups: vec![10, 20] };
        let outsider = Viewer::Agent { id: 2, groups: vec![30] };
        assert!(member.may_see(&queue_event(20)));
        assert!(!outsider.may_see(&queue_event(20)));
    }

    #[test]
    fn conversation_events_reach_the_assigned_agent_not_the_group() {
        let conversation = Audience { chat_id: 7, group_id: 10, agent_id: Some(1), whole_group: false };
        assert!(Viewer::Agent { id: 1, groups: vec![] }.may_see(&conversation));
        assert!(!Viewer::Agent { id: 2, groups: vec![10] }.may_see(&conversation));
    }

    #[test]
    fn end_users_see_their_own_chat_only() {
        let conversation = Audience { chat_id: 7, group_id: 10, agent_id: Some(1), whole_group: false };
        assert!(Viewer::EndUser { chat_id: 7 }.may_see(&conversation));
        assert!(!Viewer::EndUser { chat_id: 8 }.may_see(&conversation));
        assert!(!Viewer::EndUser { chat_id: 8 }.may_see(&queue_event(10)));
    }
}
