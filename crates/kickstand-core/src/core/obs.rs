//! OBS in the app: connect to OBS's websocket server (obs-link), write
//! Kick's ingest URL and key into OBS's stream settings without the key
//! ever leaving Rust, check for a stale key, go live / end the stream, show
//! OBS's health next to Kick's view of the stream, switch scenes.
//!
//! The link is app-wide (OBS is on this machine, whichever Kick account);
//! the stream key comes from the logged-in session when it is needed.

use super::{keyring, Core};
use crate::dto::*;
use crate::error::{AppError, AppResult, ErrorCode, ErrorField};
use crate::events::CoreEvent;
use crate::secrets;
use kick_api::Secret;
use obs_link::{KeyCheck, KickIngest, LinkEvent, LinkState, ObsConfig, ObsLink, ReadBack};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How long OBS may stream before Kick must show the stream live (Kick's API
/// takes a little while to show a new stream).
pub const ARRIVAL_GRACE: Duration = Duration::from_secs(45);

/// The app-wide OBS state in `Inner`.
#[derive(Default)]
pub(crate) struct ObsCell {
    state: Mutex<Obs>,
    /// The last view's [`ObsView::seq`].
    seq: AtomicU64,
}

impl ObsCell {
    fn lock(&self) -> std::sync::MutexGuard<'_, Obs> {
        self.state.lock().unwrap()
    }
}

/// The OBS link and what the panel shows besides its snapshot.
#[derive(Default)]
pub(crate) struct Obs {
    link: Option<ObsLink>,
    streaming_since: Option<Instant>,
    key: Option<ObsKeyState>,
    connected: bool,
}

fn obs_err(e: obs_link::ObsError) -> AppError {
    let info = e.info();
    tracing::info!(code = %info.code, "OBS: {}", info.message);
    AppError::new(ErrorCode::Obs, info.message)
}

fn state_of(s: &LinkState) -> ObsState {
    match s {
        LinkState::Connecting => ObsState::Connecting,
        LinkState::NotRunning { error, retry_in_ms } => ObsState::NotRunning {
            message: error.message.clone(),
            retry_in_ms: *retry_in_ms,
        },
        LinkState::Connected { output } => ObsState::Connected {
            output: serde_json::to_value(output)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "idle".into()),
        },
        LinkState::Streaming { reconnecting } => ObsState::Streaming {
            reconnecting: *reconnecting,
        },
        LinkState::Reconnecting {
            error, retry_in_ms, ..
        } => ObsState::Reconnecting {
            message: error.message.clone(),
            retry_in_ms: *retry_in_ms,
        },
        LinkState::NeedsAttention { error } => ObsState::NeedsAttention {
            message: error.message.clone(),
        },
        LinkState::Stopped => ObsState::Off,
    }
}

fn key_state(k: KeyCheck) -> ObsKeyState {
    match k {
        KeyCheck::Matches => ObsKeyState::Matches,
        KeyCheck::Differs {
            key_differs,
            server_differs,
        } => ObsKeyState::Differs {
            key_differs,
            server_differs,
        },
        KeyCheck::NotConfigured => ObsKeyState::NotConfigured,
        KeyCheck::OtherService { service, .. } => ObsKeyState::OtherService { service },
    }
}

/// A host name or address for OBS (no scheme, no path).
fn check_host(h: &str) -> AppResult<String> {
    let h = h.trim();
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !ok {
        return Err(AppError::invalid(
            ErrorField::ObsHost,
            "Enter OBS's address, like 127.0.0.1 (no http:// and no port).",
        ));
    }
    Ok(h.to_owned())
}

