//! Kickstand's headless core: the services behind the desktop app, with no
//! Tauri dependency. The shell (src-tauri) calls these and turns
//! [`events::CoreEvent`]s into Tauri events.

pub mod chat;
pub mod dto;
pub mod error;
pub mod events;
pub mod feed;
pub mod poller;
pub mod secrets;
pub mod settings;
pub mod streamkey;

pub use error::{AppError, AppResult, ErrorCode, ErrorField};
pub use events::{CoreEvent, EventSink};

pub mod core;
pub mod kick_source;
pub mod validate;

pub use kick_api;
