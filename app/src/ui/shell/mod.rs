//! The agent app's shell (issue 18): one header on every agent page — the console, records,
//! record pages, canned messages and the admin pages — with the navigation (the current page
//! marked for assistive technology), the agent's status, desktop notifications and Log off.
pub mod agent_header;
pub mod desk_nav;
pub mod status_picker;
