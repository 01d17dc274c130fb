//! Deskchat's shared crate: wire types, the pure domain core, server functions, and the UI.
//! Built with `ssr` for the server binary and with `hydrate` for the browser; never both.
#![recursion_limit = "512"]

pub mod api;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(test)]
mod fixtures;

pub use ui::app::{shell, App, WidgetApp};
