//! The outbox's worker: sends what is due (store/outbox.rs) through SMTP (lettre), one entry at
//! a time per node, and settles each by domain/outbox.rs's schedule.
//!
//! Once per request, across restarts and nodes: an entry is sent only by the node holding it
//! (a guarded update), and it is held before the send starts. What remains is the classic gap
//! of every outbox over SMTP: a node that dies after the mail server took the message and
//! before it recorded so leaves an entry another node sends again when the hold runs out. Each
//! entry's Message-ID is fixed (`<outbox-ID.CREATED@deskchat>`), so such a second copy is the
//! same message to mail clients that deduplicate.
//!
//! Time comes from the clock seam (`deliver_due(now)`), as for the scheduler: with the test
//! clock only a test's advance sends.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use super::desk::{Clock, SettingsCache};
use super::scheduler::wait_until_due;
use super::store::{HeldMail, Store, StoreResult};
use crate::domain::outbox::{self, Attempt};
use crate::model::{MailSecurity, MailSettings};

/// The longest the worker sleeps before looking again (entries queued by another node are
/// found within this; this node's own wake it at once).
const LOOK_AGAIN: Duration = Duration::from_secs(1);
const BATCH: i64 = 50;

/// Where the mail settings come from: the server's flags win over what admins saved (a
/// deployment that sets them keeps them out of the database).
pub struct MailSource {
    pub flags: Option<MailSettings>,
    /// Admins' settings, read again after `SETTINGS_CACHE_MS` (every widget snapshot asks
    /// whether the desk sends mail).
    cached: SettingsCache<MailSettings>,
}

impl MailSource {
    pub async fn settings(&self, store: &Store, now_ms: i64) -> StoreResult<MailSettings> {
        if let Some(flags) = &self.flags {
            return Ok(flags.clone());
        }
        if let Some(settings) = self.cached.get(now_ms) {
            return Ok(settings);
        }
        let settings = store.mail_settings().await?.unwrap_or_default();
        self.saved(settings.clone(), now_ms);
        Ok(settings)
    }

    /// What this node just saved (or read): used until the cache runs out.
    pub fn saved(&self, settings: MailSettings, now_ms: i64) {
        self.cached.put(settings, now_ms);
    }
}

pub struct Outbox {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    pub source: MailSource,
    wake: Notify,
}

impl Outbox {
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>, flags: Option<MailSettings>) -> Outbox {
        Outbox { store, clock, source: MailSource { flags, cached: Default::default() }, wake: Notify::new() }
    }

    /// The settings in force (flags, else the admins').
    pub async fn settings(&self) -> StoreResult<MailSettings> {
        self.source.settings(&self.store, self.clock.now_ms()).await
    }

    /// Something was queued on this node: look now rather than at the next round.
    pub fn queued(&self) {
        self.wake.notify_one();
    }

    /// Sends every entry due at `now_ms` that no node holds; returns how many it settled.
    pub async fn deliver_due(&self, now_ms: i64) -> StoreResult<usize> {
        let due = self.store.due_mail(now_ms, BATCH).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let settings = self.settings().await?;
        let mut settled = 0;
        for id in due {
            let Some(mail) = self.store.hold_mail(id, now_ms).await? else { continue };
            let attempt = match settings.is_on() {
                true => send(&settings, &mail).await,
                false => {
                    Attempt::Failed { reason: "No mail server is set (admin settings or --smtp-host).".into(), permanent: false }
                }
            };
            let outcome = outbox::settle(mail.attempt_no, attempt, self.clock.now_ms());
            match &outcome {
                outbox::Settled::Sent { .. } => tracing::info!(entry = mail.id, "outbox: sent"),
                // The reason names no address (the mail server's reply may): kept for admins.
                outbox::Settled::RetryAt { at_ms, .. } => tracing::warn!(entry = mail.id, retry_at = at_ms, "outbox: try failed"),
                outbox::Settled::Failed { .. } => tracing::warn!(entry = mail.id, "outbox: given up"),
            }
            settled += usize::from(self.store.settle_mail(mail.id, outcome).await?);
        }
        Ok(settled)
    }

    /// Runs until the process ends (not with the test clock: there a test's advance sends).
    pub fn spawn(self: Arc<Self>) {
        tokio::spawn(async move {
            loop {
                let next = self.store.next_mail_due().await;
                let wait = wait_until_due(next, self.clock.now_ms(), LOOK_AGAIN, "outbox: cannot read what is due");
                if !wait.is_zero() {
                    let _ = tokio::time::timeout(wait, self.wake.notified()).await;
                }
                if let Err(err) = self.deliver_due(self.clock.now_ms()).await {
                    tracing::error!(%err, "outbox: sending failed; will retry");
                    tokio::time::sleep(LOOK_AGAIN).await;
                }
            }
        });
    }
}

/// Whether `address` is one the desk can send from or to (lettre's own reading of it).
pub fn is_mail_address(address: &str) -> bool {
    address.parse::<Mailbox>().is_ok()
}

/// One try: connect, log on if there is a user name, send, and read the server's answer.
async fn send(settings: &MailSettings, mail: &HeldMail) -> Attempt {
    let permanent = |reason: String| Attempt::Failed { reason, permanent: true };
    let Ok(from) = settings.sender.parse::<Mailbox>() else {
        return permanent("The sender address in the mail settings is not valid.".into());
    };
    let Ok(to) = mail.recipient.parse::<Mailbox>() else {
        return permanent("The recipient's address is not valid.".into());
    };
    let domain = from.email.domain().to_string();
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<outbox-{}.{}@{domain}>", mail.id, mail.created_at_ms)))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.payload.clone());
    let message = match message {
        Ok(message) => message,
        Err(err) => return permanent(format!("The message could not be built: {err}")),
    };
    let builder = match settings.security {
        MailSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
        MailSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
        MailSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)),
    };
    // The whole send within `SEND_TIMEOUT_MS` (lettre's own timeout is per read or write), so it
    // ends well before this node's hold on the entry does.
    let limit = Duration::from_millis(outbox::SEND_TIMEOUT_MS as u64);
    let mut builder = match builder {
        Ok(builder) => builder.port(settings.port).timeout(Some(limit)),
        Err(err) => return permanent(format!("The mail server's name is not usable: {err}")),
    };
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(settings.username.clone(), settings.password.clone()));
    }
    match tokio::time::timeout(limit, builder.build().send(message)).await {
        Ok(Ok(_)) => Attempt::Delivered,
        Ok(Err(err)) => Attempt::Failed { reason: err.to_string(), permanent: err.is_permanent() },
        Err(_) => Attempt::Failed { reason: format!("No answer from the mail server within {limit:?}."), permanent: false },
    }
}
