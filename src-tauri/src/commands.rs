//! The commands the web UI may call. Each is a one-liner into the core;
//! errors cross as `AppError { code, message, field }`. The list lives in
//! `command_list.rs`; the TypeScript bindings are generated from these
//! signatures (tauri-specta), so the UI calls typed functions only.

use kickstand_core::core::evening::{RewardEdit, RewardView};
use kickstand_core::core::Core;
use kickstand_core::dto::*;
use kickstand_core::kick_api::{RedemptionId, RewardId};
use kickstand_core::streamkey::Clipboard;
use kickstand_core::AppResult;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;

include!("command_list.rs");

macro_rules! names {
    ([$($c:ident),*]) => {
        &[$(stringify!($c)),*]
    };
}

/// Every command's name (the capability file must grant each, a test checks).
pub const COMMAND_NAMES: &[&str] = app_commands!(names);

macro_rules! collect {
    ([$($c:ident),*]) => {
        tauri_specta::collect_commands![$($c),*]
    };
}

/// The typed IPC surface: commands and events, with their TypeScript.
pub fn specta<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(app_commands!(collect))
        .events(crate::events::collect())
        .typ::<kickstand_core::AppError>()
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        // Kick's ids and counts are far below 2^53: plain numbers in the UI.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type (the UI sends and receives the same shapes).
        .disable_serde_phases()
}

#[tauri::command]
#[specta::specta]
fn app_status(core: State<'_, Core>) -> AppStatus {
    core.status()
}

#[tauri::command]
#[specta::specta]
async fn save_credentials(
    core: State<'_, Core>,
    client_id: String,
    client_secret: String,
) -> AppResult<AppStatus> {
    core.save_credentials(&client_id, &client_secret).await
}

#[tauri::command]
#[specta::specta]
async fn forget_credentials(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.forget_credentials().await
}

#[tauri::command]
#[specta::specta]
async fn use_demo(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.use_demo().await
}

#[tauri::command]
#[specta::specta]
async fn use_kick(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.use_kick().await
}

#[tauri::command]
#[specta::specta]
fn retry_restore(core: State<'_, Core>) {
    core.retry_now()
}

#[tauri::command]
#[specta::specta]
async fn login(core: State<'_, Core>, desktop: State<'_, Desktop>) -> AppResult<AppStatus> {
    core.login(|url| (desktop.open_url)(url)).await
}

#[tauri::command]
#[specta::specta]
fn cancel_login(core: State<'_, Core>) {
    core.cancel_login()
}

#[tauri::command]
#[specta::specta]
async fn logout(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.logout().await
}

#[tauri::command]
#[specta::specta]
async fn channel(core: State<'_, Core>) -> AppResult<ChannelView> {
    core.channel().await
}

#[tauri::command]
#[specta::specta]
fn channel_limits(core: State<'_, Core>) -> ChannelLimits {
    core.channel_limits()
}

#[tauri::command]
#[specta::specta]
async fn update_channel(core: State<'_, Core>, update: ChannelUpdate) -> AppResult<ChannelView> {
    core.update_channel(update).await
}

#[tauri::command]
#[specta::specta]
async fn search_categories(core: State<'_, Core>, query: String) -> AppResult<Vec<CategoryView>> {
    core.search_categories(&query).await
}

#[tauri::command]
#[specta::specta]
fn live_snapshot(core: State<'_, Core>) -> Option<LiveSnapshot> {
    core.live_snapshot()
}

#[tauri::command]
#[specta::specta]
fn watchlist_add(core: State<'_, Core>, slug: String) -> AppResult<Vec<String>> {
    core.watchlist_add(&slug)
}

#[tauri::command]
#[specta::specta]
fn watchlist_remove(core: State<'_, Core>, slug: String) -> AppResult<Vec<String>> {
    core.watchlist_remove(&slug)
}

#[tauri::command]
#[specta::specta]
async fn reveal_stream_key(core: State<'_, Core>) -> AppResult<StreamKeyReveal> {
    core.reveal_stream_key().await
}

#[tauri::command]
#[specta::specta]
fn hide_stream_key(core: State<'_, Core>) {
    core.hide_stream_key()
}

