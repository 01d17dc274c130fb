//! Canned messages: the screen to browse, create, edit and delete them (the composer offers
//! them with `/`, see common/composer.rs).
pub mod canned_form;
pub mod canned_page;
