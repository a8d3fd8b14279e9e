//! Core events → typed Tauri events (tauri-specta generates their
//! TypeScript). Names are namespaced `kickstand://...`. No payload carries a
//! token, the client secret or the stream key.

use kickstand_core::dto::*;
use kickstand_core::{CoreEvent, EventSink};
use serde::Serialize;
use std::sync::Arc;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

macro_rules! events {
    ($($(#[$doc:meta])* $name:ident($payload:ty) = $wire:literal;)*) => {
        $(
            $(#[$doc])*
            #[derive(Serialize, Clone, Debug, specta::Type, tauri_specta::Event)]
            #[tauri_specta(event_name = $wire)]
            pub struct $name(pub $payload);
        )*
        /// Every event, for the bindings.
        pub fn collect() -> tauri_specta::Events {
            tauri_specta::collect_events![$($name),*]
        }
    };
}

events! {
    /// The app's state, after every change.
    StatusEvent(AppStatus) = "kickstand://status";
    /// The own channel, when it changed (poller, edits).
    ChannelEvent(ChannelView) = "kickstand://channel";
    /// Live status of the own channel and the watchlist, when it changed.
    LiveEvent(LiveSnapshot) = "kickstand://live";
    /// The revealed stream key must be hidden now.
    StreamKeyHiddenEvent(()) = "kickstand://stream-key-hidden";
    /// A toast.
    NoticeEvent(Notice) = "kickstand://notice";
    /// A watched channel went live.
    WentLiveEvent(LiveEntry) = "kickstand://went-live";
    /// The stream's numbers (at most once a second).
    StatsEvent(StreamStats) = "kickstand://stats";
}

pub fn sink<R: Runtime>(app: AppHandle<R>) -> EventSink {
    Arc::new(move |event| {
        let r = match event {
            CoreEvent::Status(s) => StatusEvent(s).emit(&app),
            CoreEvent::Channel(c) => ChannelEvent(c).emit(&app),
            CoreEvent::Live(l) => LiveEvent(l).emit(&app),
            CoreEvent::StreamKeyHidden => StreamKeyHiddenEvent(()).emit(&app),
            CoreEvent::Notice(n) => {
                if n.level == NoticeLevel::Error {
                    tracing::warn!(message = %n.message, "notice");
                }
                NoticeEvent(n).emit(&app)
            }
            CoreEvent::Stats(st) => StatsEvent(st).emit(&app),
            CoreEvent::FeedNotify(item) => {
                // Only while the streamer is not looking at Kickstand.
                let focused = app
                    .get_webview_window("main")
                    .and_then(|w| w.is_focused().ok())
                    .unwrap_or(false);
                if !focused {
                    let _ = app
                        .notification()
                        .builder()
                        .title(escape_markup(&item.text))
                        .body(escape_markup(item.detail.as_deref().unwrap_or("Kickstand")))
                        .show();
                }
                Ok(())
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
                WentLiveEvent(entry).emit(&app)
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
