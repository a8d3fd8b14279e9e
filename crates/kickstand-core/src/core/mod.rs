//! The core handle: one cheap cloneable value the shell keeps, over a
//! session state machine whose states own their resources.
//!
//! - [`session`]: mode (demo or Kick) and session phase as enums that own
//!   what belongs to them; start-up, restore with retry, login, logout,
//!   the end of a dead login.
//! - [`demo`]: the embedded fake Kick, owned by the demo mode only.
//! - [`channel`]: the channel editor, the stream key, the watchlist.
//! - [`chat`]: chat on/off, sending and moderation.
//!
//! Locks: `op` (async) serialises transitions (mode switches, the start and
//! the end of a login, logout); `session` and `settings` are short
//! `std::sync::Mutex` scopes and are never held at the same time. Keyring
//! calls (D-Bus) run on the blocking pool.

mod channel;
mod chat;
mod demo;
pub mod evening;
pub mod obs;
mod session;
pub mod webhooks;

use crate::dto::*;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::{CoreEvent, EventSink};
use crate::poller::PollConfig;
use crate::secrets::{SecretStore, StoreError};
use crate::settings::{Settings, SettingsFile};
use crate::streamkey::{self, RevealTimer};
use kick_api::KickConfig;
use session::Session;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use session::LOGIN_LIFETIME;

