//! The supervisor's live monitor (issue 18): `/monitor`.
pub mod board_section;
pub mod monitor_page;
pub mod watched_chat;
