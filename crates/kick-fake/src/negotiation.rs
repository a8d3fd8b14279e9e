//! Kick's realtime negotiation on the web host (REALTIME.md §b, §g "HTTP"):
//! the global and per-channel descriptors, the realtime token endpoint, and
//! `/api/v2/channels/{slug}` for the ids. Everything is configurable per test
//! through `/_fake/realtime/descriptor` and `/_fake/realtime/token`.

use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The fake's Pusher cluster as announced by the descriptor. The fake's
/// Pusher URL is `ws://127.0.0.1:PORT/app/{key}?protocol=7…` whatever the
/// cluster (`FakeInfo::pusher_url_template`).
pub const FAKE_PUSHER_CLUSTER: &str = "local";

/// How the descriptor endpoints answer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DescriptorSettings {
    /// The server's preference, first wins: `centrifugo`, `pusher`, or any
    /// other name (an unknown provider, always answered). `[]` = empty
    /// `connections`.
    pub offer: Vec<String>,
    /// Answer every offered provider the client accepts, in `offer` order,
    /// instead of the first only ("both, ordered").
    pub answer_all: bool,
    /// Provider and mode names in upper case (`PUSHER`, `WEBSOCKET`), as in
    /// the August 2026 shape.
    pub upper_case: bool,
    /// `mode` value; `None` leaves it out.
    pub mode: Option<String>,
    /// Fail with: `500`, `503`, `429`, `423`, `401`, `403` (JSON), `html403`
    /// (Cloudflare "Just a moment..."), `non_json` (200 with HTML), `hang`.
    pub fail: Option<String>,
    /// When > 0, only the next N requests fail (then `fail` is cleared).
    pub fail_next: u32,
    /// Added latency per request.
    pub delay_ms: u64,
    /// Replace the Centrifugo URL (malformed-URL tests).
    pub centrifugo_url: Option<String>,
    /// Replace the Pusher key/cluster (malformed-key tests).
    pub pusher_key: Option<String>,
    pub pusher_cluster: Option<String>,
    /// The per-channel descriptor names a second "region" (`localhost`
    /// instead of `127.0.0.1`) for channels in this list.
    pub other_region_channels: Vec<u64>,
}

impl Default for DescriptorSettings {
    fn default() -> Self {
        DescriptorSettings {
            offer: vec!["centrifugo".into(), "pusher".into()],
            answer_all: false,
            upper_case: false,
            mode: Some("websocket".into()),
            fail: None,
            fail_next: 0,
            delay_ms: 0,
            centrifugo_url: None,
            pusher_key: None,
            pusher_cluster: None,
            other_region_channels: Vec::new(),
        }
    }
}

/// How the realtime token endpoint answers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TokenSettings {
    /// Token lifetime, seconds (Kick: 2699).
    pub ttl_secs: u64,
    /// Fail with: `401`, `403`, `500`, `html403`, `non_json`, `no_token`
    /// (`{"data":{}}`), `illegal` (a token with characters a JWT never has),
    /// `hang`.
    pub fail: Option<String>,
    /// Fail only refreshes (a client id that already got a token).
    pub refresh_only: bool,
    pub delay_ms: u64,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            ttl_secs: 2699,
            fail: None,
            refresh_only: false,
            delay_ms: 0,
        }
    }
}

/// A realtime token the fake issued.
#[derive(Clone, Debug)]
pub struct Issued {
    pub client_id: String,
    pub expires_at: Instant,
}

/// Negotiation state: settings, issued tokens, and what clients sent.
#[derive(Default, Debug)]
pub struct Negotiation {
    pub descriptor: Mutex<DescriptorSettings>,
    pub token: Mutex<TokenSettings>,
    pub issued: Mutex<HashMap<String, Issued>>,
    /// Client ids that got a token (a second request is a refresh).
    pub clients: Mutex<HashMap<String, u32>>,
    /// The latest request bodies (descriptor and token), newest last.
    pub bodies: Mutex<Vec<(String, Value)>>,
    pub descriptor_requests: AtomicU64,
    pub token_requests: AtomicU64,
    pub token_refusals: AtomicU64,
}

pub enum TokenCheck {
    Valid(Issued),
    Expired(Issued),
    Unknown,
}

impl Negotiation {
    pub fn check(&self, token: &str) -> TokenCheck {
        match self.issued.lock().unwrap().get(token) {
            None => TokenCheck::Unknown,
            Some(i) if i.expires_at <= Instant::now() => TokenCheck::Expired(i.clone()),
            Some(i) => TokenCheck::Valid(i.clone()),
        }
    }

