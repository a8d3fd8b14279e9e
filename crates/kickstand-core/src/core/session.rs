//! The session state machine. The mode (demo or Kick) and the phase are
//! enums whose variants own their resources: leaving a state drops what it
//! owned (the demo's embedded fake Kick, the poller, the chat socket, the
//! token manager), so nothing of one mode can leak into the next.
//!
//! Start-up never waits on Kick: the core starts in `starting`, reads the
//! keyring off the async threads, and a stored login goes to `restoring`
//! while Kick is asked. Kick unreachable keeps the tokens and retries with
//! backoff; only a refresh token Kick refuses (a dead grant) asks for a new
//! login, once, with the reason.

use super::demo::Demo;
use super::{keyring, redirect_uri, store_err, Core, SCOPES};
use crate::dto::*;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::kick_source::{self, KickSource};
use crate::poller::{self, PollerHandle};
use crate::secrets::{self, SecretStore};
use crate::validate;
use kick_api::{
    KickClient, KickConfig, OAuthClient, Secret, TokenHint, TokenManager, TokenSet, TokenSink,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

/// Kick's refresh tokens stop working about 30 days after the login, and
/// refreshing does not extend that (API.md §2.3, KickDevDocs #397).
pub const LOGIN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// Warn the streamer this long before that.
const LOGIN_WARNING: Duration = Duration::from_secs(7 * 24 * 3600);

/// Shown when Kick ended a login (dead refresh token).
const LOGIN_ENDED: &str = "Kick ended your login (Kick asks for a new login about every 30 days, \
or when access was revoked). Log in again to continue; your unsaved edits stay where they are.";

/// What the current mode owns.
pub(crate) enum ModeState {
    /// Before the keyring answered (which mode is not known yet).
    Starting(Mode),
    Demo(Demo),
    Kick(KickMode),
}

pub(crate) struct KickMode {
    /// `None` until the streamer stored their Kick app's credentials.
    pub oauth: Option<OAuthClient>,
    /// The OS keyring.
    pub store: Arc<dyn SecretStore>,
    pub kick: KickConfig,
}

/// Where the session is, and what that phase owns.
pub(crate) enum Phase {
    Starting,
    NeedsCredentials,
    LoggedOut {
        /// Why a login is needed (the last one ended), shown once as a prompt.
        prompt: Option<String>,
    },
    LoggingIn {
        cancel: Option<oneshot::Sender<()>>,
        /// The demo's own login at start: shown as still starting (no
        /// "finish the login in your browser" screen for it).
        auto: bool,
    },
    Restoring {
        /// Why it is taking long ("Kick is unreachable, retrying in 8 s").
        problem: Option<String>,
        retry_now: Arc<Notify>,
        /// Ends the attempt under way at once (a logout: an attempt waiting
        /// on a Kick that does not answer would hold it up for a minute).
        give_up: Arc<Notify>,
        /// The tokens of the attempt under way (closed when the phase ends,
        /// so a refresh it started cannot save after a logout).
        attempt: Option<Arc<TokenManager>>,
    },
    LoggedIn(Box<Live>),
}

/// A logged-in session: everything here stops when it is dropped.
pub(crate) struct Live {
    pub client: KickClient,
    pub tokens: Arc<TokenManager>,
    pub user: UserSummary,
    pub poller: PollerGuard,
    pub chat: Option<crate::chat::ChatService>,
    /// The channel as last read (for a save whose read-back failed).
    pub channel: Option<ChannelView>,
    /// Categories seen in searches, by id (names for such a save).
    pub categories: std::collections::HashMap<kick_api::CategoryId, CategoryView>,
    /// The evening: activity feed, stats, the local store.
    pub feed: crate::feed::FeedService,
    /// Asks for the pending redemptions again (a socket redemption has no id).
    pub redemptions_changed: Arc<Notify>,
    /// Kick's webhooks, when the streamer turned the receiver on.
    pub receiver: Option<super::webhooks::Receiver>,
    /// Background work of this session (stops with it).
    pub tasks: Tasks,
}

/// Tasks that end with their owner.
#[derive(Default)]
pub(crate) struct Tasks(Vec<tokio::task::AbortHandle>);

impl Tasks {
    pub fn add(&mut self, h: tokio::task::JoinHandle<()>) {
        self.0.push(h.abort_handle());
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

impl Phase {
    /// Ends the phase: a token manager it owned saves nothing more (a
    /// refresh in flight finishes first), then everything it owned stops.
    pub async fn retire(self) {
        let tm = match &self {
            Phase::LoggedIn(l) => Some(l.tokens.clone()),
            Phase::Restoring { attempt, .. } => attempt.clone(),
            _ => None,
        };
        if let Some(tm) = tm {
            tm.close().await;
        }
        drop(self);
    }
}

/// Stops the poller when the session that owns it ends.
pub(crate) struct PollerGuard(pub PollerHandle);

impl Drop for PollerGuard {
    fn drop(&mut self) {
        self.0.stop();
    }
}

pub(crate) struct Session {
    pub mode: ModeState,
    pub phase: Phase,
    /// Bumped on every transition; background work started in an earlier
    /// epoch (a login waiting for the browser, a restore retry) checks it
    /// before it changes anything.
    pub epoch: u64,
}

impl ModeState {
    pub fn mode(&self) -> Mode {
        match self {
            ModeState::Starting(m) => *m,
            ModeState::Demo(_) => Mode::Demo,
            ModeState::Kick(_) => Mode::Kick,
        }
    }

    pub fn oauth(&self) -> Option<&OAuthClient> {
        match self {
            ModeState::Starting(_) => None,
            ModeState::Demo(d) => Some(&d.oauth),
            ModeState::Kick(k) => k.oauth.as_ref(),
        }
    }

    pub fn store(&self) -> Option<Arc<dyn SecretStore>> {
        match self {
            ModeState::Starting(_) => None,
            ModeState::Demo(d) => Some(d.store.clone()),
            ModeState::Kick(k) => Some(k.store.clone()),
        }
    }

    pub fn kick(&self) -> Option<&KickConfig> {
        match self {
            ModeState::Starting(_) => None,
            ModeState::Demo(d) => Some(&d.kick),
            ModeState::Kick(k) => Some(&k.kick),
        }
    }
}

impl Session {
    pub fn starting(mode: Mode) -> Self {
        Session {
            mode: ModeState::Starting(mode),
            phase: Phase::Starting,
            epoch: 0,
        }
    }

    pub fn live(&self) -> Option<&Live> {
        match &self.phase {
            Phase::LoggedIn(l) => Some(l),
            _ => None,
        }
    }

    pub fn live_mut(&mut self) -> Option<&mut Live> {
        match &mut self.phase {
            Phase::LoggedIn(l) => Some(l),
            _ => None,
        }
    }

    pub fn demo_fake(&self) -> Option<Arc<kick_fake::RunningFake>> {
        match &self.mode {
            ModeState::Demo(d) => Some(d.fake.clone()),
            _ => None,
        }
    }

    /// Moves to `phase`; returns the old phase (drop it outside the lock).
    pub fn set_phase(&mut self, phase: Phase) -> Phase {
        self.epoch += 1;
        std::mem::replace(&mut self.phase, phase)
    }

    pub fn status(
        &self,
        keyring: KeyringStatus,
        redirect_uri: String,
        chat_transport: ChatTransport,
        chat_enabled: bool,
    ) -> AppStatus {
        let (phase, problem, prompt) = match &self.phase {
            Phase::Starting => (SessionPhase::Starting, None, None),
            Phase::NeedsCredentials => (SessionPhase::NeedsCredentials, None, None),
            Phase::LoggedOut { prompt } => (SessionPhase::LoggedOut, None, prompt.clone()),
            Phase::LoggingIn { auto: true, .. } => (SessionPhase::Starting, None, None),
            Phase::LoggingIn { .. } => (SessionPhase::LoggingIn, None, None),
            Phase::Restoring { problem, .. } => (SessionPhase::Restoring, problem.clone(), None),
            Phase::LoggedIn(_) => (SessionPhase::LoggedIn, None, None),
        };
        let live = self.live();
        let expires_at = live
            .and_then(|l| l.tokens.snapshot())
            .and_then(|t| t.granted_at)
            .map(|g| g + chrono::Duration::from_std(LOGIN_LIFETIME).unwrap_or_default());
        AppStatus {
            mode: self.mode.mode(),
            phase,
            user: live.map(|l| l.user.clone()),
            keyring,
            redirect_uri,
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            client_id: self.mode.oauth().map(|o| o.client_id().to_owned()),
            problem,
            prompt,
            login_expires_at_ms: expires_at.map(|t| t.timestamp_millis()),
            relogin_warning: expires_at.and_then(|t| relogin_warning(t - chrono::Utc::now())),
            chat_transport,
            chat_enabled,
        }
    }
}

/// A token manager that saves every new token set to `store` (the keyring
/// in Kick mode) on the blocking pool.
fn token_manager(
    oauth: OAuthClient,
    store: Arc<dyn SecretStore>,
    tokens: TokenSet,
) -> Arc<TokenManager> {
    let sink: Arc<dyn TokenSink> = Arc::new(move |t: &TokenSet| {
        secrets::save_tokens(store.as_ref(), t).map_err(|e| e.to_string())
    });
    Arc::new(TokenManager::user(oauth, tokens, sink))
}

/// "Kick will ask you to log in again in N days", in the last week.
pub(crate) fn relogin_warning(left: chrono::Duration) -> Option<String> {
    let warn = chrono::Duration::from_std(LOGIN_WARNING).unwrap_or_default();
    if left > warn {
        return None;
    }
    let days = (left.num_hours() + 23) / 24;
    Some(match days {
        d if d <= 0 => "Kick may ask you to log in again at any moment.".to_owned(),
        1 => "Kick will ask you to log in again within a day.".to_owned(),
        d => format!("Kick will ask you to log in again in {d} days."),
    })
}

/// The Client ID and Secret, when both are stored.
type Creds = Option<(String, Secret)>;

/// Reads the Client ID and the Secret side by side (each read is a Secret
/// Service round trip): whether the keyring works (a failing read says why)
/// and both values when both are there.
async fn read_credentials(store: &Arc<dyn SecretStore>) -> (KeyringStatus, Creds) {
    let (id, secret) = tokio::join!(
        keyring(store, |s| s.get(secrets::CLIENT_ID)),
        keyring(store, |s| s.get(secrets::CLIENT_SECRET)),
    );
    let status = match (&id, &secret) {
        (Err(e), _) | (_, Err(e)) => KeyringStatus {
            available: false,
            message: Some(e.to_string()),
        },
        _ => KeyringStatus {
            available: true,
            message: None,
        },
    };
    let creds = match (id, secret) {
        (Ok(Some(id)), Ok(Some(secret))) => Some((id.expose().to_owned(), secret)),
        _ => None,
    };
    (status, creds)
}

/// How one attempt to restore a stored login went.
enum Restore {
    /// Logged in, logged out, or superseded: nothing more to do.
    Done,
    /// Kick could not be reached (or is failing): try again later.
    Retry(String),
}

impl Core {
    /// Reads the keyring (off the async threads) and enters the first mode.
    ///
    /// Each keyring read is a Secret Service round trip with its own
    /// encrypted session (~30 ms here), so start-up reads what it needs and
    /// no more, side by side: the Client ID and Secret (they decide the mode
    /// and make the Kick client; their reads also tell whether the keyring
    /// works), and nothing at all before a demo that was asked for (its
    /// keyring check runs beside the demo's start).
    pub(crate) async fn enter_initial_mode(&self) -> AppResult<()> {
        let _op = self.inner.op.lock().await;
        let store = self.inner.opts.store.clone();
        if matches!(self.inner.opts.mode, super::ModeChoice::Demo) {
            let core = self.clone();
            tokio::spawn(async move {
                let status = keyring(&store, |s| s.probe()).await;
                let changed = {
                    let mut k = core.inner.keyring.lock().unwrap();
                    let changed = *k != status;
                    *k = status;
                    changed
                };
                if changed {
                    core.publish_status();
                }
            });
            return self.enter_mode_with(Mode::Demo, None).await;
        }
        let (status, creds) = read_credentials(&store).await;
        *self.inner.keyring.lock().unwrap() = status;
        let mode = match (self.inner.opts.mode, &creds) {
            (super::ModeChoice::Auto, None) => Mode::Demo,
            _ => Mode::Kick,
        };
        self.enter_mode_with(mode, Some(creds)).await
    }

    /// Leaves the current mode (dropping all it owned) and enters `mode`,
    /// restoring a stored login. The caller holds `op`.
    async fn enter_mode(&self, mode: Mode) -> AppResult<()> {
        self.enter_mode_with(mode, None).await
    }

    /// [`Core::enter_mode`]; `creds`: the Client ID and Secret already read
    /// (start-up), else they are read here for Kick mode.
    async fn enter_mode_with(&self, mode: Mode, creds: Option<Creds>) -> AppResult<()> {
        let old = {
            let mut s = self.inner.session.lock().unwrap();
            let old_phase = s.set_phase(Phase::Starting);
            let old_mode = std::mem::replace(&mut s.mode, ModeState::Starting(mode));
            (old_phase, old_mode)
        };
        // Outside the lock: stops chat and the poller, then shuts the
        // embedded fake down (its port closes).
        old.0.retire().await;
        drop(old.1);
        self.publish_status();

        let (state, phase) = match mode {
            Mode::Demo => {
                let demo = super::demo::start(&self.inner.opts).await?;
                // With its own login due, the demo stays on the starting
                // screen until it is in (no login screen flashes by).
                let phase = match self.inner.opts.demo_auto_login {
                    true => Phase::Starting,
                    false => Phase::LoggedOut { prompt: None },
                };
                (ModeState::Demo(demo), phase)
            }
            Mode::Kick => {
                let store = self.inner.opts.store.clone();
                let kick = self.inner.opts.kick.clone();
                let creds = match creds {
                    Some(read) => read,
                    None if self.inner.keyring.lock().unwrap().available => {
                        read_credentials(&store).await.1
                    }
                    None => None,
                };
                let port = self.settings().loopback_port;
                let oauth = creds.map(|(id, secret)| {
                    OAuthClient::new(&kick, id, secret, Some(redirect_uri(port)))
                });
                let phase = if oauth.is_some() {
                    Phase::LoggedOut { prompt: None }
                } else {
                    Phase::NeedsCredentials
                };
                (ModeState::Kick(KickMode { oauth, store, kick }), phase)
            }
        };
        {
            let mut s = self.inner.session.lock().unwrap();
            s.mode = state;
            s.set_phase(phase);
        }
        self.begin_restore().await;
        self.publish_status();
        Ok(())
    }

    /// A stored login: go to `restoring`, make one attempt now, and keep
    /// retrying in the background while Kick cannot be reached.
    async fn begin_restore(&self) {
        let store = {
            let s = self.inner.session.lock().unwrap();
            match (&s.phase, s.mode.store()) {
                (Phase::LoggedOut { .. }, Some(store)) if s.mode.oauth().is_some() => store,
                _ => return,
            }
        };
        let stored = keyring(&store, |s| secrets::load_tokens(s)).await;
        let tokens = match stored {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(e) => {
                self.notice(NoticeLevel::Warning, e.to_string());
                return;
            }
        };
        let retry_now = Arc::new(Notify::new());
        let epoch = {
            let mut s = self.inner.session.lock().unwrap();
            s.set_phase(Phase::Restoring {
                problem: None,
                retry_now: retry_now.clone(),
                give_up: Arc::new(Notify::new()),
                attempt: None,
            });
            s.epoch
        };
        self.publish_status();
        if let Restore::Retry(why) = self.restore_once(epoch, Some(tokens)).await {
            let core = self.clone();
            tokio::spawn(async move { core.restore_retries(epoch, why, retry_now).await });
        }
    }

    async fn restore_retries(&self, epoch: u64, mut why: String, retry_now: Arc<Notify>) {
        let (first, max) = self.inner.opts.restore_backoff;
        let mut delay = first;
        loop {
            {
                let mut s = self.inner.session.lock().unwrap();
                if s.epoch != epoch {
                    return;
                }
                if let Phase::Restoring { problem, .. } = &mut s.phase {
                    *problem = Some(format!("{why} Retrying in {} s.", delay.as_secs().max(1)));
                }
            }
            self.publish_status();
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = retry_now.notified() => {}
            }
            if self.inner.session.lock().unwrap().epoch != epoch {
                return;
            }
            match self.restore_once(epoch, None).await {
                Restore::Done => return,
                Restore::Retry(w) => why = w,
            }
            delay = (delay * 2).min(max);
        }
    }

    /// One attempt: load the stored tokens, ask Kick who we are, start.
    /// One attempt; `read`: the stored tokens when the caller just read them
    /// (the first attempt), else they are read again (a refresh may have
    /// replaced them since).
    async fn restore_once(&self, epoch: u64, read: Option<TokenSet>) -> Restore {
        let (oauth, kick, store, demo) = {
            let s = self.inner.session.lock().unwrap();
            match (&s.phase, s.mode.oauth(), s.mode.kick(), s.mode.store()) {
                (Phase::Restoring { .. }, Some(o), Some(k), Some(st)) if s.epoch == epoch => (
                    o.clone(),
                    k.clone(),
                    st,
                    matches!(s.mode, ModeState::Demo(_)),
                ),
                _ => return Restore::Done,
            }
        };
        let stored = match read {
            Some(t) => Ok(Some(t)),
            None => keyring(&store, |s| secrets::load_tokens(s)).await,
        };
        let tokens = match stored {
            Ok(Some(t)) => t,
            Ok(None) => {
                self.finish_restore(epoch, Phase::LoggedOut { prompt: None });
                return Restore::Done;
            }
            Err(e) => {
                self.finish_restore(
                    epoch,
                    Phase::LoggedOut {
                        prompt: Some(e.to_string()),
                    },
                );
                return Restore::Done;
            }
        };
        let tm = token_manager(oauth, store.clone(), tokens);
        let give_up = {
            // Owned by the phase from here: a logout meanwhile closes it.
            let mut s = self.inner.session.lock().unwrap();
            let current = s.epoch == epoch;
            match &mut s.phase {
                Phase::Restoring {
                    attempt, give_up, ..
                } if current => {
                    *attempt = Some(tm.clone());
                    give_up.clone()
                }
                _ => return Restore::Done,
            }
        };
        let activated = tokio::select! {
            r = self.activate(tm, kick, demo) => r,
            // The logout that asked takes it from here.
            _ = give_up.notified() => return Restore::Done,
        };
        match activated {
            Ok(live) => {
                self.finish_restore(epoch, Phase::LoggedIn(Box::new(live)));
                self.after_login();
                Restore::Done
            }
            Err(e) if e.code == ErrorCode::ReloginRequired => {
                let _ = keyring(&store, |s| s.delete(secrets::TOKENS)).await;
                self.finish_restore(
                    epoch,
                    Phase::LoggedOut {
                        prompt: Some(LOGIN_ENDED.to_owned()),
                    },
                );
                Restore::Done
            }
            Err(e) if matches!(e.code, ErrorCode::KickUnavailable | ErrorCode::RateLimited) => {
                Restore::Retry(match e.code {
                    ErrorCode::RateLimited => "Kick is busy.".to_owned(),
                    // Kick answered with a 5xx: say so (its first sentence),
                    // not that it could not be reached.
                    _ if e.message.contains("server error") => format!("{}.", e.headline()),
                    _ => "Kick is unreachable.".to_owned(),
                })
            }
            Err(e) => {
                // Kick answered, but not usefully (a missing permission, an
                // unexpected answer): a new login is the way forward.
                self.finish_restore(
                    epoch,
                    Phase::LoggedOut {
                        prompt: Some(format!("Could not restore your Kick login: {}", e.message)),
                    },
                );
                Restore::Done
            }
        }
    }

    fn finish_restore(&self, epoch: u64, phase: Phase) {
        let old = {
            let mut s = self.inner.session.lock().unwrap();
            if s.epoch != epoch {
                // Superseded (logout, login, mode switch): the new state
                // already closed this attempt's tokens; drop what it built.
                drop(s);
                drop(phase);
                return;
            }
            s.set_phase(phase)
        };
        drop(old);
        self.publish_status();
    }

    /// While restoring: try again now instead of waiting for the backoff.
    pub fn retry_now(&self) {
        if let Phase::Restoring { retry_now, .. } = &self.inner.session.lock().unwrap().phase {
            retry_now.notify_one();
        }
    }

    /// Uses a token set: builds the client, checks it with `/users`, starts
    /// the poller. Nothing is installed: the caller decides.
    async fn activate(
        &self,
        tm: Arc<TokenManager>,
        kick: KickConfig,
        demo: bool,
    ) -> AppResult<Live> {
        let client = KickClient::new(kick, tm.clone());
        let me = client
            .me()
            .await
            .map_err(|e| self.app_error("GET /users", e))?;
        let user = UserSummary {
            user_id: me.user_id,
            name: me.name.clone(),
            profile_picture: me.profile_picture.clone(),
        };
        let poll = if demo {
            self.inner.opts.demo_poll.clone()
        } else {
            self.inner.opts.poll.clone()
        };
        let settings = self.settings();
        // The demo's own (in memory), or the saved one.
        let watchlist = self.watchlist();
        // The evening's store: one file per Kick account, memory in the demo
        // (nothing of the demo is ever written next to a real account's).
        let path = match (&self.inner.opts.data_dir, demo) {
            (Some(dir), false) => Some(dir.join(format!("evening-{}.sqlite3", user.user_id))),
            _ => None,
        };
        let store = match crate::feed::store::Store::open(path) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "the local store could not be opened; keeping the evening in memory");
                self.notice(
                    NoticeLevel::Warning,
                    format!("Kickstand could not open its local store ({e}); the activity feed will not survive a restart."),
                );
                crate::feed::store::Store::open(None).map_err(AppError::internal)?
            }
        };
        let feed = crate::feed::FeedService::start(store, self.inner.sink.clone(), settings.notify);
        // The poller reports to the window and to the feed (live, viewers, title).
        let base = self.inner.sink.clone();
        let f2 = feed.clone();
        let poll_sink: crate::events::EventSink = Arc::new(move |e| {
            f2.observe(&e);
            base(e)
        });
        let weak = Arc::downgrade(&self.inner);
        let weak_tm = Arc::downgrade(&tm);
        let on_dead_login: poller::DeadLogin = Arc::new(move || {
            let (Some(inner), Some(tm)) = (weak.upgrade(), weak_tm.upgrade()) else {
                return;
            };
            let core = Core { inner };
            tokio::spawn(async move { core.end_dead_login(&tm).await });
        });
        let poller = poller::spawn(
            KickSource::new(client.clone(), user.clone()),
            poll,
            watchlist,
            poll_sink,
            on_dead_login,
        );
        Ok(Live {
            client,
            tokens: tm,
            user,
            poller: PollerGuard(poller),
            chat: None,
            channel: None,
            categories: Default::default(),
            feed,
            redemptions_changed: Arc::new(Notify::new()),
            receiver: None,
            tasks: Tasks::default(),
        })
    }

    /// A session just started: the realtime socket (feed and chat) unless
    /// the streamer turned chat off, and the pending redemptions.
    fn after_login(&self) {
        let core = self.clone();
        let h = tokio::spawn(async move {
            if core.settings().chat_enabled {
                if let Err(e) = core.ensure_chat(None).await {
                    // Kick mode without a known chat room: the panel asks.
                    tracing::info!(error = %e.message, "chat not started at login");
                }
            }
        });
        let core = self.clone();
        let refresh = tokio::spawn(async move {
            let Some(wake) = core
                .inner
                .session
                .lock()
                .unwrap()
                .live()
                .map(|l| l.redemptions_changed.clone())
            else {
                return;
            };
            loop {
                if let Err(e) = core.redemptions_refresh().await {
                    tracing::info!(error = %e.message, "pending redemptions not loaded");
                }
                wake.notified().await;
                // A burst of redemptions: ask once.
                tokio::time::sleep(Duration::from_millis(800)).await;
            }
        });
        let core = self.clone();
        let hooks = tokio::spawn(async move { core.webhook_keepalive().await });
        // This account's key against what OBS has (when OBS is connected).
        let core = self.clone();
        tokio::spawn(async move { core.obs_session_changed(true).await });
        if let Some(live) = self.inner.session.lock().unwrap().live_mut() {
            live.tasks.add(h);
            live.tasks.add(refresh);
            live.tasks.add(hooks);
        }
    }

    /// The logged-in client, or a coded error saying what is missing.
    pub(crate) fn client(&self) -> AppResult<KickClient> {
        let s = self.inner.session.lock().unwrap();
        match &s.phase {
            Phase::LoggedIn(l) => Ok(l.client.clone()),
            Phase::NeedsCredentials => Err(AppError::new(
                ErrorCode::NeedsCredentials,
                "Add your Kick app's Client ID and Secret first.",
            )),
            Phase::Restoring { .. } | Phase::Starting => Err(AppError::new(
                ErrorCode::NotLoggedIn,
                "Kickstand is still restoring your Kick login; try again in a moment.",
            )),
            _ => Err(AppError::new(
                ErrorCode::NotLoggedIn,
                "Log in with Kick first.",
            )),
        }
    }

    /// Turns a Kick error into what the window shows, logging the original
    /// (endpoint, status, Kick's words) once, here.
    pub(crate) fn app_error(&self, what: &str, e: kick_api::Error) -> AppError {
        let app = AppError::from(e.clone());
        tracing::warn!(action = what, error = %e, code = ?app.code, "Kick call failed");
        app
    }

    /// A failed call that means the login is dead ends that login cleanly.
    pub(crate) async fn check_dead_login<T>(
        &self,
        client: &KickClient,
        r: AppResult<T>,
    ) -> AppResult<T> {
        if let Err(e) = &r {
            if e.code == ErrorCode::ReloginRequired {
                if let Some(tm) = client.tokens() {
                    self.end_dead_login(tm).await;
                }
            }
        }
        r
    }

    /// Ends the session that uses `tm` (Kick refused its refresh token):
    /// nothing more is saved, the stored tokens are deleted, and the window
    /// gets one prompt to log in again. A later session is left alone.
    pub(crate) async fn end_dead_login(&self, tm: &Arc<TokenManager>) {
        let _op = self.inner.op.lock().await;
        let (old, store) = {
            let mut s = self.inner.session.lock().unwrap();
            let ours = s.live().is_some_and(|l| Arc::ptr_eq(&l.tokens, tm));
            if !ours {
                return;
            }
            let old = s.set_phase(Phase::LoggedOut {
                prompt: Some(LOGIN_ENDED.to_owned()),
            });
            (old, s.mode.store())
        };
        old.retire().await;
        if let Some(store) = store {
            if let Err(e) = keyring(&store, |s| s.delete(secrets::TOKENS)).await {
                tracing::warn!(error = %e, "could not delete the dead Kick tokens");
            }
        }
        self.publish_status();
    }

    // ----- credentials and mode -----

    /// Stores the Kick app credentials in the keyring and switches to Kick mode.
    pub async fn save_credentials(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> AppResult<AppStatus> {
        let (id, secret) = validate::credentials(client_id, client_secret)?;
        let _op = self.inner.op.lock().await;
        let ks = self.inner.keyring.lock().unwrap().clone();
        if !ks.available {
            return Err(AppError::new(
                ErrorCode::KeyringUnavailable,
                ks.message.unwrap_or_else(|| secrets::KEYRING_HELP.into()),
            ));
        }
        keyring(&self.inner.opts.store, move |s| {
            s.set(secrets::CLIENT_ID, &Secret::new(id))?;
            s.set(secrets::CLIENT_SECRET, &Secret::new(secret))?;
            s.delete(secrets::TOKENS)
        })
        .await
        .map_err(store_err)?;
        self.enter_mode(Mode::Kick).await?;
        Ok(self.status())
    }

    /// Logs out and removes the stored credentials.
    pub async fn forget_credentials(&self) -> AppResult<AppStatus> {
        self.logout().await?;
        let _op = self.inner.op.lock().await;
        keyring(&self.inner.opts.store, |s| {
            s.delete(secrets::CLIENT_ID)?;
            s.delete(secrets::CLIENT_SECRET)?;
            s.delete(secrets::TOKENS)
        })
        .await
        .map_err(store_err)?;
        self.enter_mode(Mode::Kick).await?;
        Ok(self.status())
    }

    /// Switches to demo mode (the embedded fake Kick).
    pub async fn use_demo(&self) -> AppResult<AppStatus> {
        {
            let _op = self.inner.op.lock().await;
            self.enter_mode(Mode::Demo).await?;
        }
        self.demo_auto_login().await;
        Ok(self.status())
    }

    /// In demo mode with [`CoreOptions::demo_auto_login`](super::CoreOptions):
    /// logs in to the demo channel at once, as a returning streamer's stored
    /// login would (the fake's consent page auto-approves; followed in the
    /// app, never in a browser). Logging out shows the demo's login screen.
    pub(crate) async fn demo_auto_login(&self) {
        let due = self.inner.opts.demo_auto_login && {
            let s = self.inner.session.lock().unwrap();
            matches!(s.mode, ModeState::Demo(_))
                && matches!(s.phase, Phase::Starting | Phase::LoggedOut { .. })
        };
        if due {
            if let Err(e) = self.login_with(|_| Err("in-process".into()), true).await {
                // Whatever failed, the demo's login screen is there to retry.
                let old = {
                    let mut s = self.inner.session.lock().unwrap();
                    matches!(s.mode, ModeState::Demo(_) if matches!(s.phase, Phase::Starting))
                        .then(|| s.set_phase(Phase::LoggedOut { prompt: None }))
                };
                if let Some(old) = old {
                    old.retire().await;
                    self.publish_status();
                }
                if e.code != ErrorCode::LoginCancelled {
                    self.notice(NoticeLevel::Error, e.message);
                }
            }
        }
    }

    /// Switches to Kick mode with the stored credentials.
    pub async fn use_kick(&self) -> AppResult<AppStatus> {
        let _op = self.inner.op.lock().await;
        self.enter_mode(Mode::Kick).await?;
        Ok(self.status())
    }

    // ----- login / logout -----

    /// Logs in through the browser. `open_url` opens the system browser;
    /// returns when the loopback listener got the callback (or on error,
    /// timeout, [`Core::cancel_login`] or logout). The transition lock is
    /// not held while the browser is out.
    pub async fn login<F>(&self, open_url: F) -> AppResult<AppStatus>
    where
        F: FnOnce(&str) -> Result<(), String> + Send,
    {
        self.login_with(open_url, false).await
    }

    /// [`Core::login`]; `auto`: the demo's own login at start (no browser,
    /// no toast).
    async fn login_with<F>(&self, open_url: F, auto: bool) -> AppResult<AppStatus>
    where
        F: FnOnce(&str) -> Result<(), String> + Send,
    {
        let (epoch, oauth, auth, listener, cancel_rx, demo) = {
            let _op = self.inner.op.lock().await;
            let (oauth, demo) = {
                let s = self.inner.session.lock().unwrap();
                match (&s.phase, s.mode.oauth()) {
                    (Phase::LoggedIn(_), _) => (None, None),
                    (Phase::NeedsCredentials, _) | (_, None) => {
                        return Err(AppError::new(
                            ErrorCode::NeedsCredentials,
                            "Add your Kick app's Client ID and Secret first.",
                        ))
                    }
                    (_, Some(o)) => (Some(o.clone()), s.demo_fake()),
                }
            };
            let Some(oauth) = oauth else {
                return Ok(self.status());
            };
            let port = if demo.is_some() {
                self.inner.opts.demo_loopback_port
            } else {
                self.settings().loopback_port
            };
            let listener = kick_source::bind_loopback(port).await?;
            let redirect = redirect_uri(listener.port());
            if let Some(fake) = &demo {
                kick_source::register_demo_redirect(fake, &redirect);
            }
            let oauth = oauth.with_redirect_uri(redirect);
            let auth = oauth
                .authorize_url(SCOPES)
                .map_err(|e| self.app_error("authorize", e))?;
            let (cancel_tx, cancel_rx) = oneshot::channel();
            let (old, epoch) = {
                let mut s = self.inner.session.lock().unwrap();
                let old = s.set_phase(Phase::LoggingIn {
                    cancel: Some(cancel_tx),
                    auto,
                });
                (old, s.epoch)
            };
            // A restore that was retrying (or an earlier login) ends here.
            old.retire().await;
            self.publish_status();
            (epoch, oauth, auth, listener, cancel_rx, demo.is_some())
        };

        // The demo plays the browser itself when it logs itself in, when
        // told to, or when no browser opens.
        let in_process = if demo && (auto || !self.inner.opts.demo_uses_browser) {
            true
        } else {
            match open_url(&auth.url) {
                Ok(()) => false,
                Err(_) if demo => true,
                Err(e) => {
                    self.back_to_logged_out(epoch);
                    return Err(AppError::new(
                        ErrorCode::LoginFailed,
                        format!("Could not open the browser: {e}"),
                    ));
                }
            }
        };

        // In process, the demo's "browser" runs beside the wait for its
        // callback (which answers it); if it fails, the login ends now.
        let follow = async {
            if in_process {
                kick_source::follow_authorize_in_process(auth.url.clone()).await
            } else {
                std::future::pending().await
            }
        };
        let code = tokio::select! {
            r = kick_source::wait_for_code(listener, &auth, self.inner.opts.login_timeout) => r,
            Err(e) = follow => {
                tracing::warn!(error = %e, "demo login failed");
                Err(AppError::new(ErrorCode::LoginFailed, format!("The demo's login did not complete: {e}.")))
            }
            _ = cancel_rx => Err(AppError::new(ErrorCode::LoginCancelled, "Login cancelled.")),
        };
        let _op = self.inner.op.lock().await;
        let (store, kick) = {
            let s = self.inner.session.lock().unwrap();
            match (&s.phase, s.mode.store(), s.mode.kick()) {
                (Phase::LoggingIn { .. }, Some(st), Some(k)) if s.epoch == epoch => (st, k.clone()),
                _ => return Err(AppError::new(ErrorCode::LoginCancelled, "Login cancelled.")),
            }
        };
        let result = async {
            let code = code?;
            let tokens = oauth
                .exchange_code(code.expose(), &auth.pkce_verifier)
                .await
                .map_err(|e| self.app_error("code exchange", e))?;
            let to_store = tokens.clone();
            keyring(&store, move |s| secrets::save_tokens(s, &to_store))
                .await
                .map_err(store_err)?;
            self.activate(
                token_manager(oauth.clone(), store.clone(), tokens),
                kick,
                demo,
            )
            .await
        }
        .await;
        match result {
            Ok(live) => {
                {
                    let mut s = self.inner.session.lock().unwrap();
                    s.set_phase(Phase::LoggedIn(Box::new(live)));
                }
                if !auto {
                    let done = if demo {
                        "Logged in to the demo channel."
                    } else {
                        "Logged in to Kick."
                    };
                    self.notice(NoticeLevel::Success, done);
                }
                let st = self.publish_status();
                self.after_login();
                Ok(st)
            }
            Err(e) => {
                self.back_to_logged_out(epoch);
                Err(e)
            }
        }
    }

    fn back_to_logged_out(&self, epoch: u64) {
        let old = {
            let mut s = self.inner.session.lock().unwrap();
            if s.epoch != epoch || !matches!(s.phase, Phase::LoggingIn { .. }) {
                return;
            }
            s.set_phase(Phase::LoggedOut { prompt: None })
        };
        drop(old);
        self.publish_status();
    }

    pub fn cancel_login(&self) {
        let mut s = self.inner.session.lock().unwrap();
        if let Phase::LoggingIn { cancel, .. } = &mut s.phase {
            if let Some(tx) = cancel.take() {
                let _ = tx.send(());
            }
        }
    }

    /// Ends the session: no refresh may save after this begins; the tokens
    /// are revoked at Kick (best effort) and deleted. A pending login is
    /// cancelled, a restore stops.
    pub async fn logout(&self) -> AppResult<AppStatus> {
        // A restore attempt (which may hold `op`) gives way at once.
        if let Phase::Restoring { give_up, .. } = &self.inner.session.lock().unwrap().phase {
            give_up.notify_one();
        }
        let _op = self.inner.op.lock().await;
        let (old, store, oauth) = {
            let mut s = self.inner.session.lock().unwrap();
            let next = match &s.phase {
                Phase::NeedsCredentials | Phase::Starting => None,
                _ => Some(Phase::LoggedOut { prompt: None }),
            };
            let old = next.map(|p| s.set_phase(p));
            (old, s.mode.store(), s.mode.oauth().cloned())
        };
        let mut last = None;
        if let Some(Phase::LoggedIn(live)) = &old {
            // 1. Close the token manager: a refresh in flight finishes
            //    without saving, and none starts after this.
            last = live.tokens.close().await;
        }
        // Stops chat and the poller, closes a restore attempt's tokens; a
        // pending login sees its cancel.
        if let Some(old) = old {
            old.retire().await;
        }
        // 2. Revoke at Kick (best effort, bounded).
        if let (Some(t), Some(oauth)) = (&last, &oauth) {
            let revoke = async {
                if let Some(r) = &t.refresh_token {
                    let _ = oauth.revoke(r, TokenHint::RefreshToken).await;
                }
                let _ = oauth.revoke(&t.access_token, TokenHint::AccessToken).await;
            };
            let _ = tokio::time::timeout(Duration::from_secs(10), revoke).await;
        }
        // 3. Delete what is stored.
        if let Some(store) = store {
            keyring(&store, |s| s.delete(secrets::TOKENS))
                .await
                .map_err(store_err)?;
        }
        self.obs_session_changed(false).await;
        Ok(self.publish_status())
    }

    /// The user id of the logged-in streamer.
    pub(crate) fn me_id(&self) -> AppResult<kick_api::UserId> {
        self.inner
            .session
            .lock()
            .unwrap()
            .live()
            .map(|l| l.user.user_id)
            .ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))
    }

    pub(crate) fn poller(&self) -> Option<PollerHandle> {
        self.inner
            .session
            .lock()
            .unwrap()
            .live()
            .map(|l| l.poller.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relogin_warning_in_the_last_week_only() {
        let d = chrono::Duration::days;
        assert_eq!(relogin_warning(d(20)), None);
        assert_eq!(
            relogin_warning(d(3)).as_deref(),
            Some("Kick will ask you to log in again in 3 days.")
        );
        assert_eq!(
            relogin_warning(chrono::Duration::hours(5)).as_deref(),
            Some("Kick will ask you to log in again within a day.")
        );
        assert!(relogin_warning(d(-1)).unwrap().contains("any moment"));
    }
}
