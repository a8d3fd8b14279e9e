//! Chat in the core against the demo's embedded fake: socket on, messages
//! sent through the official API come back over the socket, moderation
//! results show up, and a busy chat reaches the panel's stream in per-frame
//! batches, history first, every message once and in order.

use kickstand_core::chat::ChatSubscriber;
use kickstand_core::core::{Core, CoreOptions, ModeChoice};
use kickstand_core::dto::{ChatBatch, ChatItem, ChatSendRequest, ChatStatus, ModAction};
use kickstand_core::secrets::MemoryStore;
use kickstand_core::settings::SettingsFile;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a panel's chat stream received, batch by batch.
type Events = Arc<Mutex<Vec<ChatBatch>>>;

fn stream(events: &Events) -> ChatSubscriber {
    let e = events.clone();
    Box::new(move |b| {
        e.lock().unwrap().push(b);
        true
    })
}

async fn demo_core() -> (Core, Events) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
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
    let core = Core::start(opts, kickstand_core::events::null_sink())
        .await
        .unwrap();
    core.login(|_: &str| Ok(())).await.unwrap();
    (core, events)
}

fn batches(events: &Events) -> Vec<ChatBatch> {
    events.lock().unwrap().clone()
}

fn connected(b: &ChatBatch) -> bool {
    matches!(b.status, ChatStatus::Connected { .. })
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

/// Sets the demo fake's chat faults (what Kick answers the next sends).
fn chat_faults(core: &Core, set: impl FnOnce(&mut kick_fake::social::ChatFaults)) {
    set(&mut core
        .demo_fake()
        .unwrap()
        .state
        .world
        .lock()
        .unwrap()
        .social
        .faults);
}

#[tokio::test]
async fn send_echo_moderate() {
    let (core, events) = demo_core().await;
    core.chat_start(None, stream(&events)).await.unwrap();
    wait_for(&events, "connected", connected).await;
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

    // Kick takes the request and does not post it (200, `is_sent: false`):
    // an error the panel shows (keeping the text), not a silent success.
    chat_faults(&core, |f| f.next_not_sent = 1);
    let err = core
        .chat_send(ChatSendRequest {
            content: "held back".into(),
            as_bot: false,
            reply_to: None,
        })
        .await
        .unwrap_err();
    assert!(err.message.contains("did not post"), "{err:?}");
    // A 500 on a send is not retried (it could post twice): the streamer is
    // told to look before sending again, not that Kickstand will retry.
    chat_faults(&core, |f| f.bot_500 = true);
    let err = core
        .chat_send(ChatSendRequest {
            content: "bot in trouble".into(),
            as_bot: true,
            reply_to: None,
        })
        .await
        .unwrap_err();
    assert!(
        err.message
            .contains("check the chat before sending it again")
            && !err.message.contains("retry"),
        "{err:?}"
    );
    chat_faults(&core, |f| f.bot_500 = false);

    let msg = core
        .chat_moderate(ModAction::Timeout {
            user_id: kickstand_core::kick_api::UserId(7_300_001),
            minutes: 10,
        })
        .await
        .unwrap();
    assert!(msg.contains("10 min"));
    wait_for(&events, "timeout notice", |b| {
        b.items.iter().any(
            |i| matches!(i, ChatItem::Notice { text, .. } if text.contains("timed out for 10 min")),
        )
    })
    .await;
    core.chat_moderate(ModAction::Unban {
        user_id: kickstand_core::kick_api::UserId(7_300_001),
    })
    .await
    .unwrap();
    wait_for(&events, "unban notice", |b| {
        b.items
            .iter()
            .any(|i| matches!(i, ChatItem::Notice { text, .. } if text.contains("unbanned")))
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
            .any(|i| matches!(i, ChatItem::Line(l) if l.id == mine.id && l.deleted))
    })
    .await;
    let err = core
        .chat_moderate(ModAction::Delete {
            message_id: mine.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, kickstand_core::ErrorCode::NotFound);

    let history = core.chat_snapshot();
    assert!(history.items.len() >= 3);
    assert_eq!(core.chat_stop(), ChatStatus::Off { reason: None });
}

#[tokio::test]
async fn a_busy_chat_arrives_in_frame_batches_with_bounded_history() {
    let (core, events) = demo_core().await;
    core.chat_start(None, stream(&events)).await.unwrap();
    wait_for(&events, "connected", connected).await;
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
    // At most one push per SPACING (plus a few state pushes).
    let frames = (elapsed.as_millis() / kickstand_core::chat::SPACING.as_millis()) as usize + 20;
    assert!(
        n_batches <= frames,
        "{n_batches} pushes for {n_lines} messages in {elapsed:?}"
    );
    assert!(
        n_batches < n_lines / 5,
        "batched: {n_batches} pushes for {n_lines} messages"
    );
    assert_eq!(
        core.chat_snapshot().items.len(),
        kickstand_core::chat::HISTORY
    );
}

/// When each push to a panel came, and how many items it carried.
type Pushes = Arc<Mutex<Vec<(Instant, usize)>>>;

/// Opens a panel's stream that records its batches in `events` and when
/// each came in the returned list, and waits until chat is connected.
async fn timed_stream(core: &Core, events: &Events) -> Pushes {
    let pushes: Pushes = Arc::default();
    let (p, e) = (pushes.clone(), events.clone());
    core.chat_start(
        None,
        Box::new(move |b| {
            p.lock().unwrap().push((Instant::now(), b.items.len()));
            e.lock().unwrap().push(b);
            true
        }),
    )
    .await
    .unwrap();
    wait_for(events, "connected", connected).await;
    pushes
}

/// The pushes with items since the `from`th, each at least SPACING after
/// the one before.
fn spaced_pushes(pushes: &Pushes, from: usize) -> Vec<(Instant, usize)> {
    use kickstand_core::chat::SPACING;
    let busy: Vec<(Instant, usize)> = pushes.lock().unwrap()[from..]
        .iter()
        .copied()
        .filter(|&(_, n)| n > 0)
        .collect();
    for w in busy.windows(2) {
        let gap = w[1].0.duration_since(w[0].0);
        assert!(
            gap + Duration::from_millis(2) >= SPACING,
            "two pushes {gap:?} apart ({} and {} items)",
            w[0].1,
            w[1].1
        );
    }
    busy
}

/// A message in a quiet chat reaches the panel a frame after it arrives; a
/// busy chat reaches it in batches at least SPACING apart (five a second),
/// every message still there.
#[tokio::test]
async fn a_quiet_message_shows_at_once_and_a_busy_chat_five_times_a_second() {
    use kickstand_core::chat::SPACING;
    let (core, events) = demo_core().await;
    // No background chat (the demo's 1.5 msg/s): a push just before the
    // quiet message would rightly hold it back up to SPACING.
    let fake = core.demo_fake().unwrap();
    *fake.state.realtime.chat_rate.lock().unwrap() = 0.0;
    let pushes = timed_stream(&core, &events).await;
    tokio::time::sleep(Duration::from_millis(400)).await; // quiet: the last push is long gone

    core.chat_send(ChatSendRequest {
        content: "quiet hello".into(),
        as_bot: false,
        reply_to: None,
    })
    .await
    .unwrap();
    let sent = Instant::now();
    wait_for(&events, "the quiet message", |b| {
        b.items
            .iter()
            .any(|i| matches!(i, ChatItem::Line(l) if l.username == "DemoStreamer"))
    })
    .await;
    let shown = pushes.lock().unwrap().last().unwrap().0;
    assert!(
        shown.duration_since(sent) < SPACING,
        "a quiet chat's message waited {:?} (FRAME is 50 ms, SPACING {SPACING:?})",
        shown.duration_since(sent)
    );

    let before = lines(&events).len();
    let from = pushes.lock().unwrap().len();
    *fake.state.realtime.chat_rate.lock().unwrap() = 1000.0;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    *fake.state.realtime.chat_rate.lock().unwrap() = 0.0;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let busy = spaced_pushes(&pushes, from);
    let got = lines(&events).len() - before;
    assert!(got >= 1000, "messages flowed: {got}");
    assert!(busy.len() >= 5, "{} pushes in 2 s of busy chat", busy.len());
}

/// Ids of the chat lines a stream received, in the order it received them.
fn line_ids(events: &Events) -> Vec<String> {
    lines(events).into_iter().map(|l| l.id.0).collect()
}

#[tokio::test]
async fn under_1000_msgs_per_second_every_stream_sees_every_message_once_in_order() {
    let (core, first) = demo_core().await;
    core.chat_start(None, stream(&first)).await.unwrap();
    wait_for(&first, "connected", connected).await;
    tokio::time::sleep(Duration::from_millis(200)).await; // subscriptions settle
    let fake = core.demo_fake().unwrap();
    let posted_before = fake.state.world.lock().unwrap().social.message_order.len();
    *fake.state.realtime.chat_rate.lock().unwrap() = 1000.0;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // A second panel opens mid-stream (a reload): history first, then live.
    let second: Events = Arc::default();
    core.chat_start(None, stream(&second)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    *fake.state.realtime.chat_rate.lock().unwrap() = 0.0;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // What the fake posted in this window, in order (the demo's slow chatter
    // before it is not part of the count).
    let posted: Vec<String> = fake
        .state
        .world
        .lock()
        .unwrap()
        .social
        .message_order
        .iter()
        .skip(posted_before)
        .cloned()
        .collect();
    assert!(posted.len() >= 2000, "load: {} messages", posted.len());
    let seen = line_ids(&first);
    let start = seen
        .iter()
        .position(|id| id == &posted[0])
        .expect("the first stream saw the load");
    assert_eq!(
        &seen[start..],
        &posted[..],
        "the first stream: every message once, in order"
    );
    // The second stream: the newest history, then live, no gap, no repeat.
    let seen2 = line_ids(&second);
    assert!(seen2.len() >= 1000, "{}", seen2.len());
    let at = posted
        .iter()
        .position(|id| id == &seen2[0])
        .or_else(|| {
            // History began before the load window.
            seen.iter().position(|id| id == &seen2[0]).map(|_| 0)
        })
        .expect("the second stream's history is from this chat");
    let tail: Vec<&String> = seen2.iter().filter(|id| posted.contains(id)).collect();
    assert_eq!(
        tail,
        posted[at..].iter().collect::<Vec<_>>(),
        "the second stream: history then live, every message once, in order"
    );
    // 1.5 s at 1,000 msg/s were kept before it opened: its first batch is
    // the newest page of them, exactly, and ends where live begins.
    let first_batch = &batches(&second)[0];
    assert_eq!(
        first_batch.items.len(),
        kickstand_core::chat::FIRST_PAGE,
        "the second stream's first batch is the newest page of the history"
    );
}

/// What a line says, emotes as Kick writes them (`[emote:id:name]`).
fn said(l: &kickstand_core::dto::ChatLine) -> String {
    use kickstand_core::dto::ChatSpan;
    l.spans
        .iter()
        .map(|s| match s {
            ChatSpan::Text { text } => text.clone(),
            ChatSpan::Emote { id, name } => format!("[emote:{id}:{name}]"),
        })
        .collect()
}

/// A flood far above any real chat (15,000 messages as fast as the fake's
/// sockets take them): the window still gets a push at most every SPACING,
/// none longer than twice the history, the last of them ending with the
/// flood's last message and then what came after; the fake's socket never
/// fell behind.
#[tokio::test]
async fn a_flood_reaches_the_window_in_bounded_pushes_ending_with_its_last_message() {
    use kickstand_core::chat::HISTORY;
    let (core, events) = demo_core().await;
    let fake = core.demo_fake().unwrap();
    *fake.state.realtime.chat_rate.lock().unwrap() = 0.0;
    let pushes = timed_stream(&core, &events).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let from = pushes.lock().unwrap().len();

    let n = 15_000usize;
    let sent = kick_fake::feed::flood(&fake.state, kick_fake::STREAMER_ID, n).await;
    assert_eq!(sent, Some(n));
    core.chat_send(ChatSendRequest {
        content: "after the flood".into(),
        as_bot: false,
        reply_to: None,
    })
    .await
    .unwrap();
    wait_for(&events, "the message after the flood", |b| {
        b.items
            .iter()
            .any(|i| matches!(i, ChatItem::Line(l) if said(l) == "after the flood"))
    })
    .await;

    let all = lines(&events);
    let last_two: Vec<String> = all[all.len() - 2..].iter().map(said).collect();
    let lines_said = kick_fake::feed::LINES;
    assert_eq!(
        last_two,
        [lines_said[(n - 1) % lines_said.len()], "after the flood"],
        "the flood's last message, then the next"
    );
    let flood = spaced_pushes(&pushes, from);
    assert!(flood.len() >= 2, "{flood:?}");
    for &(_, items) in &flood {
        assert!(items <= 2 * HISTORY, "a push of {items} items");
    }
    assert_eq!(
        fake.state
            .realtime
            .lagged
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "the fake's socket fell behind"
    );
}
