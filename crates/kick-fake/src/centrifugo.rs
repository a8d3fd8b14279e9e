//! A Centrifugo (client protocol v2, JSON) endpoint as Kick runs it
//! (REALTIME.md §c, checklist §g): `GET /connection/websocket` with Origin
//! `https://kick.com` or none; `connect` with a token from the fake's token
//! endpoint; subscribe/unsubscribe/refresh; server pings `{}` with a pong
//! deadline; expiry, stale and error closes with Centrifugo's codes;
//! newline-batched frames both ways; Kick-shaped pushes from the shared hub;
//! faults on request (`/_fake/centrifugo/*`).

use crate::hub::{Out, Published, Target};
use crate::negotiation::TokenCheck;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// The server version Kick's Centrifugo reported (2026-10-04).
pub const VERSION: &str = "6.9.6 PRO";

/// Server timers and switches (Centrifugo's defaults, Kick's observed ping).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CentrifugoSettings {
    /// Server ping interval (`ping` in the connect reply), ms. Kick: 25 s.
    pub ping_ms: u64,
    /// No `{}` back within this after a ping → close 3012. Centrifugo: 8 s.
    pub pong_timeout_ms: u64,
    /// No `connect` within this after the upgrade → close 3502. Centrifugo 6.9.1: 10 s.
    pub stale_ms: u64,
    /// Not refreshed by token expiry + this → close 3005. Centrifugo: 25 s.
    pub expire_grace_ms: u64,
    /// Send `pub.data.data` as an object instead of Kick's usual JSON string.
    pub data_as_object: bool,
    /// Honour `flag & 1` (channel compaction): the subscribe reply carries a
    /// numeric `id` and pushes carry it instead of the channel name.
    pub compaction: bool,
    /// Channels refused with error 103 (permission denied).
    pub refuse_channels: Vec<String>,
    /// Channels answered with a temporary error (100, `temporary: true`:
    /// try again later) for as long as they are listed.
    pub busy_channels: Vec<String>,
    /// Channels per connection before error 106. Centrifugo: 128.
    pub channel_limit: usize,
    /// Merge replies and pushes that are ready together into one frame.
    pub batch: bool,
}

impl Default for CentrifugoSettings {
    fn default() -> Self {
        CentrifugoSettings {
            ping_ms: 25_000,
            pong_timeout_ms: 8_000,
            stale_ms: 10_000,
            expire_grace_ms: 25_000,
            data_as_object: false,
            compaction: false,
            refuse_channels: Vec::new(),
            busy_channels: Vec::new(),
            channel_limit: 128,
            batch: true,
        }
    }
}

#[derive(Default, Debug)]
pub struct CentrifugoState {
    pub settings: Mutex<CentrifugoSettings>,
    /// The Host header of every upgrade (which "region" clients used).
    pub hosts: Mutex<Vec<String>>,
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/connection/websocket", get(upgrade))
}

pub fn control_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/_fake/centrifugo/settings",
            get(get_settings).post(set_settings),
        )
        .route("/_fake/centrifugo/close", post(control_close))
        .route("/_fake/centrifugo/drop", post(control_drop))
        .route("/_fake/centrifugo/silence", post(control_silence))
        .route("/_fake/centrifugo/malformed", post(control_malformed))
        .route("/_fake/centrifugo/raw", post(control_raw))
        .route(
            "/_fake/centrifugo/disconnect",
            post(control_disconnect_push),
        )
        .route(
            "/_fake/centrifugo/unsubscribe",
            post(control_unsubscribe_push),
        )
}

/// Stock Centrifugo: an empty Origin passes, any other must be allowed;
/// Kick allows only `https://kick.com` (REALTIME.md §c.1).
fn origin_ok(headers: &HeaderMap) -> bool {
    match headers.get("origin") {
        None => true,
        Some(v) => v.as_bytes() == b"https://kick.com",
    }
}

async fn upgrade(
    State(fake): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !origin_ok(&headers) {
        return (StatusCode::FORBIDDEN, "request Origin is not authorized").into_response();
    }
    if let Some(h) = headers.get("host").and_then(|h| h.to_str().ok()) {
        fake.centrifugo.hosts.lock().unwrap().push(h.to_owned());
    }
    ws.on_upgrade(move |socket| session(fake, socket))
}

