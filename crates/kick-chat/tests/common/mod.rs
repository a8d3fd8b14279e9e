//! Helpers shared by the socket tests: a fake Kick on 127.0.0.1, client
//! configs with shrunken timers, waiting for events, control routes, and
//! the cut-under-load soak both transports run.
#![allow(dead_code)]

use kick_chat::{spawn, ChatConfig, ChatEvent, ConnectionState, Transport, TransportChoice};
use kick_fake::social::{chatter, post_message};
use kick_fake::{FakeConfig, RunningFake, STREAMER_ID};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

pub async fn fake() -> RunningFake {
    fake_with(FakeConfig::default()).await
}

pub async fn fake_with(c: FakeConfig) -> RunningFake {
    kick_fake::start(FakeConfig {
        world_tick: None,
        ..c
    })
    .await
    .unwrap()
}

/// A negotiating client for the fake, timers shrunk for tests.
pub fn config(fake: &RunningFake, choice: TransportChoice) -> ChatConfig {
    let mut c = ChatConfig::local(
        &fake.info.web_base,
        &fake.info.pusher_url_template,
        fake.info.chatroom_id,
        Some(fake.info.channel_id),
    );
    c.transport = choice;
    c.connect_timeout = Duration::from_secs(2);
    c.http_timeout = Duration::from_secs(2);
    c.base_backoff = Duration::from_millis(100);
    c.max_backoff = Duration::from_millis(1500);
    c.stable_after = Duration::ZERO;
    c.terminal_backoff = vec![Duration::from_millis(1500), Duration::from_secs(3)];
    c.renegotiate_every = Duration::from_millis(500);
    c.pong_timeout = Duration::from_millis(600);
    c.ping_margin = Duration::from_millis(500);
    c.refresh_margin = Duration::from_secs(1);
    // The fake's Pusher app stands in for Kick's old values.
    c.pusher_fallback = Some(kick_chat::PusherCreds {
        app_key: kick_fake::pusher::FAKE_PUSHER_KEY.into(),
        cluster: "local".into(),
    });
    c
}

/// Every non-state event until nothing came for `quiet`.
pub async fn drain(rx: &mut Receiver<ChatEvent>, quiet: Duration) -> Vec<ChatEvent> {
    let mut v = Vec::new();
    while let Ok(Some(ev)) = tokio::time::timeout(quiet, rx.recv()).await {
        if !matches!(ev, ChatEvent::State(_)) {
            v.push(ev);
        }
    }
    v
}

/// The serde tag of an event (`message`, `subscription`, …).
pub fn kind(ev: &ChatEvent) -> String {
    serde_json::to_value(ev).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub fn reconnecting(e: &ChatEvent) -> bool {
    matches!(e, ChatEvent::State(ConnectionState::Reconnecting { .. }))
}

/// The next Reconnecting state: (in_ms, reason).
pub async fn next_reconnect(rx: &mut Receiver<ChatEvent>) -> (u64, String) {
    match next_where(rx, "reconnecting", reconnecting).await {
        ChatEvent::State(ConnectionState::Reconnecting { in_ms, reason, .. }) => (in_ms, reason),
        _ => unreachable!(),
    }
}

/// The old way: a fixed Pusher URL, no negotiation.
pub fn fixed_pusher(fake: &RunningFake) -> ChatConfig {
    let mut c = config(fake, TransportChoice::Pusher);
    c.pusher_url = Some(fake.info.pusher_url.clone());
    c
}

pub async fn next_where(
    rx: &mut Receiver<ChatEvent>,
    what: &str,
    f: impl Fn(&ChatEvent) -> bool,
) -> ChatEvent {
    next_within(rx, what, Duration::from_secs(10), f).await
}

pub async fn next_within(
    rx: &mut Receiver<ChatEvent>,
    what: &str,
    within: Duration,
    f: impl Fn(&ChatEvent) -> bool,
) -> ChatEvent {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .expect("client alive");
        if f(&ev) {
            return ev;
        }
    }
}

pub fn is_connected(e: &ChatEvent) -> bool {
    matches!(e, ChatEvent::State(ConnectionState::Connected { .. }))
}

/// Waits for Connected (returns its transport and fallback reason) and for
/// the fake to count our chat subscription.
pub async fn connected(
    rx: &mut Receiver<ChatEvent>,
    fake: &RunningFake,
) -> (Transport, Option<String>) {
    let ev = next_where(rx, "connected", is_connected).await;
    let room = format!("chatrooms.{}.v2", fake.info.chatroom_id);
    for _ in 0..200 {
        if fake.state.realtime.subscribers(&room) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        fake.state.realtime.subscribers(&room) > 0,
        "never subscribed"
    );
    match ev {
        ChatEvent::State(ConnectionState::Connected {
            transport,
            fallback,
            ..
        }) => (transport, fallback),
        _ => unreachable!(),
    }
}

pub fn say(fake: &RunningFake, text: &str) -> String {
    post_message(&fake.state, STREAMER_ID, &chatter(1), text, None)
}

