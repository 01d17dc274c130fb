//! Records: Interactions, incidents, notes, search and history, and who may see them.

use super::*;

impl Desk {
    /// The desk settings: as an admin saved them, else as the server was started.
    pub async fn settings(&self) -> Result<DeskSettings, DeskError> {
        let now = self.now_ms();
        if let Some(settings) = self.settings.get(now) {
            return Ok(settings);
        }
        let settings = self.store.settings().await?.unwrap_or_else(|| DeskSettings::initial(None));
        self.settings.put(settings.clone(), now);
        Ok(settings)
    }

    pub(super) async fn mapping(&self) -> Result<records::Mapping, DeskError> {
        let settings = self.settings().await?;
        Ok(records::validate_mapping(&settings.mapping)
            .unwrap_or_else(|_| records::validate_mapping(&records::default_mapping()).expect("the default mapping is valid")))
    }

    pub async fn save_settings(&self, agent: &AgentProfile, settings: DeskSettings) -> Result<DeskSettings, DeskError> {
        if agent.role != Role::Admin {
            return Err(DeskError::AdminOnly);
        }
        records::validate_settings(&settings).map_err(DeskError::Invalid)?;
        let settings = DeskSettings {
            mapping: settings
                .mapping
                .into_iter()
                .map(|m| FieldMap { from: m.from.trim().into(), to: m.to.trim().into() })
                .collect(),
            ..settings
        };
        self.store.save_settings(&settings, false).await?;
        self.settings.put(settings.clone(), self.now_ms());
        Ok(settings)
    }

