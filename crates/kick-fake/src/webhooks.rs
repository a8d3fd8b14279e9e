//! Webhook signing keys, event subscriptions and signed deliveries
//! (API.md §3.7, §3.8, §5). The fake signs with its own key (RSA-2048 like
//! Kick's, or Ed25519 on request) and serves it at `/public/v1/public-key`.

use crate::social::WEBHOOK_EVENT_TYPES;
use crate::state::{AppState, Fake, Metrics, WebhookKeyType};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One event subscription.
#[derive(Clone, Debug)]
pub struct FakeSubscription {
    pub id: String,
    pub app_id: String,
    pub broadcaster_user_id: u64,
    pub event: String,
    pub version: u64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Failed deliveries in a row; at `auto_unsubscribe_after` it is removed.
    pub failures: u32,
}

#[derive(Debug)]
pub struct WebhookState {
    pub subscriptions: BTreeMap<String, FakeSubscription>,
    /// Where deliveries go (set by a test through `/_fake/webhooks/target`).
    pub target: Option<String>,
    /// Send the next N deliveries twice (Kick's observed duplicates).
    pub duplicate_next: u32,
    /// Kick unsubscribes after "over a day" of failures; scaled down to N.
    pub auto_unsubscribe_after: u32,
    /// Per-event-type cap per app (Kick: 10 000; chat 1 000 unverified).
    pub limit_per_event: usize,
    pub limit_chat: usize,
}

impl Default for WebhookState {
    fn default() -> Self {
        WebhookState {
            subscriptions: BTreeMap::new(),
            target: None,
            duplicate_next: 0,
            auto_unsubscribe_after: 5,
            limit_per_event: 10_000,
            limit_chat: 1_000,
        }
    }
}

pub struct WebhookKeys {
    pub kind: WebhookKeyType,
    pub public_pem: String,
    signer: Signer,
}

enum Signer {
    Rsa(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

impl std::fmt::Debug for WebhookKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookKeys")
            .field("kind", &self.kind)
            .finish()
    }
}

