//! A faithful local fake of Kick: the OAuth host, the public REST API, signed
//! webhook deliveries, the realtime chat (negotiation, Centrifugo and Pusher
//! sockets) and fault injection, on 127.0.0.1 only. It serves the
//! tests, Kickstand's demo mode and the benchmarks, and behaves as
//! `shared/kick/API.md` says Kick behaves.

pub mod actions;
pub mod api;
pub mod centrifugo;
pub mod control;
pub mod evening;
pub mod faults;
pub mod feed;
pub mod hub;
pub mod ingest;
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
use tokio::sync::{broadcast, watch};

pub use evening::EveningConfig;
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
    /// The RTMP ingest (`rtmp://127.0.0.1:<port>/app`) when running with one;
    /// channels' `stream.url` is this then.
    pub ingest_url: Option<String>,
}

/// A fake Kick running in this process. Dropping it stops the server.
pub struct RunningFake {
    pub addr: SocketAddr,
    pub info: FakeInfo,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    /// The nginx child process; dropped (stopped) with the fake.
    ingest: Option<ingest::Ingest>,
}

impl RunningFake {
    pub fn oauth_base(&self) -> &str {
        &self.info.oauth_base
    }

    pub fn api_base(&self) -> &str {
        &self.info.api_base
    }

    /// `rtmp://127.0.0.1:<port>/app` when the fake runs its ingest.
    pub fn ingest_url(&self) -> Option<&str> {
        self.ingest.as_ref().map(|i| i.url.as_str())
    }

    /// The streamer's stream key (what OBS must publish with).
    pub fn stream_key(&self) -> String {
        self.state.world.lock().unwrap().channels[&STREAMER_ID]
            .stream_key
            .clone()
    }

    /// Adds a reward to the streamer's channel as kick.com or another app
    /// made it: it is listed, and only its maker may change it (Kick answers
    /// 403 to this app). Returns its id.
    pub fn add_reward_made_elsewhere(&self, title: &str, cost: u64) -> String {
        let reward = social::FakeReward::new("another-app", STREAMER_ID, title, cost);
        let id = reward.id.clone();
        self.state.world.lock().unwrap().social.rewards.push(reward);
        id
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

    /// Stops the server: it stops accepting at once and its port closes.
    pub fn stop(self) {
        self.shutdown();
    }

    /// Stops the server (also when other holders of an `Arc` keep this
    /// value alive): the listening port closes, socket sessions end.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Resolves once [`RunningFake::shutdown`] was called.
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn random_secret() -> String {
    let bytes: [u8; 24] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The full router of a fake (OAuth host + API host, and the control API
/// unless `FakeConfig::control_routes` is off). Every request must name this
/// server in its `Host` header (DNS rebinding: a web page whose own host name
/// resolves to 127.0.0.1 must not reach the fake).
pub fn router(state: AppState) -> Router {
    let mut r = Router::new()
        .merge(api::routes().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        )))
        .merge(api::unfaulted_routes())
        .merge(oauth::routes())
        .merge(pusher::routes())
        .merge(centrifugo::routes())
        .merge(negotiation::routes())
        .merge(ingest::callback_routes());
    if state.config.control_routes {
        r = r.merge(control::routes());
    }
    r.layer(axum::middleware::from_fn(check_host))
        .with_state(state)
}

/// Refuses requests whose `Host` is not this server's loopback address.
async fn check_host(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if host_allowed(host) {
        next.run(req).await
    } else {
        (
            axum::http::StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"message": "Host not allowed", "data": null})),
        )
            .into_response()
    }
}

/// `127.0.0.1`, `localhost` or `[::1]`, nothing else. A
/// rebinding page sends its own name (`evil.example:port`); the port is not
/// checked so that a local proxy in tests can stand in front of the fake.
pub fn host_allowed(host: &str) -> bool {
    // With or without a port (nginx-rtmp's callbacks send none).
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => {
            if port.parse::<u16>().is_err() {
                return false;
            }
            name
        }
        _ => host,
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "[::1]"
    )
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
    let webhook_keys = webhooks::WebhookKeys::generate(kind);
    let (events, _) = broadcast::channel(1024);
    let ingest_state = match config.ingest {
        Some(_) => ingest::IngestState::new_with_token(),
        None => ingest::IngestState::default(),
    };
    let ingest = match config.ingest.clone() {
        Some(cfg) => {
            let callback = format!("{base_url}/_ingest/{}", ingest_state.token);
            Some(
                tokio::task::spawn_blocking(move || ingest::start(&cfg, &callback))
                    .await
                    .map_err(std::io::Error::other)??,
            )
        }
        None => None,
    };
    let config_evening = config.evening.clone();
    let mut seeded = world::World::seeded(config.seed);
    if let Some(i) = &ingest {
        // Every channel streams to the local ingest (Kick's is rtmps://…:443/app/).
        for c in seeded.channels.values_mut() {
            c.ingest_url = i.url.clone();
        }
        *ingest_state.url.lock().unwrap() = Some(i.url.clone());
    }
    // The demo's rewards were made by the registered app (so it may manage them).
    for r in &mut seeded.social.rewards {
        r.app_id = app.app_id.clone();
    }
    let realtime = hub::RealtimeHub::new(&config);
    let fake = Arc::new(Fake {
        world: Mutex::new(seeded),
        config,
        app,
        base_url: base_url.clone(),
        faults: Default::default(),
        metrics: Metrics::default(),
        events,
        realtime,
        negotiation: Default::default(),
        centrifugo: Default::default(),
        webhook_keys,
        ingest: ingest_state,
        evening: evening::EveningRuntime::new(config_evening.as_ref()),
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
        ingest_url: ingest.as_ref().map(|i| i.url.clone()),
    };

    let (tx, mut rx) = watch::channel(false);
    let svc = router(fake.clone());
    tokio::spawn(async move {
        // Connect info: the ingest callback accepts loopback peers only.
        let _ = axum::serve(
            listener,
            svc.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.wait_for(|s| *s).await;
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
    evening::spawn(fake.clone());

    Ok(RunningFake {
        addr,
        info,
        state: fake,
        shutdown: tx,
        ingest,
    })
}
