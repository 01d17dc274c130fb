//! The outbox (issue 18), without I/O: mail the desk owes someone is written down first (in the
//! transaction of the request that owes it) and sent afterwards by a worker (ssr/outbox.rs),
//! which retries on this schedule. Here: when an entry is tried again or given up, how long a
//! node holds one it is sending, whether an end user may have their transcript emailed, and
//! what that email says. Made for more than email: an entry has a kind, a recipient and a
//! payload, so a webhook is another kind with a URL for recipient.

use serde::{Deserialize, Serialize};

use crate::domain::lifecycle::ChatState;
use crate::model::ChatRequest;

/// Tries at most, the first included; then the entry is `Failed` for good.
pub const MAX_ATTEMPTS: u32 = 8;
/// The wait after the first failed try; it doubles after each further one…
pub const FIRST_RETRY_MS: i64 = 30_000;
/// …up to this.
pub const LONGEST_RETRY_MS: i64 = 60 * 60_000;
/// A node that takes an entry to send holds it this long. If the node dies while sending, another
/// takes the entry once the hold has run out; a send (connect, TLS, the message) must finish
/// well within it, so the sender's own timeout is shorter (`SEND_TIMEOUT_MS`).
pub const HOLD_MS: i64 = 2 * 60_000;
pub const SEND_TIMEOUT_MS: i64 = 60_000;
/// Transcripts one chat's end user may have emailed (during the chat and after it, say): the
/// address is theirs, but the desk must not be made to send mail without end.
pub const TRANSCRIPTS_PER_CHAT: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutboxState {
    /// Waiting for its (next) try.
    Queued,
    Sent,
    /// Given up: refused for good, or every try failed. The reason is kept.
    Failed,
}

impl OutboxState {
    pub const ALL: [OutboxState; 3] = [OutboxState::Queued, OutboxState::Sent, OutboxState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        OutboxState::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What the outbox carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutboxKind {
    /// A chat's transcript, emailed to its end user.
    TranscriptEmail,
}

impl OutboxKind {
    pub const ALL: [OutboxKind; 1] = [OutboxKind::TranscriptEmail];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::TranscriptEmail => "transcript_email",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxKind> {
        OutboxKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How one try went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// `permanent`: trying again cannot help (the mail server refused the recipient for good,
    /// 5xx); otherwise (no connection, 4xx, a timeout) it may.
    Failed {
        reason: String,
        permanent: bool,
    },
}

/// What becomes of an entry after a try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    Sent { at_ms: i64 },
    RetryAt { at_ms: i64, reason: String },
    Failed { reason: String },
}

/// The wait after the `failed`-th failed try (1 for the first): 30 s, 1 min, 2 min, … at most an
/// hour.
pub fn retry_delay_ms(failed: u32) -> i64 {
    let doublings = failed.saturating_sub(1).min(20);
    FIRST_RETRY_MS.saturating_mul(1 << doublings).min(LONGEST_RETRY_MS)
}

/// The entry's fate after its `attempt_no`-th try (1 for the first) went as `attempt` at
/// `now_ms`.
pub fn settle(attempt_no: u32, attempt: Attempt, now_ms: i64) -> Settled {
    match attempt {
        Attempt::Delivered => Settled::Sent { at_ms: now_ms },
        Attempt::Failed { reason, permanent: true } => Settled::Failed { reason },
        Attempt::Failed { reason, .. } if attempt_no >= MAX_ATTEMPTS => {
            Settled::Failed { reason: format!("{reason} (gave up after {attempt_no} tries)") }
        }
        Attempt::Failed { reason, .. } => Settled::RetryAt { at_ms: now_ms + retry_delay_ms(attempt_no), reason },
    }
}

/// Whether an admin may send an entry again: only one given up (`Failed`): a queued one is still
/// being tried, a sent one went out. Sent again, it starts a new round of tries at once.
pub fn may_send_again(state: OutboxState) -> bool {
    state == OutboxState::Failed
}

/// Why an end user's "Email me the transcript" is not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TranscriptRefusal {
    #[error("This desk does not send email.")]
    MailOff,
    #[error("The transcript can be emailed once an agent has taken the chat.")]
    NotTaken,
    #[error("This chat's transcript was emailed {TRANSCRIPTS_PER_CHAT} times already.")]
    TooMany,
}

/// Whether the widget offers "Email me the transcript": the desk sends mail (`mail_on`) and
/// the chat is, or was, a conversation (an agent took it; during it or after).
pub fn offers_transcript(chat: &ChatRequest, mail_on: bool) -> bool {
    mail_on && chat.agent.is_some() && matches!(chat.state, ChatState::Active | ChatState::Ended)
}

/// Whether the end user of `chat` may have it emailed now, `asked_before` transcripts of it
/// having been queued already (a retried request with the same key is not asked again: the
/// store returns the entry it made).
pub fn may_email_transcript(chat: &ChatRequest, mail_on: bool, asked_before: usize) -> Result<(), TranscriptRefusal> {
    if !mail_on {
        return Err(TranscriptRefusal::MailOff);
    }
    if !offers_transcript(chat, mail_on) {
        return Err(TranscriptRefusal::NotTaken);
    }
    if asked_before >= TRANSCRIPTS_PER_CHAT {
        return Err(TranscriptRefusal::TooMany);
    }
    Ok(())
}

/// Longest host name, user name and password the mail settings keep.
pub const MAX_HOST_CHARS: usize = 253;
pub const MAX_CREDENTIAL_CHARS: usize = 256;

/// An admin's change to the mail settings, checked; `stored_password` is the one kept now.
/// No host turns mail off (the rest is kept as typed). The sender must also be an address
/// the mail library reads (`ssr::outbox::is_mail_address`), asked by the caller as `sender_ok`.
pub fn change_mail_settings(
    change: &crate::model::MailSettingsChange,
    stored_password: &str,
    sender_ok: bool,
) -> Result<crate::model::MailSettings, String> {
    let host = change.host.trim();
    if host.chars().count() > MAX_HOST_CHARS || host.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
        return Err("Mail server: give a host name or address, without spaces or a scheme.".into());
    }
    let password = change.new_password.clone().unwrap_or_else(|| stored_password.to_string());
    if change.username.chars().count() > MAX_CREDENTIAL_CHARS || password.chars().count() > MAX_CREDENTIAL_CHARS {
        return Err(format!("User name and password: at most {MAX_CREDENTIAL_CHARS} characters each."));
    }
    if !host.is_empty() {
        if change.port == 0 {
            return Err("Port: a number from 1 to 65535 (587 for STARTTLS, 465 for TLS).".into());
        }
        if !sender_ok {
            return Err("Sender: give an email address, e.g. Service desk <desk@example.com>.".into());
        }
    }
    Ok(crate::model::MailSettings {
        host: host.to_string(),
        port: change.port,
        security: change.security,
        username: change.username.trim().to_string(),
        password,
        sender: change.sender.trim().to_string(),
    })
}

