//! Mail: an end user's transcript by email, the SMTP settings and the outbox admins watch
//! (domain/outbox.rs decides; ssr/outbox.rs sends).

use super::*;
use crate::domain::outbox;

/// Outbox entries the admin screen lists, newest first.
pub const OUTBOX_PAGE: i64 = 100;

impl Desk {
    /// Whether the desk sends mail (flags or admins' settings with a host).
    pub async fn mail_on(&self) -> Result<bool, DeskError> {
        Ok(self.outbox.settings().await?.is_on())
    }

    /// "Email me the transcript": queued for the address on the chat's form, in the widget's
    /// language (`lang`); the same `request_key` again answers with the same entry.
    pub async fn email_transcript(&self, token: &str, request_key: &str, lang: &str) -> Result<TranscriptRequested, DeskError> {
        validate::request_key(request_key).map_err(DeskError::Invalid)?;
        let chat = self.chat_for_token(token).await?;
        let texts = crate::i18n::catalog::catalog().texts(lang);
        let mail_on = self.mail_on().await?;
        match self.store.queue_transcript(chat.id, request_key.to_string(), mail_on, texts, self.now_ms()).await? {
            Ok(requested) => {
                self.outbox.queued();
                Ok(requested)
            }
            Err(refusal) => Err(DeskError::Invalid(refusal.to_string())),
        }
    }

    /// The settings as the admin screen shows them (never the password).
    pub async fn mail_settings(&self, agent: &AgentProfile) -> Result<MailSettingsView, DeskError> {
        self.admin(agent)?;
        let from_flags = self.outbox.source.flags.is_some();
        let settings = self.outbox.settings().await?;
        Ok(MailSettingsView {
            password_set: !settings.password.is_empty(),
            host: settings.host,
            port: settings.port,
            security: settings.security,
            username: settings.username,
            sender: settings.sender,
            from_flags,
        })
    }

    pub async fn save_mail_settings(
        &self,
        agent: &AgentProfile,
        change: &MailSettingsChange,
    ) -> Result<MailSettingsView, DeskError> {
        let by = self.admin(agent)?;
        if self.outbox.source.flags.is_some() {
            return Err(DeskError::Invalid(
                "This server takes its mail settings from its flags (--smtp-host …); change them there.".into(),
            ));
        }
        let stored = self.store.mail_settings().await?.unwrap_or_default();
        let sender_ok = crate::ssr::outbox::is_mail_address(change.sender.trim());
        let settings = outbox::change_mail_settings(change, &stored.password, sender_ok).map_err(DeskError::Invalid)?;
        let detail = outbox::describe_mail_settings(&stored, &settings);
        self.store.save_mail_settings(&settings, by, detail).await?;
        self.outbox.source.saved(settings, self.now_ms());
        self.mail_settings(agent).await
    }

    pub async fn outbox_entries(&self, agent: &AgentProfile) -> Result<Vec<OutboxEntry>, DeskError> {
        self.admin(agent)?;
        Ok(self.store.outbox_entries(OUTBOX_PAGE).await?)
    }

    /// An admin's "Send again" on an entry the outbox gave up on: queued for a new round of
    /// tries, now.
    pub async fn send_again(&self, agent: &AgentProfile, id: i64) -> Result<OutboxEntry, DeskError> {
        match self.store.send_again(id, self.admin(agent)?).await? {
            None => Err(DeskError::NoSuchRecord),
            Some((_, false)) => Err(DeskError::Invalid("Only mail the outbox gave up on can be sent again.".into())),
            Some((entry, true)) => {
                self.outbox.queued();
                Ok(entry)
            }
        }
    }
}
