//! The session and everything that needs it: mode (demo or Kick), login via
//! the system browser and a one-shot loopback listener, silent restore and
//! refresh, logout, the channel editor, the stream key, the watchlist and
//! the live poller. One cheap cloneable handle; short lock scopes.

use crate::dto::*;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::{CoreEvent, EventSink};
use crate::kick_source::{self, KickSource};
use crate::poller::{self, PollConfig, PollerHandle};
use crate::secrets::{self, MemoryStore, SecretStore, StoreError};
use crate::settings::{Settings, SettingsFile};
use crate::streamkey::{self, Clipboard, RevealTimer};
use crate::validate;
use kick_api::{
    KickClient, KickConfig, OAuthClient, Secret, TokenHint, TokenManager, TokenSet, TokenSink,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The scopes Kickstand asks for at login (the chat features of a later
/// release need `chat:write` and the moderation scopes, so ask once).
pub const SCOPES: &[&str] = &[
    kick_api::scopes::USER_READ,
    kick_api::scopes::CHANNEL_READ,
    kick_api::scopes::CHANNEL_WRITE,
    kick_api::scopes::STREAMKEY_READ,
    kick_api::scopes::CHAT_WRITE,
    kick_api::scopes::EVENTS_SUBSCRIBE,
    kick_api::scopes::MODERATION_BAN,
    kick_api::scopes::MODERATION_CHAT_MESSAGE_MANAGE,
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
    /// Where to write the demo fake's addresses (for end-to-end tests that
    /// check the fake's state). No secret is written.
    pub demo_info_file: Option<std::path::PathBuf>,
    /// Generated chat messages per second in demo mode.
    pub demo_chat_rate: f64,
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
            },
            reveal_for: streamkey::REVEAL_FOR,
            login_timeout: Duration::from_secs(300),
            demo_uses_browser: true,
            demo_loopback_port: 0,
            demo_info_file: None,
            demo_chat_rate: 1.5,
        }
    }
}

struct Session {
    mode: Mode,
    phase: SessionPhase,
    user: Option<UserSummary>,
    /// The store in use: the keyring in Kick mode, memory in demo mode.
    store: Arc<dyn SecretStore>,
    kick: KickConfig,
    client_id: Option<String>,
    oauth: Option<OAuthClient>,
    client: Option<KickClient>,
    poller: Option<PollerHandle>,
    demo: Option<Arc<kick_fake::RunningFake>>,
    login_cancel: Option<tokio::sync::oneshot::Sender<()>>,
    chat: Option<crate::chat::ChatService>,
}

struct Inner {
    opts: CoreOptions,
    sink: EventSink,
    keyring: KeyringStatus,
    settings: Mutex<Settings>,
    session: Mutex<Session>,
    reveal: RevealTimer,
    /// Serialises mode switches, login and logout.
    op: tokio::sync::Mutex<()>,
}

/// The core handle. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

fn redirect_uri(port: u16) -> String {
    format!("http://localhost:{port}/callback")
}

impl Core {
    pub async fn start(opts: CoreOptions, sink: EventSink) -> AppResult<Core> {
        let keyring = opts.store.probe();
        let settings = opts.settings.load();
        let has_creds = keyring.available
            && matches!(
                (
                    opts.store.get(secrets::CLIENT_ID),
                    opts.store.get(secrets::CLIENT_SECRET)
                ),
                (Ok(Some(_)), Ok(Some(_)))
            );
        let mode = match opts.mode {
            ModeChoice::Demo => Mode::Demo,
            ModeChoice::Kick => Mode::Kick,
            ModeChoice::Auto if has_creds => Mode::Kick,
            ModeChoice::Auto => Mode::Demo,
        };
        let session = Session {
            mode,
            phase: SessionPhase::NeedsCredentials,
            user: None,
            store: opts.store.clone(),
            kick: opts.kick.clone(),
            client_id: None,
            oauth: None,
            client: None,
            poller: None,
            demo: None,
            login_cancel: None,
            chat: None,
        };
        let core = Core {
            inner: Arc::new(Inner {
                opts,
                sink,
                keyring,
                settings: Mutex::new(settings),
                session: Mutex::new(session),
                reveal: RevealTimer::default(),
                op: tokio::sync::Mutex::new(()),
            }),
        };
        {
            let _op = core.inner.op.lock().await;
            core.enter_mode(mode).await?;
        }
        Ok(core)
    }

