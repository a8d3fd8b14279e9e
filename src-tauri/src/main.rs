// Prevents an extra console window on Windows in release.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// mimalloc instead of glibc's malloc: chat ingest allocates per message, and
// malloc/free were half of kick-chat's CPU at 10,000 msg/s (profile and
// figures in docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    kickstand_lib::run();
}