    /// The interaction and incident beside a chat the agent may see.
    pub async fn chat_records(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatRecords, DeskError> {
        let chat = self.chat_on_record(agent, chat_id).await?;
        let records = self.store.chat_records(std::slice::from_ref(&chat)).await?.pop();
        records.ok_or(DeskError::NoSuchChat)
    }

    /// Saves an edit made on `version` of a ticket. Refused, with the stored values, if
    /// someone saved it since: nobody's edit is overwritten unseen.
    pub async fn save_ticket(
        &self,
        agent: &AgentProfile,
        id: TicketId,
        fields: TicketFields,
        version: i64,
    ) -> Result<Ticket, DeskError> {
        self.ticket_for_agent(agent, id, Staff::may_change_ticket).await?;
        let fields = records::validate_fields(&fields).map_err(DeskError::Invalid)?;
        match self.store.save_ticket(id, fields, version, self.now_ms()).await {
            Ok(ticket) => Ok(ticket),
            Err(StoreError::Conflict) => {
                let current = self.store.ticket(id).await?.ok_or(DeskError::NoSuchRecord)?;
                Err(DeskError::Stale(Box::new(current)))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// "Take" an offline request from the console's list: the incident becomes the agent's and
    /// in progress. Of two agents taking it at once, one wins and the other is told who.
    pub async fn take_offline_request(&self, agent: &AgentProfile, id: TicketId) -> Result<Ticket, DeskError> {
        let ticket = self.ticket_for_agent(agent, id, Staff::may_change_ticket).await?;
        let refused = |t: &Ticket| {
            DeskError::Invalid(match &t.assignee {
                Some(taker) => format!("{} was taken by {} meanwhile.", t.number, taker.name),
                None => format!("{} is not an offline request waiting to be taken.", t.number),
            })
        };
        if !records::awaits_taking(&ticket) {
            return Err(refused(&ticket));
        }
        match self.store.take_offline_request(id, &agent.card, self.now_ms()).await {
            Ok(taken) => Ok(taken),
            Err(StoreError::Conflict) => Err(refused(&self.store.ticket(id).await?.ok_or(DeskError::NoSuchRecord)?)),
            Err(err) => Err(err.into()),
        }
    }

    /// "Convert chat to incident", during the chat: once; pressing it again returns the same.
    pub async fn convert_to_incident(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<Ticket, DeskError> {
        let chat = self.chat_for_agent(agent, chat_id).await?;
        if chat.state != ChatState::Active {
            return Err(DeskError::Invalid(
                "Only a chat in progress can be converted; after it ends, use Add as request.".into(),
            ));
        }
        let fields = records::incident_from_chat(&chat);
        Ok(self.store.chat_incident(&chat, fields, Some(agent.card.clone()), self.now_ms()).await?.0)
    }

    /// "Add as request", after the chat: an incident holding the whole transcript (or the
    /// chat's incident, if it has one already).
    pub async fn add_as_request(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<Ticket, DeskError> {
        let chat = self.chat_on_record(agent, chat_id).await?;
        if chat.state.is_open() {
            return Err(DeskError::Invalid(
                "Add as request is for chats that have ended; convert this one to an incident instead.".into(),
            ));
        }
        let messages = self.store.messages(chat_id).await?;
        let fields = records::incident_after_chat(&chat, &messages);
        Ok(self.store.chat_incident(&chat, fields, Some(agent.card.clone()), self.now_ms()).await?.0)
    }

    /// A note from the chat window: it goes to the chat's incident, else its interaction.
    pub async fn add_chat_note(&self, agent: &AgentProfile, chat_id: ChatId, body: &str) -> Result<Note, DeskError> {
        let body = records::note_body(body).map_err(DeskError::Invalid)?;
        let chat = self.chat_on_record(agent, chat_id).await?;
        let records = self.store.chat_records(std::slice::from_ref(&chat)).await?.pop();
        let target = records
            .as_ref()
            .and_then(|r| r.note_target())
            .ok_or_else(|| DeskError::Invalid("This chat has no interaction or incident to hold the note yet.".into()))?;
        // A note never lands in a record its writer may not change.
        let target = self.ticket_for_agent(agent, target.id, Staff::may_change_ticket).await?;
        Ok(self.store.add_note(&target, &agent.card, body, self.now_ms()).await?)
    }

    /// A note added on a record's page.
    pub async fn add_ticket_note(&self, agent: &AgentProfile, ticket_id: TicketId, body: &str) -> Result<Note, DeskError> {
        let body = records::note_body(body).map_err(DeskError::Invalid)?;
        let ticket = self.ticket_for_agent(agent, ticket_id, Staff::may_change_ticket).await?;
        Ok(self.store.add_note(&ticket, &agent.card, body, self.now_ms()).await?)
    }

    /// A record page by number (`CR…`, `SD…`, `IM…`).
    pub async fn record(&self, agent: &AgentProfile, number: &str) -> Result<RecordView, DeskError> {
        let record = RecordRef::parse(number).ok_or(DeskError::NoSuchRecord)?;
        let position = self.store.head().await?;
        let (ticket, chat_id) = match record {
            RecordRef::ChatRequest(chat_id) => {
                self.chat_on_record(agent, chat_id).await.map_err(|_| DeskError::NoSuchRecord)?;
                (None, Some(chat_id))
            }
            RecordRef::Ticket(kind, id) => {
                let ticket = self.ticket_for_agent(agent, id, Staff::may_read_ticket).await?;
                if ticket.kind != kind {
                    return Err(DeskError::NoSuchRecord);
                }
                let chat_id = ticket.chat_id;
                (Some(ticket), chat_id)
            }
        };
        let notes = match &ticket {
            Some(t) => self.store.notes(&[t.id]).await?,
            None => Vec::new(),
        };
        let related = self.store.related(record, &Staff::from(agent)).await?;
        // The chat's transcript only to those who may read the chat's record too.
        let (transcript, rating) = match chat_id {
            Some(id) if self.chat_on_record(agent, id).await.is_ok() => {
                (Some(self.store.transcript(id).await?), self.store.rating(id).await?)
            }
            _ => (None, None),
        };
        Ok(RecordView { position, record, ticket, notes, related, transcript, rating })
    }

    pub async fn search_records(&self, agent: &AgentProfile, query: &RecordQuery) -> Result<RecordPage, DeskError> {
        if query.text.chars().count() > 200 {
            return Err(DeskError::Invalid("Search for at most 200 characters.".into()));
        }
        Ok(self.store.search_tickets(&Staff::from(agent), query).await?)
    }

    pub async fn history(&self, agent: &AgentProfile, before: Option<ChatId>) -> Result<HistoryPage, DeskError> {
        Ok(self.store.history(&Staff::from(agent), before).await?)
    }

    /// A ticket, if the access rule `may` (read or change, domain/access.rs) lets the agent at
    /// it; anything else is "no such record".
    async fn ticket_for_agent(
        &self,
        agent: &AgentProfile,
        id: TicketId,
        may: fn(&Staff, &Ticket, &[ChatRequest]) -> bool,
    ) -> Result<Ticket, DeskError> {
        let ticket = self.store.ticket(id).await?.ok_or(DeskError::NoSuchRecord)?;
        let holders = self.store.holders(id).await?;
        if may(&Staff::from(agent), &ticket, &holders) {
            Ok(ticket)
        } else {
            Err(DeskError::NoSuchRecord)
        }
    }

    /// The end user's photo of a chat whose records the agent may see.
    pub async fn chat_photo(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<Photo, DeskError> {
        let chat = self.chat_on_record(agent, chat_id).await?;
        self.store.chat_photo(chat.id).await?.ok_or(DeskError::NoSuchChat)
    }

    /// A chat whose record the agent may read (domain/access.rs `may_read_chat_record`).
    async fn chat_on_record(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatRequest, DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        if Staff::from(agent).may_read_chat_record(&chat) {
            Ok(chat)
        } else {
            Err(DeskError::NoSuchChat)
        }
    }
}