/// The audit line's words for a change of the mail settings from `old` to `new`: never the
/// password, only whether it was kept, set, changed or removed.
pub fn describe_mail_settings(old: &crate::model::MailSettings, new: &crate::model::MailSettings) -> String {
    if !new.is_on() {
        return "no mail server: the desk sends no email".into();
    }
    let password = match (old.password.is_empty(), new.password.is_empty(), old.password == new.password) {
        (true, true, _) => "no password",
        (false, true, _) => "password removed",
        (true, false, _) => "password set",
        (false, false, true) => "password kept",
        (false, false, false) => "password changed",
    };
    let user = match new.username.is_empty() {
        true => "no user name".to_string(),
        false => format!("user {}", new.username),
    };
    format!("server {}:{} ({}), {user}, {password}, sender {}", new.host, new.port, new.security.as_str(), new.sender)
}

/// The email of a chat's transcript, in the end user's language (`texts`, the widget's).
#[cfg(feature = "ssr")]
pub fn transcript_mail(
    chat: &ChatRequest,
    messages: &[crate::model::ChatMessage],
    texts: &crate::i18n::Texts,
) -> (String, String) {
    use crate::domain::audience::Reach;
    use crate::model::Author;
    let subject = texts.fill("mail-transcript-subject", &[("number", &chat.number)]);
    let mut body = texts.fill("mail-transcript-intro", &[("name", &chat.end_user.name), ("group", &chat.group.name)]);
    body.push_str("\n\n");
    body.push_str(&format!("{}: {}\n", texts.get("mail-transcript-question"), chat.question));
    body.push_str(&format!("{}: {}\n\n", texts.get("mail-transcript-started"), utc(chat.created_at_ms, true)));
    for message in messages.iter().filter(|m| Reach::of_message(m) == Reach::Everyone) {
        let who = match &message.author {
            Author::EndUser => texts.get("mail-transcript-you"),
            Author::Agent(card) => card.name.clone(),
            Author::Desk => texts.get("mail-transcript-desk"),
        };
        // Each line of a message indented under its author, so a line cannot pass for another
        // author's.
        let text = message.body.lines().collect::<Vec<_>>().join("\n    ");
        body.push_str(&format!("[{}] {who}: {text}\n", utc(message.at_ms, false)));
    }
    body.push('\n');
    body.push_str(&texts.get("mail-transcript-times"));
    body.push('\n');
    (subject, body)
}

