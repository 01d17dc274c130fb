//! The agent console: Chat Request panel (tabs per assignment group + my chats) and the
//! conversation window.
pub mod actions;
pub mod chat_request_panel;
pub mod console_page;
pub mod conversation;
pub mod history;
pub mod my_chats;
pub mod records_panel;
pub mod request_card;