/// How a session ends.
enum Close {
    Code(u16, &'static str),
    Drop,
}

struct Session {
    fake: AppState,
    settings: CentrifugoSettings,
    connected: Option<Connected>,
    /// Subscribed channels with their compaction id (if negotiated).
    subs: HashMap<String, Option<u64>>,
    next_compact: u64,
    ping_due: Instant,
    pong_deadline: Option<Instant>,
    stale_at: Option<Instant>,
}

struct Connected {
    client_id: String,
    expires_at: Instant,
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

impl Session {
    fn reply(id: u64, method: &str, body: Value) -> String {
        let mut v = json!({"id": id});
        v[method] = body;
        v.to_string()
    }

    fn error(id: u64, code: u32, message: &str, temporary: bool) -> String {
        let mut e = json!({"code": code, "message": message});
        if temporary {
            e["temporary"] = json!(true);
        }
        json!({"id": id, "error": e}).to_string()
    }

    /// Handles one command line; pushes replies onto `out`.
    fn command(&mut self, line: &str, out: &mut Vec<String>) -> Result<(), Close> {
        let v: Value = serde_json::from_str(line).map_err(|_| Close::Code(3501, "bad request"))?;
        let Some(obj) = v.as_object() else {
            return Err(Close::Code(3501, "bad request"));
        };
        if obj.is_empty() {
            // A pong.
            self.pong_deadline = None;
            return Ok(());
        }
        let id = obj.get("id").and_then(Value::as_u64).unwrap_or(0);
        if id == 0 {
            return Err(Close::Code(3501, "bad request"));
        }
        let Some((method, params)) = obj.iter().find(|(k, _)| k.as_str() != "id") else {
            return Err(Close::Code(3501, "bad request"));
        };
        if self.connected.is_none() && method != "connect" {
            return Err(Close::Code(3501, "bad request"));
        }
        let neg = &self.fake.negotiation;
        match method.as_str() {
            "connect" => {
                if self.connected.is_some() {
                    return Err(Close::Code(3501, "bad request"));
                }
                let token = params["token"].as_str().unwrap_or_default();
                match neg.check(token) {
                    TokenCheck::Unknown => return Err(Close::Code(3500, "invalid token")),
                    TokenCheck::Expired(_) => {
                        out.push(Self::error(id, 109, "token expired", false))
                    }
                    TokenCheck::Valid(i) => {
                        let ttl = i
                            .expires_at
                            .saturating_duration_since(Instant::now().into_std());
                        self.connected = Some(Connected {
                            client_id: i.client_id,
                            expires_at: Instant::from_std(i.expires_at),
                        });
                        self.stale_at = None;
                        self.fake
                            .realtime
                            .centrifugo_connects
                            .fetch_add(1, Ordering::Relaxed);
                        let ping = self.settings.ping_ms.div_ceil(1000).max(1);
                        out.push(Self::reply(
                            id,
                            "connect",
                            json!({"client": uuid::Uuid::new_v4().to_string(), "version": VERSION,
                                   "expires": true, "ttl": ttl.as_secs_f64().ceil() as u64,
                                   "ping": ping, "pong": true}),
                        ));
                    }
                }
            }
            "subscribe" => {
                let Some(ch) = params["channel"].as_str().filter(|c| !c.is_empty()) else {
                    out.push(Self::error(id, 107, "bad request", false));
                    return Ok(());
                };
                if self.subs.contains_key(ch) {
                    out.push(Self::error(id, 105, "already subscribed", false));
                } else if self.settings.refuse_channels.iter().any(|r| r == ch) {
                    out.push(Self::error(id, 103, "permission denied", false));
                } else if self
                    .fake
                    .centrifugo
                    .settings
                    .lock()
                    .unwrap()
                    .busy_channels
                    .iter()
                    .any(|r| r == ch)
                {
                    out.push(Self::error(id, 100, "internal server error", true));
                } else if self.subs.len() >= self.settings.channel_limit {
                    out.push(Self::error(id, 106, "limit exceeded", false));
                } else {
                    let flag = params["flag"].as_u64().unwrap_or(0);
                    let compact = (self.settings.compaction && flag & 1 == 1).then(|| {
                        self.next_compact += 1;
                        self.next_compact
                    });
                    self.subs.insert(ch.to_owned(), compact);
                    self.fake.realtime.add_subscriber(ch);
                    out.push(Self::reply(
                        id,
                        "subscribe",
                        match compact {
                            Some(c) => json!({"id": c}),
                            None => json!({}),
                        },
                    ));
                }
            }
            "unsubscribe" => {
                if let Some(ch) = params["channel"].as_str() {
                    if self.subs.remove(ch).is_some() {
                        self.fake.realtime.remove_subscriber(ch);
                    }
                }
                out.push(Self::reply(id, "unsubscribe", json!({})));
            }
            "refresh" => {
                let token = params["token"].as_str().unwrap_or_default();
                let me = self.connected.as_ref().map(|c| c.client_id.clone());
                match neg.check(token) {
                    TokenCheck::Unknown => return Err(Close::Code(3500, "invalid token")),
                    TokenCheck::Expired(_) => return Err(Close::Code(3005, "connection expired")),
                    TokenCheck::Valid(i) if Some(&i.client_id) != me.as_ref() => {
                        return Err(Close::Code(3500, "invalid token"))
                    }
                    TokenCheck::Valid(i) => {
                        let ttl = i
                            .expires_at
                            .saturating_duration_since(Instant::now().into_std());
                        if let Some(c) = &mut self.connected {
                            c.expires_at = Instant::from_std(i.expires_at);
                        }
                        out.push(Self::reply(
                            id,
                            "refresh",
                            json!({"expires": true, "ttl": ttl.as_secs_f64().ceil() as u64}),
                        ));
                    }
                }
            }
            _ => out.push(Self::error(id, 104, "method not found", false)),
        }
        Ok(())
    }

