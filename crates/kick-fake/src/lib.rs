//! A faithful local fake of Kick: the OAuth host, the public REST API, signed
//! webhook deliveries, the realtime chat (negotiation, Centrifugo and Pusher
//! sockets) and fault injection, on 127.0.0.1 only. It serves the
//! tests, Kickstand's demo mode and the benchmarks, and behaves as
//! `shared/kick/API.md` says Kick behaves.

pub mod api;
pub mod centrifugo;
pub mod control;
pub mod faults;
pub mod feed;
pub mod hub;
pub mod negotiation;
pub mod oauth;
pub mod params;
pub mod pusher;
pub mod reply;
pub mod social;
pub mod state;
pub mod tokens;
pub mod webhooks;
pub mod world;

use axum::Router;
use rand::Rng;
use serde::Serialize;
use state::{AppState, Fake, Metrics, RegisteredApp};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, oneshot};

pub use faults::FaultSettings;
pub use state::{FakeConfig, FakeEvent, WebhookKeyType, DEFAULT_REDIRECT_URI};
pub use world::{STREAMER_ID, STREAMER_SLUG};

/// What a client needs to talk to a running fake (the binary prints this as
/// one JSON line on stdout).
#[derive(Clone, Debug, Serialize)]
pub struct FakeInfo {
    pub oauth_base: String,
    pub api_base: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    pub broadcaster_user_id: u64,
    pub slug: String,
    /// The web host of the realtime negotiation (Kick: `https://web.kick.com`):
    /// `POST {web_base}/api/v1/realtime/connection` and friends.
    pub web_base: String,
    /// The Centrifugo socket the descriptor names (Kick:
    /// `wss://realtime.<region>.platform.kick.com/connection/websocket`).
    pub centrifugo_url: String,
    /// The Pusher socket for a key and cluster from the descriptor: replace
    /// `{key}` and `{cluster}` (Kick: `wss://ws-{cluster}.pusher.com/app/{key}?…`).
    pub pusher_url_template: String,
    /// The chat socket, as Kick's site connected to Pusher (the fake's key).
    pub pusher_url: String,
    /// The streamer's chatroom id (differs from the broadcaster id, as on Kick).
    pub chatroom_id: u64,
    /// The streamer's channel id for `channel.{id}` socket events.
    pub channel_id: u64,
}

/// A fake Kick running in this process. Dropping it stops the server.
pub struct RunningFake {
    pub addr: SocketAddr,
    pub info: FakeInfo,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
}

impl RunningFake {
    pub fn oauth_base(&self) -> &str {
        &self.info.oauth_base
    }

    pub fn api_base(&self) -> &str {
        &self.info.api_base
    }

    /// Issues a user access token for the streamer with these scopes,
    /// without going through OAuth (for tests of other endpoints).
    pub fn mint_user_token(&self, scopes: &[&str]) -> String {
        self.mint_user_token_for(STREAMER_ID, scopes)
    }

    pub fn mint_user_token_for(&self, user_id: u64, scopes: &[&str]) -> String {
        let ttl = self.state.config.user_token_ttl;
        self.state.world.lock().unwrap().tokens.issue(
            tokens::TokenKind::User,
            &self.state.app.client_id,
            Some(user_id),
            scopes.iter().map(|s| s.to_string()).collect(),
            ttl,
        )
    }

    /// Issues an app access token (client-credentials style).
    pub fn mint_app_token(&self) -> String {
        let ttl = self.state.config.app_token_ttl;
        self.state.world.lock().unwrap().tokens.issue(
            tokens::TokenKind::App,
            &self.state.app.client_id,
            None,
            Vec::new(),
            ttl,
        )
    }

    pub fn metrics(&self) -> serde_json::Value {
        self.state.metrics.snapshot()
    }

    pub fn set_faults(&self, s: FaultSettings) {
        self.state.faults.set(s);
    }

