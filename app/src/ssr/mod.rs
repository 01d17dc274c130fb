//! Server-only code: storage, realtime fan-out, authentication and the use cases.
pub mod admin;
pub mod api_answers;
pub mod auth;
pub mod desk;
pub mod headers;
pub mod hub;
pub mod limits;
pub mod metrics;
pub mod open_chats;
pub mod origin;
pub mod outbox;
pub mod photos;
pub mod scheduler;
pub mod seed;
pub mod state;
pub mod store;
pub mod ws;
