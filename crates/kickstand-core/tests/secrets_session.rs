//! A whole Kick-mode session with every log line captured (at TRACE, every
//! crate): login, a forced refresh, the stream key revealed and copied,
//! chat on and a message sent, logout. Then everything the app wrote (its
//! settings folder, the log, the events the window got) is searched for
//! every access and refresh token the fake issued, the client secret and
//! the stream key: zero occurrences.
//!
//! One test in this binary: it installs the process-wide log subscriber.

use kickstand_core::dto::ChatSendRequest;
use kickstand_core::events::CoreEvent;
use kickstand_core::secrets::{MemoryStore, SecretStore};
use kickstand_core::streamkey::{Clipboard, MemoryClipboard};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;
use common::*;

/// Appends every log line to one file.
#[derive(Clone)]
struct LogFile(Arc<Mutex<std::fs::File>>);

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap().flush()
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_a_file_a_log_line_or_an_event() {
    let port = free_port();
    let settings = temp_settings(port);
    let app_dir = settings.path().parent().unwrap().to_path_buf();
    let log_path = app_dir.join("kickstand.log");
    let log = LogFile(Arc::new(Mutex::new(
        std::fs::File::create(&log_path).unwrap(),
    )));
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_ansi(false)
        .with_writer(move || log.clone())
        .init();

    let kick = kick_fake(port).await;
    let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let mut opts = kick_options(&kick, store.clone(), settings.clone());
    opts.reveal_for = Duration::from_millis(200);
    let rec = Recorder::default();
    let (core, _) = logged_in_core(&kick, opts, rec.sink()).await;
    // A forced refresh.
    control(&kick, "/_fake/tokens/expire", serde_json::json!({})).await;
    core.channel().await.unwrap();
    assert!(kick.metrics()["token_refresh"].as_u64().unwrap() >= 1);
    // The stream key, revealed and copied.
    let shown = core.reveal_stream_key().await.unwrap();
    let clipboard = Arc::new(MemoryClipboard::default());
    core.copy_stream_key(clipboard.clone()).await.unwrap();
    assert_eq!(
        clipboard.read_text().as_deref(),
        Some(shown.stream_key.as_str())
    );
    rec.wait_for("key hidden", |e| matches!(e, CoreEvent::StreamKeyHidden))
        .await;
    // Chat on, a message sent and echoed.
    let chat = ChatStream::default();
    core.chat_start(None, chat.subscriber()).await.unwrap();
    chat.connected().await;
    core.chat_send(ChatSendRequest {
        content: "hello from the secrets test".into(),
        as_bot: false,
        reply_to: None,
    })
    .await
    .unwrap();
    core.logout().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Every secret the fake handed out in this session.
    let mut secrets: Vec<String> = {
        let w = kick.state.world.lock().unwrap();
        let mut v: Vec<String> = w.tokens.access.keys().cloned().collect();
        v.extend(w.oauth.refresh.keys().cloned());
        v.push(w.channels[&kick_fake::STREAMER_ID].stream_key.clone());
        v
    };
    secrets.push(kick.info.client_secret.clone());
    // The realtime (Centrifugo) tokens the chat got.
    let realtime: Vec<String> = kick
        .state
        .negotiation
        .issued
        .lock()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(!realtime.is_empty(), "the chat used a realtime token");
    secrets.extend(realtime);
    assert!(secrets.len() >= 6, "login + refresh tokens, key, secret");
    assert!(secrets.contains(&shown.stream_key));

    let mut files = Vec::new();
    files_under(&app_dir, &mut files);
    assert!(files.contains(&log_path));
    assert!(
        std::fs::metadata(&log_path).unwrap().len() > 10_000,
        "the log captured the session"
    );
    let events = rec.as_json();
    for secret in &secrets {
        for f in &files {
            let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
            if let Some(line) = text.lines().find(|l| l.contains(secret.as_str())) {
                panic!(
                    "a secret ({} chars) is in {}: {}",
                    secret.len(),
                    f.display(),
                    line.replace(secret.as_str(), "<THE SECRET>")
                );
            }
        }
        assert!(!events.contains(secret.as_str()), "a secret is in an event");
    }
}
