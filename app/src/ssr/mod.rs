//! Server-only code: storage, realtime fan-out, authentication and the use cases.
pub mod api_answers;
pub mod auth;
pub mod desk;
pub mod hub;
pub mod origin;
pub mod scheduler;
pub mod seed;
pub mod state;
pub mod store;
pub mod ws;
