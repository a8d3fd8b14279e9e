//! OBS control for Kickstand over obs-websocket v5 (issue #12): connect to
//! OBS, set up its stream settings for Kick without the stream key ever being
//! displayed or logged, check for a stale key, go live and end the stream,
//! follow stream health, list and switch scenes. No Tauri types: state and
//! events go out through a plain callback ([`ObsLink::start`]).
//!
//! # Using it
//! ```no_run
//! # async fn demo() -> Result<(), obs_link::ObsError> {
//! use obs_link::{KickIngest, ObsConfig, ObsLink, Secret};
//! let config = ObsConfig::new("127.0.0.1", 4455, Some(Secret::new("from the keyring")));
//! let link = ObsLink::start(config, |event| println!("{event:?}"));
//! // … once `LinkEvent::State(LinkState::Connected { .. })` arrived:
//! let ingest = KickIngest::new("rtmps://…:443/app/", "sk_…"); // channel `stream.url` / `stream.key`
//! let read_back = link.setup_for_kick(&ingest).await?;        // ReadBack::Matches
//! let stale = link.check_key(&ingest).await?;                 // KeyCheck::Matches
//! link.start_stream().await?;                                  // waits for "started"
//! link.switch_scene("Starting soon").await?;
//! link.stop_stream().await?;                                   // waits for "stopped"
//! # Ok(()) }
//! ```
//!
//! # Why our own client, not `obws`
//! `obws` (MIT, the maintained obs-websocket crate; 0.15.0 of 2026-03 speaks
//! obs-websocket up to 5.7) was evaluated and not used, for four reasons:
//! 1. **It does not work with Debian's OBS.** 0.15 refuses OBS older than 30.2
//!    and obs-websocket older than 5.5 unless both checks are switched off,
//!    and its `GetSceneList` response type requires `sceneUuid`, which
//!    obs-websocket added in 5.3; Debian 12's OBS 29.0.2 ships 5.1, so the
//!    scene list fails to decode there (this is the OBS the tests run).
//! 2. **It logs the stream key.** It traces every outgoing request as JSON
//!    (`trace!(%json, "sending message")`) and every response's data, so
//!    `SetStreamServiceSettings` / `GetStreamServiceSettings` put the key in
//!    the log of any app that enables trace logging.
//! 3. It brings a second WebSocket stack (`tokio-websockets`) next to the
//!    workspace's `tokio-tungstenite` 0.28, and needs Rust 1.89 (workspace
//!    MSRV: 1.85).
//! 4. Kickstand needs eight requests and four events; the v5 protocol for
//!    those is small (greeting, SHA-256 challenge auth, request ids), and our
//!    own client gives typed errors for exactly the cases a streamer meets
//!    (not running, server off, wrong password, old 4.x OBS).
//!
//! # Keeping the key secret
//! - The key and the ingest URL travel as [`Secret`] (redacting `Debug`/
//!   `Display`, not `Serialize`, zeroed on drop) and are compared in Rust
//!   ([`KeyCheck`], [`ReadBack`]); only the comparison's result leaves.
//! - This crate never logs frames or request/response data, and errors are
//!   built from our own words and OBS status codes (OBS's comments on a
//!   request that carried a secret are scrubbed of it).
//! - `tungstenite` logs every frame's payload at `log`'s trace level. This
//!   crate enables `log`'s `max_level_debug` feature, which compiles trace
//!   records out of the whole binary, so no logger setting can bring them back.
//! - Best effort only: the outgoing frame and OBS's answer pass through
//!   buffers we cannot zero (tungstenite's), as with any network client.
//!
//! # Loopback
//! The default host is `127.0.0.1`, not `localhost` (users of other tools
//! report `localhost` resolving to `::1` and being refused).

pub mod client;
pub mod error;
pub mod health;
pub mod process;
pub mod protocol;
pub mod service;
pub mod types;

pub use client::{CloseInfo, ObsClient, ObsConfig, DEFAULT_HOST, DEFAULT_PORT};
pub use error::{ErrorInfo, ObsError, Stage};
pub use health::{arrival, Arrival, HealthMeter, StreamHealth};
/// The redacting wrapper for the OBS password, the stream key and the ingest URL (shared with the Kick client).
pub use kickstand_secret::Secret;
pub use service::{backoff, EventSink, LinkEvent, LinkOptions, LinkState, ObsLink, OutputPhase};
pub use types::{
    check_key, read_back, KeyCheck, KickIngest, ObsEvent, OutputState, ReadBack, SceneList,
    ServerInfo, StreamService, StreamStatus,
};

/// Connects once and closes again: a "Test connection" button.
pub async fn test_connection(config: &ObsConfig) -> Result<ServerInfo, ObsError> {
    let (client, _events) = ObsClient::connect(config).await?;
    let info = client.info().clone();
    client.close().await;
    Ok(info)
}

#[cfg(test)]
mod tests {
    /// tungstenite's trace records carry whole frames (with the key): they
    /// must be compiled out (`log/max_level_debug` in the workspace).
    #[test]
    fn log_trace_is_compiled_out() {
        assert!(log::STATIC_MAX_LEVEL <= log::LevelFilter::Debug);
    }
}