    /// Stops the server and waits briefly for it to close.
    pub fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn random_secret() -> String {
    let bytes: [u8; 24] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The full router of a fake (OAuth host + API host + control API).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        )))
        .merge(api::unfaulted_routes())
        .merge(oauth::routes())
        .merge(pusher::routes())
        .merge(centrifugo::routes())
        .merge(negotiation::routes())
        .merge(control::routes())
        .with_state(state)
}

/// Starts a fake on 127.0.0.1 and returns once it accepts connections.
pub async fn start(config: FakeConfig) -> std::io::Result<RunningFake> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://127.0.0.1:{}", addr.port());

    let app = RegisteredApp {
        client_id: config
            .client_id
            .clone()
            .unwrap_or_else(|| ulid::Ulid::new().to_string()),
        client_secret: config.client_secret.clone().unwrap_or_else(random_secret),
        app_id: ulid::Ulid::new().to_string(),
        redirect_uris: config.redirect_uris.clone(),
    };
    let kind = config.webhook_key;
    let webhook_keys = tokio::task::spawn_blocking(move || webhooks::WebhookKeys::generate(kind))
        .await
        .map_err(std::io::Error::other)?;
    let (events, _) = broadcast::channel(1024);
    let (chat_rate, activity_timeout) = (config.chat_rate, config.pusher_activity_timeout);
    let mut seeded = world::World::seeded(config.seed);
    // The demo's rewards were made by the registered app (so it may manage them).
    for r in &mut seeded.social.rewards {
        r.app_id = app.app_id.clone();
    }
    let fake = Arc::new(Fake {
        world: Mutex::new(seeded),
        config,
        app,
        base_url: base_url.clone(),
        faults: Default::default(),
        metrics: Metrics::default(),
        events,
        realtime: hub::RealtimeHub::new(chat_rate, activity_timeout),
        negotiation: Default::default(),
        centrifugo: Default::default(),
        webhook_keys,
    });
    fake.negotiation.token.lock().unwrap().ttl_secs = fake.config.realtime_token_ttl.as_secs();
    *fake.centrifugo.settings.lock().unwrap() = fake.config.centrifugo.clone();

    let info = FakeInfo {
        oauth_base: base_url.clone(),
        api_base: base_url.clone(),
        client_id: fake.app.client_id.clone(),
        client_secret: fake.app.client_secret.clone(),
        redirect_uri: fake.app.redirect_uris.first().cloned().unwrap_or_default(),
        broadcaster_user_id: STREAMER_ID,
        slug: STREAMER_SLUG.to_owned(),
        web_base: base_url.clone(),
        centrifugo_url: format!("ws://127.0.0.1:{}/connection/websocket", addr.port()),
        pusher_url_template: format!(
            "ws://127.0.0.1:{}/app/{{key}}?protocol=7&client=js&version=8.4.0&flash=false",
            addr.port()
        ),
        pusher_url: format!(
            "ws://127.0.0.1:{}/app/{}?protocol=7&client=js&version=8.4.0-rc2&flash=false",
            addr.port(),
            pusher::FAKE_PUSHER_KEY
        ),
        chatroom_id: fake.world.lock().unwrap().channels[&STREAMER_ID].chatroom_id,
        channel_id: STREAMER_ID,
    };

    let (tx, rx) = oneshot::channel::<()>();
    let svc = router(fake.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, svc)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    if let Some(every) = fake.config.world_tick {
        let weak = Arc::downgrade(&fake);
        tokio::spawn(async move {
            let mut iv = tokio::time::interval(every);
            iv.tick().await;
            loop {
                iv.tick().await;
                match weak.upgrade() {
                    Some(f) => world::tick(&f),
                    None => break,
                }
            }
        });
    }
    webhooks::spawn_delivery(fake.clone());
    feed::spawn_translator(fake.clone());
    feed::spawn_chatter(fake.clone());

    Ok(RunningFake {
        addr,
        info,
        state: fake,
        shutdown: Some(tx),
    })
}
