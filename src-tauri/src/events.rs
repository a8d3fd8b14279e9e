//! Core events → Tauri events. Names are namespaced `kickstand://...`.
//! No payload carries a token, the client secret or the stream key.

use kickstand_core::dto::NoticeLevel;
use kickstand_core::{CoreEvent, EventSink};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Runtime};
use tauri_plugin_notification::NotificationExt;

pub const STATUS: &str = "kickstand://status";
pub const CHANNEL: &str = "kickstand://channel";
pub const LIVE: &str = "kickstand://live";
pub const STREAM_KEY_HIDDEN: &str = "kickstand://stream-key-hidden";
pub const NOTICE: &str = "kickstand://notice";
pub const WENT_LIVE: &str = "kickstand://went-live";
pub const CHAT: &str = "kickstand://chat";

pub fn sink<R: Runtime>(app: AppHandle<R>) -> EventSink {
    Arc::new(move |event| {
        let r = match &event {
            CoreEvent::Status(s) => app.emit(STATUS, s),
            CoreEvent::Channel(c) => app.emit(CHANNEL, c),
            CoreEvent::Live(l) => app.emit(LIVE, l),
            CoreEvent::StreamKeyHidden => app.emit(STREAM_KEY_HIDDEN, ()),
            CoreEvent::Chat(b) => app.emit(CHAT, b),
            CoreEvent::Notice(n) => {
                if n.level == NoticeLevel::Error {
                    tracing::warn!(message = %n.message, "notice");
                }
                app.emit(NOTICE, n)
            }
            CoreEvent::WentLive(entry) => {
                let _ = app
                    .notification()
                    .builder()
                    .title(format!("{} is live", entry.display_name))
                    .body(if entry.title.is_empty() {
                        "Live now on Kick".to_owned()
                    } else {
                        entry.title.clone()
                    })
                    .show();
                app.emit(WENT_LIVE, entry)
            }
        };
        if let Err(e) = r {
            tracing::debug!(error = %e, "could not emit event");
        }
    })
}
