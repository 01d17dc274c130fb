//! Pieces both the console and the widget use.
pub mod avatar;
pub mod composer;
pub mod loaded;
pub mod message_list;
pub mod typists;
