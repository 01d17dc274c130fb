//! The pure core: no I/O, no clock, no database. Everything here is unit-tested exhaustively.
pub mod access;
pub mod admin;
pub mod audience;
pub mod canned;
pub mod deadline;
// Needs the time-zone database, which only the server carries.
#[cfg(feature = "ssr")]
pub mod hours;
pub mod lifecycle;
pub mod monitor;
pub mod outbox;
pub mod queue;
pub mod records;
pub mod reports;
pub mod routing;
pub mod satisfaction;
pub mod team;
pub mod validate;