/// Opens a URL in the system browser.
pub type OpenUrl = dyn Fn(&str) -> Result<(), String> + Send + Sync;

/// What commands need of the desktop, without the runtime type: the
/// system browser and the clipboard (Tauri's plugins, set up in `setup_core`).
pub struct Desktop {
    pub open_url: Box<OpenUrl>,
    /// Opens a folder in the file manager.
    pub open_path: Box<OpenUrl>,
    pub clipboard: Arc<dyn Clipboard>,
    /// Where the logs and panic reports are (`logging`).
    pub log_dir: Option<std::path::PathBuf>,
    pub data_dir: Option<std::path::PathBuf>,
    pub webview: String,
}

impl Desktop {
    pub fn new<R: Runtime>(app: &AppHandle<R>) -> Self {
        let opener = app.clone();
        let folder_opener = app.clone();
        Desktop {
            open_url: Box::new(move |url| {
                opener
                    .opener()
                    .open_url(url, None::<&str>)
                    .map_err(|e| e.to_string())
            }),
            open_path: Box::new(move |path| {
                folder_opener
                    .opener()
                    .open_path(path, None::<&str>)
                    .map_err(|e| e.to_string())
            }),
            clipboard: Arc::new(TauriClipboard(app.clone())),
            log_dir: app.path().app_log_dir().ok(),
            data_dir: app.path().app_data_dir().ok(),
            webview: tauri::webview_version().unwrap_or_else(|_| "unknown".into()),
        }
    }
}

/// Tauri's clipboard plugin as the core's clipboard.
struct TauriClipboard<R: Runtime>(AppHandle<R>);

impl<R: Runtime> Clipboard for TauriClipboard<R> {
    fn write_text(&self, text: &str) -> Result<(), String> {
        self.0
            .clipboard()
            .write_text(text.to_owned())
            .map_err(|e| e.to_string())
    }
    fn read_text(&self) -> Option<String> {
        self.0.clipboard().read_text().ok()
    }
    fn clear(&self) -> Result<(), String> {
        self.0.clipboard().clear().map_err(|e| e.to_string())
    }
}

#[tauri::command]
#[specta::specta]
async fn copy_stream_key(core: State<'_, Core>, desktop: State<'_, Desktop>) -> AppResult<()> {
    core.copy_stream_key(desktop.clipboard.clone()).await
}

#[tauri::command]
#[specta::specta]
async fn demo_set_live(core: State<'_, Core>, live: bool) -> AppResult<()> {
    core.demo_set_live(live).await
}

/// Turns chat on and streams it to the panel over `on_batch`: the newest
/// 300 messages first (older ones through `chat_history`), then batches:
/// 50 ms after the first news, at most five a second (Tauri channels, not
/// events: a busy chat is a stream).
#[tauri::command]
#[specta::specta]
async fn chat_start(
    core: State<'_, Core>,
    streams: State<'_, Streams>,
    chatroom_id: Option<u64>,
    on_batch: Channel<ChatBatch>,
) -> AppResult<ChatStatus> {
    let newest = Streams::claim(&streams.chat);
    core.chat_start(
        chatroom_id,
        Box::new(move |b| newest() && on_batch.send(b).is_ok()),
    )
    .await
}

/// The window's newest chat stream and newest feed stream. A panel that
/// unmounts cannot close its Tauri channel (sending to it still succeeds),
/// so each new stream retires the one before it, which the core drops at its
/// next batch; else every visit to another screen and back would add a
/// stream the window is sent every batch on. The app has one window.
#[derive(Default)]
pub struct Streams {
    chat: Arc<AtomicU64>,
    feed: Arc<AtomicU64>,
}

impl Streams {
    /// A new stream of one kind: true while it is the newest.
    fn claim(counter: &Arc<AtomicU64>) -> impl Fn() -> bool + Send + Sync + 'static {
        let mine = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let counter = counter.clone();
        move || counter.load(Ordering::SeqCst) == mine
    }
}

#[tauri::command]
#[specta::specta]
fn chat_stop(core: State<'_, Core>) -> ChatStatus {
    core.chat_stop()
}