    /// The line for a publication, if this socket subscribed its channel.
    fn push_line(&self, p: &Published) -> Option<Arc<str>> {
        match self.subs.get(&p.channel)? {
            None => Some(p.centrifugo_line(self.settings.data_as_object)),
            Some(id) => Some(
                p.centrifugo_compact_line(*id, self.settings.data_as_object)
                    .into(),
            ),
        }
    }

    /// Why the connection must end now, if it must.
    fn timers(&mut self, now: Instant) -> Result<Option<&'static str>, Close> {
        if self.stale_at.is_some_and(|t| now >= t) {
            return Err(Close::Code(3502, "stale"));
        }
        if let Some(c) = &self.connected {
            if now >= c.expires_at + ms(self.settings.expire_grace_ms) {
                return Err(Close::Code(3005, "connection expired"));
            }
        }
        if self.pong_deadline.is_some_and(|t| now >= t) {
            return Err(Close::Code(3012, "no pong"));
        }
        if self.connected.is_some() && now >= self.ping_due {
            self.ping_due = now + ms(self.settings.ping_ms);
            if self.pong_deadline.is_none() {
                self.pong_deadline = Some(now + ms(self.settings.pong_timeout_ms));
            }
            return Ok(Some("{}"));
        }
        Ok(None)
    }
}

async fn send_lines(
    hub: &crate::hub::RealtimeHub,
    socket: &mut WebSocket,
    lines: &[impl AsRef<str>],
    batch: bool,
) -> bool {
    if lines.is_empty() {
        return true;
    }
    if batch {
        if lines.len() > 1 {
            hub.centrifugo_batched_out.fetch_add(1, Ordering::Relaxed);
        }
        let mut text = String::with_capacity(lines.iter().map(|l| l.as_ref().len() + 1).sum());
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(l.as_ref());
        }
        socket.send(Message::Text(text.into())).await.is_ok()
    } else {
        for l in lines {
            if socket
                .send(Message::Text(l.as_ref().to_owned().into()))
                .await
                .is_err()
            {
                return false;
            }
        }
        true
    }
}

impl Session {
    /// An `unsubscribe` push sent to this socket ends that subscription, as
    /// at Centrifugo: subscribing again is a new subscription, which may fail.
    fn unsubscribed(&mut self, o: &Out) {
        if let Out::Unsubscribe { channel, .. } = o {
            if self.subs.remove(channel).is_some() {
                self.fake.realtime.remove_subscriber(channel);
            }
        }
    }
}

