//! A Pusher Channels (protocol 7) endpoint that speaks Kick's chat feed
//! (PUSHER.md §2, §4, §7): `GET /app/{key}?protocol=7` upgrades to a
//! WebSocket, sends `pusher:connection_established`, handles
//! subscribe/unsubscribe/ping, and delivers Kick-shaped events for what
//! happens in the fake world (chat sent through the API, deletions, bans,
//! live/offline), plus generated chat traffic and fault injection.

use crate::hub::{Out, Target};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::SinkExt;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use tokio::sync::broadcast;

/// The fake's Pusher app key (Kick's real one is `32cbd69e4b950bf97679`).
pub const FAKE_PUSHER_KEY: &str = "fakekick0pusher0key0";

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

#[allow(clippy::collapsible_match)] // awaits in match guards read worse
async fn session(fake: AppState, mut socket: WebSocket) {
    let hub = &fake.realtime;
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
                                hub.add_subscriber(ch);
                            }
                            let ok = json!({"event": "pusher_internal:subscription_succeeded", "data": "{}", "channel": ch});
                            if socket.send(Message::Text(ok.to_string().into())).await.is_err() { break; }
                        }
                        "pusher:unsubscribe" => {
                            if let Some(ch) = data.get("channel").and_then(Value::as_str) {
                                if subs.remove(ch) {
                                    hub.remove_subscriber(ch);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                out = rx.recv() => {
                    let out = match out {
                        Ok(o) => o,
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            hub.lagged.fetch_add(n, Ordering::Relaxed);
                            continue;
                        }
                        Err(_) => break,
                    };
                    // Events already waiting go out in one write, as a
                    // server's buffered socket sends them: a frame each,
                    // one flush for up to 64 of them.
                    let mut next = Some(out);
                    let mut fed = 0;
                    let mut end = false;
                    while let Some(out) = next.take() {
                        if let Out::Event(p) = out {
                            if subs.contains(&p.channel) && !hub.silent.load(Ordering::Relaxed) {
                                if socket.feed(Message::Text(p.pusher_frame().as_ref().into())).await.is_err() {
                                    end = true;
                                    break;
                                }
                                fed += 1;
                            }
                            if fed < 64 {
                                next = match rx.try_recv() {
                                    Ok(o) => Some(o),
                                    Err(broadcast::error::TryRecvError::Lagged(n)) => {
                                        hub.lagged.fetch_add(n, Ordering::Relaxed);
                                        None
                                    }
                                    Err(_) => None,
                                };
                            }
                        } else {
                            if fed > 0 && socket.flush().await.is_err() {
                                end = true;
                                break;
                            }
                            fed = 0;
                            end = control(&mut socket, out).await;
                        }
                    }
                    if end || (fed > 0 && socket.flush().await.is_err()) {
                        break;
                    }
                }
            }
        }
    }
    for ch in subs {
        hub.remove_subscriber(&ch);
    }
    hub.connections.fetch_sub(1, Ordering::Relaxed);
}

/// Applies a fault or a raw frame; `true` when the session ends.
async fn control(socket: &mut WebSocket, out: Out) -> bool {
    match out {
        Out::Close { to, code, reason } if to.hits(Target::Pusher) => {
            let _ = socket
                .send(Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await;
            true
        }
        // No close frame: the client sees the TCP connection end.
        Out::Drop(to) if to.hits(Target::Pusher) => true,
        Out::Malformed(to) if to.hits(Target::Pusher) => {
            let _ = socket
                .send(Message::Text(
                    "{\"event\":\"App\\\\Events\\\\ChatMessageEvent\",\"data\":\"{broken".into(),
                ))
                .await;
            false
        }
        Out::Raw {
            to: Target::Pusher,
            text,
        } => socket
            .send(Message::Text(text.as_ref().into()))
            .await
            .is_err(),
        _ => false,
    }
}

async fn stats(State(fake): State<AppState>) -> Json<Value> {
    let h = &fake.realtime;
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
    fake.realtime.send(Out::Close {
        to: Target::Pusher,
        code: c.code,
        reason: c.reason,
    });
    Json(json!({"ok": true}))
}

async fn control_drop(State(fake): State<AppState>) -> Json<Value> {
    fake.realtime.send(Out::Drop(Target::Pusher));
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Silence {
    on: bool,
}

async fn control_silence(State(fake): State<AppState>, Json(s): Json<Silence>) -> Json<Value> {
    fake.realtime.silent.store(s.on, Ordering::Relaxed);
    Json(json!({"ok": true}))
}

async fn control_malformed(State(fake): State<AppState>) -> Json<Value> {
    fake.realtime.send(Out::Malformed(Target::Pusher));
    Json(json!({"ok": true}))
}
