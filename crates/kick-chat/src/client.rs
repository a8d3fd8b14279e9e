//! The chat socket client: one tokio task that connects, subscribes,
//! keeps the connection alive (Pusher heartbeats) and reconnects per the
//! close-code policy, forever while running. Events go out through a
//! bounded channel; the reading task never waits on the UI for long.

use crate::event::{ChatEvent, ConnectionState};
use crate::protocol::{self, close_policy, ClosePolicy, Frame};
use futures::{SinkExt, StreamExt};
use rand::Rng;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

/// Kick's current Pusher app (public values, PUSHER.md §0).
pub const KICK_CLUSTER: &str = "us2";
pub const KICK_APP_KEY: &str = "32cbd69e4b950bf97679";

/// The socket URL for a cluster and app key, as kick.com's own client builds it.
pub fn pusher_url(cluster: &str, key: &str) -> String {
    format!("wss://ws-{cluster}.pusher.com/app/{key}?protocol=7&client=js&version=8.4.0-rc2&flash=false")
}

#[derive(Clone, Debug)]
pub struct ChatConfig {
    /// Full socket URL including `/app/{key}?protocol=7`.
    pub url: String,
    /// The chatroom id (differs from the broadcaster id).
    pub chatroom_id: u64,
    /// The channel id for `channel.{id}` events (live/offline, KICKs, ...).
    pub channel_id: Option<u64>,
    /// Ceiling of the reconnect backoff.
    pub max_backoff: Duration,
    /// First backoff step.
    pub base_backoff: Duration,
    /// Wait this long for a pong (or anything) after our ping.
    pub pong_timeout: Duration,
    /// Remember this many message ids to drop duplicates across reconnects.
    pub dedupe: usize,
}

impl ChatConfig {
    pub fn kick(chatroom_id: u64, channel_id: Option<u64>) -> Self {
        ChatConfig {
            url: pusher_url(KICK_CLUSTER, KICK_APP_KEY),
            chatroom_id,
            channel_id,
            max_backoff: Duration::from_secs(30),
            base_backoff: Duration::from_secs(1),
            pong_timeout: Duration::from_secs(30),
            dedupe: 5000,
        }
    }

    pub fn channels(&self) -> Vec<String> {
        let mut v = vec![format!("chatrooms.{}.v2", self.chatroom_id)];
        if let Some(c) = self.channel_id {
            v.push(format!("channel.{c}"));
        }
        v
    }
}

/// Counters for tests, the UI and benchmarks.
#[derive(Debug, Default)]
pub struct Stats {
    pub frames: AtomicU64,
    pub messages: AtomicU64,
    pub duplicates: AtomicU64,
    pub unknown_events: AtomicU64,
    pub malformed: AtomicU64,
    pub connects: AtomicU64,
}