/// Applies a fault; `Some` when the session ends.
async fn control(socket: &mut WebSocket, o: Out) -> Option<Close> {
    match o {
        Out::Close { to, code, reason } if to.hits(Target::Centrifugo) => {
            let _ = socket
                .send(Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await;
            Some(Close::Drop)
        }
        Out::Drop(to) if to.hits(Target::Centrifugo) => Some(Close::Drop),
        Out::Malformed(to) if to.hits(Target::Centrifugo) => {
            // A valid ping and a broken line in one frame.
            let _ = socket
                .send(Message::Text("{}\n{\"push\":{\"channel\":".into()))
                .await;
            None
        }
        Out::Raw {
            to: Target::Centrifugo | Target::All,
            text,
        }
        | Out::Unsubscribe { text, .. } => socket
            .send(Message::Text(text.as_ref().into()))
            .await
            .is_err()
            .then_some(Close::Drop),
        _ => None,
    }
}

async fn session(fake: AppState, mut socket: WebSocket) {
    let hub = &fake.realtime;
    hub.centrifugo_connections.fetch_add(1, Ordering::Relaxed);
    hub.centrifugo_total.fetch_add(1, Ordering::Relaxed);
    let mut rx = hub.out.subscribe();
    let settings = fake.centrifugo.settings.lock().unwrap().clone();
    let now = Instant::now();
    // Centrifugo spreads the first ping between ping/2 and ping.
    let first_ping = rand::thread_rng().gen_range(settings.ping_ms / 2..=settings.ping_ms.max(1));
    let mut s = Session {
        fake: fake.clone(),
        stale_at: Some(now + ms(settings.stale_ms)),
        ping_due: now + ms(first_ping),
        settings,
        connected: None,
        subs: HashMap::new(),
        next_compact: 0,
        pong_deadline: None,
    };
    let batch = s.settings.batch;
    let mut tick = tokio::time::interval(Duration::from_millis(25));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let silent = || fake.realtime.silent_centrifugo.load(Ordering::Relaxed);
    let mut deferred: Option<Out> = None;
    let end: Close = 'outer: loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(msg)) = incoming else { break Close::Drop };
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Binary(_) => break Close::Code(3501, "bad request"),
                    Message::Close(_) => break Close::Drop,
                    _ => continue,
                };
                if silent() {
                    continue;
                }
                let mut out = Vec::new();
                if text.split('\n').filter(|l| !l.trim().is_empty()).count() > 1 {
                    hub.centrifugo_batched_frames.fetch_add(1, Ordering::Relaxed);
                }
                for line in text.split('\n') {
                    if line.trim().is_empty() {
                        continue;
                    }
                    if let Err(c) = s.command(line, &mut out) {
                        let _ = send_lines(hub, &mut socket, &out, batch).await;
                        break 'outer c;
                    }
                }
                // Replies and pushes that are ready go out together.
                if batch {
                    while out.len() < 64 {
                        match rx.try_recv() {
                            Ok(Out::Event(p)) => {
                                if let Some(l) = s.push_line(&p) { out.push(l.to_string()); }
                            }
                            Ok(other) => { deferred = Some(other); break; }
                            Err(_) => break,
                        }
                    }
                }
                if !send_lines(hub, &mut socket, &out, batch).await {
                    break Close::Drop;
                }
                if let Some(o) = deferred.take() {
                    s.unsubscribed(&o);
                    if let Some(c) = control(&mut socket, o).await { break c; }
                }
            }
            o = rx.recv() => {
                let o = match o {
                    Ok(o) => o,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                            hub.lagged.fetch_add(n, Ordering::Relaxed);
                            continue;
                        }
                    Err(_) => break Close::Drop,
                };
                match o {
                    Out::Event(p) => {
                        if silent() { continue; }
                        let mut lines: Vec<Arc<str>> = Vec::new();
                        if let Some(l) = s.push_line(&p) { lines.push(l); }
                        if batch {
                            while lines.len() < 64 {
                                match rx.try_recv() {
                                    Ok(Out::Event(p)) => {
                                        if let Some(l) = s.push_line(&p) { lines.push(l); }
                                    }
                                    Ok(other) => { deferred = Some(other); break; }
                                    Err(_) => break,
                                }
                            }
                        }
                        if !send_lines(hub, &mut socket, &lines, batch).await {
                            break Close::Drop;
                        }
                        if let Some(o) = deferred.take() {
                            s.unsubscribed(&o);
                            if let Some(c) = control(&mut socket, o).await { break c; }
                        }
                    }
                    other => {
                        s.unsubscribed(&other);
                        if let Some(c) = control(&mut socket, other).await { break c; }
                    }
                }
            }
            _ = tick.tick() => {
                if silent() {
                    // Silence means nothing at all, pings included; the
                    // deadlines of the client side are what is tested.
                    s.pong_deadline = None;
                    continue;
                }
                match s.timers(Instant::now()) {
                    Err(c) => break c,
                    Ok(Some(ping)) => {
                        if socket.send(Message::Text(ping.into())).await.is_err() {
                            break Close::Drop;
                        }
                    }
                    Ok(None) => {}
                }
            }
        }
    };
    if let Close::Code(code, reason) = end {
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }
    for ch in s.subs.keys() {
        hub.remove_subscriber(ch);
    }
    hub.centrifugo_connections.fetch_sub(1, Ordering::Relaxed);
}

