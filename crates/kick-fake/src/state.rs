//! The fake's shared state: configuration, the world behind one mutex,
//! fault injection, counters for tests, and an event bus that webhook
//! delivery (and later the chat socket) listens to.

use crate::faults::Faults;
use crate::world::World;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// How the fake is set up. Every field has a realistic default.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// 0 = any free port. Always bound on 127.0.0.1.
    pub port: u16,
    /// Redirect from `/oauth/authorize` at once instead of showing a consent page.
    pub auto_approve: bool,
    /// The registered app. `None` = generated (a ULID and a random secret).
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Redirect URIs registered for the app (exact match, as Kick does).
    pub redirect_uris: Vec<String>,
    /// Kick's observed lifetimes: 7200 s for user tokens, 60 days for app tokens.
    pub user_token_ttl: Duration,
    pub app_token_ttl: Duration,
    /// Authorization codes live this long and work once.
    pub code_ttl: Duration,
    /// Refresh tokens of a grant stop working this long after the user
    /// authorized it; refreshing does not extend it. Developers report 30
    /// days at Kick (API.md §2.3). `None` = never.
    pub refresh_token_lifetime: Option<Duration>,
    /// Serve the `/_fake/*` control routes (tests, the CLI). Kickstand's
    /// embedded demo turns them off: any local process could use them.
    pub control_routes: bool,
    /// Chat messages the fake remembers (for replies and deletes); older ones are forgotten.
    pub max_chat_messages: usize,
    /// Chat publications kept for `/_fake/realtime/replay` (a history refill
    /// after a reconnect). Each costs about 2 KB: at 100 msg/s the default
    /// fills in a few minutes, so an embedding that never replays keeps few.
    pub replay_chat: usize,
    /// Realtime events buffered for sockets that fall behind (each slot is
    /// allocated up front: 65,536 is ~4 MiB, sized for the 20,000 msg/s
    /// benchmarks); a socket further behind misses events (counted as lagged).
    pub realtime_buffer: usize,
    /// Strict refresh: a used refresh token stops working. Kick's default
    /// since 2025-11-25 is lenient (reuse allowed), so this is off.
    pub strict_refresh: bool,
    /// Key type for webhook signatures: Kick's real key is RSA-2048.
    pub webhook_key: WebhookKeyType,
    /// How often the demo world moves (viewer counts drift). `None` = frozen.
    pub world_tick: Option<Duration>,
    /// Seed for the generated world (same seed, same world).
    pub seed: u64,
    /// Generated chat messages per second into every subscribed chatroom.
    pub chat_rate: Option<f64>,
    /// `activity_timeout` the chat socket announces, seconds (Pusher: 120).
    pub pusher_activity_timeout: u64,
    /// Run a real RTMP ingest (nginx-rtmp child process) that takes channels
    /// live on publish; `None` = no ingest (channels keep Kick's URL form).
    pub ingest: Option<crate::ingest::IngestConfig>,
    /// Lifetime of realtime (Centrifugo) tokens. Kick: 2699 s.
    pub realtime_token_ttl: Duration,
    /// The Centrifugo endpoint's timers and switches.
    pub centrifugo: crate::centrifugo::CentrifugoSettings,
    /// The demo evening: while the streamer is live, follows, subs, gifts,
    /// KICKs, redemptions, a host and a timeout play by themselves
    /// (`crate::evening`). `None` = off (tests trigger actions themselves).
    pub evening: Option<crate::evening::EveningConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookKeyType {
    Rsa,
    Ed25519,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            port: 0,
            auto_approve: false,
            client_id: None,
            client_secret: None,
            redirect_uris: vec![DEFAULT_REDIRECT_URI.to_owned()],
            user_token_ttl: Duration::from_secs(7200),
            app_token_ttl: Duration::from_secs(5_184_000),
            code_ttl: Duration::from_secs(600),
            strict_refresh: false,
            refresh_token_lifetime: Some(Duration::from_secs(30 * 24 * 3600)),
            control_routes: true,
            max_chat_messages: 10_000,
            replay_chat: crate::hub::RECENT_CHAT,
            realtime_buffer: 65_536,
            webhook_key: WebhookKeyType::Rsa,
            world_tick: Some(Duration::from_secs(5)),
            seed: 42,
            chat_rate: None,
            pusher_activity_timeout: 120,
            ingest: None,
            realtime_token_ttl: Duration::from_secs(2699),
            centrifugo: Default::default(),
            evening: None,
        }
    }
}