    fn emit(&self, e: CoreEvent) {
        (self.inner.sink)(e)
    }

    fn notice(&self, level: NoticeLevel, message: impl Into<String>) {
        self.emit(CoreEvent::Notice(Notice {
            level,
            message: message.into(),
        }));
    }

    pub fn status(&self) -> AppStatus {
        let s = self.inner.session.lock().unwrap();
        AppStatus {
            mode: s.mode,
            phase: s.phase,
            user: s.user.clone(),
            keyring: self.inner.keyring.clone(),
            redirect_uri: redirect_uri(self.inner.settings.lock().unwrap().loopback_port),
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            client_id: s.client_id.clone(),
        }
    }

    fn publish_status(&self) -> AppStatus {
        let st = self.status();
        self.emit(CoreEvent::Status(st.clone()));
        st
    }

    /// The embedded fake in demo mode (for tests and the demo controls).
    pub fn demo_fake(&self) -> Option<Arc<kick_fake::RunningFake>> {
        self.inner.session.lock().unwrap().demo.clone()
    }

    /// Sets up the session for a mode and restores a stored login.
    async fn enter_mode(&self, mode: Mode) -> AppResult<()> {
        self.stop_session();
        match mode {
            Mode::Demo => {
                let fake = kick_fake::start(kick_fake::FakeConfig {
                    auto_approve: true,
                    redirect_uris: vec![],
                    // A gently moving demo chat (only while the chat panel is on).
                    chat_rate: Some(self.inner.opts.demo_chat_rate),
                    ..kick_fake::FakeConfig::default()
                })
                .await
                .map_err(|e| AppError::internal(format!("Could not start demo mode: {e}")))?;
                let kick = KickConfig::new(fake.oauth_base(), fake.api_base());
                if let Some(path) = &self.inner.opts.demo_info_file {
                    let info = serde_json::json!({
                        "oauth_base": fake.info.oauth_base,
                        "api_base": fake.info.api_base,
                        "broadcaster_user_id": fake.info.broadcaster_user_id,
                        "slug": fake.info.slug,
                    });
                    if let Err(e) = std::fs::write(path, info.to_string()) {
                        tracing::warn!(error = %e, "could not write the demo info file");
                    }
                }
                let store: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
                let oauth = OAuthClient::new(
                    &kick,
                    fake.info.client_id.clone(),
                    Secret::new(fake.info.client_secret.clone()),
                    None,
                );
                let mut s = self.inner.session.lock().unwrap();
                s.mode = Mode::Demo;
                s.phase = SessionPhase::LoggedOut;
                s.client_id = Some(fake.info.client_id.clone());
                s.store = store;
                s.kick = kick;
                s.oauth = Some(oauth);
                s.demo = Some(Arc::new(fake));
            }
            Mode::Kick => {
                let store = self.inner.opts.store.clone();
                let kick = self.inner.opts.kick.clone();
                let port = self.inner.settings.lock().unwrap().loopback_port;
                let creds = if self.inner.keyring.available {
                    match (
                        store.get(secrets::CLIENT_ID),
                        store.get(secrets::CLIENT_SECRET),
                    ) {
                        (Ok(Some(id)), Ok(Some(secret))) => Some((id.expose().to_owned(), secret)),
                        _ => None,
                    }
                } else {
                    None
                };
                let mut s = self.inner.session.lock().unwrap();
                s.mode = Mode::Kick;
                s.store = store;
                s.kick = kick.clone();
                match creds {
                    Some((id, secret)) => {
                        s.phase = SessionPhase::LoggedOut;
                        s.oauth = Some(OAuthClient::new(
                            &kick,
                            id.clone(),
                            secret,
                            Some(redirect_uri(port)),
                        ));
                        s.client_id = Some(id);
                    }
                    None => {
                        s.phase = SessionPhase::NeedsCredentials;
                        s.oauth = None;
                        s.client_id = None;
                    }
                }
            }
        }
        self.restore().await;
        self.publish_status();
        Ok(())
    }