/// Up to `limit` (at most 500) chat messages before the one with id
/// `before`, oldest first: the page above the panel's oldest row when the
/// streamer scrolls back. Empty when that message is no longer kept (2,000
/// are) or chat is off.
#[tauri::command]
#[specta::specta]
fn chat_history(core: State<'_, Core>, before: String, limit: u32) -> Vec<ChatItem> {
    core.chat_history(&before, limit)
}

#[tauri::command]
#[specta::specta]
fn set_chat_transport(core: State<'_, Core>, transport: ChatTransport) -> AppResult<ChatTransport> {
    core.set_chat_transport(transport)
}

#[tauri::command]
#[specta::specta]
async fn chat_send(core: State<'_, Core>, request: ChatSendRequest) -> AppResult<()> {
    core.chat_send(request).await
}

#[tauri::command]
#[specta::specta]
async fn chat_moderate(core: State<'_, Core>, action: ModAction) -> AppResult<String> {
    core.chat_moderate(action).await
}

// ----- the evening -----

/// Opens the activity feed stream: everything kept first, then each change.
#[tauri::command]
#[specta::specta]
fn feed_open(
    core: State<'_, Core>,
    streams: State<'_, Streams>,
    on_batch: Channel<FeedBatch>,
) -> AppResult<()> {
    let newest = Streams::claim(&streams.feed);
    core.feed_open(Box::new(move |b| newest() && on_batch.send(b).is_ok()))
}

#[tauri::command]
#[specta::specta]
fn feed_mark_read(core: State<'_, Core>) -> AppResult<()> {
    core.feed_mark_read()
}

#[tauri::command]
#[specta::specta]
async fn stream_stats(core: State<'_, Core>) -> AppResult<StreamStats> {
    core.stream_stats().await
}

#[tauri::command]
#[specta::specta]
async fn stream_history(core: State<'_, Core>) -> AppResult<Vec<StreamSummary>> {
    core.stream_history().await
}

#[tauri::command]
#[specta::specta]
fn notify_prefs(core: State<'_, Core>) -> NotifyPrefs {
    core.notify_prefs()
}

#[tauri::command]
#[specta::specta]
fn set_notify_prefs(core: State<'_, Core>, prefs: NotifyPrefs) -> AppResult<NotifyPrefs> {
    core.set_notify_prefs(prefs)
}

#[tauri::command]
#[specta::specta]
async fn redemptions_refresh(core: State<'_, Core>) -> AppResult<u32> {
    core.redemptions_refresh().await
}

#[tauri::command]
#[specta::specta]
async fn redemptions_decide(
    core: State<'_, Core>,
    ids: Vec<RedemptionId>,
    accept: bool,
) -> AppResult<RedemptionResult> {
    core.redemptions_decide(ids, accept).await
}

#[tauri::command]
#[specta::specta]
async fn rewards(core: State<'_, Core>) -> AppResult<Vec<RewardView>> {
    core.rewards().await
}

#[tauri::command]
#[specta::specta]
async fn reward_create(core: State<'_, Core>, edit: RewardEdit) -> AppResult<RewardView> {
    core.reward_create(edit).await
}

#[tauri::command]
#[specta::specta]
async fn reward_update(
    core: State<'_, Core>,
    id: RewardId,
    edit: RewardEdit,
) -> AppResult<RewardView> {
    core.reward_update(id, edit).await
}

#[tauri::command]
#[specta::specta]
async fn reward_delete(core: State<'_, Core>, id: RewardId) -> AppResult<()> {
    core.reward_delete(id).await
}

// ----- webhooks -----

#[tauri::command]
#[specta::specta]
fn webhook_status(core: State<'_, Core>) -> WebhookStatus {
    core.webhook_status()
}

#[tauri::command]
#[specta::specta]
async fn webhook_set_receiver(
    core: State<'_, Core>,
    enabled: bool,
    port: u16,
) -> AppResult<WebhookStatus> {
    core.webhook_set_receiver(enabled, port).await
}

#[tauri::command]
#[specta::specta]
async fn webhook_subscriptions(core: State<'_, Core>) -> AppResult<WebhookSubscriptions> {
    core.webhook_subscriptions().await
}