/// `at_ms` in UTC: "2026-12-05 14:03" or "14:03".
#[cfg(feature = "ssr")]
fn utc(at_ms: i64, with_date: bool) -> String {
    let Ok(at) = jiff::Timestamp::from_millisecond(at_ms) else { return at_ms.to_string() };
    at.strftime(if with_date { "%Y-%m-%d %H:%M" } else { "%H:%M" }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{agent, request};

    #[test]
    fn names_round_trip() {
        for state in OutboxState::ALL {
            assert_eq!(OutboxState::parse(state.as_str()), Some(state));
        }
        for kind in OutboxKind::ALL {
            assert_eq!(OutboxKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(OutboxState::parse("other"), None);
    }

    fn failed() -> Attempt {
        Attempt::Failed { reason: "connection refused".into(), permanent: false }
    }

    /// A fake clock walks an entry through every try: each failure waits twice the one before
    /// (capped at an hour), the eighth gives up; a delivery at any point ends it.
    #[test]
    fn tries_back_off_doubling_to_an_hour_then_give_up() {
        let mut now = 1_000_000;
        let mut waits = Vec::new();
        let mut attempt_no = 1;
        let last = loop {
            match settle(attempt_no, failed(), now) {
                Settled::RetryAt { at_ms, reason } => {
                    assert_eq!(reason, "connection refused");
                    waits.push(at_ms - now);
                    now = at_ms;
                    attempt_no += 1;
                }
                other => break other,
            }
        };
        assert_eq!(waits, [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000]);
        assert_eq!(attempt_no, MAX_ATTEMPTS);
        assert_eq!(last, Settled::Failed { reason: "connection refused (gave up after 8 tries)".into() });
        assert_eq!(retry_delay_ms(8), LONGEST_RETRY_MS, "capped");
        assert_eq!(retry_delay_ms(u32::MAX), LONGEST_RETRY_MS, "no overflow");
        assert_eq!(settle(3, Attempt::Delivered, now), Settled::Sent { at_ms: now });
    }

    #[test]
    fn mail_settings_need_a_plain_host_a_port_and_a_sender_and_keep_the_password_unless_replaced() {
        use crate::model::{MailSecurity, MailSettingsChange};
        let change = MailSettingsChange {
            host: " smtp.example.com ".into(),
            port: 587,
            security: MailSecurity::StartTls,
            username: "desk".into(),
            new_password: None,
            sender: "Desk <desk@example.com>".into(),
        };
        let kept = change_mail_settings(&change, "old secret", true).unwrap();
        assert_eq!((kept.host.as_str(), kept.password.as_str()), ("smtp.example.com", "old secret"));
        let replaced = MailSettingsChange { new_password: Some("new".into()), ..change.clone() };
        assert_eq!(change_mail_settings(&replaced, "old secret", true).unwrap().password, "new");
        let removed = MailSettingsChange { new_password: Some(String::new()), ..change.clone() };
        assert_eq!(change_mail_settings(&removed, "old secret", true).unwrap().password, "");
        for host in ["smtp example.com", "smtp://example.com", &"h".repeat(MAX_HOST_CHARS + 1)] {
            let bad = MailSettingsChange { host: host.to_string(), ..change.clone() };
            assert!(change_mail_settings(&bad, "", true).unwrap_err().starts_with("Mail server"), "{host}");
        }
        let no_port = MailSettingsChange { port: 0, ..change.clone() };
        assert!(change_mail_settings(&no_port, "", true).unwrap_err().starts_with("Port"));
        assert!(change_mail_settings(&change, "", false).unwrap_err().starts_with("Sender"));
        let long = MailSettingsChange { new_password: Some("p".repeat(MAX_CREDENTIAL_CHARS + 1)), ..change.clone() };
        assert!(change_mail_settings(&long, "", true).is_err());
        // No host: mail is off, and nothing else is asked for.
        let off = MailSettingsChange { host: String::new(), port: 0, sender: String::new(), ..change };
        assert!(!change_mail_settings(&off, "", false).unwrap().is_on());
    }

    #[test]
    fn the_audit_line_of_mail_settings_never_holds_the_password() {
        use crate::model::{MailSecurity, MailSettings};
        let old = MailSettings {
            host: "smtp.example.com".into(),
            port: 587,
            security: MailSecurity::StartTls,
            username: "desk".into(),
            password: "old secret".into(),
            sender: "desk@example.com".into(),
        };
        let changed = MailSettings { password: "new secret".into(), ..old.clone() };
        let line = describe_mail_settings(&old, &changed);
        assert_eq!(line, "server smtp.example.com:587 (starttls), user desk, password changed, sender desk@example.com");
        assert!(!line.contains("secret"));
        assert!(describe_mail_settings(&old, &old).contains("password kept"));
        let set = describe_mail_settings(&MailSettings::default(), &old);
        assert!(set.contains("password set"), "{set}");
        let removed = MailSettings { password: String::new(), username: String::new(), ..old.clone() };
        assert!(describe_mail_settings(&old, &removed).contains("no user name, password removed"));
        assert!(describe_mail_settings(&removed, &removed).contains("no password"));
        assert_eq!(describe_mail_settings(&old, &MailSettings::default()), "no mail server: the desk sends no email");
    }

    #[test]
    fn only_an_entry_given_up_is_sent_again() {
        assert!(may_send_again(OutboxState::Failed));
        assert!(!may_send_again(OutboxState::Queued), "still being tried");
        assert!(!may_send_again(OutboxState::Sent), "it went out");
    }

    #[test]
    fn a_permanent_refusal_is_not_tried_again() {
        let refused = Attempt::Failed { reason: "550 no such mailbox".into(), permanent: true };
        assert_eq!(settle(1, refused, 5), Settled::Failed { reason: "550 no such mailbox".into() });
    }

    #[test]
    fn a_transcript_is_emailed_during_or_after_a_conversation_a_few_times_where_the_desk_mails() {
        let mut chat = request(1, 1);
        assert_eq!(may_email_transcript(&chat, true, 0), Err(TranscriptRefusal::NotTaken), "still waiting");
        chat.agent = Some(agent(7));
        for state in [ChatState::Active, ChatState::Ended] {
            chat.state = state;
            assert!(offers_transcript(&chat, true));
            assert_eq!(may_email_transcript(&chat, true, 0), Ok(()));
            assert_eq!(may_email_transcript(&chat, true, TRANSCRIPTS_PER_CHAT - 1), Ok(()));
            assert_eq!(may_email_transcript(&chat, true, TRANSCRIPTS_PER_CHAT), Err(TranscriptRefusal::TooMany));
            assert!(!offers_transcript(&chat, false));
            assert_eq!(may_email_transcript(&chat, false, 0), Err(TranscriptRefusal::MailOff));
        }
        for state in [ChatState::Queued, ChatState::Missed] {
            chat.state = state;
            assert!(!offers_transcript(&chat, true), "{state:?}");
        }
        let mut ended_waiting = request(2, 1);
        ended_waiting.state = ChatState::Ended;
        assert_eq!(may_email_transcript(&ended_waiting, true, 0), Err(TranscriptRefusal::NotTaken), "given up while waiting");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_transcript_email_names_each_author_and_time_in_the_end_users_language() {
        use crate::model::{Author, ChatMessage};
        let mut chat = request(42, 1);
        chat.agent = Some(agent(7));
        chat.created_at_ms = 1_764_943_380_000; // 2025-12-05 14:03 UTC
        let message = |id, author, body: &str, at_ms| ChatMessage {
            id,
            chat_id: 42,
            client_id: format!("c{id}"),
            author,
            body: body.into(),
            line: None,
            at_ms,
            whisper: false,
        };
        let whisper =
            ChatMessage { whisper: true, ..message(4, Author::Agent(agent(9)), "Ask for the office", chat.created_at_ms) };
        let messages = [
            message(1, Author::EndUser, "My VPN drops", chat.created_at_ms + 60_000),
            whisper,
            message(2, Author::Agent(agent(7)), "Let us look.\nWhich office?", chat.created_at_ms + 120_000),
            message(3, Author::Desk, "Agent 7 left the chat.", chat.created_at_ms + 180_000),
        ];
        let texts = crate::i18n::catalog::catalog().texts("en");
        let (subject, body) = transcript_mail(&chat, &messages, &texts);
        assert_eq!(subject, format!("Transcript of your chat {}", chat.number));
        assert!(body.contains("Question: Help\nStarted: 2025-12-05 14:03\n"), "{body}");
        assert!(body.contains("[14:04] You: My VPN drops\n[14:05] Agent 7: Let us look.\n    Which office?\n"), "{body}");
        assert!(body.contains("[14:06] Service desk: Agent 7 left the chat.\n"), "{body}");
        assert!(body.contains("UTC"));
        assert!(!body.contains("Ask for the office"), "a supervisor's whisper is never the end user's: {body}");
        let french = transcript_mail(&chat, &messages, &crate::i18n::catalog::catalog().texts("fr")).1;
        assert!(french.contains("[14:04] Vous: My VPN drops"), "{french}");
    }
}
