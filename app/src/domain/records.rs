//! How chats become records, without I/O: which chat request field fills which Interaction
//! field (the admin's mapping, and which pairs fit), what a converted, added or missed chat's
//! incident holds, how a transcript reads inside a description, and the rules for edits.

use crate::domain::audience::Reach;
use crate::domain::validate::{self, Lines, ValidStartChat};
use crate::model::*;

/// A field of the chat request, as the mapping names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatField {
    Name,
    Email,
    Phone,
    Location,
    Question,
    Number,
    Group,
}

/// A field of an Interaction that a mapping may fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TicketField {
    Title,
    Description,
    Category,
    ContactName,
    ContactEmail,
    ContactPhone,
    Location,
}

/// What a field's value is, which decides what may fill what: an email address only fills an
/// email field, a phone number only a phone field, text fills text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Text,
    Email,
    Phone,
}

impl ChatField {
    pub const ALL: [ChatField; 7] = [
        ChatField::Name,
        ChatField::Email,
        ChatField::Phone,
        ChatField::Location,
        ChatField::Question,
        ChatField::Number,
        ChatField::Group,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ChatField::Name => "name",
            ChatField::Email => "email",
            ChatField::Phone => "phone",
            ChatField::Location => "location",
            ChatField::Question => "question",
            ChatField::Number => "number",
            ChatField::Group => "group",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChatField::Name => "Name",
            ChatField::Email => "Email",
            ChatField::Phone => "Phone",
            ChatField::Location => "Location",
            ChatField::Question => "Question",
            ChatField::Number => "Chat request number",
            ChatField::Group => "Assignment group",
        }
    }

    pub fn parse(name: &str) -> Option<ChatField> {
        ChatField::ALL.into_iter().find(|f| f.name() == name)
    }

    fn shape(self) -> Shape {
        match self {
            ChatField::Email => Shape::Email,
            ChatField::Phone => Shape::Phone,
            _ => Shape::Text,
        }
    }

    fn value(self, chat: &ChatRequest) -> String {
        match self {
            ChatField::Name => chat.end_user.name.clone(),
            ChatField::Email => chat.end_user.email.clone(),
            ChatField::Phone => chat.end_user.phone.clone().unwrap_or_default(),
            ChatField::Location => chat.end_user.location.clone(),
            ChatField::Question => chat.question.clone(),
            ChatField::Number => chat.number.clone(),
            ChatField::Group => chat.group.name.clone(),
        }
    }
}

impl TicketField {
    pub const ALL: [TicketField; 7] = [
        TicketField::Title,
        TicketField::Description,
        TicketField::Category,
        TicketField::ContactName,
        TicketField::ContactEmail,
        TicketField::ContactPhone,
        TicketField::Location,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TicketField::Title => "title",
            TicketField::Description => "description",
            TicketField::Category => "category",
            TicketField::ContactName => "contact_name",
            TicketField::ContactEmail => "contact_email",
            TicketField::ContactPhone => "contact_phone",
            TicketField::Location => "location",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketField::Title => "Title",
            TicketField::Description => "Description",
            TicketField::Category => "Category",
            TicketField::ContactName => "Contact name",
            TicketField::ContactEmail => "Contact email",
            TicketField::ContactPhone => "Contact phone",
            TicketField::Location => "Location",
        }
    }

    pub fn parse(name: &str) -> Option<TicketField> {
        TicketField::ALL.into_iter().find(|f| f.name() == name)
    }

    fn shape(self) -> Shape {
        match self {
            TicketField::ContactEmail => Shape::Email,
            TicketField::ContactPhone => Shape::Phone,
            _ => Shape::Text,
        }
    }

    fn limit(self) -> usize {
        match self {
            TicketField::Description => MAX_DESCRIPTION_CHARS,
            TicketField::Title => MAX_TITLE_CHARS,
            _ => MAX_FIELD_CHARS,
        }
    }

    /// Only the description spans several lines; the title (short description), contact and
    /// location are one line each.
    fn lines(self) -> Lines {
        match self {
            TicketField::Description => Lines::Many,
            _ => Lines::One,
        }
    }

    fn slot(self, fields: &mut TicketFields) -> &mut String {
        match self {
            TicketField::Title => &mut fields.title,
            TicketField::Description => &mut fields.description,
            TicketField::Category => &mut fields.category,
            TicketField::ContactName => &mut fields.contact_name,
            TicketField::ContactEmail => &mut fields.contact_email,
            TicketField::ContactPhone => &mut fields.contact_phone,
            TicketField::Location => &mut fields.location,
        }
    }
}

