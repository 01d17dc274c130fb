//! Admin screens: the desk settings, agents, assignment groups, the audit log.
pub mod admin_nav;
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
pub mod password_reset;
pub mod role_select;
pub mod settings_page;
