use leptos::prelude::*;

use crate::model::{ChatId, TYPING_SHOWN_MS};
use crate::ui::browser;

/// Who is typing in which chat: shown for `TYPING_SHOWN_MS` after their last signal, or until
/// their message arrives. Each signal starts its own timer; only the newest one clears.
#[derive(Clone, Copy)]
pub struct Typists(RwSignal<Vec<(ChatId, String, u64)>>);

impl Typists {
    pub fn new() -> Typists {
        Typists(RwSignal::new(Vec::new()))
    }

    pub fn heard(self, chat_id: ChatId, name: String) {
        let mut generation = 0;
        self.0.update(|all| {
            generation = all.iter().find(|(c, _, _)| *c == chat_id).map_or(0, |(_, _, g)| g + 1);
            all.retain(|(c, _, _)| *c != chat_id);
            all.push((chat_id, name, generation));
        });
        browser::after(TYPING_SHOWN_MS, move || {
            self.0.update(|all| all.retain(|(c, _, g)| !(*c == chat_id && *g == generation)));
        });
    }

    pub fn stopped(self, chat_id: ChatId) {
        if self.0.with_untracked(|all| all.iter().any(|(c, _, _)| *c == chat_id)) {
            self.0.update(|all| all.retain(|(c, _, _)| *c != chat_id));
        }
    }

    /// "Erin is typing…" for a chat, while it lasts.
    pub fn line(self, chat_id: ChatId) -> Option<String> {
        self.0.with(|all| all.iter().find(|(c, _, _)| *c == chat_id).map(|(_, name, _)| crate::i18n::texts().fill("typing", &[("name", name)])))
    }
}

impl Default for Typists {
    fn default() -> Self {
        Typists::new()
    }
}
