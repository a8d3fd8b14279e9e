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
    /// Send the next N deliveries twice (Kick's observed duplicates; the
    /// same `Kick-Event-Message-Id`, body and signature).
    pub duplicate_next: u32,
    /// Kick unsubscribes after "over a day" of failures; scaled down to N.
    pub auto_unsubscribe_after: u32,
    /// Per-event-type cap per app (Kick: 10 000; chat 1 000 unverified).
    pub limit_per_event: usize,
    pub limit_chat: usize,
    /// Every delivery leaves this long after its event.
    pub delay: std::time::Duration,
    /// The next N deliveries are held and sent in reverse order (a
    /// shorter batch is let go after [`REORDER_WAIT`]).
    pub reorder_next: u32,
    /// The next N deliveries carry a signature that does not verify.
    pub bad_signature_next: u32,
    /// The next N deliveries carry a timestamp [`STALE_BY`] old (validly
    /// signed: only a freshness check refuses them).
    pub stale_next: u32,
}

/// Largest N a knob takes.
pub const MAX_KNOB: u32 = 10_000;
/// Most deliveries one reorder batch holds.
pub const MAX_REORDER: u32 = 1_000;
/// Longest delivery delay.
pub const MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(60);
/// Deliveries waiting to be sent; more are dropped (and counted).
pub const QUEUE: usize = 10_000;
/// How long an incomplete reorder batch waits for more deliveries.
pub const REORDER_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
/// How old a stale delivery's timestamp is (a receiver allows ±5 minutes).
pub const STALE_BY: chrono::Duration = chrono::Duration::minutes(10);

impl Default for WebhookState {
    fn default() -> Self {
        WebhookState {
            subscriptions: BTreeMap::new(),
            target: None,
            duplicate_next: 0,
            auto_unsubscribe_after: 5,
            limit_per_event: 10_000,
            limit_chat: 1_000,
            delay: std::time::Duration::ZERO,
            reorder_next: 0,
            bad_signature_next: 0,
            stale_next: 0,
        }
    }
}

/// The fake's webhook signing key. RSA-2048 generation takes 0.2–0.3 s, which
/// was most of the demo's start (the window waits for the demo's fake): the
/// pair is made on a thread of its own while the fake starts serving, and the
/// first use (the public key route, a signature) waits for it if it must.
pub struct WebhookKeys {
    pub kind: WebhookKeyType,
    pair: std::sync::Arc<std::sync::OnceLock<KeyPair>>,
}

struct KeyPair {
    public_pem: String,
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

impl KeyPair {
    fn generate(kind: WebhookKeyType) -> Self {
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        let mut rng = rand::thread_rng();
        match kind {
            WebhookKeyType::Rsa => {
                let private = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
                let public_pem = private
                    .to_public_key()
                    .to_public_key_pem(LineEnding::LF)
                    .expect("PEM encoding");
                KeyPair {
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
                KeyPair {
                    public_pem,
                    signer: Signer::Ed25519(Box::new(sk)),
                }
            }
        }
    }
}

impl WebhookKeys {
    /// A fresh key pair, generated in the background (see the type).
    pub fn generate(kind: WebhookKeyType) -> Self {
        let pair = std::sync::Arc::new(std::sync::OnceLock::new());
        let p = pair.clone();
        std::thread::spawn(move || {
            p.get_or_init(|| KeyPair::generate(kind));
        });
        WebhookKeys { kind, pair }
    }

    /// The pair; blocks until the background generation is done (at most a
    /// few hundred ms, only right after start).
    fn pair(&self) -> &KeyPair {
        self.pair.get_or_init(|| KeyPair::generate(self.kind))
    }

    /// The public key, PEM, as `GET /public/v1/public-key` serves it.
    pub fn public_pem(&self) -> &str {
        &self.pair().public_pem
    }

