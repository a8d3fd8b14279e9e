//! Kick's unofficial real-time chat, as kick.com runs it today
//! (`shared/kick/REALTIME.md`): the transport is negotiated with Kick's
//! descriptor and is Centrifugo by default, Pusher as offered or as a
//! fallback (`shared/kick/PUSHER.md`).
//!
//! Layers: sans-I/O protocols (`centrifugo`, `protocol` for Pusher), the
//! negotiation (`negotiate`), typed Kick events (`event`), dedupe and twin
//! handling (`filter`), and the socket client (`client`, tokio-tungstenite).
//!
//! No Rust Centrifugo client is used: `centrifuge-client` 0.1.0 (the
//! official one, first release) brings a second tungstenite, hyper and its
//! own TLS stack, and stops on terminal codes and failed refreshes where
//! Kick needs "keep the connection while a refresh fails" and "come back
//! later as a new client"; `tokio-centrifuge` has no way to set the Origin
//! header or refresh the token. The protocol layer Kick uses is small
//! (connect, subscribe, refresh, pushes), so it lives here, sans-I/O, like
//! the Pusher one.

pub mod centrifugo;
pub mod client;
pub mod event;
pub mod fast;
pub mod filter;
pub mod negotiate;
pub mod protocol;
pub mod wire;

pub use client::{
    pusher_url, spawn, ChatConfig, ChatHandle, Stats, KICK_ORIGIN, KICK_WEB_BASE,
    PUSHER_URL_TEMPLATE,
};
pub use event::{
    parse_emotes, Badge, ChatEvent, ChatMessage, ChatroomModes, ConnectionState, PollOption,
    PredictionOutcome, Sender, Span,
};
pub use negotiate::{HostRule, PusherCreds, Transport, TransportChoice};
pub use protocol::{close_policy, ClosePolicy, Frame, FrameError};