impl Stats {
    pub fn get(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// A running chat client. Dropping it stops the task.
pub struct ChatHandle {
    stop: watch::Sender<bool>,
    pub stats: Arc<Stats>,
}

impl ChatHandle {
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for ChatHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the client. Events (including state changes) arrive on the receiver.
pub fn spawn(config: ChatConfig) -> (ChatHandle, mpsc::Receiver<ChatEvent>) {
    let (tx, rx) = mpsc::channel(8192);
    let (stop_tx, stop_rx) = watch::channel(false);
    let stats = Arc::new(Stats::default());
    tokio::spawn(run(config, tx, stop_rx, stats.clone()));
    (
        ChatHandle {
            stop: stop_tx,
            stats,
        },
        rx,
    )
}

struct Dedupe {
    order: VecDeque<String>,
    set: HashSet<String>,
    cap: usize,
}

impl Dedupe {
    fn fresh(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() >= self.cap {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back(id.to_owned());
        self.set.insert(id.to_owned());
        true
    }
}

/// How one connection ended.
enum End {
    Stopped,
    Closed(Option<u16>, String),
    Dropped(String),
}

async fn run(
    cfg: ChatConfig,
    tx: mpsc::Sender<ChatEvent>,
    mut stop: watch::Receiver<bool>,
    stats: Arc<Stats>,
) {
    let mut dedupe = Dedupe {
        order: VecDeque::new(),
        set: HashSet::new(),
        cap: cfg.dedupe.max(1),
    };
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let _ = tx
            .send(ChatEvent::State(ConnectionState::Connecting { attempt }))
            .await;
        let end = tokio::select! {
            e = connection(&cfg, &tx, &stats, &mut dedupe, &mut attempt) => e,
            _ = stopped(&mut stop) => End::Stopped,
        };
        let (delay, reason) = match end {
            End::Stopped => {
                let _ = tx
                    .send(ChatEvent::State(ConnectionState::Stopped {
                        reason: "Chat turned off.".into(),
                    }))
                    .await;
                return;
            }
            End::Closed(code, msg) => match close_policy(code) {
                ClosePolicy::Stop => {
                    let _ = tx
                        .send(ChatEvent::State(ConnectionState::Stopped {
                            reason: format!(
                                "The chat server refused the connection ({}{}). Check the chat settings.",
                                code.map(|c| c.to_string()).unwrap_or_default(),
                                if msg.is_empty() { String::new() } else { format!(": {msg}") }
                            ),
                        }))
                        .await;
                    return;
                }
                ClosePolicy::Immediately => (
                    Duration::ZERO,
                    format!("server reset ({})", code.unwrap_or(0)),
                ),
                ClosePolicy::Backoff => (
                    backoff(&cfg, attempt).max(Duration::from_secs(1).min(cfg.max_backoff)),
                    format!("server busy ({})", code.unwrap_or(0)),
                ),
                ClosePolicy::Retry => (
                    backoff(&cfg, attempt),
                    format!(
                        "connection closed{}",
                        code.map(|c| format!(" ({c})")).unwrap_or_default()
                    ),
                ),
            },
            End::Dropped(why) => (backoff(&cfg, attempt), why),
        };
        let _ = tx
            .send(ChatEvent::State(ConnectionState::Reconnecting {
                in_ms: delay.as_millis() as u64,
                attempt,
                reason,
            }))
            .await;
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stopped(&mut stop) => {
                let _ = tx.send(ChatEvent::State(ConnectionState::Stopped { reason: "Chat turned off.".into() })).await;
                return;
            }
        }
    }
}

/// Resolves once the handle asked to stop (or was dropped).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the handle is gone: stop as well.
    let _ = stop.wait_for(|s| *s).await;
}

/// Jittered exponential backoff: base·2^(n−1), capped, ±25 %.
fn backoff(cfg: &ChatConfig, attempt: u32) -> Duration {
    let exp = cfg
        .base_backoff
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(cfg.max_backoff);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    capped.mul_f64(jitter).min(cfg.max_backoff)
}

async fn connection(
    cfg: &ChatConfig,
    tx: &mpsc::Sender<ChatEvent>,
    stats: &Stats,
    dedupe: &mut Dedupe,
    attempt: &mut u32,
) -> End {
    let (ws, _) = match tokio_tungstenite::connect_async(cfg.url.as_str()).await {
        Ok(x) => x,
        Err(e) => return End::Dropped(format!("could not connect: {e}")),
    };
    let (mut sink, mut stream) = ws.split();
    let mut activity = Duration::from_secs(120);
    let mut last_rx = Instant::now();
    let mut ping_sent: Option<Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            msg = stream.next() => {
                let msg = match msg {
                    Some(Ok(m)) => m,
                    Some(Err(e)) => return End::Dropped(format!("connection lost: {e}")),
                    None => return End::Dropped("connection lost".into()),
                };
                last_rx = Instant::now();
                ping_sent = None;
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(c) => {
                        let code = c.as_ref().map(|f| u16::from(f.code)).filter(|c| *c != u16::from(CloseCode::Status));
                        let reason = c.map(|f| f.reason.to_string()).unwrap_or_default();
                        return End::Closed(code, reason);
                    }
                    _ => continue, // WS pings are answered by tungstenite; binary is not Pusher
                };
                stats.frames.fetch_add(1, Ordering::Relaxed);
                let frame = match Frame::parse(&text) {
                    Ok(f) => f,
                    Err(e) => {
                        stats.malformed.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(error = %e, "skipping a malformed frame");
                        continue;
                    }
                };
                match frame.event.as_str() {
                    "pusher:connection_established" => {
                        let Some((socket_id, timeout)) = frame.connection_established() else {
                            stats.malformed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        };
                        activity = timeout.min(Duration::from_secs(120)).max(Duration::from_millis(500));
                        for ch in cfg.channels() {
                            if sink.send(Message::text(protocol::subscribe(&ch))).await.is_err() {
                                return End::Dropped("connection lost while subscribing".into());
                            }
                        }
                        stats.connects.fetch_add(1, Ordering::Relaxed);
                        *attempt = 0;
                        let _ = tx.send(ChatEvent::State(ConnectionState::Connected { socket_id })).await;
                    }
                    "pusher:ping" => {
                        if sink.send(Message::text(protocol::pong())).await.is_err() {
                            return End::Dropped("connection lost".into());
                        }
                    }
                    "pusher:pong" | "pusher_internal:subscription_succeeded" => {}
                    "pusher:error" => {
                        let (code, message) = frame.error().unwrap_or((None, String::new()));
                        tracing::debug!(?code, message, "pusher error frame");
                        if let Some(c @ 4000..=4299) = code {
                            // Some servers send the code here before closing.
                            let _ = sink.close().await;
                            return End::Closed(Some(c), message);
                        }
                    }
                    _ => match ChatEvent::from_frame(&frame) {
                        Some(ChatEvent::Message(m)) => {
                            if dedupe.fresh(&m.id) {
                                stats.messages.fetch_add(1, Ordering::Relaxed);
                                if tx.send(ChatEvent::Message(m)).await.is_err() {
                                    return End::Stopped;
                                }
                            } else {
                                stats.duplicates.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Some(ev) => {
                            if tx.send(ev).await.is_err() {
                                return End::Stopped;
                            }
                        }
                        None => {
                            stats.unknown_events.fetch_add(1, Ordering::Relaxed);
                        }
                    },
                }
            }
            _ = tick.tick() => {
                match ping_sent {
                    Some(at) if at.elapsed() >= cfg.pong_timeout => {
                        return End::Dropped("no answer from the chat server".into());
                    }
                    None if last_rx.elapsed() >= activity => {
                        if sink.send(Message::text(protocol::ping())).await.is_err() {
                            return End::Dropped("connection lost".into());
                        }
                        ping_sent = Some(Instant::now());
                    }
                    _ => {}
                }
            }
        }
    }
}