    /// Restores stored tokens without a browser; a dead login ends quietly
    /// with a notice.
    async fn restore(&self) {
        let (store, oauth, kick) = {
            let s = self.inner.session.lock().unwrap();
            match (&s.oauth, s.phase) {
                (Some(o), SessionPhase::LoggedOut) => (s.store.clone(), o.clone(), s.kick.clone()),
                _ => return,
            }
        };
        let tokens = match secrets::load_tokens(store.as_ref()) {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(e) => {
                self.notice(NoticeLevel::Warning, e.to_string());
                return;
            }
        };
        match self.activate(store.clone(), oauth, kick, tokens).await {
            Ok(()) => {}
            Err(e) if e.code == ErrorCode::ReloginRequired => {
                let _ = store.delete(secrets::TOKENS);
                self.notice(
                    NoticeLevel::Warning,
                    "Your Kick login has expired. Please log in again.",
                );
            }
            Err(e) => self.notice(
                NoticeLevel::Warning,
                format!("Could not restore your Kick login: {}", e.message),
            ),
        }
    }

    /// Uses a token set: builds the client, checks it with `/users`, starts the poller.
    async fn activate(
        &self,
        store: Arc<dyn SecretStore>,
        oauth: OAuthClient,
        kick: KickConfig,
        tokens: TokenSet,
    ) -> AppResult<()> {
        let sink_store = store.clone();
        let sink: Arc<dyn TokenSink> = Arc::new(move |t: &TokenSet| {
            secrets::save_tokens(sink_store.as_ref(), t).map_err(|e| e.to_string())
        });
        let tm = Arc::new(TokenManager::user(oauth, tokens, sink));
        let client = KickClient::new(kick, tm);
        let me = client.me().await?;
        let user = UserSummary {
            user_id: me.user_id.0,
            name: me.name.clone(),
            profile_picture: me.profile_picture.clone(),
        };
        let (watchlist, poll) = {
            let settings = self.inner.settings.lock().unwrap();
            let s = self.inner.session.lock().unwrap();
            let poll = if s.mode == Mode::Demo {
                self.inner.opts.demo_poll.clone()
            } else {
                self.inner.opts.poll.clone()
            };
            (settings.watchlist.clone(), poll)
        };
        let poller = poller::spawn(
            KickSource::new(client.clone(), user.clone()),
            poll,
            watchlist,
            self.inner.sink.clone(),
        );
        let mut s = self.inner.session.lock().unwrap();
        s.phase = SessionPhase::LoggedIn;
        s.user = Some(user);
        s.client = Some(client);
        if let Some(old) = s.poller.replace(poller) {
            old.stop();
        }
        Ok(())
    }

    fn stop_session(&self) {
        let mut s = self.inner.session.lock().unwrap();
        if let Some(p) = s.poller.take() {
            p.stop();
        }
        if let Some(c) = s.login_cancel.take() {
            let _ = c.send(());
        }
        s.client = None;
        s.user = None;
        if let Some(c) = s.chat.take() {
            c.stop();
        }
    }

    fn client(&self) -> AppResult<KickClient> {
        let s = self.inner.session.lock().unwrap();
        match (&s.client, s.phase) {
            (Some(c), SessionPhase::LoggedIn) => Ok(c.clone()),
            (_, SessionPhase::NeedsCredentials) => Err(AppError::new(
                ErrorCode::NeedsCredentials,
                "Add your Kick app's Client ID and Secret first.",
            )),
            _ => Err(AppError::new(
                ErrorCode::NotLoggedIn,
                "Log in with Kick first.",
            )),
        }
    }

    /// A failed call that means the login is dead ends the session.
    fn check_dead_login<T>(&self, r: AppResult<T>) -> AppResult<T> {
        if let Err(e) = &r {
            if e.code == ErrorCode::ReloginRequired {
                let store = {
                    let s = self.inner.session.lock().unwrap();
                    s.store.clone()
                };
                let _ = store.delete(secrets::TOKENS);
                self.stop_session();
                self.inner.session.lock().unwrap().phase = SessionPhase::LoggedOut;
                self.publish_status();
            }
        }
        r
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
        if !self.inner.keyring.available {
            return Err(AppError::new(
                ErrorCode::KeyringUnavailable,
                self.inner
                    .keyring
                    .message
                    .clone()
                    .unwrap_or_else(|| secrets::KEYRING_HELP.into()),
            ));
        }
        let store = &self.inner.opts.store;
        let res = store
            .set(secrets::CLIENT_ID, &Secret::new(id))
            .and_then(|_| store.set(secrets::CLIENT_SECRET, &Secret::new(secret)))
            .and_then(|_| store.delete(secrets::TOKENS));
        res.map_err(store_err)?;
        self.enter_mode(Mode::Kick).await?;
        Ok(self.status())
    }

