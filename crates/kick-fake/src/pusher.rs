//! A Pusher Channels (protocol 7) endpoint that speaks Kick's chat feed
//! (PUSHER.md §2, §4, §7): `GET /app/{key}?protocol=7` upgrades to a
//! WebSocket, sends `pusher:connection_established`, handles
//! subscribe/unsubscribe/ping, and delivers Kick-shaped events for what
//! happens in the fake world (chat sent through the API, deletions, bans,
//! live/offline), plus generated chat traffic and fault injection.

use crate::social::{chatter, post_message, CHATTERS};
use crate::state::{AppState, Fake};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// The fake's Pusher app key (Kick's real one is `32cbd69e4b950bf97679`).
pub const FAKE_PUSHER_KEY: &str = "fakekick0pusher0key0";

/// What every socket task listens to.
#[derive(Clone, Debug)]
pub enum Out {
    /// A frame for sockets subscribed to `channel`.
    Frame { channel: String, text: Arc<str> },
    /// Close every socket with this code.
    Close(u16, String),
    /// Drop every TCP connection without a close frame.
    Drop,
    /// Send every socket a frame that is not valid JSON.
    Malformed,
}

pub struct PusherHub {
    pub out: broadcast::Sender<Out>,
    /// Sockets stop sending anything (and stop answering pings) while set.
    pub silent: AtomicBool,
    pub connections: AtomicU64,
    pub total_connections: AtomicU64,
    /// Subscriber counts per channel name.
    pub subscribed: Mutex<HashMap<String, usize>>,
    /// Generated chat messages per second into every subscribed chatroom.
    pub chat_rate: Mutex<f64>,
    pub activity_timeout: u64,
}

impl std::fmt::Debug for PusherHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PusherHub").finish_non_exhaustive()
    }
}

impl PusherHub {
    pub fn new(chat_rate: Option<f64>, activity_timeout: u64) -> Self {
        PusherHub {
            out: broadcast::channel(65_536).0,
            silent: AtomicBool::new(false),
            connections: AtomicU64::new(0),
            total_connections: AtomicU64::new(0),
            subscribed: Mutex::new(HashMap::new()),
            chat_rate: Mutex::new(chat_rate.unwrap_or(0.0)),
            activity_timeout,
        }
    }

    pub fn publish(&self, channel: String, event: &str, data: &Value) {
        // Server frames carry `data` as a JSON-encoded string.
        let text =
            json!({"event": event, "data": data.to_string(), "channel": channel}).to_string();
        let _ = self.out.send(Out::Frame {
            channel,
            text: text.into(),
        });
    }

    fn subscribed_chatrooms(&self) -> Vec<u64> {
        self.subscribed
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, n)| **n > 0)
            .filter_map(|(c, _)| {
                c.strip_prefix("chatrooms.")?
                    .strip_suffix(".v2")?
                    .parse()
                    .ok()
            })
            .collect()
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/{key}", get(upgrade))
}

pub fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/_fake/pusher/stats", get(stats))
        .route("/_fake/pusher/close", post(control_close))
        .route("/_fake/pusher/drop", post(control_drop))
        .route("/_fake/pusher/silence", post(control_silence))
        .route("/_fake/pusher/malformed", post(control_malformed))
        .route("/_fake/pusher/raw", post(control_raw))
        .route("/_fake/pusher/rate", post(control_rate))
        .route("/_fake/pusher/burst", post(control_burst))
        .route("/_fake/pusher/support", post(control_support))
}

async fn upgrade(
    State(fake): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    let refusal = if key != FAKE_PUSHER_KEY {
        Some((4001, "App key does not exist"))
    } else {
        match q.get("protocol").map(String::as_str) {
            None => Some((4008, "No protocol version supplied")),
            Some("7") => None,
            Some(_) => Some((4007, "Unsupported protocol version")),
        }
    };
    ws.on_upgrade(move |socket| async move {
        match refusal {
            Some((code, why)) => refuse(socket, code, why).await,
            None => session(fake, socket).await,
        }
    })
}