/// The redirect URI registered by default: Kickstand's loopback listener.
/// `localhost`, not 127.0.0.1, because Kick rewrites the first 127.0.0.1.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:53682/callback";

/// The registered Kick app.
#[derive(Clone, Debug)]
pub struct RegisteredApp {
    pub client_id: String,
    pub client_secret: String,
    pub app_id: String,
    pub redirect_uris: Vec<String>,
}

/// Something that happened in the fake world that Kick would announce
/// (webhook event type names, API.md §5.5).
#[derive(Clone, Debug, Serialize)]
pub struct FakeEvent {
    /// e.g. `chat.message.sent`, `livestream.status.updated`.
    pub event_type: String,
    pub broadcaster_user_id: u64,
    /// The webhook body Kick would send.
    pub payload: serde_json::Value,
}

/// Counters tests assert on (served at `/_fake/metrics`).
#[derive(Default, Debug)]
pub struct Metrics {
    pub token_authorization_code: AtomicU64,
    pub token_refresh: AtomicU64,
    pub token_client_credentials: AtomicU64,
    pub api_requests: AtomicU64,
    pub injected_429: AtomicU64,
    pub injected_500: AtomicU64,
    pub webhooks_delivered: AtomicU64,
    pub webhooks_failed: AtomicU64,
    /// Deliveries not sent because the delivery queue was full.
    pub webhooks_dropped: AtomicU64,
    /// Actions the demo evening played.
    pub evening_actions: AtomicU64,
}

impl Metrics {
    pub fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> serde_json::Value {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        serde_json::json!({
            "token_authorization_code": g(&self.token_authorization_code),
            "token_refresh": g(&self.token_refresh),
            "token_client_credentials": g(&self.token_client_credentials),
            "api_requests": g(&self.api_requests),
            "injected_429": g(&self.injected_429),
            "injected_500": g(&self.injected_500),
            "webhooks_delivered": g(&self.webhooks_delivered),
            "webhooks_failed": g(&self.webhooks_failed),
            "webhooks_dropped": g(&self.webhooks_dropped),
            "evening_actions": g(&self.evening_actions),
        })
    }
}

pub struct Fake {
    pub config: FakeConfig,
    pub app: RegisteredApp,
    /// Base URL of this server, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    pub world: Mutex<World>,
    pub faults: Faults,
    pub metrics: Metrics,
    pub events: broadcast::Sender<FakeEvent>,
    pub webhook_keys: crate::webhooks::WebhookKeys,
    pub ingest: crate::ingest::IngestState,
    /// The realtime hub both socket transports (Pusher, Centrifugo) read.
    pub realtime: crate::hub::RealtimeHub,
    /// Descriptors and realtime tokens (REALTIME.md §b).
    pub negotiation: crate::negotiation::Negotiation,
    pub centrifugo: crate::centrifugo::CentrifugoState,
    /// The demo evening's switch and the streamer's live state it follows.
    pub evening: crate::evening::EveningRuntime,
}

pub type AppState = Arc<Fake>;

impl Fake {
    /// Announces an event (webhook deliveries and other listeners pick it up).
    pub fn emit(&self, event_type: &str, broadcaster_user_id: u64, payload: serde_json::Value) {
        let _ = self.events.send(FakeEvent {
            event_type: event_type.to_owned(),
            broadcaster_user_id,
            payload,
        });
    }
}
