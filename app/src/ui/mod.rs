//! The user interface: one component per file, grouped by screen.
pub mod admin;
pub mod app;
pub mod browser;
pub mod canned;
pub mod common;
pub mod console;
pub mod home;
pub mod login;
pub mod monitor;
pub mod realtime;
pub mod records;
pub mod reports;
pub mod shell;
pub mod thread;
pub mod widget;