    /// Base64 signature over `message_id.timestamp.body`, as Kick sends it.
    pub fn sign(&self, message_id: &str, timestamp: &str, body: &[u8]) -> String {
        let mut signed = Vec::with_capacity(body.len() + 64);
        signed.extend_from_slice(message_id.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(timestamp.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(body);
        let sig: Vec<u8> = match &self.pair().signer {
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

/// One delivery on its way.
struct Job {
    target: String,
    sub_id: String,
    delivery: SignedDelivery,
    /// 2 = sent twice (a duplicate).
    times: u8,
    due: tokio::time::Instant,
}

/// Takes one from a knob's counter; true when it was set.
fn take(n: &mut u32) -> bool {
    let hit = *n > 0;
    *n = n.saturating_sub(1);
    hit
}

/// Starts the delivery of announced events to the configured webhook
/// target: one signed delivery per matching subscription, with the
/// knobs of [`WebhookState`] applied (duplicates, delay, reordering, bad
/// signatures, stale timestamps). Deliveries leave one at a time, in order
/// (unless reordered), each `delay` after its event; failures are not
/// retried (Kick's observed behaviour) and count towards auto-unsubscribe.
pub fn spawn_delivery(fake: AppState) {
    let mut rx = fake.events.subscribe();
    let weak = Arc::downgrade(&fake);
    drop(fake);
    let (tx, mut queue) = tokio::sync::mpsc::channel::<Job>(QUEUE);
    let sender_weak = weak.clone();
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("HTTP client");
        while let Some(job) = queue.recv().await {
            tokio::time::sleep_until(job.due).await;
            let Some(fake) = sender_weak.upgrade() else {
                break;
            };
            for _ in 0..job.times {
                let mut req = http.post(&job.target).body(job.delivery.body.clone());
                for (k, v) in &job.delivery.headers {
                    req = req.header(*k, v);
                }
                let ok = matches!(req.send().await, Ok(r) if r.status().is_success());
                note_result(&fake, &job.sub_id, ok);
            }
        }
    });
    tokio::spawn(async move {
        // Deliveries held for reordering, and when the batch began.
        let mut held: Vec<Job> = Vec::new();
        let mut held_since = tokio::time::Instant::now();
        loop {
            let next = if held.is_empty() {
                rx.recv().await
            } else {
                match tokio::time::timeout_at(held_since + REORDER_WAIT, rx.recv()).await {
                    Ok(r) => r,
                    Err(_) => {
                        // The batch did not fill: let it go as it is.
                        if let Some(fake) = weak.upgrade() {
                            fake.world.lock().unwrap().webhooks.reorder_next = 0;
                        }
                        flush(&weak, &tx, &mut held);
                        continue;
                    }
                }
            };
            let ev = match next {
                Ok(ev) => ev,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            let Some(fake) = weak.upgrade() else { break };
            if !WEBHOOK_EVENT_TYPES.contains(&ev.event_type.as_str()) {
                continue; // internal events are never delivered
            }
            // What to send, decided under the lock; signed after it.
            let (target, plan) = {
                let mut w = fake.world.lock().unwrap();
                let Some(target) = w.webhooks.target.clone() else {
                    continue;
                };
                let subs: Vec<String> = w
                    .webhooks
                    .subscriptions
                    .values()
                    .filter(|s| {
                        s.event == ev.event_type && s.broadcaster_user_id == ev.broadcaster_user_id
                    })
                    .map(|s| s.id.clone())
                    .collect();
                let k = &mut w.webhooks;
                let plan: Vec<Plan> = subs
                    .into_iter()
                    .map(|sub_id| {
                        let times = if take(&mut k.duplicate_next) { 2 } else { 1 };
                        let stale = take(&mut k.stale_next);
                        let bad = take(&mut k.bad_signature_next);
                        let reorder = take(&mut k.reorder_next);
                        Plan {
                            sub_id,
                            times,
                            stale,
                            bad,
                            reorder,
                            batch_done: reorder && k.reorder_next == 0,
                            delay: k.delay,
                        }
                    })
                    .collect();
                (target, plan)
            };
            for p in plan {
                let mut ts = chrono::Utc::now();
                if p.stale {
                    ts -= STALE_BY;
                }
                let mut delivery =
                    build_delivery(&fake, &p.sub_id, &ev.event_type, &ev.payload, ts);
                if p.bad {
                    spoil_signature(&mut delivery);
                }
                let job = Job {
                    target: target.clone(),
                    sub_id: p.sub_id,
                    delivery,
                    times: p.times,
                    due: tokio::time::Instant::now() + p.delay,
                };
                if p.reorder {
                    if held.is_empty() {
                        held_since = tokio::time::Instant::now();
                    }
                    held.push(job);
                    if p.batch_done {
                        flush(&weak, &tx, &mut held);
                    }
                } else {
                    enqueue(&fake, &tx, job);
                }
            }
        }
    });
}

/// The knobs one delivery gets.
struct Plan {
    sub_id: String,
    times: u8,
    stale: bool,
    bad: bool,
    reorder: bool,
    batch_done: bool,
    delay: std::time::Duration,
}

/// Sends the held batch in reverse order.
fn flush(weak: &std::sync::Weak<Fake>, tx: &tokio::sync::mpsc::Sender<Job>, held: &mut Vec<Job>) {
    let Some(fake) = weak.upgrade() else {
        held.clear();
        return;
    };
    let now = tokio::time::Instant::now();
    for mut job in held.drain(..).rev() {
        job.due = job.due.max(now);
        enqueue(&fake, tx, job);
    }
}

fn enqueue(fake: &Fake, tx: &tokio::sync::mpsc::Sender<Job>, job: Job) {
    if tx.try_send(job).is_err() {
        Metrics::bump(&fake.metrics.webhooks_dropped);
    }
}

/// Flips one bit of the signature: still base64 of the right length,
/// no longer valid.
fn spoil_signature(d: &mut SignedDelivery) {
    for (k, v) in &mut d.headers {
        if *k == "Kick-Event-Signature" {
            let mut raw = base64::engine::general_purpose::STANDARD
                .decode(v.as_bytes())
                .unwrap_or_default();
            if let Some(b) = raw.get_mut(7) {
                *b ^= 0x10;
            }
            *v = base64::engine::general_purpose::STANDARD.encode(raw);
        }
    }
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
    delay_ms: Option<u64>,
    reorder_next: Option<u32>,
    bad_signature_next: Option<u32>,
    stale_next: Option<u32>,
}

/// `POST /_fake/webhooks/settings` with any of `duplicate_next`,
/// `delay_ms`, `reorder_next`, `bad_signature_next`, `stale_next` (counts
/// of the next deliveries), `auto_unsubscribe_after`, `limit_chat`; all
/// clamped. Answers the settings now in force.
async fn set_knobs(State(fake): State<AppState>, Json(k): Json<Knobs>) -> Json<Value> {
    let mut w = fake.world.lock().unwrap();
    let s = &mut w.webhooks;
    if let Some(n) = k.duplicate_next {
        s.duplicate_next = n.min(MAX_KNOB);
    }
    if let Some(n) = k.auto_unsubscribe_after {
        s.auto_unsubscribe_after = n.clamp(1, MAX_KNOB);
    }
    if let Some(n) = k.limit_chat {
        s.limit_chat = n.min(s.limit_per_event);
    }
    if let Some(ms) = k.delay_ms {
        s.delay = std::time::Duration::from_millis(ms).min(MAX_DELAY);
    }
    if let Some(n) = k.reorder_next {
        s.reorder_next = n.min(MAX_REORDER);
    }
    if let Some(n) = k.bad_signature_next {
        s.bad_signature_next = n.min(MAX_KNOB);
    }
    if let Some(n) = k.stale_next {
        s.stale_next = n.min(MAX_KNOB);
    }
    Json(json!({
        "ok": true,
        "duplicate_next": s.duplicate_next,
        "auto_unsubscribe_after": s.auto_unsubscribe_after,
        "limit_chat": s.limit_chat,
        "delay_ms": s.delay.as_millis() as u64,
        "reorder_next": s.reorder_next,
        "bad_signature_next": s.bad_signature_next,
        "stale_next": s.stale_next,
    }))
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
