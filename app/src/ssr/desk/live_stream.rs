//! The live stream: viewers, typing signals, and replay after a position.

use super::*;

impl Desk {
    /// Who is on a connection: an end user by their chat's token, else the agent of the session
    /// (on a `monitor`, as the supervisor of the groups they may watch).
    pub async fn viewer(&self, token: Option<&str>, session: Option<&str>, monitor: bool) -> Result<Viewer, DeskError> {
        Ok(match token {
            Some(token) => Viewer::EndUser { chat_id: self.chat_for_token(token).await?.id },
            None if monitor => {
                let agent = self.agent_for_session(session).await?;
                Viewer::Supervisor { id: agent.card.id, watched: self.watched_groups(&agent).await? }
            }
            None => {
                let agent = self.agent_for_session(session).await?;
                Viewer::Agent { id: agent.card.id, groups: agent.groups.iter().map(|g| g.id).collect() }
            }
        })
    }

    /// Someone on `viewer`'s connection is typing in `chat_id`: the other side of the chat hears
    /// of it, live, on every node. Only the chat's end user and its agents may say so, and only
    /// while it is open.
    pub async fn typing(&self, viewer: &Viewer, chat_id: ChatId) -> Result<(), DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        let others = |me: Option<AgentId>| chat.participants().filter(move |a| Some(a.id) != me).map(|a| Route::Agent(a.id));
        let (routes, by) = match viewer {
            Viewer::EndUser { chat_id: mine } if *mine == chat.id && chat.state.is_open() => {
                (others(None).collect::<Vec<_>>(), Author::EndUser)
            }
            Viewer::Agent { id, .. } if chat.state == ChatState::Active => match chat.participants().find(|a| a.id == *id) {
                Some(agent) => {
                    (std::iter::once(Route::EndUser(chat.id)).chain(others(Some(*id))).collect(), Author::Agent(agent.clone()))
                }
                None => return Err(DeskError::NoSuchChat),
            },
            _ => return Err(DeskError::NoSuchChat),
        };
        let frame = ServerFrame::Typing { chat_id, by };
        self.hub.signal(&routes, &frame);
        Ok(self.store.share_signal(&routes, &frame).await?)
    }

    pub fn subscribe(&self, viewer: &Viewer) -> Subscription {
        self.hub.subscribe(viewer.routes())
    }

    pub async fn head(&self) -> Result<Position, DeskError> {
        Ok(self.store.head().await?)
    }

    /// The next `limit` events after `after` that `viewer` may see, and no wider than what
    /// the HTTP reads would show them now (`Viewer::replays`).
    pub async fn replay(&self, viewer: &Viewer, after: Position, limit: i64) -> Result<ReplayBatch, DeskError> {
        let events = self.store.events_on_routes_after(&viewer.routes(), after, limit).await?;
        let more = events.len() as i64 == limit;
        let read_to = events.last().map(|e| e.position);
        let arrivals: Vec<ChatId> =
            events.iter().filter(|e| matches!(e.event, ChatEvent::Queued { .. })).map(|e| e.audience.chat_id).collect();
        let states = self.store.states(&arrivals).await?;
        let state_of = |id: ChatId| states.iter().find(|(chat, _)| *chat == id).map_or(ChatState::Ended, |(_, s)| *s);
        let events = events
            .into_iter()
            .filter(|e| viewer.may_see(&e.audience) && viewer.replays(&e.event, state_of(e.audience.chat_id)))
            .collect();
        Ok(ReplayBatch { events, read_to, more })
    }
}