pub const MAX_TITLE_CHARS: usize = 160;
pub const MAX_FIELD_CHARS: usize = 254;
/// Room for a long transcript ("Add as request").
pub const MAX_DESCRIPTION_CHARS: usize = 50_000;
pub const MAX_NOTE_CHARS: usize = 4_000;
pub const MAX_PICKUP_TIMEOUT_SECS: u32 = 24 * 3600;

/// A mapping that passed `validate_mapping`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping(Vec<(ChatField, TicketField)>);

/// The mapping a new desk starts with: everything that has an obvious home.
pub fn default_mapping() -> Vec<FieldMap> {
    [
        ("question", "title"),
        ("question", "description"),
        ("name", "contact_name"),
        ("email", "contact_email"),
        ("phone", "contact_phone"),
        ("location", "location"),
    ]
    .into_iter()
    .map(|(from, to)| FieldMap { from: from.into(), to: to.into() })
    .collect()
}

/// Checks an admin's mapping: every name known, every pair fitting, each Interaction field
/// filled from one chat field at most. The message says which line is wrong and why.
pub fn validate_mapping(lines: &[FieldMap]) -> Result<Mapping, String> {
    let mut pairs: Vec<(ChatField, TicketField)> = Vec::with_capacity(lines.len());
    for line in lines {
        let from = ChatField::parse(line.from.trim()).ok_or_else(|| {
            format!(
                "Unknown chat request field '{}'. Known fields: {}.",
                line.from,
                ChatField::ALL.map(ChatField::name).join(", ")
            )
        })?;
        let to = TicketField::parse(line.to.trim()).ok_or_else(|| {
            format!(
                "Unknown interaction field '{}'. Known fields: {}.",
                line.to,
                TicketField::ALL.map(TicketField::name).join(", ")
            )
        })?;
        if from.shape() != to.shape() && to.shape() != Shape::Text {
            return Err(format!("{} cannot fill {}: the values do not fit.", from.label(), to.label()));
        }
        if from.shape() != to.shape() && from.shape() == Shape::Text {
            return Err(format!("{} cannot fill {}: the values do not fit.", from.label(), to.label()));
        }
        if let Some((other, _)) = pairs.iter().find(|(_, t)| *t == to) {
            return Err(format!("{} is filled twice (from {} and {}); choose one.", to.label(), other.label(), from.label()));
        }
        pairs.push((from, to));
    }
    Ok(Mapping(pairs))
}

impl DeskSettings {
    /// Settings before an admin saved any: missed chats as the server was started.
    pub fn initial(pickup_timeout_secs: Option<u32>) -> DeskSettings {
        DeskSettings {
            missed_chat_incidents: pickup_timeout_secs.is_some_and(|s| s > 0),
            pickup_timeout_secs: pickup_timeout_secs.filter(|s| *s > 0).unwrap_or(120),
            mapping: default_mapping(),
        }
    }

    /// When a request created at `created_at_ms` becomes a missed chat, if that is on.
    pub fn missed_chat_due(&self, created_at_ms: i64) -> Option<i64> {
        self.missed_chat_incidents.then(|| created_at_ms + i64::from(self.pickup_timeout_secs) * 1000)
    }
}

pub fn validate_settings(settings: &DeskSettings) -> Result<Mapping, String> {
    if settings.pickup_timeout_secs == 0 || settings.pickup_timeout_secs > MAX_PICKUP_TIMEOUT_SECS {
        return Err(format!("The pickup timeout must be between 1 and {MAX_PICKUP_TIMEOUT_SECS} seconds."));
    }
    validate_mapping(&settings.mapping)
}

