// Prevents an extra console window on Windows in release.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// mimalloc instead of glibc's malloc: chat ingest allocates per message, and
// malloc/free were half of kick-chat's CPU at 10,000 msg/s (profile and
// figures in docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Before any thread starts: nothing else reads the environment yet, and
    // the web process WebKit starts later inherits it.
    for (name, value) in kickstand_lib::web_engine_env(|n| std::env::var_os(n)) {
        std::env::set_var(name, value);
    }
    kickstand_lib::run();
}