#[tauri::command]
#[specta::specta]
async fn webhook_set_wanted(
    core: State<'_, Core>,
    name: String,
    wanted: bool,
) -> AppResult<WebhookSubscriptions> {
    core.webhook_set_wanted(name, wanted).await
}

#[tauri::command]
#[specta::specta]
async fn webhook_reconcile(core: State<'_, Core>) -> AppResult<WebhookSubscriptions> {
    core.webhook_reconcile().await
}

// ----- OBS -----

#[tauri::command]
#[specta::specta]
fn obs_view(core: State<'_, Core>) -> ObsView {
    core.obs_view()
}

/// `password`: `null` keeps the stored one, `""` removes it.
#[tauri::command]
#[specta::specta]
async fn obs_configure(
    core: State<'_, Core>,
    host: String,
    port: u16,
    password: Option<String>,
) -> AppResult<ObsView> {
    core.obs_configure(host, port, password).await
}

#[tauri::command]
#[specta::specta]
async fn obs_connect(core: State<'_, Core>) -> AppResult<ObsView> {
    core.obs_connect().await
}

#[tauri::command]
#[specta::specta]
fn obs_disconnect(core: State<'_, Core>) -> AppResult<ObsView> {
    core.obs_disconnect()
}

/// Writes Kick's ingest URL and stream key into OBS (never shown).
#[tauri::command]
#[specta::specta]
async fn obs_setup(core: State<'_, Core>) -> AppResult<String> {
    core.obs_setup().await
}

#[tauri::command]
#[specta::specta]
async fn obs_check_key(core: State<'_, Core>) -> AppResult<ObsKeyState> {
    core.obs_check_key().await
}

#[tauri::command]
#[specta::specta]
async fn obs_go_live(core: State<'_, Core>) -> AppResult<ObsView> {
    core.obs_go_live().await
}

#[tauri::command]
#[specta::specta]
async fn obs_end_stream(core: State<'_, Core>) -> AppResult<ObsView> {
    core.obs_end_stream().await
}

#[tauri::command]
#[specta::specta]
async fn obs_switch_scene(core: State<'_, Core>, scene: String) -> AppResult<ObsView> {
    core.obs_switch_scene(scene).await
}

// ----- About -----

/// What the About panel shows. No secret.
#[derive(serde::Serialize, Clone, Debug, specta::Type)]
pub struct AboutInfo {
    pub version: String,
    pub tauri: String,
    /// WebKitGTK's version.
    pub webview: String,
    pub log_dir: Option<String>,
    pub data_dir: Option<String>,
    pub endpoints: KickEndpoints,
}

#[tauri::command]
#[specta::specta]
fn about(core: State<'_, Core>, desktop: State<'_, Desktop>) -> AboutInfo {
    let show = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    AboutInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        tauri: tauri::VERSION.to_owned(),
        webview: desktop.webview.clone(),
        log_dir: show(&desktop.log_dir),
        data_dir: show(&desktop.data_dir),
        endpoints: core.endpoints(),
    }
}

/// Opens the log folder (logs and panic reports) in the file manager.
#[tauri::command]
#[specta::specta]
fn open_logs_folder(desktop: State<'_, Desktop>) -> AppResult<()> {
    let dir = desktop.log_dir.as_ref().ok_or_else(|| {
        kickstand_core::AppError::internal("Kickstand has no log folder on this system.")
    })?;
    std::fs::create_dir_all(dir).map_err(|e| {
        kickstand_core::AppError::internal(format!("Could not create the log folder: {e}"))
    })?;
    (desktop.open_path)(&dir.display().to_string()).map_err(|e| {
        kickstand_core::AppError::internal(format!(
            "Could not open the log folder ({e}). It is {}",
            dir.display()
        ))
    })
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[test]
    fn a_new_stream_retires_the_one_before_it_of_its_kind_only() {
        let s = Streams::default();
        let first = Streams::claim(&s.chat);
        let feed = Streams::claim(&s.feed);
        assert!(first() && feed());
        // The chat panel mounts again (the streamer came back from Settings).
        let second = Streams::claim(&s.chat);
        assert!(!first(), "the unmounted panel's stream is still fed");
        assert!(second() && feed());
    }
}
