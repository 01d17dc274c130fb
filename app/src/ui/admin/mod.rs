//! Admin screens: the desk settings (email among them), agents, assignment groups, the audit
//! log, the outbox.
pub mod agent_editor;
pub mod agent_form;
pub mod agent_row;
pub mod agents_page;
pub mod audit_log_page;
pub mod group_choice;
pub mod group_form;
pub mod group_row;
pub mod group_settings_form;
pub mod groups_page;
pub mod mail_settings_form;
pub mod outbox_page;
pub mod outbox_row;
pub mod password_reset;
pub mod role_select;
pub mod settings_page;
