//! Kick's webhooks, for streamers who can expose a URL: the subscriptions
//! manager (what Kick should send, re-created when Kick silently drops one)
//! and the receiver, a local HTTP listener the streamer exposes with their
//! own tunnel. Every delivery is verified (kick-api's verifier: signature,
//! ±5 min freshness), deduplicated on `Kick-Event-Message-Id` with the ids
//! kept in the store for a day (a restart does not forget them), and
//! answered at once; the feed gets the event after the answer. Forged,
//! tampered, stale, foreign and replayed deliveries are refused and
//! counted, never shown.

use super::Core;
use crate::dto::{NoticeLevel, WebhookEventState, WebhookStatus, WebhookSubscriptions};
use crate::error::{AppError, AppResult, ErrorCode, ErrorField};
use crate::feed::model::Source;
use crate::feed::FeedService;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use kick_api::endpoints::events::EventSpec;
use kick_api::webhook::{WebhookError, WebhookEvent, WebhookVerifier};
use kick_api::SubscriptionId;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// The path the receiver answers on.
pub const PATH: &str = "/kick/webhook";
/// Kick's bodies are a few KiB; anything much bigger is refused unread.
pub const MAX_BODY: usize = 256 * 1024;
/// How often the subscriptions are compared with what the streamer wants.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(300);

/// The event types Kick delivers (API.md §5.5), all version 1, with a line
/// for the subscriptions screen.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    ("channel.followed", "Follows, with the follower's name"),
    ("channel.subscription.new", "New subscribers"),
    ("channel.subscription.renewal", "Resubscriptions"),
    ("channel.subscription.gifts", "Gifted subs"),
    ("kicks.gifted", "KICKs gifts"),
    (
        "channel.reward.redemption.updated",
        "Reward redemptions and their state",
    ),
    ("livestream.status.updated", "Stream started or ended"),
    ("livestream.metadata.updated", "Title or category changed"),
    ("moderation.banned", "Bans and timeouts"),
    (
        "chat.message.sent",
        "Every chat message (busy; the socket has them too)",
    ),
];

/// What the feed wants by default: everything but chat.
pub fn default_wanted() -> Vec<String> {
    EVENT_TYPES
        .iter()
        .map(|(t, _)| t.to_string())
        .filter(|t| t != "chat.message.sent")
        .collect()
}

#[derive(Default)]
pub(crate) struct Counts {
    pub received: AtomicU64,
    pub accepted: AtomicU64,
    pub forged: AtomicU64,
    pub stale: AtomicU64,
    pub replayed: AtomicU64,
    pub too_large: AtomicU64,
    pub foreign: AtomicU64,
    pub malformed: AtomicU64,
    pub last_error: Mutex<Option<String>>,
}

struct Shared {
    verifier: WebhookVerifier,
    feed: FeedService,
    counts: Arc<Counts>,
    /// Our subscription ids; a delivery for another is refused (a valid
    /// signature only proves Kick sent it to *some* app, API.md §5.3).
    ours: Arc<RwLock<HashSet<String>>>,
}

/// A running receiver: stops (and frees its port) when dropped.
pub(crate) struct Receiver {
    pub port: u16,
    pub counts: Arc<Counts>,
    pub ours: Arc<RwLock<HashSet<String>>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the listener on 127.0.0.1:`port` (0 = any).
pub(crate) async fn start_receiver(
    port: u16,
    verifier: WebhookVerifier,
    feed: FeedService,
) -> Result<Receiver, String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("could not listen on 127.0.0.1:{port} ({e})"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let counts = Arc::new(Counts::default());
    let ours = Arc::new(RwLock::new(HashSet::new()));
    let shared = Arc::new(Shared {
        verifier,
        feed,
        counts: counts.clone(),
        ours: ours.clone(),
    });
    let app = Router::new()
        .route(PATH, post(deliver))
        .with_state(shared)
        .layer(axum::extract::DefaultBodyLimit::disable());
    let (stop, mut rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|s| *s).await;
            })
            .await;
    });
    Ok(Receiver {
        port,
        counts,
        ours,
        stop,
    })
}

fn note(counts: &Counts, c: &AtomicU64, why: String) {
    c.fetch_add(1, Ordering::Relaxed);
    *counts.last_error.lock().unwrap() = Some(why);
}

