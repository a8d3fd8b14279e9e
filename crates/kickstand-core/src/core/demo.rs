//! Demo mode: Kickstand against an embedded fake Kick, so a newcomer sees
//! everything work without an account. The fake belongs to the demo mode
//! alone: when the demo ends (a switch to Kick, or the app closing) the
//! fake is shut down and its port closes. Its `/_fake/*` control routes are
//! off unless an end-to-end test asks for them, and it answers only
//! requests addressed to its own loopback host (no DNS rebinding).

use super::{Core, CoreOptions};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::secrets::{MemoryStore, SecretStore};
use kick_api::{KickConfig, OAuthClient, Secret};
use std::sync::Arc;

pub(crate) struct Demo {
    pub fake: Arc<kick_fake::RunningFake>,
    pub oauth: OAuthClient,
    /// Demo tokens live in memory only.
    pub store: Arc<dyn SecretStore>,
    pub kick: KickConfig,
    /// The demo's watchlist, in memory: channels the demo's Kick has are
    /// never written to the settings a real account uses.
    pub watchlist: Vec<String>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        // Also when a test still holds an `Arc` of the fake.
        self.fake.shutdown();
    }
}

pub(crate) async fn start(opts: &CoreOptions) -> AppResult<Demo> {
    let config = |ingest| kick_fake::FakeConfig {
        auto_approve: true,
        redirect_uris: vec![],
        // A gently moving demo chat (only while the chat panel is on).
        chat_rate: Some(opts.demo_chat_rate),
        control_routes: opts.demo_control_routes,
        // A believable evening plays by itself once the demo stream is live.
        evening: Some(kick_fake::EveningConfig::default()),
        // A real RTMP ingest (nginx-rtmp), so OBS can go live in the demo.
        ingest,
        // What the fake remembers of a busy demo chat, bounded to what the
        // demo uses (the app keeps 2,000 lines): the defaults are sized for
        // tests and benchmarks (a 10,000-message reply window, 20,000
        // publications for replays, ~2 KB each: about 40 MB after a few
        // minutes at 100 msg/s, all in the app's own process).
        max_chat_messages: 2_000,
        replay_chat: 200,
        // A second of the busiest chat the demo can make, not three.
        realtime_buffer: 4_096,
        ..kick_fake::FakeConfig::default()
    };
    let started = match opts.demo_ingest {
        true => match kick_fake::start(config(Some(Default::default()))).await {
            Ok(f) => Ok(f),
            Err(e) => {
                tracing::warn!(error = %e, "demo ingest unavailable; the demo runs without it");
                kick_fake::start(config(None)).await
            }
        },
        false => kick_fake::start(config(None)).await,
    };
    let fake =
        started.map_err(|e| AppError::internal(format!("Could not start demo mode: {e}")))?;
    let kick = KickConfig {
        // The configured request observer (tests) sees the demo's calls too.
        observer: opts.kick.observer.clone(),
        ..KickConfig::new(fake.oauth_base(), fake.api_base())
    };
    if let Some(path) = &opts.demo_info_file {
        let info = serde_json::json!({
            "oauth_base": fake.info.oauth_base,
            "api_base": fake.info.api_base,
            "broadcaster_user_id": fake.info.broadcaster_user_id,
            "slug": fake.info.slug,
            "ingest_url": fake.ingest_url(),
        });
        if let Err(e) = std::fs::write(path, info.to_string()) {
            tracing::warn!(error = %e, "could not write the demo info file");
        }
    }
    let oauth = OAuthClient::new(
        &kick,
        fake.info.client_id.clone(),
        Secret::new(fake.info.client_secret.clone()),
        None,
    );
    Ok(Demo {
        fake: Arc::new(fake),
        oauth,
        store: Arc::new(MemoryStore::default()),
        kick,
        watchlist: Vec::new(),
    })
}

impl Core {
    /// Demo control: takes the streamer live or offline at the embedded fake.
    /// Refused outside the demo (Kick has no API for it: the encoder does it).
    pub async fn demo_set_live(&self, live: bool) -> AppResult<()> {
        let fake = self.demo_fake().ok_or_else(|| {
            AppError::new(
                ErrorCode::DemoOnly,
                "Going live from Kickstand only works in demo mode: start your stream in OBS.",
            )
        })?;
        kick_fake::world::go_live(&fake.state, kick_fake::STREAMER_ID, live, Some(48));
        if let Some(p) = self.poller() {
            p.poke();
        }
        Ok(())
    }
}
