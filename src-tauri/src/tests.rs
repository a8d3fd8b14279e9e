//! The real command set through Tauri's mock runtime, with the real
//! capability files (built with `generate_context!`), against the demo
//! mode's embedded fake Kick.

use super::*;
use kickstand_core::secrets::MemoryStore;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

fn app() -> (tauri::App<MockRuntime>, tauri::WebviewWindow<MockRuntime>) {
    let app = builder(tauri::test::mock_builder())
        .build(tauri::generate_context!())
        .expect("app builds on the mock runtime");
    let dir = std::env::temp_dir().join(format!("kickstand-shell-test-{}", rand_suffix()));
    let mut opts = CoreOptions::new(
        Arc::new(MemoryStore::default()),
        SettingsFile::new(dir.join("settings.json")),
    );
    opts.mode = ModeChoice::Demo;
    opts.demo_uses_browser = false;
    // As the app does, then wait until the demo is entered.
    setup_core(app.handle(), opts);
    let core = app.state::<Core>().inner().clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while core.status().phase == kickstand_core::dto::SessionPhase::Starting {
        assert!(std::time::Instant::now() < deadline, "core never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    (app, window)
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ std::process::id() as u64
}

fn invoke(w: &tauri::WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // In a dev build (no custom-protocol) the app origin is the devUrl.
            url: "http://localhost:5173".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

/// The TypeScript the UI imports is generated from the commands and events
/// above; a change on the Rust side rewrites it and fails once, so the
/// regenerated file gets committed with the change.
#[test]
fn typescript_bindings_are_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/bindings.ts");
    let tmp = std::env::temp_dir().join(format!("kickstand-bindings-{}.ts", rand_suffix()));
    commands::specta::<tauri::Wry>()
        .export(
            specta_typescript::Typescript::default().header(
                "// Generated from the Rust commands and events (tauri-specta): do not edit.\n\
                 // `cargo test -p kickstand` rewrites it when they change.",
            ),
            &tmp,
        )
        .expect("bindings export");
    let fresh = std::fs::read_to_string(&tmp).unwrap();
    let _ = std::fs::remove_file(&tmp);
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if fresh != committed {
        std::fs::write(path, &fresh).unwrap();
        panic!("ui/src/lib/bindings.ts was out of date and has been regenerated: commit it");
    }
    for name in COMMAND_NAMES {
        assert!(fresh.contains(&format!("\"{name}\"")), "{name} missing");
    }
}

#[test]
fn every_command_is_granted_and_nothing_else() {
    let caps: Value = serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
    let granted: Vec<String> = caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    let mut expected: Vec<String> = COMMAND_NAMES.iter().map(|s| s.to_string()).collect();
    let mut got = granted.clone();
    expected.sort();
    got.sort();
    assert_eq!(
        got, expected,
        "capabilities/main.json must grant exactly the app's commands"
    );
}

#[test]
fn demo_flow_through_the_real_command_set() {
    let (_app, w) = app();
    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["mode"], "demo");
    assert_eq!(status["phase"], "logged_out");

    // Not logged in yet: a clear, coded error.
    let err = invoke(&w, "channel", json!({})).unwrap_err();
    assert_eq!(err["code"], "not_logged_in");

    let status = invoke(&w, "login", json!({})).unwrap();
    assert_eq!(status["phase"], "logged_in");
    assert_eq!(status["user"]["name"], "DemoStreamer");

    let channel = invoke(&w, "channel", json!({})).unwrap();
    assert_eq!(channel["slug"], "demostreamer");

    let updated = invoke(
        &w,
        "update_channel",
        json!({"update": {"title": "Ranked grind tonight"}}),
    )
    .unwrap();
    assert_eq!(updated["title"], "Ranked grind tonight");

    let err = invoke(
        &w,
        "update_channel",
        json!({"update": {"title": "x".repeat(500)}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["field"], "title");

    let cats = invoke(&w, "search_categories", json!({"query": "just"})).unwrap();
    assert!(cats
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "Just Chatting"));

    let key = invoke(&w, "reveal_stream_key", json!({})).unwrap();
    assert!(key["stream_key"].as_str().unwrap().starts_with("sk_"));
    assert!(key["ingest_url"].as_str().unwrap().starts_with("rtmps://"));

    let err = invoke(&w, "watchlist_add", json!({"slug": "not a slug!"})).unwrap_err();
    assert_eq!(err["code"], "invalid_input");

    let status = invoke(&w, "logout", json!({})).unwrap();
    assert_eq!(status["phase"], "logged_out");
}

#[test]
fn commands_no_capability_grants_are_refused() {
    let (_app, w) = app();
    assert!(invoke(&w, "definitely_not_a_command", json!({})).is_err());
    // The web view may not open URLs or touch the clipboard itself: the Rust
    // side does that, so no plugin command is granted.
    let err = invoke(
        &w,
        "plugin:opener|open_url",
        json!({"url": "https://kick.com"}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
    let err = invoke(&w, "plugin:clipboard-manager|read_text", json!({})).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}

/// About: the version, the Kick hosts in use (the demo's fake here), and the
/// log folder the logger writes to (computed before Tauri starts) is the one
/// Tauri reports and the About panel opens.
#[test]
fn about_names_the_log_folder_the_logger_uses() {
    let (app, w) = app();
    assert_eq!(app.config().identifier, IDENTIFIER);
    let about = invoke(&w, "about", json!({})).unwrap();
    assert_eq!(about["version"], env!("CARGO_PKG_VERSION"));
    assert!(about["endpoints"]["api"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let tauri_dir = app.path().app_log_dir().unwrap();
    assert_eq!(Some(tauri_dir.clone()), logging::log_dir(IDENTIFIER));
    assert_eq!(about["log_dir"], tauri_dir.display().to_string());
}

/// The web process's JavaScriptCore settings: both set by default, and a
/// value the environment already has is left alone (the window test checks
/// that the web process really has them).
#[test]
fn web_engine_settings_default_and_yield_to_the_environment() {
    assert_eq!(
        web_engine_env(|_| None),
        vec![("JSC_forceMiniVMMode", "true"), ("JSC_useFTLJIT", "false")]
    );
    let set = |n: &str| (n == "JSC_useFTLJIT").then(|| "true".into());
    assert_eq!(web_engine_env(set), vec![("JSC_forceMiniVMMode", "true")]);
}