async fn get_settings(State(fake): State<AppState>) -> Json<CentrifugoSettings> {
    Json(fake.centrifugo.settings.lock().unwrap().clone())
}

/// Replaces the settings for sockets opened from now on (missing = defaults).
async fn set_settings(
    State(fake): State<AppState>,
    Json(s): Json<CentrifugoSettings>,
) -> Json<CentrifugoSettings> {
    *fake.centrifugo.settings.lock().unwrap() = s.clone();
    Json(s)
}

#[derive(Deserialize)]
struct CloseReq {
    code: u16,
    #[serde(default)]
    reason: String,
}

async fn control_close(State(fake): State<AppState>, Json(c): Json<CloseReq>) -> Json<Value> {
    fake.realtime.send(Out::Close {
        to: Target::Centrifugo,
        code: c.code,
        reason: c.reason,
    });
    Json(json!({"ok": true}))
}

async fn control_drop(State(fake): State<AppState>) -> Json<Value> {
    fake.realtime.send(Out::Drop(Target::Centrifugo));
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct Silence {
    on: bool,
}

async fn control_silence(State(fake): State<AppState>, Json(s): Json<Silence>) -> Json<Value> {
    fake.realtime
        .silent_centrifugo
        .store(s.on, Ordering::Relaxed);
    Json(json!({"ok": true}))
}

async fn control_malformed(State(fake): State<AppState>) -> Json<Value> {
    fake.realtime.send(Out::Malformed(Target::Centrifugo));
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct Raw {
    text: String,
}

/// Sends any text as one frame to every Centrifugo socket.
async fn control_raw(State(fake): State<AppState>, Json(r): Json<Raw>) -> Json<Value> {
    fake.realtime.send(Out::Raw {
        to: Target::Centrifugo,
        text: r.text.into(),
    });
    Json(json!({"ok": true}))
}

/// `{"push":{"disconnect":{"code":…,"reason":…}}}` instead of a close frame.
async fn control_disconnect_push(
    State(fake): State<AppState>,
    Json(c): Json<CloseReq>,
) -> Json<Value> {
    let text = json!({"push": {"disconnect": {"code": c.code, "reason": c.reason}}}).to_string();
    fake.realtime.send(Out::Raw {
        to: Target::Centrifugo,
        text: text.into(),
    });
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct UnsubReq {
    channel: String,
    code: u16,
    #[serde(default)]
    reason: String,
}

/// `{"push":{"channel":…,"unsubscribe":{"code":…,"reason":…}}}`.
async fn control_unsubscribe_push(
    State(fake): State<AppState>,
    Json(u): Json<UnsubReq>,
) -> Json<Value> {
    let text = json!({"push": {"channel": u.channel, "unsubscribe": {"code": u.code, "reason": u.reason}}})
        .to_string();
    fake.realtime.send(Out::Unsubscribe {
        channel: u.channel,
        text: text.into(),
    });
    Json(json!({"ok": true}))
}