/// A new Interaction's fields, filled from the chat request as the mapping says. Values that
/// do not fit a field's length are cut to it (a long question in the title).
pub fn prefill(chat: &ChatRequest, mapping: &Mapping) -> TicketFields {
    let mut fields = TicketFields { category: "Chat".into(), ..TicketFields::default() };
    for (from, to) in &mapping.0 {
        let value = from.value(chat);
        let value = if to.lines() == Lines::One { one_line(&value) } else { value };
        *to.slot(&mut fields) = clip(&value, to.limit());
    }
    if fields.title.trim().is_empty() {
        fields.title = format!("Chat {}", chat.number);
    }
    fields
}

/// The incident "Convert chat to incident" creates mid-chat: subject from the question,
/// contact and group from the chat; the conversation is not copied into it.
pub fn incident_from_chat(chat: &ChatRequest) -> TicketFields {
    TicketFields {
        title: clip(&one_line(&chat.question), MAX_TITLE_CHARS),
        description: format!("Raised from chat {} with {}.\n\nQuestion: {}", chat.number, chat.end_user.name, chat.question),
        category: "Chat".into(),
        ..contact_of(chat)
    }
}

/// The incident "Add as request" creates after the chat: the whole transcript in its
/// description.
pub fn incident_after_chat(chat: &ChatRequest, messages: &[ChatMessage]) -> TicketFields {
    let heading = format!("Chat {} with {} ({}).\n\n", chat.number, chat.end_user.name, chat.group.name);
    TicketFields {
        title: clip(&one_line(&chat.question), MAX_TITLE_CHARS),
        description: clip(&(heading + &format_transcript(chat, messages)), MAX_DESCRIPTION_CHARS),
        category: "Chat".into(),
        ..contact_of(chat)
    }
}

/// The incident a request nobody picked up becomes.
pub fn missed_chat_incident(chat: &ChatRequest) -> TicketFields {
    TicketFields {
        title: clip(&format!("Missed Chat: {}", one_line(&chat.question)), MAX_TITLE_CHARS),
        description: format!(
            "Nobody accepted chat {} in {} in time.\n\nQuestion: {}",
            chat.number, chat.group.name, chat.question
        ),
        category: "Missed Chat".into(),
        priority: Priority::High,
        ..contact_of(chat)
    }
}

/// The incident "Leave a message" makes (no live chat was to be had): the end user's contact
/// and question, for the group they chose.
pub fn offline_request_incident(form: &ValidStartChat, group: &AssignmentGroup) -> TicketFields {
    let mut description = format!("Left as a message for {} (no live chat then).\n\nQuestion: {}", group.name, form.question);
    if let Some(previous) = &form.previous_ticket {
        description.push_str(&format!("\n\nPrevious ticket: {previous}"));
    }
    TicketFields {
        title: clip(&format!("Offline request: {}", one_line(&form.question)), MAX_TITLE_CHARS),
        description: clip(&description, MAX_DESCRIPTION_CHARS),
        category: OFFLINE_REQUEST.into(),
        contact_name: form.name.clone(),
        contact_email: form.email.clone(),
        contact_phone: form.phone.clone().unwrap_or_default(),
        location: form.location.clone(),
        ..TicketFields::default()
    }
}

/// The category of the incidents "Leave a message" makes.
pub const OFFLINE_REQUEST: &str = "Offline request";

/// An offline request nobody has taken yet: an incident "Leave a message" made, still open and
/// unassigned. The console lists these (`routing::lists_offline_requests`), and only these can
/// be taken (`Desk::take_offline_request`; the store's list and its guarded update say the same
/// in SQL, checked against this by `store::tickets` tests).
pub fn awaits_taking(ticket: &Ticket) -> bool {
    ticket.kind == TicketKind::Incident
        && ticket.fields.category == OFFLINE_REQUEST
        && ticket.assignee.is_none()
        && ticket.fields.status == TicketStatus::Open
}

fn contact_of(chat: &ChatRequest) -> TicketFields {
    TicketFields {
        contact_name: chat.end_user.name.clone(),
        contact_email: chat.end_user.email.clone(),
        contact_phone: chat.end_user.phone.clone().unwrap_or_default(),
        location: chat.end_user.location.clone(),
        ..TicketFields::default()
    }
}