    fn remember(&self, what: &str, body: &Value) {
        let mut b = self.bodies.lock().unwrap();
        if b.len() >= 200 {
            b.remove(0);
        }
        b.push((what.to_owned(), body.clone()));
    }

    /// Issues a JWT-shaped token for `client_id` (sub `guest:<client_id>`).
    pub fn issue(&self, client_id: &str, ttl: Duration) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let now = chrono::Utc::now().timestamp();
        let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = b64.encode(
            json!({"sub": format!("guest:{client_id}"), "iat": now, "exp": now + ttl.as_secs() as i64,
                   "jti": uuid::Uuid::new_v4().to_string()})
            .to_string(),
        );
        let sig: [u8; 32] = rand::random();
        let token = format!("{header}.{claims}.{}", b64.encode(sig));
        self.issued.lock().unwrap().insert(
            token.clone(),
            Issued {
                client_id: client_id.to_owned(),
                expires_at: Instant::now() + ttl,
            },
        );
        token
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/realtime/connection", post(global_descriptor))
        .route(
            "/api/v1/realtime/channels/{channel_id}/chat/connection",
            post(chat_descriptor),
        )
        .route("/api/v1/realtime/auth/connection", post(token))
}

pub fn control_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/_fake/realtime/descriptor",
            get(get_descriptor).post(set_descriptor),
        )
        .route("/_fake/realtime/token", get(get_token).post(set_token))
        .route("/_fake/realtime/stats", get(stats))
}

fn cloudflare_challenge() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>\
         <script>window._cf_chl_opt={cvId:'3'};</script></head><body>\
         <script src=\"/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1\"></script></body></html>",
    )
        .into_response()
}

/// A failure answer by name, `None` for "no failure".
async fn failure(kind: &str) -> Option<Response> {
    let json_err = |code: StatusCode, msg: &str| {
        Some((code, Json(json!({"message": msg, "data": null}))).into_response())
    };
    match kind {
        "500" => json_err(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"),
        "503" => json_err(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        "429" => json_err(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts."),
        "423" => json_err(StatusCode::LOCKED, "Locked"),
        "401" => json_err(StatusCode::UNAUTHORIZED, "Unauthenticated."),
        "403" => json_err(StatusCode::FORBIDDEN, "Request blocked by security policy."),
        "html403" => Some(cloudflare_challenge()),
        "non_json" => Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body>Kick</body></html>",
            )
                .into_response(),
        ),
        "hang" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            None
        }
        _ => None,
    }
}

/// Providers the client accepts, lower-cased, from the negotiation body.
fn accepted(body: &Value) -> Vec<String> {
    body["capabilities"]["accepted_providers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["provider"].as_str().or_else(|| p.as_str()))
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

async fn descriptor(fake: AppState, body: Bytes, channel_id: Option<u64>) -> Response {
    let n = &fake.negotiation;
    n.descriptor_requests.fetch_add(1, Ordering::Relaxed);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    n.remember(
        if channel_id.is_some() {
            "chat_descriptor"
        } else {
            "descriptor"
        },
        &body,
    );
    let s = {
        let mut d = n.descriptor.lock().unwrap();
        let s = d.clone();
        if d.fail.is_some() && d.fail_next > 0 {
            d.fail_next -= 1;
            if d.fail_next == 0 {
                d.fail = None;
            }
        }
        s
    };
    if s.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(s.delay_ms)).await;
    }
    if let Some(r) = failure(s.fail.as_deref().unwrap_or_default()).await {
        return r;
    }
    let accepts = accepted(&body);
    let port = fake
        .base_url
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let host = match channel_id {
        Some(c) if s.other_region_channels.contains(&c) => "localhost",
        _ => "127.0.0.1",
    };
    let name = |p: &str| {
        if s.upper_case {
            p.to_ascii_uppercase()
        } else {
            p.to_owned()
        }
    };
    let mut connections = Vec::new();
    for p in &s.offer {
        let p = p.to_ascii_lowercase();
        let entry = match p.as_str() {
            "centrifugo" if accepts.contains(&p) => {
                json!({"provider": name("centrifugo"), "credentials": {
                "url": s.centrifugo_url.clone().unwrap_or_else(|| format!("ws://{host}:{port}/connection/websocket"))}})
            }
            "pusher" if accepts.contains(&p) => json!({"provider": name("pusher"), "credentials": {
                "app_key": s.pusher_key.clone().unwrap_or_else(|| crate::pusher::FAKE_PUSHER_KEY.to_owned()),
                "cluster": s.pusher_cluster.clone().unwrap_or_else(|| FAKE_PUSHER_CLUSTER.to_owned())}}),
            "centrifugo" | "pusher" => continue,
            other => json!({"provider": name(other), "credentials": {"key": "x"}}),
        };
        connections.push(entry);
        if !s.answer_all {
            break;
        }
    }
    let mut data = json!({"connections": connections});
    if let Some(m) = &s.mode {
        data["mode"] = json!(name(m));
    }
    Json(json!({"data": data})).into_response()
}