/// The scopes Kickstand asks for at login.
pub const SCOPES: &[&str] = &[
    kick_api::scopes::USER_READ,
    kick_api::scopes::CHANNEL_READ,
    kick_api::scopes::CHANNEL_WRITE,
    kick_api::scopes::STREAMKEY_READ,
    kick_api::scopes::CHAT_WRITE,
    kick_api::scopes::EVENTS_SUBSCRIBE,
    kick_api::scopes::MODERATION_BAN,
    kick_api::scopes::MODERATION_CHAT_MESSAGE_MANAGE,
    kick_api::scopes::CHANNEL_REWARDS_READ,
    kick_api::scopes::CHANNEL_REWARDS_WRITE,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeChoice {
    /// Kick when client credentials are stored, else demo.
    Auto,
    Demo,
    Kick,
}

pub struct CoreOptions {
    pub mode: ModeChoice,
    /// Where secrets live in Kick mode (the OS keyring in the app).
    pub store: Arc<dyn SecretStore>,
    pub settings: SettingsFile,
    /// Kick's hosts (or, in tests, a fake's, to exercise Kick mode).
    pub kick: KickConfig,
    pub poll: PollConfig,
    pub demo_poll: PollConfig,
    pub reveal_for: Duration,
    pub login_timeout: Duration,
    /// In demo mode, open the fake's consent page in the system browser
    /// (false: the app follows the auto-approving redirect itself).
    pub demo_uses_browser: bool,
    /// Port of the loopback listener in demo mode (0 = any free port).
    pub demo_loopback_port: u16,
    /// Entering demo mode logs in to the demo channel at once (the app);
    /// false shows the demo's login screen first (most tests).
    pub demo_auto_login: bool,
    /// Where to write the demo fake's addresses (for end-to-end tests that
    /// check the fake's state). No secret is written.
    pub demo_info_file: Option<std::path::PathBuf>,
    /// Serve the embedded fake's `/_fake/*` control routes (end-to-end tests
    /// only: any local process could use them).
    pub demo_control_routes: bool,
    /// Give the demo's fake a real RTMP ingest (nginx with the RTMP module),
    /// so OBS can stream to it; without nginx the demo runs without one.
    pub demo_ingest: bool,
    /// Generated chat messages per second in demo mode.
    pub demo_chat_rate: f64,
    /// First and longest wait between attempts to restore a stored login
    /// while Kick cannot be reached.
    pub restore_backoff: (Duration, Duration),
    /// The app's data folder (the evening's store); `None` keeps it in memory.
    pub data_dir: Option<std::path::PathBuf>,
}

impl CoreOptions {
    pub fn new(store: Arc<dyn SecretStore>, settings: SettingsFile) -> Self {
        CoreOptions {
            mode: ModeChoice::Auto,
            store,
            settings,
            kick: KickConfig::kick(),
            poll: PollConfig::default(),
            demo_poll: PollConfig {
                live_interval: Duration::from_secs(3),
                idle_interval: Duration::from_secs(5),
                max_backoff: Duration::from_secs(60),
                ..PollConfig::default()
            },
            reveal_for: streamkey::REVEAL_FOR,
            login_timeout: Duration::from_secs(300),
            demo_uses_browser: true,
            demo_loopback_port: 0,
            demo_auto_login: false,
            demo_info_file: None,
            demo_control_routes: false,
            demo_ingest: false,
            demo_chat_rate: 1.5,
            restore_backoff: (Duration::from_secs(2), Duration::from_secs(60)),
            data_dir: None,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) opts: CoreOptions,
    pub(crate) sink: EventSink,
    pub(crate) keyring: Mutex<KeyringStatus>,
    pub(crate) settings: Mutex<Settings>,
    pub(crate) session: Mutex<Session>,
    pub(crate) reveal: RevealTimer,
    /// Serialises transitions: mode switches, the start and the end of a
    /// login, logout. Never held while waiting for the browser.
    pub(crate) op: tokio::sync::Mutex<()>,
    /// The OBS link (app-wide: OBS is on this machine, whatever the mode).
    pub(crate) obs: obs::ObsCell,
    /// OBS's websocket password, once read from the keyring.
    pub(crate) obs_password: Mutex<Option<kick_api::Secret>>,
}

/// The core handle. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    pub(crate) inner: Arc<Inner>,
}

impl Core {
    /// A core in the `starting` phase; nothing is read or started yet (no
    /// keyring, no network). Call [`Core::launch`] or [`Core::start`].
    pub fn new(opts: CoreOptions, sink: EventSink) -> Core {
        let settings = opts.settings.load();
        let mode = match opts.mode {
            ModeChoice::Demo => Mode::Demo,
            // Auto picks Kick when credentials are stored; until the keyring
            // answered, say Kick (the demo badge must never be shown wrongly
            // on a real account).
            ModeChoice::Kick | ModeChoice::Auto => Mode::Kick,
        };
        Core {
            inner: Arc::new(Inner {
                opts,
                sink,
                keyring: Mutex::new(KeyringStatus {
                    available: true,
                    message: None,
                }),
                settings: Mutex::new(settings),
                session: Mutex::new(Session::starting(mode)),
                reveal: RevealTimer::default(),
                op: tokio::sync::Mutex::new(()),
                obs: Default::default(),
                obs_password: Mutex::new(None),
            }),
        }
    }

    /// For the app: returns at once (the window can show the `starting` /
    /// `restoring` phase) and enters the mode in the background.
    pub fn launch(opts: CoreOptions, sink: EventSink) -> Core {
        let core = Core::new(opts, sink);
        let c = core.clone();
        tokio::spawn(async move {
            if let Err(e) = c.enter_initial_mode().await {
                c.notice(NoticeLevel::Error, e.message);
            }
            c.demo_auto_login().await;
            c.obs_autoconnect().await;
        });
        core
    }

    /// For tests and tools: enters the mode and makes the first attempt to
    /// restore a stored login before returning (a failing Kick is retried in
    /// the background, as in the app).
    pub async fn start(opts: CoreOptions, sink: EventSink) -> AppResult<Core> {
        let core = Core::new(opts, sink);
        core.enter_initial_mode().await?;
        core.demo_auto_login().await;
        core.obs_autoconnect().await;
        Ok(core)
    }

    pub(crate) fn emit(&self, e: CoreEvent) {
        (self.inner.sink)(e)
    }

    pub(crate) fn notice(&self, level: NoticeLevel, message: impl Into<String>) {
        self.emit(CoreEvent::Notice(Notice {
            level,
            message: message.into(),
        }));
    }

    pub fn status(&self) -> AppStatus {
        let (port, transport, chat_on) = {
            let st = self.inner.settings.lock().unwrap();
            (st.loopback_port, st.chat_transport, st.chat_enabled)
        };
        let keyring = self.inner.keyring.lock().unwrap().clone();
        let s = self.inner.session.lock().unwrap();
        s.status(keyring, redirect_uri(port), transport, chat_on)
    }

    pub(crate) fn publish_status(&self) -> AppStatus {
        let st = self.status();
        self.emit(CoreEvent::Status(st.clone()));
        st
    }

    /// The Kick hosts in use (the demo's fake in demo mode), for About.
    pub fn endpoints(&self) -> KickEndpoints {
        let s = self.inner.session.lock().unwrap();
        let k = s.mode.kick().unwrap_or(&self.inner.opts.kick);
        KickEndpoints {
            oauth: k.oauth_base.clone(),
            api: k.api_base.clone(),
            web: k.web_base.clone(),
            site: k.site_base.clone(),
        }
    }

    /// The embedded fake in demo mode (tests and the demo controls).
    pub fn demo_fake(&self) -> Option<Arc<kick_fake::RunningFake>> {
        self.inner.session.lock().unwrap().demo_fake()
    }

    pub(crate) fn settings(&self) -> Settings {
        self.inner.settings.lock().unwrap().clone()
    }

    /// Changes the settings and writes them to disk; nothing changes when
    /// `f` refuses or the file cannot be written.
    pub(crate) fn edit_settings<T>(
        &self,
        f: impl FnOnce(&mut Settings) -> AppResult<T>,
    ) -> AppResult<T> {
        let mut settings = self.inner.settings.lock().unwrap();
        let mut next = settings.clone();
        let out = f(&mut next)?;
        self.inner
            .opts
            .settings
            .save(&next)
            .map_err(|e| AppError::internal(format!("Could not save the settings: {e}")))?;
        *settings = next;
        Ok(out)
    }
}

pub(crate) fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}/callback")
}

pub(crate) fn store_err(e: StoreError) -> AppError {
    AppError::new(ErrorCode::KeyringUnavailable, e.to_string())
}

/// Runs a keyring (D-Bus) call on the blocking pool, never on an async worker.
pub(crate) async fn keyring<T: Send + 'static>(
    store: &Arc<dyn SecretStore>,
    f: impl FnOnce(&dyn SecretStore) -> T + Send + 'static,
) -> T {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .expect("keyring task panicked")
}
