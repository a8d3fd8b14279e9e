//! Chat in the core against the demo's embedded fake: socket on, messages
//! sent through the official API come back over the socket, moderation
//! results show up, and a busy chat reaches the UI in per-frame batches.

use kickstand_core::core::{Core, CoreOptions, ModeChoice};
use kickstand_core::dto::{ChatItem, ChatSendRequest, ChatStatus, ModAction};
use kickstand_core::events::CoreEvent;
use kickstand_core::secrets::MemoryStore;
use kickstand_core::settings::SettingsFile;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Events = Arc<Mutex<Vec<CoreEvent>>>;

async fn demo_core() -> (Core, Events) {
    let dir = std::env::temp_dir().join(format!(
        "kickstand-chat-test-{}-{:?}",
        std::process::id(),
        Instant::now()
    ));
    let mut opts = CoreOptions::new(
        Arc::new(MemoryStore::default()),
        SettingsFile::new(dir.join("s.json")),
    );
    opts.mode = ModeChoice::Demo;
    opts.demo_uses_browser = false;
    let events: Events = Arc::default();
    let e2 = events.clone();
    let core = Core::start(opts, Arc::new(move |e| e2.lock().unwrap().push(e)))
        .await
        .unwrap();
    core.login(|_: &str| Ok(())).await.unwrap();
    (core, events)
}

fn batches(events: &Events) -> Vec<kickstand_core::dto::ChatBatch> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            CoreEvent::Chat(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

async fn wait_for(
    events: &Events,
    what: &str,
    f: impl Fn(&kickstand_core::dto::ChatBatch) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if batches(events).iter().any(&f) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

fn lines(events: &Events) -> Vec<kickstand_core::dto::ChatLine> {
    batches(events)
        .into_iter()
        .flat_map(|b| b.items)
        .filter_map(|i| match i {
            ChatItem::Line(l) => Some(l),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn send_echo_moderate() {
    let (core, events) = demo_core().await;
    core.chat_start(None).await.unwrap();
    wait_for(&events, "connected", |b| b.status == ChatStatus::Connected).await;
    tokio::time::sleep(Duration::from_millis(100)).await; // subscription reaches the fake

    core.chat_send(ChatSendRequest {
        content: "hello from Kickstand".into(),
        as_bot: false,
        reply_to: None,
    })
    .await
    .unwrap();
    wait_for(&events, "echo", |b| {
        b.items
            .iter()
            .any(|i| matches!(i, ChatItem::Line(l) if l.username == "DemoStreamer"))
    })
    .await;
    let mine = lines(&events)
        .into_iter()
        .find(|l| l.username == "DemoStreamer")
        .unwrap();

    core.chat_send(ChatSendRequest {
        content: "bot says hi".into(),
        as_bot: true,
        reply_to: Some(mine.id.clone()),
    })
    .await
    .unwrap();
    wait_for(&events, "bot reply", |b| b.items.iter().any(|i| matches!(i, ChatItem::Line(l) if l.username == "KickstandBot" && l.reply_to.as_deref() == Some("hello from Kickstand")))).await;

    // Too long: refused with a clear error before anything is sent.
    let err = core
        .chat_send(ChatSendRequest {
            content: "x".repeat(501),
            as_bot: false,
            reply_to: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, kickstand_core::ErrorCode::InvalidInput);

    let msg = core
        .chat_moderate(ModAction::Timeout {
            user_id: 7_300_001,
            minutes: 10,
        })
        .await
        .unwrap();
    assert!(msg.contains("10 min"));
    wait_for(&events, "timeout notice", |b| {
        b.items.iter().any(
            |i| matches!(i, ChatItem::Notice { text } if text.contains("timed out for 10 min")),
        )
    })
    .await;
    core.chat_moderate(ModAction::Unban { user_id: 7_300_001 })
        .await
        .unwrap();
    wait_for(&events, "unban notice", |b| {
        b.items
            .iter()
            .any(|i| matches!(i, ChatItem::Notice { text } if text.contains("unbanned")))
    })
    .await;
    core.chat_moderate(ModAction::Delete {
        message_id: mine.id.clone(),
    })
    .await
    .unwrap();
    wait_for(&events, "deleted", |b| {
        b.items
            .iter()
            .any(|i| matches!(i, ChatItem::Deleted { message_id } if *message_id == mine.id))
    })
    .await;
    let err = core
        .chat_moderate(ModAction::Delete {
            message_id: mine.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, kickstand_core::ErrorCode::NotFound);

    let history = core.chat_history();
    assert!(history.items.len() >= 3);
    assert_eq!(core.chat_stop(), ChatStatus::Off { reason: None });
}

#[tokio::test]
async fn a_busy_chat_arrives_in_frame_batches_with_bounded_history() {
    let (core, events) = demo_core().await;
    core.chat_start(None).await.unwrap();
    wait_for(&events, "connected", |b| b.status == ChatStatus::Connected).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let fake = core.demo_fake().unwrap();
    *fake.state.realtime.chat_rate.lock().unwrap() = 1000.0;
    let t = Instant::now();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    *fake.state.realtime.chat_rate.lock().unwrap() = 0.0;
    let elapsed = t.elapsed();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let n_lines = lines(&events).len();
    let n_batches = batches(&events).len();
    assert!(n_lines >= 2000, "messages flowed: {n_lines}");
    // At most one push per 16 ms frame (plus a few state pushes).
    let frames = (elapsed.as_millis() / 16) as usize + 20;
    assert!(
        n_batches <= frames,
        "{n_batches} pushes for {n_lines} messages in {elapsed:?}"
    );
    assert!(
        n_batches < n_lines / 5,
        "batched: {n_batches} pushes for {n_lines} messages"
    );
    assert_eq!(
        core.chat_history().items.len(),
        kickstand_core::chat::HISTORY
    );
}