impl Core {
    /// What the OBS panel shows now.
    pub fn obs_view(&self) -> ObsView {
        // Numbered before anything is read: a view numbered higher was read
        // entirely after any view numbered lower began, so the window can
        // keep the highest (a command's answer may arrive after the event
        // of a newer change: "Connecting…" after "wrong password").
        let seq = self.inner.obs.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let settings = self.settings();
        let kick_live = self
            .poller()
            .and_then(|p| p.last())
            .and_then(|s| s.own)
            .is_some_and(|o| o.is_live);
        let has_password = self.inner.obs_password.lock().unwrap().is_some();
        let obs = self.inner.obs.lock();
        let (state, scenes, health) = match &obs.link {
            Some(l) => (state_of(&l.state()), l.scenes(), l.health()),
            None => (ObsState::Off, None, None),
        };
        let arrival = match obs_link::arrival(
            obs.streaming_since.map(|t| t.elapsed()),
            kick_live,
            ARRIVAL_GRACE,
        ) {
            obs_link::Arrival::NotStreaming => None,
            obs_link::Arrival::Arrived => Some("Kick shows your stream live.".to_owned()),
            obs_link::Arrival::Waiting => {
                Some("OBS is streaming; waiting for Kick to show the stream…".to_owned())
            }
            obs_link::Arrival::NotReachingKick => Some(
                "OBS has been streaming for a while, but Kick still says offline: the stream is \
                 not reaching Kick. Check the key (Set up OBS for Kick) and OBS's log."
                    .to_owned(),
            ),
        };
        ObsView {
            seq,
            settings: ObsSettings {
                host: settings.obs_host,
                port: settings.obs_port,
                has_password,
                enabled: settings.obs_enabled,
            },
            state,
            scenes: scenes
                .as_ref()
                .map(|s| s.scenes.clone())
                .unwrap_or_default(),
            current_scene: scenes.and_then(|s| s.current),
            health: health.map(|h| ObsHealth {
                active: h.active,
                reconnecting: h.reconnecting,
                bitrate_kbps: h.bitrate_kbps,
                dropped_frames: h.dropped_frames,
                total_frames: h.total_frames,
                dropped_percent: h.dropped_percent,
                congestion: h.congestion,
                duration_ms: h.duration_ms,
            }),
            key: obs.key.clone(),
            arrival,
            kick_live,
        }
    }

    fn push_obs(&self) {
        let view = self.obs_view();
        self.emit(CoreEvent::Obs(Box::new(view)));
    }

    /// Sets where OBS is and connects. `password`: `None` keeps the stored
    /// one, `Some("")` removes it. The password goes to the keyring.
    pub async fn obs_configure(
        &self,
        host: String,
        port: u16,
        password: Option<String>,
    ) -> AppResult<ObsView> {
        let host = check_host(&host)?;
        if port == 0 {
            return Err(AppError::invalid(
                ErrorField::ObsPort,
                "OBS's websocket port is a number like 4455.",
            ));
        }
        if let Some(pw) = password {
            let store = self.inner.opts.store.clone();
            let secret = (!pw.is_empty()).then(|| Secret::new(pw));
            let to_store = secret.clone();
            let saved = keyring(&store, move |s| match &to_store {
                Some(p) => s.set(secrets::OBS_PASSWORD, p),
                None => s.delete(secrets::OBS_PASSWORD),
            })
            .await;
            if let Err(e) = saved {
                // Keep it for this run only, and say so.
                self.notice(
                    NoticeLevel::Warning,
                    format!("The OBS password is kept until Kickstand closes: {e}"),
                );
            }
            *self.inner.obs_password.lock().unwrap() = secret;
        }
        self.edit_settings(|s| {
            s.obs_host = host;
            s.obs_port = port;
            s.obs_enabled = true;
            Ok(())
        })?;
        self.obs_connect().await
    }

    /// Connects (or reconnects) to OBS with the saved settings.
    pub async fn obs_connect(&self) -> AppResult<ObsView> {
        let settings = self.settings();
        let password = self.obs_password().await;
        let config = ObsConfig::new(settings.obs_host.clone(), settings.obs_port, password);
        let existing = self.inner.obs.lock().link.clone();
        match existing {
            Some(link) => {
                link.reconfigure(config);
                link.reconnect_now();
            }
            None => {
                let weak: Weak<super::Inner> = Arc::downgrade(&self.inner);
                let link = ObsLink::start(config, move |e: LinkEvent| {
                    if let Some(inner) = weak.upgrade() {
                        Core { inner }.on_obs(e);
                    }
                });
                self.inner.obs.lock().link = Some(link);
            }
        }
        let view = self.obs_view();
        self.emit(CoreEvent::Obs(Box::new(view.clone())));
        Ok(view)
    }

    /// Disconnects and stops connecting at start (the settings stay).
    pub fn obs_disconnect(&self) -> AppResult<ObsView> {
        self.edit_settings(|s| {
            s.obs_enabled = false;
            Ok(())
        })?;
        if let Some(link) = self.inner.obs.lock().link.take() {
            link.stop();
        }
        let view = self.obs_view();
        self.emit(CoreEvent::Obs(Box::new(view.clone())));
        Ok(view)
    }

    /// Connects at start when the streamer set OBS up before.
    pub(crate) async fn obs_autoconnect(&self) {
        if self.settings().obs_enabled {
            let _ = self.obs_connect().await;
        }
    }

    /// The password: in memory once read, else from the keyring.
    async fn obs_password(&self) -> Option<obs_link::Secret> {
        let cached = self.inner.obs_password.lock().unwrap().clone();
        if cached.is_some() {
            return cached;
        }
        let store = self.inner.opts.store.clone();
        let stored = keyring(&store, |s| s.get(secrets::OBS_PASSWORD))
            .await
            .ok()
            .flatten();
        *self.inner.obs_password.lock().unwrap() = stored.clone();
        stored
    }

