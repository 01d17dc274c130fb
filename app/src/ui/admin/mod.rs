//! Admin screens: the desk settings.
pub mod settings_page;
