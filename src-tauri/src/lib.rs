//! The Tauri shell: wires kickstand-core to the window. Commands call the
//! core; core events become Tauri events. No business logic lives here.

// A release build must embed the web UI: without `custom-protocol` it would
// load the Vite dev server URL, a page anyone on localhost:5173 could serve,
// with full access to the commands.
#[cfg(all(not(debug_assertions), not(feature = "custom-protocol")))]
compile_error!("release builds need the embedded UI: build with `--features custom-protocol` (scripts/deb.sh does)");

mod commands;
mod events;
pub mod logging;

/// The app's identifier (tauri.conf.json; a test checks they agree).
pub const IDENTIFIER: &str = "dev.kickstand.app";

use kickstand_core::core::{Core, CoreOptions, ModeChoice};
use kickstand_core::secrets::KeyringStore;
use kickstand_core::settings::SettingsFile;
use std::sync::Arc;
use tauri::{Manager, Runtime};

pub use commands::COMMAND_NAMES;

/// JavaScriptCore settings for the window's web process, which inherits the
/// app's environment (WebKitGTK reads `JSC_<option>` there): what `main`
/// sets, given how the environment reads (`get`). Kickstand's page is small
/// and stays open all evening, and most of what it runs is a chat list
/// re-rendered a few times a second, so it trades a little collector work
/// for memory:
/// - `forceMiniVMMode`: the collector grows the heap by about 1.2x instead of
///   2x between collections, and WebKit's allocator (libpas) hands freed
///   pages back to the system within milliseconds instead of keeping them;
/// - `useFTLJIT=false`: no fourth, optimising JIT tier. Its compiler's memory
///   stays in the process once it ran, and the page's hot code (the chat
///   list) gains nothing measurable from it.
///
/// Measured in docs/PERFORMANCE.md (2026-12-07). A value already set in the
/// environment wins (to compare, or to turn one off: `JSC_useFTLJIT=true`).
pub fn web_engine_env(
    get: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<(&'static str, &'static str)> {
    [("JSC_forceMiniVMMode", "true"), ("JSC_useFTLJIT", "false")]
        .into_iter()
        .filter(|(name, _)| get(name).is_none())
        .collect()
}

/// How the app was asked to start (environment, for tests and power users).
pub fn options_from_env(
    config_dir: std::path::PathBuf,
    data_dir: std::path::PathBuf,
) -> CoreOptions {
    let mut opts = CoreOptions::new(
        Arc::new(KeyringStore::default()),
        SettingsFile::new(config_dir.join("settings.json")),
    );
    opts.data_dir = Some(data_dir);
    opts.mode = match std::env::var("KICKSTAND_MODE").as_deref() {
        Ok("demo") => ModeChoice::Demo,
        Ok("kick") => ModeChoice::Kick,
        _ => ModeChoice::Auto,
    };
    if let (Ok(o), Ok(a)) = (
        std::env::var("KICKSTAND_OAUTH_BASE"),
        std::env::var("KICKSTAND_API_BASE"),
    ) {
        opts.kick = kickstand_core::kick_api::KickConfig::new(o, a);
    }
    // The demo opens on its dashboard, as a returning streamer's stored login
    // does (Log out shows its login screen).
    opts.demo_auto_login = true;
    // In demo mode the fake's consent page auto-approves; with no browser
    // (CI, Xvfb) the app follows the redirect itself.
    if std::env::var("KICKSTAND_DEMO_BROWSER").as_deref() == Ok("0") {
        opts.demo_uses_browser = false;
    }
    if let (Ok(web), Ok(site)) = (
        std::env::var("KICKSTAND_WEB_BASE"),
        std::env::var("KICKSTAND_SITE_BASE"),
    ) {
        opts.kick = opts.kick.with_web(web, site);
    }
    opts.demo_info_file = std::env::var_os("KICKSTAND_DEMO_INFO_FILE").map(Into::into);
    // End-to-end tests check the demo's fake through its control routes.
    opts.demo_control_routes = std::env::var("KICKSTAND_DEMO_CONTROL").as_deref() == Ok("1");
    // A real RTMP ingest in the demo (nginx-rtmp), for going live from OBS.
    opts.demo_ingest = std::env::var("KICKSTAND_DEMO_INGEST").as_deref() == Ok("1");
    if let Some(rate) = std::env::var("KICKSTAND_DEMO_CHAT_RATE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        opts.demo_chat_rate = rate.clamp(0.0, 5000.0);
    }
    // End-to-end tests shorten the 30 s stream key reveal.
    if let Some(secs) = std::env::var("KICKSTAND_REVEAL_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| (1..=30).contains(s))
    {
        opts.reveal_for = std::time::Duration::from_secs(secs);
    }
    opts
}

/// Adds Kickstand's plugins and commands to a builder on any runtime (the
/// real one, or `tauri::test::mock_builder()`).
pub fn builder<R: Runtime>(base: tauri::Builder<R>) -> tauri::Builder<R> {
    base.plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .invoke_handler(commands::specta::<R>().invoke_handler())
}

/// Starts the core for this app and keeps it in managed state. Returns at
/// once: the window shows the `starting`/`restoring` phase while the core
/// reads the keyring and asks Kick in the background.
pub fn setup_core<R: Runtime>(app: &tauri::AppHandle<R>, opts: CoreOptions) {
    // The typed events must be registered before the first one is sent.
    commands::specta::<R>().mount_events(app);
    app.manage(commands::Desktop::new(app));
    app.manage(commands::Streams::default());
    let sink = events::sink(app.clone());
    let core = tauri::async_runtime::block_on(async move { Core::launch(opts, sink) });
    app.manage(core);
}

pub fn run() {
    let log_dir = logging::log_dir(IDENTIFIER);
    logging::init(log_dir.as_deref());
    logging::install_panic_hook(log_dir);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Kickstand starting");
    builder(tauri::Builder::<tauri::Wry>::new())
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(|app| {
            let dir = app.path().app_config_dir()?;
            let data = app.path().app_data_dir()?;
            setup_core(app.handle(), options_from_env(dir, data));
            // A panic tells the window where its report is.
            let handle = app.handle().clone();
            logging::on_panic(move |report| {
                use tauri_specta::Event;
                let _ = events::NoticeEvent(kickstand_core::dto::Notice {
                    level: kickstand_core::dto::NoticeLevel::Error,
                    message: format!(
                        "Kickstand hit an internal error and stopped one task. A report ({}) is in the log folder (About → Open logs folder).",
                        report.file_name().unwrap_or_default().to_string_lossy()
                    ),
                })
                .emit(&handle);
            });
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running Kickstand");
}

#[cfg(test)]
mod tests;