async fn deliver(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> StatusCode {
    let c = &s.counts;
    c.received.fetch_add(1, Ordering::Relaxed);
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            note(
                c,
                &c.too_large,
                format!("a delivery over {} KiB was refused", MAX_BODY / 1024),
            );
            return StatusCode::PAYLOAD_TOO_LARGE;
        }
    };
    let delivery = match s.verifier.verify(&headers, &body).await {
        Ok(d) => d,
        Err(WebhookError::Duplicate) => {
            // Kick delivers at least once: acknowledge, do nothing.
            c.replayed.fetch_add(1, Ordering::Relaxed);
            return StatusCode::OK;
        }
        Err(e @ (WebhookError::Stale | WebhookError::BadTimestamp(_))) => {
            note(c, &c.stale, format!("a delivery was refused: {e}"));
            return StatusCode::BAD_REQUEST;
        }
        Err(e) => {
            note(c, &c.forged, format!("a delivery was refused: {e}"));
            return StatusCode::UNAUTHORIZED;
        }
    };
    if let Some(sub) = &delivery.subscription_id {
        let ours = s.ours.read().unwrap();
        if !ours.is_empty() && !ours.contains(sub) {
            note(
                c,
                &c.foreign,
                "a delivery for another app's subscription was refused".into(),
            );
            return StatusCode::FORBIDDEN;
        }
    }
    // Seen in an earlier run (ids are kept for a day).
    let now = chrono::Utc::now().timestamp_millis();
    if !s.feed.store().first_seen(&delivery.message_id, now).await {
        c.replayed.fetch_add(1, Ordering::Relaxed);
        return StatusCode::OK;
    }
    match WebhookEvent::parse(&delivery.event_type, &body) {
        Ok(ev) => {
            c.accepted.fetch_add(1, Ordering::Relaxed);
            // The answer goes out now; the feed takes it from here.
            let feed = s.feed.clone();
            tokio::spawn(async move {
                for input in crate::feed::sources::from_webhook(&ev) {
                    feed.input(input, Source::Webhook);
                }
            });
        }
        Err(e) => {
            // Kick sent it; we could not read it. Acknowledge and say so.
            note(
                c,
                &c.malformed,
                format!("a {} delivery could not be read: {e}", delivery.event_type),
            );
        }
    }
    StatusCode::OK
}

impl Core {
    /// The receiver's state and counters.
    pub fn webhook_status(&self) -> WebhookStatus {
        let settings = self.settings();
        let s = self.inner.session.lock().unwrap();
        let r = s.live().and_then(|l| l.receiver.as_ref());
        let n = |f: fn(&Counts) -> &AtomicU64| {
            r.map(|r| f(&r.counts).load(Ordering::Relaxed)).unwrap_or(0)
        };
        WebhookStatus {
            enabled: settings.webhook_receiver,
            running: r.is_some(),
            port: r.map(|r| r.port).unwrap_or(settings.webhook_port),
            local_url: r.map(|r| format!("http://127.0.0.1:{}{PATH}", r.port)),
            received: n(|c| &c.received),
            accepted: n(|c| &c.accepted),
            forged: n(|c| &c.forged),
            stale: n(|c| &c.stale),
            replayed: n(|c| &c.replayed),
            too_large: n(|c| &c.too_large),
            foreign: n(|c| &c.foreign),
            malformed: n(|c| &c.malformed),
            last_error: r.and_then(|r| r.counts.last_error.lock().unwrap().clone()),
        }
    }

    /// Turns the receiver on or off (and on which port).
    pub async fn webhook_set_receiver(&self, enabled: bool, port: u16) -> AppResult<WebhookStatus> {
        if enabled && port != 0 && port < 1024 {
            return Err(AppError::invalid(
                ErrorField::Url,
                "Pick a port from 1024 to 65535 for the receiver.",
            ));
        }
        self.edit_settings(|s| {
            s.webhook_receiver = enabled;
            s.webhook_port = port;
            Ok(())
        })?;
        // Stop the old one first (its port frees).
        let old = self
            .inner
            .session
            .lock()
            .unwrap()
            .live_mut()
            .and_then(|l| l.receiver.take());
        drop(old);
        if enabled {
            self.ensure_receiver().await?;
            let _ = self.webhook_reconcile().await;
        }
        Ok(self.webhook_status())
    }