pub async fn control(fake: &RunningFake, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}{}", fake.api_base(), path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// Cuts the connection `cut` after each (re)connect while the fake
/// generates `rate` msg/s; around each cut it replays the latest
/// `replay` messages (before the cut, and after the reconnect as a
/// history refill would). Checks every generated message arrived exactly
/// once, and returns (cuts, reconnect times in ms).
pub async fn soak(
    fake: &RunningFake,
    choice: TransportChoice,
    total: Duration,
    cut: Duration,
    rate: f64,
    replay: usize,
) -> (u64, Vec<u64>) {
    let mut cfg = config(fake, choice);
    cfg.max_backoff = Duration::from_millis(1000);
    let (h, mut rx) = spawn(cfg);
    let want = match choice {
        TransportChoice::Pusher => Transport::Pusher,
        _ => Transport::Centrifugo,
    };
    assert_eq!(connected(&mut rx, fake).await.0, want);
    let cut_path = match want {
        Transport::Pusher => "/_fake/pusher/drop",
        Transport::Centrifugo => "/_fake/centrifugo/drop",
    };
    control(fake, "/_fake/realtime/rate", json!({"rate": rate})).await;
    let end = tokio::time::Instant::now() + total;
    let mut seen = HashSet::new();
    let mut delivered_twice = 0u64;
    let mut cuts = 0u64;
    let mut reconnect_ms = Vec::new();
    let mut cut_at: Option<tokio::time::Instant> = None;
    let mut next_cut = Some(tokio::time::Instant::now() + cut);
    while tokio::time::Instant::now() < end {
        let sleep_to = next_cut.unwrap_or(end).min(end);
        tokio::select! {
            ev = rx.recv() => match ev.expect("client alive") {
                ChatEvent::Message(m) => {
                    delivered_twice += u64::from(!seen.insert(m.id));
                }
                ChatEvent::State(ConnectionState::Stopped { reason }) => panic!("stopped: {reason}"),
                ChatEvent::State(ConnectionState::Connected { transport, .. }) => {
                    assert_eq!(transport, want);
                    if let Some(t) = cut_at.take() {
                        reconnect_ms.push(t.elapsed().as_millis() as u64);
                        // The refill after the reconnect: the latest messages,
                        // most already delivered, some sent during the gap.
                        control(fake, "/_fake/realtime/replay", json!({"count": replay})).await;
                    }
                    next_cut = Some(tokio::time::Instant::now() + cut);
                }
                _ => {}
            },
            _ = tokio::time::sleep_until(sleep_to), if next_cut.is_some() => {
                if tokio::time::Instant::now() >= end { break; }
                control(fake, "/_fake/realtime/replay", json!({"count": replay})).await;
                control(fake, cut_path, json!({})).await;
                cuts += 1;
                cut_at = Some(tokio::time::Instant::now());
                next_cut = None;
            }
        }
    }
    control(fake, "/_fake/realtime/rate", json!({"rate": 0.0})).await;
    // Let what is in flight arrive (and make sure the last gap is refilled).
    if cut_at.is_some() {
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("the last reconnect")
                .expect("client alive");
            match ev {
                ChatEvent::Message(m) => {
                    delivered_twice += u64::from(!seen.insert(m.id));
                }
                e if is_connected(&e) => break,
                _ => {}
            }
        }
        control(fake, "/_fake/realtime/replay", json!({"count": replay})).await;
    }
    let quiet = tokio::time::Instant::now() + Duration::from_millis(700);
    while let Ok(Some(ev)) = tokio::time::timeout_at(quiet, rx.recv()).await {
        if let ChatEvent::Message(m) = ev {
            delivered_twice += u64::from(!seen.insert(m.id));
        }
    }
    let room = fake.info.chatroom_id;
    let generated: HashSet<String> = fake
        .state
        .world
        .lock()
        .unwrap()
        .social
        .messages
        .values()
        .filter(|m| m.broadcaster_user_id == STREAMER_ID)
        .map(|m| m.message_id.clone())
        .collect();
    let lost = generated.difference(&seen).count();
    if lost > 0 {
        let w = fake.state.world.lock().unwrap();
        let mut times: Vec<String> = generated
            .difference(&seen)
            .filter_map(|id| w.social.messages.get(id))
            .map(|m| m.created_at.format("%H:%M:%S%.3f").to_string())
            .collect();
        times.sort();
        eprintln!(
            "lost at {times:?}; published {}",
            fake.state
                .realtime
                .published
                .load(std::sync::atomic::Ordering::Relaxed)
        );
    }
    assert_eq!(delivered_twice, 0, "duplicates reached the consumer");
    assert_eq!(lost, 0, "messages lost (of {})", generated.len());
    assert!(
        generated.len() as f64 >= rate * total.as_secs_f64() * 0.5,
        "messages flowed: {} in chatroom {room}",
        generated.len()
    );
    assert!(
        h.stats.get(&h.stats.duplicates) > 0,
        "the replays were dropped by the client"
    );
    assert!(
        h.stats.get(&h.stats.connects) > cuts,
        "reconnected after every cut ({cuts})"
    );
    let mut sorted = reconnect_ms.clone();
    sorted.sort_unstable();
    eprintln!(
        "soak {want:?}: {:.0} s, {rate} msg/s, cut every {} ms: {} messages, {cuts} cuts, \
         reconnect median {} ms, max {} ms, lost {lost}, duplicates delivered {delivered_twice}, \
         repeats dropped by the client {}",
        total.as_secs_f64(),
        cut.as_millis(),
        generated.len(),
        sorted.get(sorted.len() / 2).copied().unwrap_or(0),
        sorted.last().copied().unwrap_or(0),
        h.stats.get(&h.stats.duplicates),
    );
    (cuts, reconnect_ms)
}

/// `KICK_CHAT_SOAK_SECS` (default 4) and `KICK_CHAT_CUT_MS` (default 500).
pub fn soak_env() -> (u64, u64) {
    let get = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    (get("KICK_CHAT_SOAK_SECS", 4), get("KICK_CHAT_CUT_MS", 500))
}