    fn on_obs(&self, e: LinkEvent) {
        if let LinkEvent::State(s) = &e {
            let (started_or_ended, just_connected) = {
                let mut obs = self.inner.obs.lock();
                let was_streaming = obs.streaming_since.is_some();
                match s {
                    LinkState::Streaming { .. } => {
                        obs.streaming_since.get_or_insert_with(Instant::now);
                    }
                    _ => obs.streaming_since = None,
                }
                let was_connected = std::mem::replace(&mut obs.connected, s.is_connected());
                (
                    was_streaming != obs.streaming_since.is_some(),
                    s.is_connected() && !was_connected,
                )
            };
            // OBS started or ended the stream (from here or in OBS): ask
            // Kick now rather than at the next poll.
            if started_or_ended {
                if let Some(p) = self.poller() {
                    p.poke();
                }
            }
            // On every (re)connection, check OBS's key against Kick's, so
            // a stale key shows before the streamer goes live.
            if just_connected && self.poller().is_some() {
                let me = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = me.obs_check_key().await {
                        tracing::info!(code = ?e.code, "OBS key check after connecting failed");
                    }
                });
            }
        }
        self.push_obs();
    }

    /// A login started or ended: the last key check was about another
    /// session; check again for a new one.
    pub(crate) async fn obs_session_changed(&self, logged_in: bool) {
        let connected = {
            let mut obs = self.inner.obs.lock();
            obs.key = None;
            obs.connected
        };
        if logged_in && connected {
            if let Err(e) = self.obs_check_key().await {
                tracing::info!(code = ?e.code, "OBS key check after login failed");
            }
        } else {
            self.push_obs();
        }
    }

    fn link(&self) -> AppResult<ObsLink> {
        self.inner
            .obs
            .lock()
            .link
            .clone()
            .ok_or_else(|| AppError::new(ErrorCode::Obs, "Connect to OBS first."))
    }

    /// Kick's ingest for OBS, as secrets (never shown, never logged).
    async fn kick_ingest(&self) -> AppResult<KickIngest> {
        let (url, key) = self.fetch_stream_key().await?;
        Ok(KickIngest { server: url, key })
    }

    /// Writes Kick's ingest URL (exactly as Kick gives it) and key into OBS's
    /// stream settings, then reads them back to check, without showing them.
    pub async fn obs_setup(&self) -> AppResult<String> {
        let link = self.link()?;
        let ingest = self.kick_ingest().await?;
        let r = link.setup_for_kick(&ingest).await.map_err(obs_err)?;
        let msg = match r {
            ReadBack::Matches => {
                self.inner.obs.lock().key = Some(ObsKeyState::Matches);
                "OBS is set up for Kick: the server and stream key were checked.".to_owned()
            }
            ReadBack::Mismatch { .. } => {
                self.inner.obs.lock().key = None;
                self.push_obs();
                return Err(AppError::new(
                    ErrorCode::Obs,
                    "OBS did not keep the settings Kickstand wrote. Check OBS's Settings → Stream.",
                ));
            }
        };
        self.push_obs();
        Ok(msg)
    }

    /// Compares OBS's stream settings with Kick's current ingest.
    pub async fn obs_check_key(&self) -> AppResult<ObsKeyState> {
        let link = self.link()?;
        let ingest = self.kick_ingest().await?;
        let k = key_state(link.check_key(&ingest).await.map_err(obs_err)?);
        self.inner.obs.lock().key = Some(k.clone());
        self.push_obs();
        Ok(k)
    }

    pub async fn obs_go_live(&self) -> AppResult<ObsView> {
        self.link()?.start_stream().await.map_err(obs_err)?;
        if let Some(p) = self.poller() {
            p.poke();
        }
        Ok(self.obs_view())
    }

    pub async fn obs_end_stream(&self) -> AppResult<ObsView> {
        self.link()?.stop_stream().await.map_err(obs_err)?;
        if let Some(p) = self.poller() {
            p.poke();
        }
        Ok(self.obs_view())
    }

    pub async fn obs_switch_scene(&self, scene: String) -> AppResult<ObsView> {
        self.link()?.switch_scene(&scene).await.map_err(obs_err)?;
        Ok(self.obs_view())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(check_host(" 127.0.0.1 ").unwrap(), "127.0.0.1");
        assert!(check_host("obs-pc.local").is_ok());
        assert!(check_host("[::1]").is_ok());
        assert_eq!(
            check_host("http://127.0.0.1:4455").unwrap_err().field,
            Some(ErrorField::ObsHost)
        );
        assert!(check_host("").is_err());
    }
}