/// A transcript as plain text, one message per paragraph: `[2026-11-22 07:31:05 UTC] Ann: …`.
pub fn format_transcript(chat: &ChatRequest, messages: &[ChatMessage]) -> String {
    messages
        .iter()
        .map(|m| {
            let who = m.author.name(&chat.end_user.name);
            // A record is the desk's own: a supervisor's whisper is kept, marked as one, so
            // nobody takes it for something the end user was told.
            let marked = match Reach::of_message(m) {
                Reach::AgentsOnly => " (whisper to the agents)",
                Reach::Everyone => "",
            };
            format!("[{}] {who}{marked}: {}", utc_timestamp(m.at_ms), m.body)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2026-11-22 07:31:05 UTC` from unix milliseconds.
pub fn utc_timestamp(ms: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => ms.to_string(),
    }
}

/// Why a ticket edit is refused; the message names the field.
pub fn validate_fields(fields: &TicketFields) -> Result<TicketFields, String> {
    let mut clean = fields.clone();
    for field in TicketField::ALL {
        let slot = field.slot(&mut clean);
        let trimmed = if field == TicketField::Description { slot.trim_end() } else { slot.trim() }.to_string();
        if trimmed.chars().count() > field.limit() {
            return Err(format!("{} can be at most {} characters.", field.label(), field.limit()));
        }
        validate::text_field(field.label(), &trimmed, field.lines())?;
        *slot = trimmed;
    }
    if clean.title.is_empty() {
        return Err("Title cannot be empty.".into());
    }
    if !clean.contact_email.is_empty() && !crate::domain::validate::looks_like_email(&clean.contact_email) {
        return Err("Contact email does not look like an email address.".into());
    }
    Ok(clean)
}

pub fn note_body(body: &str) -> Result<&str, String> {
    let body = body.trim();
    let len = body.chars().count();
    if body.is_empty() {
        Err("A note cannot be empty.".into())
    } else if len > MAX_NOTE_CHARS {
        Err(format!("A note can be at most {MAX_NOTE_CHARS} characters (this one has {len})."))
    } else if validate::plain_text(body, Lines::Many).is_err() {
        Err(validate::unprintable_message("A note"))
    } else {
        Ok(body)
    }
}

/// Whether a previous ticket the end user named is theirs: the same contact email.
pub fn same_contact(ticket: &Ticket, chat: &ChatRequest) -> bool {
    ticket.kind == TicketKind::Interaction && ticket.fields.contact_email.eq_ignore_ascii_case(&chat.end_user.email)
}

/// What the agent is told beside a chat whose end user named a previous ticket that could not
/// be used (it does not exist, is not an interaction, is someone else's, or is not one the agent
/// may open): the chat's interaction is not the one named. It never says which: an agent learns
/// nothing of a record they may not open.
pub fn accept_notice(chat: &ChatRequest, interaction: Option<&Ticket>) -> Option<String> {
    let given = chat.previous_ticket.as_deref()?;
    let created = interaction?;
    let named = RecordRef::parse(given).map(RecordRef::number);
    (named.as_deref() != Some(created.number.as_str())).then(|| {
        format!(
            "Previous ticket {given} is not an interaction of this contact that you may open; a new interaction {} was \
             created instead.",
            created.number
        )
    })
}

/// Whether a chat's record moves with the chat when it is transferred: while it is being
/// worked on. A resolved or closed one stays where it was closed.
pub fn moves_with_chat(ticket: &Ticket) -> bool {
    matches!(ticket.fields.status, TicketStatus::Open | TicketStatus::InProgress)
}

/// The note a record gets when it moves with its chat: its history says where it went and why.
pub fn moved_note(before: &ChatRequest, after: &ChatRequest) -> String {
    let holder = |chat: &ChatRequest| chat.agent.as_ref().map_or(String::new(), |a| format!(" ({})", a.name));
    let to = match &after.agent {
        Some(_) => format!("{}{}", after.group.name, holder(after)),
        None => format!("the {} queue", after.group.name),
    };
    format!("Moved with chat {} from {}{} to {to}.", before.number, before.group.name, holder(before))
}

/// The words a search matches, and a search is made of: lower-cased runs of letters and
/// digits. `erin@example.com` is `erin example com`, so any part of it can be searched.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Words of a query beyond this are ignored.
pub const MAX_SEARCH_WORDS: usize = 8;

/// A question of several lines as a title: its line breaks and tabs become spaces.
fn one_line(text: &str) -> String {
    text.split(|c: char| !validate::printable(c, Lines::One))
        .filter(|part| !part.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::ChatState;

    #[test]
    fn only_an_open_unassigned_offline_request_awaits_taking() {
        let form = crate::domain::validate::start_chat(
            &StartChat {
                name: "Ann".into(),
                email: "ann@example.com".into(),
                location: "HQ".into(),
                group_id: Some(2),
                question: "Printer?".into(),
                ..Default::default()
            },
            &[2],
        )
        .unwrap();
        let left = Ticket {
            fields: offline_request_incident(&form, &crate::fixtures::group(2)),
            ..crate::fixtures::ticket(1, TicketKind::Incident, 2)
        };
        assert!(awaits_taking(&left));
        assert!(!awaits_taking(&Ticket { assignee: Some(crate::fixtures::agent(3)), ..left.clone() }), "taken");
        for status in [TicketStatus::InProgress, TicketStatus::Resolved, TicketStatus::Closed] {
            assert!(
                !awaits_taking(&Ticket { fields: TicketFields { status, ..left.fields.clone() }, ..left.clone() }),
                "{status:?}"
            );
        }
        assert!(!awaits_taking(&Ticket { kind: TicketKind::Interaction, ..left.clone() }));
        let missed = Ticket { fields: TicketFields { category: "Missed Chat".into(), ..left.fields.clone() }, ..left };
        assert!(!awaits_taking(&missed), "an incident of another kind");
    }

    fn chat() -> ChatRequest {
        ChatRequest {
            group: AssignmentGroup { id: 2, name: "Hardware".into() },
            state: ChatState::Active,
            end_user: EndUser {
                name: "Ann Lee".into(),
                email: "ann@example.com".into(),
                phone: Some("+1 555 0100".into()),
                location: "Berlin HQ".into(),
                photo_url: None,
            },
            question: "My laptop will not start".into(),
            ..crate::fixtures::request(7, 2)
        }
    }

    fn map(from: &str, to: &str) -> FieldMap {
        FieldMap { from: from.into(), to: to.into() }
    }

    #[test]
    fn the_default_mapping_prefills_contact_location_and_question() {
        let fields = prefill(&chat(), &validate_mapping(&default_mapping()).unwrap());
        assert_eq!(fields.title, "My laptop will not start");
        assert_eq!(fields.description, "My laptop will not start");
        assert_eq!(fields.contact_name, "Ann Lee");
        assert_eq!(fields.contact_email, "ann@example.com");
        assert_eq!(fields.contact_phone, "+1 555 0100");
        assert_eq!(fields.location, "Berlin HQ");
        assert_eq!(fields.status, TicketStatus::Open);
    }

    #[test]
    fn a_custom_mapping_fills_only_what_it_names() {
        let mapping = validate_mapping(&[map("group", "category"), map("number", "title")]).unwrap();
        let fields = prefill(&chat(), &mapping);
        assert_eq!(fields.category, "Hardware");
        assert_eq!(fields.title, "CR00007");
        assert_eq!(fields.contact_email, "");
        assert_eq!(fields.description, "");
    }

    #[test]
    fn without_a_title_mapping_the_title_names_the_chat() {
        let fields = prefill(&chat(), &validate_mapping(&[map("email", "contact_email")]).unwrap());
        assert_eq!(fields.title, "Chat CR00007");
    }

    #[test]
    fn a_long_question_is_cut_to_the_title_length() {
        let mut long = chat();
        long.question = "é".repeat(500);
        let fields = prefill(&long, &validate_mapping(&default_mapping()).unwrap());
        assert_eq!(fields.title.chars().count(), MAX_TITLE_CHARS);
        assert_eq!(fields.description.chars().count(), 500);
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let err = validate_mapping(&[map("shoe_size", "title")]).unwrap_err();
        assert!(err.contains("Unknown chat request field 'shoe_size'"), "{err}");
        let err = validate_mapping(&[map("name", "owner")]).unwrap_err();
        assert!(err.contains("Unknown interaction field 'owner'"), "{err}");
    }

    #[test]
    fn values_that_do_not_fit_are_refused() {
        for (from, to) in
            [("name", "contact_email"), ("email", "contact_phone"), ("question", "contact_phone"), ("phone", "contact_email")]
        {
            let err = validate_mapping(&[map(from, to)]).unwrap_err();
            assert!(err.contains("cannot fill"), "{from} → {to}: {err}");
        }
        // Anything fits into text.
        validate_mapping(&[map("email", "description"), map("phone", "title"), map("group", "location")]).unwrap();
    }

    #[test]
    fn one_field_is_filled_from_one_place() {
        let err = validate_mapping(&[map("question", "title"), map("name", "title")]).unwrap_err();
        assert!(err.contains("Title is filled twice"), "{err}");
    }

    #[test]
    fn settings_need_a_sensible_timeout() {
        let mut settings = DeskSettings::initial(None);
        assert!(!settings.missed_chat_incidents);
        assert_eq!(settings.missed_chat_due(1_000), None);
        settings.missed_chat_incidents = true;
        settings.pickup_timeout_secs = 30;
        assert_eq!(settings.missed_chat_due(1_000), Some(31_000));
        validate_settings(&settings).unwrap();
        settings.pickup_timeout_secs = 0;
        assert!(validate_settings(&settings).is_err());
        assert!(DeskSettings::initial(Some(5)).missed_chat_incidents);
    }

    fn message(id: i64, author: Author, body: &str, at_ms: i64) -> ChatMessage {
        ChatMessage { id, chat_id: 7, client_id: format!("c{id}"), author, body: body.into(), line: None, at_ms, whisper: false }
    }

    #[test]
    fn a_transcript_reads_with_times_and_authors() {
        let bob = AgentCard { id: 3, name: "Bob Agent".into(), photo_url: None };
        let sue = AgentCard { id: 6, name: "Sue Supervisor".into(), photo_url: None };
        let text = format_transcript(
            &chat(),
            &[
                message(1, Author::EndUser, "Hello?", 1_795_000_000_000),
                message(2, Author::Agent(bob), "Hi Ann, how can I help?", 1_795_000_065_000),
                ChatMessage { whisper: true, ..message(3, Author::Agent(sue), "Ask for the model", 1_795_000_070_000) },
            ],
        );
        assert_eq!(
            text,
            "[2026-11-18 11:06:40 UTC] Ann Lee: Hello?\n[2026-11-18 11:07:45 UTC] Bob Agent: Hi Ann, how can I help?\n\
             [2026-11-18 11:07:50 UTC] Sue Supervisor (whisper to the agents): Ask for the model"
        );
    }

    #[test]
    fn a_message_left_becomes_an_offline_request_with_the_contact_and_question() {
        let form = ValidStartChat {
            name: "Ann Lee".into(),
            email: "ann@example.com".into(),
            phone: None,
            location: "Berlin".into(),
            photo: None,
            group_id: 10,
            question: "Printer\njams".into(),
            previous_ticket: Some("IMS0000004".into()),
        };
        let hardware = AssignmentGroup { id: 10, name: "Hardware".into() };
        let left = offline_request_incident(&form, &hardware);
        assert_eq!(left.title, "Offline request: Printer jams");
        assert_eq!(left.category, OFFLINE_REQUEST);
        assert_eq!(
            (left.contact_name.as_str(), left.contact_email.as_str(), left.location.as_str()),
            ("Ann Lee", "ann@example.com", "Berlin")
        );
        assert!(left.description.contains("Hardware") && left.description.contains("Printer\njams"), "{}", left.description);
        assert!(left.description.contains("Previous ticket: IMS0000004"));
        assert_eq!(left.status, TicketStatus::Open);
    }

    #[test]
    fn incidents_from_chats_hold_what_each_flow_promises() {
        let mid = incident_from_chat(&chat());
        assert_eq!(mid.title, "My laptop will not start");
        assert_eq!(mid.contact_email, "ann@example.com");
        let after = incident_after_chat(&chat(), &[message(1, Author::EndUser, "It beeps twice", 0)]);
        assert!(after.description.contains("[1970-01-01 00:00:00 UTC] Ann Lee: It beeps twice"), "{}", after.description);
        assert!(!mid.description.contains("It beeps twice"));
        let missed = missed_chat_incident(&chat());
        assert_eq!(missed.category, "Missed Chat");
        assert!(missed.title.starts_with("Missed Chat: "));
        assert!(missed.description.contains("Hardware"));
        assert_eq!(missed.contact_name, "Ann Lee");
    }

    #[test]
    fn edits_are_trimmed_and_checked() {
        let fields = TicketFields { title: "  Printer  ".into(), contact_email: "x@y.org".into(), ..TicketFields::default() };
        assert_eq!(validate_fields(&fields).unwrap().title, "Printer");
        let empty = TicketFields { title: "  ".into(), ..TicketFields::default() };
        assert_eq!(validate_fields(&empty).unwrap_err(), "Title cannot be empty.");
        let bad = TicketFields { title: "T".into(), contact_email: "nope".into(), ..TicketFields::default() };
        assert!(validate_fields(&bad).unwrap_err().contains("Contact email"));
        let long = TicketFields { title: "t".repeat(MAX_TITLE_CHARS + 1), ..TicketFields::default() };
        assert!(validate_fields(&long).unwrap_err().contains("Title can be at most"));
    }

    #[test]
    fn control_and_direction_characters_are_refused_by_field() {
        let with = |shape: fn(&mut TicketFields)| {
            let mut fields = TicketFields { title: "VPN".into(), ..TicketFields::default() };
            shape(&mut fields);
            validate_fields(&fields)
        };
        assert_eq!(
            with(|f| f.title = "VPN\ndrops".into()).unwrap_err(),
            "Title may not contain control or text-direction characters."
        );
        assert_eq!(
            with(|f| f.contact_name = "Ann\u{202E}".into()).unwrap_err(),
            "Contact name may not contain control or text-direction characters."
        );
        assert_eq!(
            with(|f| f.location = "Site\u{200F}".into()).unwrap_err(),
            "Location may not contain control or text-direction characters."
        );
        assert!(with(|f| f.category = "Net\0".into()).is_err());
        assert!(with(|f| f.description = "Line one\n\tLine two".into()).is_ok());
        assert!(with(|f| f.description = "Line one\0".into()).is_err());
        assert_eq!(note_body("a\u{2067}b").unwrap_err(), "A note may not contain control or text-direction characters.");
        assert_eq!(note_body("line one\n\tline two"), Ok("line one\n\tline two"));
    }

    #[test]
    fn a_question_of_several_lines_makes_a_title_of_one() {
        let mut chat = chat();
        chat.question = "VPN drops\n\n\tevery hour".into();
        let mapping = validate_mapping(&default_mapping()).unwrap();
        let fields = prefill(&chat, &mapping);
        assert_eq!(fields.title, "VPN drops every hour");
        assert_eq!(fields.description, "VPN drops\n\n\tevery hour");
        assert_eq!(incident_from_chat(&chat).title, "VPN drops every hour");
        assert_eq!(missed_chat_incident(&chat).title, "Missed Chat: VPN drops every hour");
        assert!(validate_fields(&fields).is_ok());
    }

    #[test]
    fn notes_are_not_empty_nor_endless() {
        assert_eq!(note_body("  call back  ").unwrap(), "call back");
        assert!(note_body(" ").is_err());
        assert!(note_body(&"x".repeat(MAX_NOTE_CHARS + 1)).is_err());
    }

    #[test]
    fn the_agent_is_told_when_a_named_previous_ticket_was_not_used() {
        let mut chat = chat();
        let interaction = |number: &str| Ticket {
            id: 3,
            kind: TicketKind::Interaction,
            number: number.into(),
            fields: TicketFields::default(),
            group: chat_group(),
            assignee: None,
            version: 1,
            created_at_ms: 0,
            updated_at_ms: 0,
            chat_id: None,
        };
        assert_eq!(accept_notice(&chat, Some(&interaction("SD00003"))), None, "none named");
        chat.previous_ticket = Some("sd3".into());
        assert_eq!(accept_notice(&chat, Some(&interaction("SD00003"))), None, "the one named, however written");
        let notice = accept_notice(&chat, Some(&interaction("SD00009"))).unwrap();
        assert_eq!(
            notice,
            "Previous ticket sd3 is not an interaction of this contact that you may open; a new interaction SD00009 was \
             created instead."
        );
        assert_eq!(accept_notice(&chat, None), None, "no interaction opened (benchmarks)");
    }

    fn chat_group() -> AssignmentGroup {
        AssignmentGroup { id: 2, name: "Hardware".into() }
    }

    #[test]
    fn search_words_are_lower_cased_runs_of_letters_and_digits() {
        assert_eq!(
            search_words("Erin@Example.com  (VPN) é-Mail 100%"),
            vec!["erin", "example", "com", "vpn", "é", "mail", "100"]
        );
        assert!(search_words(" %_- ").is_empty());
    }

    #[test]
    fn record_numbers_parse_back() {
        assert_eq!(RecordRef::parse("sd00012"), Some(RecordRef::Ticket(TicketKind::Interaction, 12)));
        assert_eq!(RecordRef::parse("IM7"), Some(RecordRef::Ticket(TicketKind::Incident, 7)));
        assert_eq!(RecordRef::parse("CR00003"), Some(RecordRef::ChatRequest(3)));
        assert_eq!(RecordRef::Ticket(TicketKind::Incident, 7).number(), "IM00007");
        for bad in ["", "SD", "XX0001", "SD12a", "S"] {
            assert_eq!(RecordRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_previous_ticket_counts_only_for_the_same_contact() {
        let ticket = Ticket {
            id: 1,
            kind: TicketKind::Interaction,
            number: "SD00001".into(),
            fields: TicketFields { contact_email: "ANN@example.com".into(), ..TicketFields::default() },
            group: AssignmentGroup { id: 2, name: "Hardware".into() },
            assignee: None,
            version: 1,
            created_at_ms: 0,
            updated_at_ms: 0,
            chat_id: None,
        };
        assert!(same_contact(&ticket, &chat()));
        let mut other = chat();
        other.end_user.email = "eve@example.com".into();
        assert!(!same_contact(&ticket, &other));
        assert!(!same_contact(&Ticket { kind: TicketKind::Incident, ..ticket }, &chat()));
    }

    #[test]
    fn open_records_move_with_their_chat_and_say_so_in_a_note() {
        let mut ticket = crate::fixtures::ticket(1, TicketKind::Interaction, 2);
        for (status, moves) in [
            (TicketStatus::Open, true),
            (TicketStatus::InProgress, true),
            (TicketStatus::Resolved, false),
            (TicketStatus::Closed, false),
        ] {
            ticket.fields.status = status;
            assert_eq!(moves_with_chat(&ticket), moves, "{status:?}");
        }
        let mut before = chat();
        before.agent = Some(AgentCard { id: 1, name: "Alice Agent".into(), photo_url: None });
        let mut to_bob = before.clone();
        to_bob.group = AssignmentGroup { id: 3, name: "Network".into() };
        to_bob.agent = Some(AgentCard { id: 2, name: "Bob Builder".into(), photo_url: None });
        assert_eq!(moved_note(&before, &to_bob), "Moved with chat CR00007 from Hardware (Alice Agent) to Network (Bob Builder).");
        let mut to_queue = to_bob.clone();
        to_queue.agent = None;
        assert_eq!(moved_note(&before, &to_queue), "Moved with chat CR00007 from Hardware (Alice Agent) to the Network queue.");
    }
}
