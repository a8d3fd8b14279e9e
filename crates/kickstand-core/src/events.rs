//! What the core reports to the shell. The shell turns each into a Tauri
//! event; the core knows nothing about Tauri.

use crate::dto::{AppStatus, ChannelView, FeedItem, LiveEntry, LiveSnapshot, Notice, StreamStats};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum CoreEvent {
    Status(AppStatus),
    Channel(ChannelView),
    Live(LiveSnapshot),
    /// A watched channel went live (for a desktop notification).
    WentLive(LiveEntry),
    /// The revealed stream key must be hidden now.
    StreamKeyHidden,
    Notice(Notice),
    /// A feed item the streamer wants a desktop notification for.
    FeedNotify(FeedItem),
    /// The stream's numbers changed (at most once a second).
    Stats(StreamStats),
}

pub type EventSink = Arc<dyn Fn(CoreEvent) + Send + Sync>;

/// A sink that drops everything.
pub fn null_sink() -> EventSink {
    Arc::new(|_| {})
}