    /// Starts the receiver if the settings want it and it is not running.
    pub(crate) async fn ensure_receiver(&self) -> AppResult<()> {
        let settings = self.settings();
        if !settings.webhook_receiver {
            return Ok(());
        }
        let (client, feed, running) = {
            let s = self.inner.session.lock().unwrap();
            let live = s
                .live()
                .ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))?;
            (
                live.client.clone(),
                live.feed.clone(),
                live.receiver.is_some(),
            )
        };
        if running {
            return Ok(());
        }
        // Kick's key from the configured API (the fake's in tests and the demo).
        let verifier = WebhookVerifier::fetch(client).await.map_err(|e| {
            AppError::new(
                ErrorCode::KickUnavailable,
                format!("Kickstand could not get Kick's webhook key: {e}"),
            )
        })?;
        let receiver = start_receiver(settings.webhook_port, verifier, feed)
            .await
            .map_err(|e| {
                AppError::invalid(
                    ErrorField::Url,
                    format!("The webhook receiver {e}. Is another program using that port?"),
                )
            })?;
        let mut s = self.inner.session.lock().unwrap();
        match s.live_mut() {
            Some(live) => live.receiver = Some(receiver),
            None => {
                return Err(AppError::new(
                    ErrorCode::NotLoggedIn,
                    "Log in with Kick first.",
                ))
            }
        }
        Ok(())
    }

    /// Kick's subscriptions for this app and channel, next to what the
    /// streamer wants.
    pub async fn webhook_subscriptions(&self) -> AppResult<WebhookSubscriptions> {
        let client = self.client()?;
        let me = self.me_id()?;
        let r = client
            .event_subscriptions(Some(me))
            .await
            .map_err(|e| self.app_error("list event subscriptions", e));
        let subs = self.check_dead_login(&client, r).await?;
        let wanted = self.settings().webhook_events;
        self.remember_ours(subs.iter().map(|s| s.id.as_str().to_owned()));
        Ok(WebhookSubscriptions {
            events: EVENT_TYPES
                .iter()
                .map(|(name, what)| WebhookEventState {
                    name: name.to_string(),
                    description: what.to_string(),
                    version: 1,
                    wanted: wanted.iter().any(|w| w == name),
                    subscription_id: subs.iter().find(|s| s.event == *name).map(|s| s.id.clone()),
                    error: None,
                })
                .collect(),
        })
    }

    /// Subscribes or unsubscribes one event type (and remembers the choice).
    pub async fn webhook_set_wanted(
        &self,
        name: String,
        wanted: bool,
    ) -> AppResult<WebhookSubscriptions> {
        if !EVENT_TYPES.iter().any(|(t, _)| *t == name) {
            return Err(AppError::invalid(
                ErrorField::Events,
                format!("Kick has no event {name}."),
            ));
        }
        self.edit_settings(|s| {
            s.webhook_events.retain(|e| e != &name);
            if wanted {
                s.webhook_events.push(name.clone());
            }
            Ok(())
        })?;
        if wanted {
            return self.webhook_reconcile().await;
        }
        let current = self.webhook_subscriptions().await?;
        let ids: Vec<SubscriptionId> = current
            .events
            .iter()
            .filter(|e| e.name == name)
            .filter_map(|e| e.subscription_id.clone())
            .collect();
        if !ids.is_empty() {
            let client = self.client()?;
            let r = client
                .unsubscribe_events(&ids)
                .await
                .map_err(|e| self.app_error("unsubscribe an event", e));
            self.check_dead_login(&client, r).await?;
        }
        self.webhook_subscriptions().await
    }

    /// Re-creates what the streamer wants and Kick does not have (Kick
    /// unsubscribes an app after a day of failed deliveries, API.md §5.4).
    /// Kick's per-event errors are shown as Kick words them.
    pub async fn webhook_reconcile(&self) -> AppResult<WebhookSubscriptions> {
        let mut view = self.webhook_subscriptions().await?;
        let missing: Vec<EventSpec> = view
            .events
            .iter()
            .filter(|e| e.wanted && e.subscription_id.is_none())
            .map(|e| EventSpec::v1(&e.name))
            .collect();
        if missing.is_empty() {
            return Ok(view);
        }
        let client = self.client()?;
        let me = self.me_id()?;
        let r = client
            .subscribe_events(Some(me), &missing)
            .await
            .map_err(|e| self.app_error("subscribe events", e));
        let results = self.check_dead_login(&client, r).await?;
        for res in results {
            if let Some(e) = view.events.iter_mut().find(|e| e.name == res.name) {
                match res.outcome() {
                    Ok(id) => {
                        e.subscription_id = Some(id.clone());
                        self.remember_ours([id.as_str().to_owned()]);
                    }
                    Err(why) => e.error = Some(why.to_owned()),
                }
            }
        }
        let created = view
            .events
            .iter()
            .filter(|e| e.wanted && e.subscription_id.is_some())
            .count();
        tracing::info!(created, "webhook subscriptions reconciled");
        Ok(view)
    }

    fn remember_ours(&self, ids: impl IntoIterator<Item = String>) {
        if let Some(r) = self
            .inner
            .session
            .lock()
            .unwrap()
            .live()
            .and_then(|l| l.receiver.as_ref())
        {
            r.ours.write().unwrap().extend(ids);
        }
    }

    /// At login and every few minutes while the receiver is on.
    pub(crate) async fn webhook_keepalive(&self) {
        loop {
            if self.settings().webhook_receiver {
                if let Err(e) = self.ensure_receiver().await {
                    self.notice(NoticeLevel::Warning, e.message);
                } else if let Err(e) = self.webhook_reconcile().await {
                    tracing::info!(error = %e.message, "webhook reconcile failed; retrying later");
                }
            }
            tokio::time::sleep(RECONCILE_EVERY).await;
        }
    }
}
