//! The stream key and ingest URL: fetched only on an explicit action, shown
//! for a limited time, copied to the clipboard and cleared from it again.

use crate::events::{CoreEvent, EventSink};
use kick_api::Secret;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a revealed key stays visible, and a copied key stays on the clipboard.
pub const REVEAL_FOR: Duration = Duration::from_secs(30);

/// The system clipboard (the shell passes Tauri's clipboard plugin).
pub trait Clipboard: Send + Sync + 'static {
    fn write_text(&self, text: &str) -> Result<(), String>;
    fn read_text(&self) -> Option<String>;
    fn clear(&self) -> Result<(), String>;
}

/// Schedules hiding of revealed keys. A newer reveal restarts the timer.
#[derive(Clone, Default)]
pub struct RevealTimer {
    generation: Arc<AtomicU64>,
}

impl RevealTimer {
    /// Starts (or restarts) the countdown; emits `StreamKeyHidden` when it ends.
    pub fn start(&self, after: Duration, sink: EventSink) {
        let gen = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let current = self.generation.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if current.load(Ordering::SeqCst) == gen {
                sink(CoreEvent::StreamKeyHidden);
            }
        });
    }

    /// Hides now (the streamer pressed "Hide").
    pub fn hide_now(&self, sink: &EventSink) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        sink(CoreEvent::StreamKeyHidden);
    }
}

/// Puts the key on the clipboard and clears it after `after`, unless the
/// streamer copied something else meanwhile.
pub fn copy_and_clear_later(
    clipboard: Arc<dyn Clipboard>,
    key: Secret,
    after: Duration,
) -> Result<(), String> {
    clipboard.write_text(key.expose())?;
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        if clipboard.read_text().as_deref() == Some(key.expose()) {
            if let Err(e) = clipboard.clear() {
                tracing::warn!(error = %e, "could not clear the clipboard");
            }
        }
    });
    Ok(())
}

/// An in-memory clipboard for tests.
#[derive(Default)]
pub struct MemoryClipboard(pub std::sync::Mutex<Option<String>>);

impl Clipboard for MemoryClipboard {
    fn write_text(&self, text: &str) -> Result<(), String> {
        *self.0.lock().unwrap() = Some(text.to_owned());
        Ok(())
    }
    fn read_text(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
    fn clear(&self) -> Result<(), String> {
        *self.0.lock().unwrap() = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test(start_paused = true)]
    async fn reveal_hides_after_the_delay_and_restarts_on_new_reveal() {
        let hidden = Arc::new(Mutex::new(0));
        let h = hidden.clone();
        let sink: EventSink = Arc::new(move |e| {
            if matches!(e, CoreEvent::StreamKeyHidden) {
                *h.lock().unwrap() += 1;
            }
        });
        let t = RevealTimer::default();
        t.start(REVEAL_FOR, sink.clone());
        tokio::time::sleep(Duration::from_secs(20)).await;
        t.start(REVEAL_FOR, sink.clone()); // revealed again: timer restarts
        tokio::time::sleep(Duration::from_secs(15)).await;
        assert_eq!(
            *hidden.lock().unwrap(),
            0,
            "first timer must not hide the second reveal"
        );
        tokio::time::sleep(Duration::from_secs(16)).await;
        assert_eq!(*hidden.lock().unwrap(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn clipboard_is_cleared_only_if_it_still_holds_the_key() {
        let cb = Arc::new(MemoryClipboard::default());
        copy_and_clear_later(cb.clone(), Secret::new("sk_live_1"), REVEAL_FOR).unwrap();
        assert_eq!(cb.read_text().as_deref(), Some("sk_live_1"));
        tokio::time::sleep(Duration::from_secs(31)).await;
        assert_eq!(cb.read_text(), None);

        copy_and_clear_later(cb.clone(), Secret::new("sk_live_2"), REVEAL_FOR).unwrap();
        cb.write_text("something else the streamer copied").unwrap();
        tokio::time::sleep(Duration::from_secs(31)).await;
        assert_eq!(
            cb.read_text().as_deref(),
            Some("something else the streamer copied")
        );
    }
}