impl WebhookKeys {
    /// A fresh key pair (RSA-2048 takes a moment: call off the async runtime).
    pub fn generate(kind: WebhookKeyType) -> Self {
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        let mut rng = rand::thread_rng();
        match kind {
            WebhookKeyType::Rsa => {
                let private = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
                let public_pem = private
                    .to_public_key()
                    .to_public_key_pem(LineEnding::LF)
                    .expect("PEM encoding");
                WebhookKeys {
                    kind,
                    public_pem,
                    signer: Signer::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(private))),
                }
            }
            WebhookKeyType::Ed25519 => {
                let sk = ed25519_dalek::SigningKey::generate(&mut rng);
                let public_pem = sk
                    .verifying_key()
                    .to_public_key_pem(LineEnding::LF)
                    .expect("PEM encoding");
                WebhookKeys {
                    kind,
                    public_pem,
                    signer: Signer::Ed25519(Box::new(sk)),
                }
            }
        }
    }

    /// Base64 signature over `message_id.timestamp.body`, as Kick sends it.
    pub fn sign(&self, message_id: &str, timestamp: &str, body: &[u8]) -> String {
        let mut signed = Vec::with_capacity(body.len() + 64);
        signed.extend_from_slice(message_id.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(timestamp.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(body);
        let sig: Vec<u8> = match &self.signer {
            Signer::Rsa(k) => {
                use rsa::signature::{SignatureEncoding, Signer as _};
                k.sign(&signed).to_vec()
            }
            Signer::Ed25519(k) => {
                use ed25519_dalek::Signer as _;
                k.sign(&signed).to_bytes().to_vec()
            }
        };
        base64::engine::general_purpose::STANDARD.encode(sig)
    }
}

/// The headers and body of one delivery (built once, sent once or twice).
#[derive(Clone, Debug)]
pub struct SignedDelivery {
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

pub fn build_delivery(
    fake: &Fake,
    sub_id: &str,
    event_type: &str,
    payload: &Value,
    timestamp: chrono::DateTime<chrono::Utc>,
) -> SignedDelivery {
    let message_id = ulid::Ulid::new().to_string();
    let ts = timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body = serde_json::to_vec(payload).expect("JSON");
    let sig = fake.webhook_keys.sign(&message_id, &ts, &body);
    SignedDelivery {
        headers: vec![
            ("Kick-Event-Message-Id", message_id),
            ("Kick-Event-Subscription-Id", sub_id.to_owned()),
            ("Kick-Event-Signature", sig),
            ("Kick-Event-Message-Timestamp", ts),
            ("Kick-Event-Type", event_type.to_owned()),
            ("Kick-Event-Version", "1".to_owned()),
            ("Content-Type", "application/json".to_owned()),
        ],
        body,
    }
}

/// Starts the task that delivers events to the configured webhook target.
pub fn spawn_delivery(fake: AppState) {
    let mut rx = fake.events.subscribe();
    let weak = Arc::downgrade(&fake);
    drop(fake);
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("HTTP client");
        loop {
            let ev = match rx.recv().await {
                Ok(ev) => ev,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            let Some(fake) = weak.upgrade() else { break };
            if !WEBHOOK_EVENT_TYPES.contains(&ev.event_type.as_str()) {
                continue; // internal events are never delivered
            }
            let (target, subs, dup) = {
                let mut w = fake.world.lock().unwrap();
                let subs: Vec<String> = w
                    .webhooks
                    .subscriptions
                    .values()
                    .filter(|s| {
                        s.event == ev.event_type && s.broadcaster_user_id == ev.broadcaster_user_id
                    })
                    .map(|s| s.id.clone())
                    .collect();
                let dup = !subs.is_empty() && w.webhooks.duplicate_next > 0;
                if dup {
                    w.webhooks.duplicate_next -= 1;
                }
                (w.webhooks.target.clone(), subs, dup)
            };
            let Some(target) = target else { continue };
            for sub in subs {
                let d =
                    build_delivery(&fake, &sub, &ev.event_type, &ev.payload, chrono::Utc::now());
                let times = if dup { 2 } else { 1 };
                for _ in 0..times {
                    let mut req = http.post(&target).body(d.body.clone());
                    for (k, v) in &d.headers {
                        req = req.header(*k, v);
                    }
                    let ok = matches!(req.send().await, Ok(r) if r.status().is_success());
                    note_result(&fake, &sub, ok);
                }
            }
        }
    });
}

fn note_result(fake: &Fake, sub_id: &str, ok: bool) {
    if ok {
        Metrics::bump(&fake.metrics.webhooks_delivered);
    } else {
        Metrics::bump(&fake.metrics.webhooks_failed);
    }
    let mut w = fake.world.lock().unwrap();
    let limit = w.webhooks.auto_unsubscribe_after;
    let remove = match w.webhooks.subscriptions.get_mut(sub_id) {
        Some(s) if ok => {
            s.failures = 0;
            false
        }
        Some(s) => {
            s.failures += 1;
            s.failures >= limit
        }
        None => false,
    };
    if remove {
        tracing::info!(sub_id, "auto-unsubscribed after repeated delivery failures");
        w.webhooks.subscriptions.remove(sub_id);
    }
}

#[derive(serde::Deserialize)]
struct Target {
    url: String,
}

async fn set_target(State(fake): State<AppState>, Json(t): Json<Target>) -> Json<Value> {
    let ok = url::Url::parse(&t.url)
        .ok()
        .is_some_and(|u| matches!(u.host_str(), Some("127.0.0.1" | "localhost")));
    if ok {
        fake.world.lock().unwrap().webhooks.target = Some(t.url);
    }
    Json(json!({"ok": ok}))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Knobs {
    duplicate_next: Option<u32>,
    auto_unsubscribe_after: Option<u32>,
    limit_chat: Option<usize>,
}

async fn set_knobs(State(fake): State<AppState>, Json(k): Json<Knobs>) -> Json<Value> {
    let mut w = fake.world.lock().unwrap();
    if let Some(n) = k.duplicate_next {
        w.webhooks.duplicate_next = n;
    }
    if let Some(n) = k.auto_unsubscribe_after {
        w.webhooks.auto_unsubscribe_after = n.max(1);
    }
    if let Some(n) = k.limit_chat {
        w.webhooks.limit_chat = n;
    }
    Json(json!({"ok": true}))
}

#[derive(serde::Deserialize)]
struct Emit {
    event_type: String,
    broadcaster_user_id: u64,
    payload: Value,
}

async fn emit(State(fake): State<AppState>, Json(e): Json<Emit>) -> Json<Value> {
    fake.emit(&e.event_type, e.broadcaster_user_id, e.payload);
    Json(json!({"ok": true}))
}

pub fn control_routes() -> Router<AppState> {
    Router::new()
        .route("/_fake/webhooks/target", post(set_target))
        .route("/_fake/webhooks/settings", post(set_knobs))
        .route("/_fake/webhooks/emit", post(emit))
}