    /// Logs out and removes the stored credentials.
    pub async fn forget_credentials(&self) -> AppResult<AppStatus> {
        self.logout().await?;
        let _op = self.inner.op.lock().await;
        let store = &self.inner.opts.store;
        store.delete(secrets::CLIENT_ID).map_err(store_err)?;
        store.delete(secrets::CLIENT_SECRET).map_err(store_err)?;
        store.delete(secrets::TOKENS).map_err(store_err)?;
        self.enter_mode(Mode::Kick).await?;
        Ok(self.status())
    }

    /// Switches to demo mode (the embedded fake Kick).
    pub async fn use_demo(&self) -> AppResult<AppStatus> {
        let _op = self.inner.op.lock().await;
        self.enter_mode(Mode::Demo).await?;
        Ok(self.status())
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
    /// timeout or [`Core::cancel_login`]).
    pub async fn login<F>(&self, open_url: F) -> AppResult<AppStatus>
    where
        F: FnOnce(&str) -> Result<(), String> + Send,
    {
        let _op = self.inner.op.lock().await;
        let (mode, oauth, store, kick, demo) = {
            let s = self.inner.session.lock().unwrap();
            match (s.phase, &s.oauth) {
                (SessionPhase::LoggedIn, _) => return Ok(drop_and(s, |c| c, self)),
                (SessionPhase::NeedsCredentials, _) | (_, None) => {
                    return Err(AppError::new(
                        ErrorCode::NeedsCredentials,
                        "Add your Kick app's Client ID and Secret first.",
                    ))
                }
                (_, Some(o)) => (
                    s.mode,
                    o.clone(),
                    s.store.clone(),
                    s.kick.clone(),
                    s.demo.clone(),
                ),
            }
        };
        let port = match mode {
            Mode::Demo => self.inner.opts.demo_loopback_port,
            Mode::Kick => self.inner.settings.lock().unwrap().loopback_port,
        };
        let listener = kick_source::bind_loopback(port).await?;
        let redirect = redirect_uri(listener.port());
        if let Some(fake) = &demo {
            kick_source::register_demo_redirect(fake, &redirect);
        }
        let oauth = oauth.with_redirect_uri(redirect);
        let auth = oauth.authorize_url(SCOPES).map_err(AppError::from)?;
        let (cancel_tx, cancel_rx) = tokio::sync::oneshot::channel();
        {
            let mut s = self.inner.session.lock().unwrap();
            s.phase = SessionPhase::LoggingIn;
            s.login_cancel = Some(cancel_tx);
        }
        self.publish_status();

        let follow_in_process = mode == Mode::Demo && !self.inner.opts.demo_uses_browser;
        let opened = if follow_in_process {
            Err("in-process".to_owned())
        } else {
            open_url(&auth.url)
        };
        if opened.is_err() && mode == Mode::Demo {
            kick_source::follow_authorize_in_process(auth.url.clone());
        } else if let Err(e) = opened {
            self.back_to_logged_out();
            return Err(AppError::new(
                ErrorCode::LoginFailed,
                format!("Could not open the browser: {e}"),
            ));
        }

        let code = tokio::select! {
            r = kick_source::wait_for_code(listener, &auth, self.inner.opts.login_timeout) => r,
            _ = cancel_rx => Err(AppError::new(ErrorCode::LoginCancelled, "Login cancelled.")),
        };
        let result = async {
            let code = code?;
            let tokens = oauth
                .exchange_code(code.expose(), &auth.pkce_verifier)
                .await?;
            secrets::save_tokens(store.as_ref(), &tokens).map_err(store_err)?;
            self.activate(store.clone(), oauth.clone(), kick, tokens)
                .await
        }
        .await;
        match result {
            Ok(()) => {
                self.inner.session.lock().unwrap().login_cancel = None;
                self.notice(NoticeLevel::Success, "Logged in to Kick.");
                Ok(self.publish_status())
            }
            Err(e) => {
                self.back_to_logged_out();
                Err(e)
            }
        }
    }

    fn back_to_logged_out(&self) {
        {
            let mut s = self.inner.session.lock().unwrap();
            s.login_cancel = None;
            if s.phase == SessionPhase::LoggingIn {
                s.phase = SessionPhase::LoggedOut;
            }
        }
        self.publish_status();
    }

    pub fn cancel_login(&self) {
        if let Some(tx) = self.inner.session.lock().unwrap().login_cancel.take() {
            let _ = tx.send(());
        }
    }

    /// Revokes the tokens at Kick (best effort), deletes them, stops polling.
    pub async fn logout(&self) -> AppResult<AppStatus> {
        let _op = self.inner.op.lock().await;
        let (client, oauth, store) = {
            let s = self.inner.session.lock().unwrap();
            (s.client.clone(), s.oauth.clone(), s.store.clone())
        };
        if let (Some(client), Some(oauth)) = (client, oauth) {
            if let Some(t) = client.tokens().and_then(|tm| tm.snapshot()) {
                if let Some(r) = &t.refresh_token {
                    let _ = oauth.revoke(r, TokenHint::RefreshToken).await;
                }
                let _ = oauth.revoke(&t.access_token, TokenHint::AccessToken).await;
            }
        }
        self.stop_session();
        let deleted = store.delete(secrets::TOKENS);
        {
            let mut s = self.inner.session.lock().unwrap();
            if s.phase != SessionPhase::NeedsCredentials {
                s.phase = SessionPhase::LoggedOut;
            }
        }
        deleted.map_err(store_err)?;
        Ok(self.publish_status())
    }

    // ----- channel -----

    pub async fn channel(&self) -> AppResult<ChannelView> {
        let client = self.client()?;
        let user = self.inner.session.lock().unwrap().user.clone();
        let r = kick_source::own_channel(&client, user.as_ref()).await;
        self.check_dead_login(r.map_err(AppError::from))
    }

    pub fn channel_limits(&self) -> ChannelLimits {
        kick_source::channel_limits()
    }

    /// Validates and saves an edit, then returns (and pushes) the fresh channel.
    pub async fn update_channel(&self, update: ChannelUpdate) -> AppResult<ChannelView> {
        let client = self.client()?;
        let r = kick_source::update_channel(&client, &update)
            .await
            .map_err(AppError::from);
        self.check_dead_login(r)?;
        let view = self.channel().await?;
        self.emit(CoreEvent::Channel(view.clone()));
        if let Some(p) = self.inner.session.lock().unwrap().poller.clone() {
            p.poke();
        }
        Ok(view)
    }

    /// Category search (Kick needs at least 3 letters; fewer gives no results).
    pub async fn search_categories(&self, query: &str) -> AppResult<Vec<CategoryView>> {
        let q = query.trim();
        if q.chars().count() < 3 {
            return Ok(Vec::new());
        }
        let client = self.client()?;
        let r = kick_source::search_categories(&client, q)
            .await
            .map_err(AppError::from);
        self.check_dead_login(r)
    }

    // ----- live status and watchlist -----

    pub fn live_snapshot(&self) -> Option<LiveSnapshot> {
        self.inner
            .session
            .lock()
            .unwrap()
            .poller
            .as_ref()
            .and_then(|p| p.last())
    }

    pub fn watchlist(&self) -> Vec<String> {
        self.inner.settings.lock().unwrap().watchlist.clone()
    }

    pub fn watchlist_add(&self, slug: &str) -> AppResult<Vec<String>> {
        let slug = validate::normalise_slug(slug)?;
        self.edit_watchlist(|w| {
            if w.iter().any(|s| s == &slug) {
                return Err(AppError::invalid(
                    "slug",
                    format!("{slug} is already on your watchlist."),
                ));
            }
            if w.len() >= 500 {
                return Err(AppError::invalid(
                    "slug",
                    "The watchlist holds up to 500 channels.",
                ));
            }
            w.push(slug.clone());
            Ok(())
        })
    }

    pub fn watchlist_remove(&self, slug: &str) -> AppResult<Vec<String>> {
        let slug = slug.trim().to_ascii_lowercase();
        self.edit_watchlist(|w| {
            w.retain(|s| s != &slug);
            Ok(())
        })
    }

    fn edit_watchlist(
        &self,
        f: impl FnOnce(&mut Vec<String>) -> AppResult<()>,
    ) -> AppResult<Vec<String>> {
        let list =
            {
                let mut settings = self.inner.settings.lock().unwrap();
                let mut next = settings.clone();
                f(&mut next.watchlist)?;
                self.inner.opts.settings.save(&next).map_err(|e| {
                    AppError::internal(format!("Could not save the watchlist: {e}"))
                })?;
                *settings = next;
                settings.watchlist.clone()
            };
        if let Some(p) = self.inner.session.lock().unwrap().poller.clone() {
            p.set_watchlist(list.clone());
        }
        Ok(list)
    }

    // ----- stream key -----

    /// Fetches the ingest URL and stream key for display; they must be
    /// hidden again at `hide_at_ms` (a `StreamKeyHidden` event follows).
    pub async fn reveal_stream_key(&self) -> AppResult<StreamKeyReveal> {
        let (url, key) = self.fetch_stream_key().await?;
        let hide_at_ms =
            chrono::Utc::now().timestamp_millis() + self.inner.opts.reveal_for.as_millis() as i64;
        self.inner
            .reveal
            .start(self.inner.opts.reveal_for, self.inner.sink.clone());
        Ok(StreamKeyReveal {
            ingest_url: url.expose().to_owned(),
            stream_key: key.expose().to_owned(),
            hide_at_ms,
        })
    }

    pub fn hide_stream_key(&self) {
        self.inner.reveal.hide_now(&self.inner.sink);
    }

    /// Copies the key to the clipboard (it never crosses to the UI) and
    /// clears it again after the reveal time.
    pub async fn copy_stream_key(&self, clipboard: Arc<dyn Clipboard>) -> AppResult<()> {
        let (_, key) = self.fetch_stream_key().await?;
        streamkey::copy_and_clear_later(clipboard, key, self.inner.opts.reveal_for)
            .map_err(|e| AppError::internal(format!("Could not use the clipboard: {e}")))
    }

    async fn fetch_stream_key(&self) -> AppResult<(Secret, Secret)> {
        let client = self.client()?;
        let r = kick_source::stream_key(&client)
            .await
            .map_err(AppError::from);
        let (url, key) = self.check_dead_login(r)?;
        if key.is_empty() {
            return Err(AppError::new(
                ErrorCode::MissingPermission,
                "Kick did not share the stream key. Log out and log in again to grant Kickstand the \"stream key\" permission.",
            ));
        }
        Ok((url, key))
    }

    // ----- chat -----

    /// Turns chat on: the unofficial Pusher socket for the own chatroom.
    /// In Kick mode the chatroom id comes from `chatroom_id`, the settings,
    /// or a best-effort lookup at kick.com (often blocked by Cloudflare).
    pub async fn chat_start(&self, chatroom_id: Option<u64>) -> AppResult<ChatStatus> {
        let _ = self.client()?;
        let (demo, user) = {
            let s = self.inner.session.lock().unwrap();
            (s.demo.clone(), s.user.clone())
        };
        let user =
            user.ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))?;
        let cfg = match demo {
            // Negotiated with the embedded fake as with Kick (Centrifugo
            // by default).
            Some(f) => kick_chat::ChatConfig::local(
                &f.info.web_base,
                &f.info.pusher_url_template,
                f.info.chatroom_id,
                Some(f.info.channel_id),
            ),
            None => {
                let saved = self.inner.settings.lock().unwrap().chat_chatroom_id;
                let slug = self.channel().await.map(|c| c.slug).unwrap_or_default();
                let id = match chatroom_id.or(saved) {
                    Some(id) => Some(id),
                    None => crate::kick_source::lookup_chatroom(&slug).await,
                };
                let id = id.ok_or_else(|| {
                    AppError::invalid(
                        "chatroom",
                        "Kick did not tell us your chat room id (kick.com often blocks this lookup). \
                         Open kick.com/api/v2/channels/<your name> in your browser and enter chatroom.id here.",
                    )
                })?;
                if chatroom_id.is_some() {
                    let mut settings = self.inner.settings.lock().unwrap();
                    settings.chat_chatroom_id = Some(id);
                    let _ = self.inner.opts.settings.save(&settings);
                }
                let mut c = kick_chat::ChatConfig::kick(id, None);
                // A fixed Pusher socket from the settings skips negotiation.
                c.pusher_url = self.inner.settings.lock().unwrap().chat_url.clone();
                c
            }
        };
        let service = crate::chat::start(cfg, user.name.clone(), self.inner.sink.clone());
        let mut s = self.inner.session.lock().unwrap();
        if let Some(old) = s.chat.replace(service) {
            old.stop();
        }
        Ok(ChatStatus::Connecting)
    }

    pub fn chat_stop(&self) -> ChatStatus {
        if let Some(c) = self.inner.session.lock().unwrap().chat.take() {
            c.stop();
        }
        let st = ChatStatus::Off { reason: None };
        self.emit(CoreEvent::Chat(ChatBatch {
            items: vec![],
            status: st.clone(),
        }));
        st
    }

    /// The kept history (up to 2,000 items) and the state, for a panel that opens.
    pub fn chat_history(&self) -> ChatBatch {
        let s = self.inner.session.lock().unwrap();
        match &s.chat {
            Some(c) => ChatBatch {
                items: c.history.lock().unwrap().iter().cloned().collect(),
                status: c.status.lock().unwrap().clone(),
            },
            None => ChatBatch {
                items: vec![],
                status: ChatStatus::Off { reason: None },
            },
        }
    }

    /// Sends through the official API (the message comes back over the socket).
    pub async fn chat_send(&self, req: ChatSendRequest) -> AppResult<()> {
        use kick_api::endpoints::chat::{ChatAs, ChatSend};
        let client = self.client()?;
        let me = self.me_id()?;
        let r = client
            .send_chat(&ChatSend {
                sender: if req.as_bot {
                    ChatAs::Bot
                } else {
                    ChatAs::User {
                        broadcaster: kick_api::UserId(me),
                    }
                },
                content: req.content,
                reply_to: req.reply_to.map(kick_api::MessageId::from),
            })
            .await
            .map(|_| ())
            .map_err(AppError::from);
        self.check_dead_login(r)
    }

    /// Delete, timeout, ban or unban in the own channel.
    pub async fn chat_moderate(&self, action: ModAction) -> AppResult<String> {
        let client = self.client()?;
        let me = kick_api::UserId(self.me_id()?);
        let r = match action {
            ModAction::Delete { message_id } => client
                .delete_chat_message(&kick_api::MessageId::from(message_id))
                .await
                .map(|_| "Message deleted.".to_owned()),
            ModAction::Timeout { user_id, minutes } => client
                .timeout(me, kick_api::UserId(user_id), minutes, None)
                .await
                .map(|_| format!("Timed out for {minutes} min.")),
            ModAction::Ban { user_id } => client
                .ban(me, kick_api::UserId(user_id), None)
                .await
                .map(|_| "Banned.".to_owned()),
            ModAction::Unban { user_id } => client
                .unban(me, kick_api::UserId(user_id))
                .await
                .map(|_| "Unbanned.".to_owned()),
        }
        .map_err(AppError::from);
        self.check_dead_login(r)
    }

    fn me_id(&self) -> AppResult<u64> {
        self.inner
            .session
            .lock()
            .unwrap()
            .user
            .as_ref()
            .map(|u| u.user_id)
            .ok_or_else(|| AppError::new(ErrorCode::NotLoggedIn, "Log in with Kick first."))
    }

    // ----- demo controls -----

    pub async fn demo_set_live(&self, live: bool) -> AppResult<()> {
        let fake = self.demo_fake().ok_or_else(|| {
            AppError::new(
                ErrorCode::DemoOnly,
                "Going live from Kickstand only works in demo mode: start your stream in OBS.",
            )
        })?;
        kick_source::demo_set_live(&fake, live).await?;
        if let Some(p) = self.inner.session.lock().unwrap().poller.clone() {
            p.poke();
        }
        Ok(())
    }
}

fn drop_and<T>(
    guard: std::sync::MutexGuard<'_, Session>,
    f: impl FnOnce(AppStatus) -> T,
    core: &Core,
) -> T {
    drop(guard);
    f(core.status())
}

fn store_err(e: StoreError) -> AppError {
    AppError::new(ErrorCode::KeyringUnavailable, e.to_string())
}