async fn global_descriptor(State(fake): State<AppState>, body: Bytes) -> Response {
    descriptor(fake, body, None).await
}

async fn chat_descriptor(
    State(fake): State<AppState>,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> Response {
    match channel_id.parse::<u64>() {
        Ok(id) => descriptor(fake, body, Some(id)).await,
        Err(_) => (
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Not found", "data": null})),
        )
            .into_response(),
    }
}

async fn token(State(fake): State<AppState>, body: Bytes) -> Response {
    let n = &fake.negotiation;
    n.token_requests.fetch_add(1, Ordering::Relaxed);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    n.remember("token", &body);
    let Some(client_id) = body["client_id"].as_str().filter(|c| !c.is_empty()) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "The client id field is required.", "data": null})),
        )
            .into_response();
    };
    let s = n.token.lock().unwrap().clone();
    let refresh = {
        let mut c = n.clients.lock().unwrap();
        let count = c.entry(client_id.to_owned()).or_default();
        *count += 1;
        *count > 1
    };
    if s.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(s.delay_ms)).await;
    }
    if let Some(kind) = s.fail.as_deref() {
        if !s.refresh_only || refresh {
            n.token_refusals.fetch_add(1, Ordering::Relaxed);
            match kind {
                "no_token" => {
                    return Json(json!({"data": {}, "message": "success"})).into_response()
                }
                "illegal" => {
                    return Json(
                        json!({"data": {"token": "not a token\n<script>"}, "message": "success"}),
                    )
                    .into_response()
                }
                k => {
                    if let Some(r) = failure(k).await {
                        return r;
                    }
                }
            }
        }
    }
    let token = n.issue(client_id, Duration::from_secs(s.ttl_secs));
    Json(json!({"data": {"token": token}, "message": "success"})).into_response()
}

async fn get_descriptor(State(fake): State<AppState>) -> Json<DescriptorSettings> {
    Json(fake.negotiation.descriptor.lock().unwrap().clone())
}

/// Replaces the descriptor settings (missing fields = defaults).
async fn set_descriptor(
    State(fake): State<AppState>,
    Json(s): Json<DescriptorSettings>,
) -> Json<DescriptorSettings> {
    *fake.negotiation.descriptor.lock().unwrap() = s.clone();
    Json(s)
}

async fn get_token(State(fake): State<AppState>) -> Json<TokenSettings> {
    Json(fake.negotiation.token.lock().unwrap().clone())
}

/// Replaces the token settings (missing fields = defaults).
async fn set_token(
    State(fake): State<AppState>,
    Json(s): Json<TokenSettings>,
) -> Json<TokenSettings> {
    *fake.negotiation.token.lock().unwrap() = s.clone();
    Json(s)
}

async fn stats(State(fake): State<AppState>) -> Json<Value> {
    let n = &fake.negotiation;
    let h = &fake.realtime;
    Json(json!({
        "descriptor_requests": n.descriptor_requests.load(Ordering::Relaxed),
        "token_requests": n.token_requests.load(Ordering::Relaxed),
        "token_refusals": n.token_refusals.load(Ordering::Relaxed),
        "centrifugo_connections": h.centrifugo_connections.load(Ordering::Relaxed),
        "centrifugo_total": h.centrifugo_total.load(Ordering::Relaxed),
        "centrifugo_connects": h.centrifugo_connects.load(Ordering::Relaxed),
        "centrifugo_batched_frames": h.centrifugo_batched_frames.load(Ordering::Relaxed),
        "centrifugo_batched_out": h.centrifugo_batched_out.load(Ordering::Relaxed),
        "pusher_connections": h.connections.load(Ordering::Relaxed),
        "pusher_total": h.total_connections.load(Ordering::Relaxed),
        "subscriptions": h.subscribed.lock().unwrap().clone(),
        "published": h.published.load(Ordering::Relaxed),
        "lagged": h.lagged.load(Ordering::Relaxed),
    }))
}
