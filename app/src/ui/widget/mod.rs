//! The end-user widget: the start form, then the chat. Works standalone and inside an iframe.
pub mod actions;
pub mod chat_stage;
pub mod chat_view;
pub mod model;
pub mod photo_field;
pub mod satisfaction_survey;
pub mod start_form;
pub mod transcript_request;
pub mod widget_page;

/// Where the browser keeps the chat token, so a reload resumes the same chat.
pub const TOKEN_KEY: &str = "deskchat.chat-token";
