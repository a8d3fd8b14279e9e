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
                // Notification servers read body markup (<b>, <a href>, <img>):
                // a streamer's title or name must show as text.
                let _ = app
                    .notification()
                    .builder()
                    .title(escape_markup(&format!("{} is live", entry.display_name)))
                    .body(escape_markup(if entry.title.is_empty() {
                        "Live now on Kick"
                    } else {
                        &entry.title
                    }))
                    .show();
                app.emit(WENT_LIVE, entry)
            }
        };
        if let Err(e) = r {
            tracing::debug!(error = %e, "could not emit event");
        }
    })
}

/// Escapes the markup desktop notification servers interpret.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn notification_text_is_escaped() {
        assert_eq!(
            super::escape_markup("<b>Hi</b> & <a href='x'>"),
            "&lt;b&gt;Hi&lt;/b&gt; &amp; &lt;a href=&#39;x&#39;&gt;"
        );
        assert_eq!(super::escape_markup("a\u{7}b"), "a b");
    }
}
