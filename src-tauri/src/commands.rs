//! The commands the web UI may call. Each is a one-liner into the core;
//! errors cross as `AppError { code, message, field }`.

use kickstand_core::core::Core;
use kickstand_core::dto::*;
use kickstand_core::streamkey::Clipboard;
use kickstand_core::AppResult;
use std::sync::Arc;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;

include!("command_names.rs");
pub use COMMANDS as COMMAND_NAMES;

pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app_status,
        save_credentials,
        forget_credentials,
        use_demo,
        use_kick,
        retry_restore,
        login,
        cancel_login,
        logout,
        channel,
        channel_limits,
        update_channel,
        search_categories,
        live_snapshot,
        watchlist_add,
        watchlist_remove,
        reveal_stream_key,
        hide_stream_key,
        copy_stream_key,
        demo_set_live,
        chat_start,
        chat_stop,
        chat_history,
        chat_send,
        chat_moderate,
    ]
}

#[tauri::command]
fn app_status(core: State<'_, Core>) -> AppStatus {
    core.status()
}

#[tauri::command]
async fn save_credentials(
    core: State<'_, Core>,
    client_id: String,
    client_secret: String,
) -> AppResult<AppStatus> {
    core.save_credentials(&client_id, &client_secret).await
}

#[tauri::command]
async fn forget_credentials(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.forget_credentials().await
}

#[tauri::command]
async fn use_demo(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.use_demo().await
}

#[tauri::command]
async fn use_kick(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.use_kick().await
}

#[tauri::command]
fn retry_restore(core: State<'_, Core>) {
    core.retry_now()
}

#[tauri::command]
async fn login<R: Runtime>(app: AppHandle<R>, core: State<'_, Core>) -> AppResult<AppStatus> {
    core.login(|url| {
        app.opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    })
    .await
}

#[tauri::command]
fn cancel_login(core: State<'_, Core>) {
    core.cancel_login()
}

#[tauri::command]
async fn logout(core: State<'_, Core>) -> AppResult<AppStatus> {
    core.logout().await
}

#[tauri::command]
async fn channel(core: State<'_, Core>) -> AppResult<ChannelView> {
    core.channel().await
}

#[tauri::command]
fn channel_limits(core: State<'_, Core>) -> ChannelLimits {
    core.channel_limits()
}

#[tauri::command]
async fn update_channel(core: State<'_, Core>, update: ChannelUpdate) -> AppResult<ChannelView> {
    core.update_channel(update).await
}

#[tauri::command]
async fn search_categories(core: State<'_, Core>, query: String) -> AppResult<Vec<CategoryView>> {
    core.search_categories(&query).await
}

#[tauri::command]
fn live_snapshot(core: State<'_, Core>) -> Option<LiveSnapshot> {
    core.live_snapshot()
}

#[tauri::command]
fn watchlist_add(core: State<'_, Core>, slug: String) -> AppResult<Vec<String>> {
    core.watchlist_add(&slug)
}

#[tauri::command]
fn watchlist_remove(core: State<'_, Core>, slug: String) -> AppResult<Vec<String>> {
    core.watchlist_remove(&slug)
}

#[tauri::command]
async fn reveal_stream_key(core: State<'_, Core>) -> AppResult<StreamKeyReveal> {
    core.reveal_stream_key().await
}

#[tauri::command]
fn hide_stream_key(core: State<'_, Core>) {
    core.hide_stream_key()
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
async fn copy_stream_key<R: Runtime>(app: AppHandle<R>, core: State<'_, Core>) -> AppResult<()> {
    core.copy_stream_key(Arc::new(TauriClipboard(app))).await
}

#[tauri::command]
async fn demo_set_live(core: State<'_, Core>, live: bool) -> AppResult<()> {
    core.demo_set_live(live).await
}

#[tauri::command]
async fn chat_start(core: State<'_, Core>, chatroom_id: Option<u64>) -> AppResult<ChatStatus> {
    core.chat_start(chatroom_id).await
}

#[tauri::command]
fn chat_stop(core: State<'_, Core>) -> ChatStatus {
    core.chat_stop()
}

#[tauri::command]
fn chat_history(core: State<'_, Core>) -> ChatBatch {
    core.chat_history()
}

#[tauri::command]
async fn chat_send(core: State<'_, Core>, request: ChatSendRequest) -> AppResult<()> {
    core.chat_send(request).await
}

#[tauri::command]
async fn chat_moderate(core: State<'_, Core>, action: ModAction) -> AppResult<String> {
    core.chat_moderate(action).await
}
