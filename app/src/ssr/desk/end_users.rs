//! End users: starting a chat from the widget, the token's view of it, posting and ending.

use super::*;
use crate::domain::audience::Reach;
use crate::domain::satisfaction;

impl Desk {
    pub async fn start_chat(&self, form: &StartChat) -> Result<StartChatOutcome, DeskError> {
        let groups: Vec<GroupId> = self.store.groups().await?.iter().map(|g| g.id).collect();
        let valid = validate::start_chat(form, &groups).map_err(DeskError::Form)?;
        if let Some(reason) = self.live_chat_refused(valid.group_id).await? {
            return Ok(StartChatOutcome::NoLiveChat { reason });
        }
        let token = auth::new_token();
        let now = self.now_ms();
        let missed_at = self.settings().await?.missed_chat_due(now);
        // Offered, in an auto-assign group, in the commit that stores it.
        let chat = self.store.create_chat_then(&valid, &auth::token_hash(&token), now, missed_at, Some(self.route_after())).await?;
        let snapshot = self.widget_snapshot_of(chat).await?;
        Ok(StartChatOutcome::Started { token, snapshot })
    }

    /// The token's chat, while the token still opens it (`lifecycle::token_opens`).
    pub async fn chat_for_token(&self, token: &str) -> Result<ChatRequest, DeskError> {
        let chat = self.store.chat_by_token(&auth::token_hash(token)).await?.ok_or(DeskError::NoSuchChat)?;
        self.token_still_opens(&chat)?;
        Ok(chat)
    }

    fn token_still_opens(&self, chat: &ChatRequest) -> Result<(), DeskError> {
        if token_opens(chat.closed_at_ms, self.now_ms(), self.closed_chat_access_ms) {
            Ok(())
        } else {
            Err(DeskError::ChatClosed)
        }
    }

    pub async fn widget_snapshot(&self, token: &str) -> Result<WidgetSnapshot, DeskError> {
        let chat = self.chat_for_token(token).await?;
        self.widget_snapshot_of(chat).await
    }

    async fn widget_snapshot_of(&self, chat: ChatRequest) -> Result<WidgetSnapshot, DeskError> {
        let position = self.store.head().await?;
        let mut transcript = self.store.transcript(chat.id).await?;
        // Invitations are the desk's own; whispers are for the agents.
        transcript.request.invited.clear();
        transcript.messages.retain(|m| Reach::of_message(m) == Reach::Everyone);
        let queue_place = self.queue_place(&transcript.request).await?;
        let pace = match queue_place {
            Some(_) => self.pace(transcript.request.group.id).await?,
            None => None,
        };
        let survey_on = self.store.settings_of_group(transcript.request.group.id).await?.satisfaction_survey;
        let rating = match satisfaction::asks(&transcript.request, survey_on) {
            true => self.store.rating(chat.id).await?,
            false => None,
        };
        let mail_on = self.mail_on().await?;
        Ok(WidgetSnapshot { position, transcript, queue_place, pace, survey_on, rating, mail_on })
    }

    /// The end user's answer to "How was this chat?" (domain/satisfaction.rs): stored once;
    /// the same answer sent again gets the stored one back.
    pub async fn rate_chat(&self, token: &str, score: u8, comment: &str) -> Result<ChatRating, DeskError> {
        let chat = self.chat_for_token(token).await?;
        match self.store.rate(chat.id, score, comment.to_string(), self.now_ms()).await? {
            Ok(rating) => Ok(rating),
            Err(refusal) => Err(DeskError::Invalid(refusal.to_string())),
        }
    }

    /// The place as of the snapshot's read (the hub may not have published the chat yet).
    async fn queue_place(&self, chat: &ChatRequest) -> Result<Option<u32>, DeskError> {
        if chat.state != ChatState::Queued {
            return Ok(None);
        }
        Ok(Some(self.store.queue_place(chat).await?))
    }

    pub async fn post_as_end_user(&self, token: &str, client_id: &str, body: &str) -> Result<ChatMessage, DeskError> {
        // No read when the node knows the chat (`open_chats`): the writer's guard catches a
        // stale one.
        let hash = auth::token_hash(token);
        let chat = match self.hub.open_chats().by_token(&hash) {
            Some(chat) => ChatRequest::clone(&chat),
            None => {
                let chat = self.chat_for_token(token).await?;
                self.hub.open_chats().remember(&chat, Some(&hash));
                chat
            }
        };
        // The node's copy may be from before the chat closed: asked again on the fresh chat.
        self.post(chat, |chat| self.token_still_opens(chat), Party::EndUser, Author::EndUser, false, client_id, body).await
    }

    pub async fn end_as_end_user(&self, token: &str) -> Result<(), DeskError> {
        let chat = self.chat_for_token(token).await?;
        self.end(chat, |_| Ok(()), Party::EndUser).await
    }

    pub async fn end_as_agent(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<(), DeskError> {
        let chat = self.chat_for_agent(agent, chat_id).await?;
        let me = Staff::from(agent);
        let may_end = |chat: &ChatRequest| match (me.may_see_chat(chat), chat.is_guest(me.id)) {
            (false, _) => Err(DeskError::NoSuchChat),
            (true, true) => Err(TeamRefusal::GuestCannotEnd.into()),
            (true, false) => Ok(()),
        };
        self.end(chat, may_end, Party::Agent).await
    }
}