async fn refuse(mut socket: WebSocket, code: u16, why: &'static str) {
    let err = json!({"event": "pusher:error", "data": {"code": code, "message": why}}).to_string();
    let _ = socket.send(Message::Text(err.into())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: why.into(),
        })))
        .await;
}

async fn session(fake: AppState, mut socket: WebSocket) {
    let hub = &fake.pusher;
    hub.connections.fetch_add(1, Ordering::Relaxed);
    hub.total_connections.fetch_add(1, Ordering::Relaxed);
    let mut rx = hub.out.subscribe();
    let mut subs: HashSet<String> = HashSet::new();
    let socket_id = {
        let mut r = rand::thread_rng();
        format!(
            "{}.{}",
            r.gen_range(100_000..999_999),
            r.gen_range(1_000_000..9_999_999)
        )
    };
    let established = json!({
        "event": "pusher:connection_established",
        "data": json!({"socket_id": socket_id, "activity_timeout": hub.activity_timeout}).to_string(),
    });
    if socket
        .send(Message::Text(established.to_string().into()))
        .await
        .is_ok()
    {
        loop {
            tokio::select! {
                incoming = socket.recv() => {
                    let Some(Ok(msg)) = incoming else { break };
                    let Message::Text(text) = msg else { continue };
                    if hub.silent.load(Ordering::Relaxed) {
                        continue;
                    }
                    let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                    let event = v.get("event").and_then(Value::as_str).unwrap_or_default();
                    // Clients send `data` as an object; tolerate a string.
                    let data = match v.get("data") {
                        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::Null),
                        Some(d) => d.clone(),
                        None => Value::Null,
                    };
                    match event {
                        "pusher:ping" => {
                            let pong = json!({"event": "pusher:pong", "data": "{}"}).to_string();
                            if socket.send(Message::Text(pong.into())).await.is_err() { break; }
                        }
                        "pusher:subscribe" => {
                            let Some(ch) = data.get("channel").and_then(Value::as_str) else { continue };
                            if ch.starts_with("private-") || ch.starts_with("presence-") {
                                let err = json!({"event": "pusher:error", "data": {"code": null, "message": "Private channels need auth"}});
                                let _ = socket.send(Message::Text(err.to_string().into())).await;
                                continue;
                            }
                            if subs.insert(ch.to_owned()) {
                                *hub.subscribed.lock().unwrap().entry(ch.to_owned()).or_default() += 1;
                            }
                            let ok = json!({"event": "pusher_internal:subscription_succeeded", "data": "{}", "channel": ch});
                            if socket.send(Message::Text(ok.to_string().into())).await.is_err() { break; }
                        }
                        "pusher:unsubscribe" => {
                            if let Some(ch) = data.get("channel").and_then(Value::as_str) {
                                if subs.remove(ch) {
                                    if let Some(n) = hub.subscribed.lock().unwrap().get_mut(ch) { *n = n.saturating_sub(1); }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                out = rx.recv() => {
                    let out = match out {
                        Ok(o) => o,
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    };
                    match out {
                        Out::Frame { channel, text } => {
                            if subs.contains(&channel) && !hub.silent.load(Ordering::Relaxed)
                                && socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                                break;
                            }
                        }
                        Out::Close(code, reason) => {
                            let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                            break;
                        }
                        Out::Drop => break, // no close frame: the client sees the TCP connection end
                        Out::Malformed => {
                            let _ = socket.send(Message::Text("{\"event\":\"App\\\\Events\\\\ChatMessageEvent\",\"data\":\"{broken".into())).await;
                        }
                    }
                }
            }
        }
    }
    let mut map = hub.subscribed.lock().unwrap();
    for ch in subs {
        if let Some(n) = map.get_mut(&ch) {
            *n = n.saturating_sub(1);
        }
    }
    drop(map);
    hub.connections.fetch_sub(1, Ordering::Relaxed);
}

fn time_plus00(s: &str) -> String {
    // Kick's socket sends `+00:00` offsets with second precision.
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S+00:00")
                .to_string()
        })
        .unwrap_or_else(|_| s.to_owned())
}

/// Translates announced world events into socket frames, forever.
pub fn spawn_translator(fake: AppState) {
    let mut rx = fake.events.subscribe();
    let weak = Arc::downgrade(&fake);
    drop(fake);
    tokio::spawn(async move {
        loop {
            let ev = match rx.recv().await {
                Ok(ev) => ev,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            let Some(fake) = weak.upgrade() else { break };
            let chatroom = fake
                .world
                .lock()
                .unwrap()
                .channels
                .get(&ev.broadcaster_user_id)
                .map(|c| c.chatroom_id);
            let Some(chatroom) = chatroom else { continue };
            let room = format!("chatrooms.{chatroom}.v2");
            let p = &ev.payload;
            match ev.event_type.as_str() {
                "chat.message.sent" => {
                    let sender = &p["sender"];
                    let username = sender["username"].as_str().unwrap_or_default();
                    let badges: Vec<Value> = sender["identity"]["badges"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|b| json!({"type": b["type"], "text": b["text"]}))
                        .collect();
                    let mut metadata =
                        json!({"message_ref": chrono::Utc::now().timestamp_millis().to_string()});
                    let reply = p.get("replies_to").filter(|r| !r.is_null());
                    if let Some(r) = reply {
                        metadata["original_sender"] = json!({"id": r["sender"]["user_id"], "username": r["sender"]["username"]});
                        metadata["original_message"] =
                            json!({"id": r["message_id"], "content": r["content"]});
                    }
                    let data = json!({
                        "id": p["message_id"],
                        "chatroom_id": chatroom,
                        "content": p["content"],
                        "type": if reply.is_some() { "reply" } else { "message" },
                        "created_at": time_plus00(p["created_at"].as_str().unwrap_or_default()),
                        "sender": {
                            "id": sender["user_id"],
                            "username": username,
                            "slug": username.to_lowercase().replace('_', "-"),
                            "identity": {"color": sender["identity"]["username_color"], "badges": badges},
                        },
                        "metadata": metadata,
                    });
                    fake.pusher
                        .publish(room, r"App\Events\ChatMessageEvent", &data);
                }
                "chat.message.deleted" => {
                    let data = json!({"id": uuid::Uuid::new_v4().to_string(), "message": {"id": p["message_id"]},
                                      "aiModerated": false, "violatedRules": []});
                    fake.pusher
                        .publish(room, r"App\Events\MessageDeletedEvent", &data);
                }
                "moderation.banned" => {
                    let u = &p["banned_user"];
                    let m = &p["moderator"];
                    let expires = p["metadata"]["expires_at"].as_str();
                    let mut data = json!({
                        "id": uuid::Uuid::new_v4().to_string(),
                        "user": {"id": u["user_id"], "username": u["username"], "slug": u["channel_slug"]},
                        "banned_by": {"id": m["user_id"], "username": m["username"], "slug": m["channel_slug"]},
                        "permanent": expires.is_none(),
                    });
                    if let Some(e) = expires {
                        let created = chrono::DateTime::parse_from_rfc3339(
                            p["metadata"]["created_at"].as_str().unwrap_or_default(),
                        );
                        let until = chrono::DateTime::parse_from_rfc3339(e);
                        if let (Ok(c), Ok(u)) = (created, until) {
                            data["duration"] = json!(((u - c).num_seconds() + 59) / 60);
                        }
                        data["expires_at"] = json!(time_plus00(e));
                    }
                    fake.pusher
                        .publish(room, r"App\Events\UserBannedEvent", &data);
                }
                "moderation.unbanned" => {
                    let u = &p["banned_user"];
                    let data = json!({"id": uuid::Uuid::new_v4().to_string(),
                        "user": {"id": u["user_id"], "username": u["username"], "slug": u["username"].as_str().unwrap_or_default().to_lowercase()},
                        "unbanned_by": {"id": ev.broadcaster_user_id}, "permanent": true});
                    fake.pusher
                        .publish(room, r"App\Events\UserUnbannedEvent", &data);
                }
                "livestream.status.updated" => {
                    let ch = format!("channel.{}", ev.broadcaster_user_id);
                    if p["is_live"].as_bool() == Some(true) {
                        let data = json!({"livestream": {"id": rand::thread_rng().gen_range(1_000_000..9_999_999u64),
                            "channel_id": ev.broadcaster_user_id, "session_title": p["title"], "source": null,
                            "created_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()}});
                        fake.pusher.publish(ch, r"App\Events\StreamerIsLive", &data);
                    } else {
                        let data = json!({"livestream": {"id": 0, "channel": {"id": ev.broadcaster_user_id, "is_banned": false}}});
                        fake.pusher
                            .publish(ch, r"App\Events\StopStreamBroadcast", &data);
                    }
                }
                _ => {}
            }
        }
    });
}

const LINES: &[&str] = &[
    "hi chat",
    "LETS GOOO",
    "gg",
    "[emote:37226:KEKW]",
    "that was clean",
    "what game is next?",
    "W stream",
    "first time here, love the vibe [emote:37227:LULW]",
    "@DemoStreamer hydrate!",
    "no way [emote:39261:kickSmile]",
    "chat is moving fast today",
    "clip that",
    "[emote:37226:KEKW] [emote:37226:KEKW]",
    "how long have you been streaming?",
];

/// Generated chat: `rate` messages per second into every subscribed chatroom.
pub fn spawn_chatter(fake: AppState) {
    let weak = Arc::downgrade(&fake);
    drop(fake);
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(10));
        iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut debt = 0.0f64;
        let mut i = 0usize;
        loop {
            iv.tick().await;
            let Some(fake) = weak.upgrade() else { break };
            let rate = *fake.pusher.chat_rate.lock().unwrap();
            if rate <= 0.0 {
                debt = 0.0;
                continue;
            }
            debt += rate / 100.0;
            let rooms = fake.pusher.subscribed_chatrooms();
            if rooms.is_empty() {
                debt = debt.min(1.0);
                continue;
            }
            while debt >= 1.0 {
                debt -= 1.0;
                for room in &rooms {
                    burst_one(&fake, *room, i);
                }
                i += 1;
            }
        }
    });
}

fn burst_one(fake: &Fake, chatroom: u64, i: usize) {
    let b = fake
        .world
        .lock()
        .unwrap()
        .channels
        .values()
        .find(|c| c.chatroom_id == chatroom)
        .map(|c| c.broadcaster_user_id);
    if let Some(b) = b {
        let who = chatter(i.wrapping_mul(7) % CHATTERS.len());
        let line = LINES[i % LINES.len()];
        post_message(fake, b, &who, line, None);
    }
}

async fn stats(State(fake): State<AppState>) -> Json<Value> {
    let h = &fake.pusher;
    Json(json!({
        "connections": h.connections.load(Ordering::Relaxed),
        "total_connections": h.total_connections.load(Ordering::Relaxed),
        "subscriptions": h.subscribed.lock().unwrap().clone(),
        "chat_rate": *h.chat_rate.lock().unwrap(),
    }))
}

#[derive(serde::Deserialize)]
struct CloseReq {
    code: u16,
    #[serde(default)]
    reason: String,
}

async fn control_close(State(fake): State<AppState>, Json(c): Json<CloseReq>) -> Json<Value> {
    let _ = fake.pusher.out.send(Out::Close(c.code, c.reason));
    Json(json!({"ok": true}))
}

async fn control_drop(State(fake): State<AppState>) -> Json<Value> {
    let _ = fake.pusher.out.send(Out::Drop);
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Silence {
    on: bool,
}

async fn control_silence(State(fake): State<AppState>, Json(s): Json<Silence>) -> Json<Value> {
    fake.pusher.silent.store(s.on, Ordering::Relaxed);
    Json(json!({"ok": true}))
}

async fn control_malformed(State(fake): State<AppState>) -> Json<Value> {
    let _ = fake.pusher.out.send(Out::Malformed);
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Raw {
    channel: String,
    event: String,
    data: Value,
}

/// Publishes any event (tests of every event type).
async fn control_raw(State(fake): State<AppState>, Json(r): Json<Raw>) -> Json<Value> {
    fake.pusher.publish(r.channel, &r.event, &r.data);
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Rate {
    rate: f64,
}

async fn control_rate(State(fake): State<AppState>, Json(r): Json<Rate>) -> Json<Value> {
    *fake.pusher.chat_rate.lock().unwrap() = r.rate.clamp(0.0, 100_000.0);
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Burst {
    count: usize,
    #[serde(default)]
    broadcaster_user_id: Option<u64>,
}

/// Posts `count` chat messages at once into a channel (default: the streamer's).
async fn control_burst(State(fake): State<AppState>, Json(b): Json<Burst>) -> Json<Value> {
    let uid = b.broadcaster_user_id.unwrap_or(crate::world::STREAMER_ID);
    let chatroom = fake
        .world
        .lock()
        .unwrap()
        .channels
        .get(&uid)
        .map(|c| c.chatroom_id);
    if let Some(room) = chatroom {
        for i in 0..b.count.min(100_000) {
            burst_one(&fake, room, i);
        }
    }
    Json(json!({"ok": chatroom.is_some()}))
}

#[derive(serde::Deserialize)]
struct Support {
    /// `sub`, `gift` or `host`.
    kind: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    count: Option<u64>,
}

/// Announces a sub, a gift bomb or a host in the streamer's chat with Kick's
/// real duplication patterns (PUSHER.md §7): one event on the chatroom and
/// its twin on `channel.{id}` (or the legacy chatroom channel for hosts).
async fn control_support(State(fake): State<AppState>, Json(s): Json<Support>) -> Json<Value> {
    let uid = crate::world::STREAMER_ID;
    let Some(room) = fake
        .world
        .lock()
        .unwrap()
        .channels
        .get(&uid)
        .map(|c| c.chatroom_id)
    else {
        return Json(json!({"ok": false}));
    };
    let who = s.username.unwrap_or_else(|| chatter(3).username);
    let n = s.count.unwrap_or(1).max(1);
    let v2 = format!("chatrooms.{room}.v2");
    let chan = format!("channel.{uid}");
    let h = &fake.pusher;
    match s.kind.as_str() {
        "sub" => {
            h.publish(
                v2,
                r"App\Events\SubscriptionEvent",
                &json!({"chatroom_id": room, "username": who, "months": n}),
            );
            h.publish(
                chan,
                r"App\Events\ChannelSubscriptionEvent",
                &json!({"user_ids": [7_300_003], "username": who, "channel_id": uid}),
            );
        }
        "gift" => {
            let names: Vec<String> = (0..n as usize).map(|i| chatter(i).username).collect();
            h.publish(v2, "GiftedSubscriptionsEvent", &json!({"chatroom_id": room, "gifted_usernames": names, "gifter_username": who, "gifter_total": n}));
            h.publish(
                chan,
                r"App\Events\LuckyUsersWhoGotGiftSubscriptionsEvent",
                &json!({"channel": {"id": uid}, "usernames": names, "gifter_username": who}),
            );
        }
        "host" => {
            h.publish(v2, r"App\Events\StreamHostEvent", &json!({"chatroom_id": room, "optional_message": null, "number_viewers": n, "host_username": who}));
            h.publish(format!("chatrooms.{room}"), r"App\Events\StreamHostedEvent", &json!({"message": {"id": uuid::Uuid::new_v4().to_string(), "numberOfViewers": n, "optionalMessage": null, "createdAt": chrono::Utc::now().to_rfc3339()}, "user": {"id": 7_300_003, "username": who, "isSuperAdmin": false, "verified": false}}));
        }
        _ => return Json(json!({"ok": false, "error": "kind is sub, gift or host"})),
    }
    Json(json!({"ok": true}))
}
