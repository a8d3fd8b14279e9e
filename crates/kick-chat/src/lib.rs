//! Kick's unofficial real-time chat over Pusher (see `shared/kick/PUSHER.md`).
//!
//! This first part is the sans-I/O layer: Pusher protocol v7 frames (with the
//! double-encoded `data`), the close-code policy, and Kick's chat message
//! with emote markup parsed into spans. The socket client (tokio-tungstenite)
//! builds on it.

pub mod client;
pub mod event;
pub mod protocol;

pub use client::{pusher_url, spawn, ChatConfig, ChatHandle, Stats};
pub use event::{parse_emotes, Badge, ChatEvent, ChatMessage, ConnectionState, Sender, Span};
pub use protocol::{close_policy, ClosePolicy, Frame, FrameError};
