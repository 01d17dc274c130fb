//! The agent console: Chat Request panel (tabs per assignment group + my chats) and the
//! conversation window, with the team: presence, invitations, invite and transfer dialogs.
pub mod actions;
pub mod chat_request_panel;
pub mod console_page;
pub mod conversation;
pub mod history;
pub mod invitations;
pub mod invite_dialog;
pub mod model;
pub mod my_chats;
pub mod offer_panel;
pub mod offline_requests;
pub mod presence_picker;
pub mod records_panel;
pub mod request_card;
pub mod team_list;
pub mod transfer_dialog;
