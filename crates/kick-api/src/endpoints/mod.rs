//! One module per area of Kick's REST API (API.md §3). Each endpoint has a pure
//! request builder (`*_request`, validates input, no I/O) and a method on
//! [`crate::client::KickClient`] that runs it.

pub mod categories;
pub mod channels;
pub mod chat;
pub mod events;
pub mod kicks;
pub mod livestreams;
pub mod moderation;
pub mod public_key;
pub mod rewards;
pub mod users;
